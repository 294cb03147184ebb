"""Plans as values: what would change (model) and its file format (planfile).

Near the bottom of the package (only `errors`, `clock` and `values` are below it):
renderers print these values, executors run them and the planner builds them, so none of
those may be below this.
"""

from centra_provision.plans.model import (
    Action,
    ExecutorKind,
    FieldChange,
    FieldStatus,
    LedgerIdentity,
    Outcome,
    Plan,
    ResourceChange,
    StepOutcome,
)

__all__ = [
    "Action",
    "ExecutorKind",
    "FieldChange",
    "FieldStatus",
    "LedgerIdentity",
    "Outcome",
    "Plan",
    "ResourceChange",
    "StepOutcome",
]
