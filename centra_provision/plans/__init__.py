"""Plans as values: what would change (model) and its file format (planfile).

The bottom of the package after `errors` and `source`: renderers print these values,
executors run them and the planner builds them, so none of those may be below this.
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
