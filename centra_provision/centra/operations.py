"""GraphQL operations: loaded from the .graphql files beside this module, then adapted with
AST operations (never string concatenation): root fields renamed to the live schema's
names, template fields repeated per key, unused fields dropped. AST nodes are immutable,
so every change builds new nodes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from graphql import (
    ArgumentNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    ListValueNode,
    NameNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

N = TypeVar("N", bound=Node)


def replace(node: N, **changes: Any) -> N:
    """A copy of an immutable AST node with some attributes changed."""
    values = {key: getattr(node, key, None) for key in node.keys if key != "loc"}
    return type(node)(**{**values, **changes})


# Where documents live: the client's own, then those the resource kinds send (their lists
# and mutations, kept beside the kinds).
FOLDERS = (("centra_provision.centra", "queries"), ("centra_provision.resources", "queries"))


@cache
def load(name: str) -> DocumentNode:
    """A document from centra/queries/<name>.graphql or resources/queries/<name>.graphql."""
    for package, folder in FOLDERS:
        path = resources.files(package) / folder / f"{name}.graphql"
        if path.is_file():
            return parse(path.read_text(), no_location=True)
    raise FileNotFoundError(f"no GraphQL document named {name}")


def operation(doc: DocumentNode) -> OperationDefinitionNode:
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(ops) == 1, "one operation per file"
    return ops[0]


def name_of(doc: DocumentNode) -> str | None:
    """The operation's name (what the client sends as `operationName`)."""
    name = operation(doc).name
    return name.value if name is not None else None


def _with_operation(doc: DocumentNode, op: OperationDefinitionNode) -> DocumentNode:
    return DocumentNode(
        definitions=tuple(
            op if isinstance(d, OperationDefinitionNode) else d for d in doc.definitions
        )
    )


def _roots(op: OperationDefinitionNode) -> list[FieldNode]:
    return [s for s in op.selection_set.selections if isinstance(s, FieldNode)]


def rename_roots(doc: DocumentNode, names: Mapping[str, str]) -> DocumentNode:
    """Root fields called by their reference name, renamed to the live schema's name; the
    response key stays the same (the old name becomes the alias)."""
    op = operation(doc)
    fields = []
    for sel in _roots(op):
        live = names.get(sel.name.value, sel.name.value)
        if live != sel.name.value:
            sel = replace(
                sel, alias=sel.alias or NameNode(value=sel.name.value), name=NameNode(value=live)
            )
        fields.append(sel)
    return _with_operation(
        doc, replace(op, selection_set=SelectionSetNode(selections=tuple(fields)))
    )


def _rename_variable(node: FieldNode, old: str, new: str) -> FieldNode:
    class Rename(Visitor):
        def enter_variable(self, var: VariableNode, *_: object) -> VariableNode | None:
            return VariableNode(name=NameNode(value=new)) if var.name.value == old else None

    result = visit(node, Rename())
    assert isinstance(result, FieldNode)
    return result


def instance(doc: DocumentNode, key: str) -> DocumentNode:
    """A copy where every alias becomes `<key>_<alias>` and every variable `$v_<key>`."""
    op = operation(doc)
    names = [v.variable.name.value for v in op.variable_definitions or ()]
    fields = []
    for sel in _roots(op):
        for name in names:
            sel = _rename_variable(sel, name, f"{name}_{key}")
        fields.append(replace(sel, alias=NameNode(value=f"{key}_{(sel.alias or sel.name).value}")))
    variables = tuple(
        replace(v, variable=VariableNode(name=NameNode(value=f"{v.variable.name.value}_{key}")))
        for v in op.variable_definitions or ()
    )
    return _with_operation(
        doc,
        replace(
            op,
            selection_set=SelectionSetNode(selections=tuple(fields)),
            variable_definitions=variables,
        ),
    )


def combine(name: str, docs: list[DocumentNode]) -> DocumentNode:
    """One operation holding every root field and variable of `docs` (all queries); a
    variable several of them declare (`$limit`, `$page`) is declared once."""
    ops = [operation(d) for d in docs]
    first = ops[0]
    variables: dict[str, VariableDefinitionNode] = {}
    for op in ops:
        for v in op.variable_definitions or ():
            variables.setdefault(v.variable.name.value, v)
    return DocumentNode(
        definitions=(
            replace(
                first,
                name=NameNode(value=name),
                selection_set=SelectionSetNode(
                    selections=tuple(s for op in ops for s in op.selection_set.selections)
                ),
                variable_definitions=tuple(variables.values()),
            ),
        )
    )


def keep_roots(doc: DocumentNode, keep: set[str]) -> DocumentNode:
    """Only the root fields whose response key is in `keep`, and the variables they use."""
    op = operation(doc)
    fields = tuple(s for s in _roots(op) if (s.alias or s.name).value in keep)
    used = _used_variables(fields)
    variables = tuple(v for v in op.variable_definitions or () if v.variable.name.value in used)
    return _with_operation(
        doc,
        replace(
            op, selection_set=SelectionSetNode(selections=fields), variable_definitions=variables
        ),
    )


def _used_variables(fields: tuple[FieldNode, ...]) -> set[str]:
    used: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, var: VariableNode, *_: object) -> None:
            used.add(var.name.value)

    for f in fields:
        visit(f, Collect())
    return used


def adapt_lists(
    doc: DocumentNode, live_args: Mapping[str, list[str]], id_sorts: Mapping[str, str]
) -> DocumentNode:
    """Root lists (by reference name) fitted to the live schema's arguments: `limit`,
    `page` or `sort` it lacks are dropped (no `page`: no `limit` either, or the list would
    be cut at one page), and a list that can be sorted by id and names no sort is sorted by
    id, so that pages do not shift. Variables no longer used are dropped."""
    op = operation(doc)
    fields = tuple(
        _fit(sel, live_args[sel.name.value], id_sorts.get(sel.name.value))
        if sel.name.value in live_args
        else sel
        for sel in _roots(op)
    )
    used = _used_variables(fields)
    variables = tuple(v for v in op.variable_definitions or () if v.variable.name.value in used)
    return _with_operation(
        doc,
        replace(
            op, selection_set=SelectionSetNode(selections=fields), variable_definitions=variables
        ),
    )


PAGING = ("limit", "page", "sort")


def _fit(sel: FieldNode, live: list[str], id_sort: str | None) -> FieldNode:
    keep = [a for a in sel.arguments or () if a.name.value not in PAGING or a.name.value in live]
    if "page" not in live:
        keep = [a for a in keep if a.name.value != "limit"]
    if id_sort is not None and "sort" in live and not any(a.name.value == "sort" for a in keep):
        value = ListValueNode(values=(EnumValueNode(value=id_sort),))
        keep.append(ArgumentNode(name=NameNode(value="sort"), value=value))
    return replace(sel, arguments=tuple(keep))


def paged_keys(doc: DocumentNode) -> set[str]:
    """Response keys of the root fields that are read page by page (they take `page`)."""
    return {
        (s.alias or s.name).value
        for s in _roots(operation(doc))
        if any(a.name.value == "page" for a in s.arguments or ())
    }


def defined_variables(doc: DocumentNode, values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the variables the operation declares (an adapted document may declare fewer)."""
    names = {v.variable.name.value for v in operation(doc).variable_definitions or ()}
    return {k: v for k, v in values.items() if k in names}


def response_keys(doc: DocumentNode) -> list[str]:
    return [(s.alias or s.name).value for s in _roots(operation(doc))]


def text(doc: DocumentNode) -> str:
    return print_ast(doc)


__all__ = [
    "VariableDefinitionNode",
    "keep_roots",
    "load",
    "rename_roots",
    "response_keys",
    "text",
]
