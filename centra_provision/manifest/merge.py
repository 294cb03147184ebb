"""Layering: bases under environments, and `${variable}` substitution, keeping marks right.

A later layer's document with the same kind and name deep-merges onto an earlier one:
mappings merge key by key, anything else (lists included) replaces, and `null` removes
a key. Every value keeps the mark of the file it finally came from.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from centra_provision.errors import Diagnostic
from centra_provision.manifest.yamlio import copy_value
from centra_provision.source import Path_, SourceDocument, Stored

_WHOLE_VAR = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_ANY_VAR = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _graft(
    target: dict[Path_, Stored], source: dict[Path_, Stored], src_prefix: Path_, dst_prefix: Path_
) -> None:
    """Replace the marks under dst_prefix with source's marks under src_prefix."""
    for path in [p for p in target if p[: len(dst_prefix)] == dst_prefix]:
        del target[path]
    n = len(src_prefix)
    for path, mark in source.items():
        if path[:n] == src_prefix:
            target[dst_prefix + path[n:]] = mark


def merge_documents(base: SourceDocument, over: SourceDocument) -> SourceDocument:
    """`over` deep-merged onto `base` (a new document; neither input changes)."""
    out = SourceDocument(over.file, None, base.portable(base.marks), base.portable(base.key_marks))

    def merge(a: Any, b: Any, path: Path_) -> Any:
        if isinstance(a, dict) and isinstance(b, dict) and not _is_reference(b):
            if path in over.marks:
                out.marks[path] = over.marks[path]
            result = dict(a)
            for key, value in b.items():
                out.key_marks[(*path, key)] = over.key_marks.get((*path, key), out.mark(path))
                if value is None:
                    result.pop(key, None)
                    _graft(out.marks, {}, (), (*path, key))
                else:
                    result[key] = merge(a.get(key), value, (*path, key))
            return result
        _graft(out.marks, over.marks, path, path)
        _graft(out.key_marks, over.key_marks, path, path)
        return copy.deepcopy(b)

    out.data = merge(base.data, over.data, ())
    return out


def _is_reference(value: dict[str, Any]) -> bool:
    """Secret references replace whole: merging fromEnv into fromFile would make nonsense."""
    return bool(value) and set(value) <= {"fromEnv", "fromFile"}


class Substitution:
    """Replaces `${name}` in a document's spec with the environment's variables."""

    def __init__(self, variables: dict[str, Any], env_doc: SourceDocument) -> None:
        self.variables = variables
        self.env_doc = env_doc
        self.errors: list[Diagnostic] = []
        self._shared: dict[Path_, Stored] | None = None
        self.env_marks = env_doc.portable(env_doc.marks)  # filed into other files' documents

    def apply(self, doc: SourceDocument, root: Path_ = ("spec",)) -> SourceDocument:
        # The marks are shared with `doc` until a substitution changes them (most documents
        # have none that does): copying them for every document doubled the loader's memory.
        out = SourceDocument(doc.file, copy_value(doc.data), doc.marks, doc.key_marks)
        self._shared = doc.marks
        return self._substitute(out, root)

    def apply_in_place(self, doc: SourceDocument, root: Path_ = ("spec",)) -> SourceDocument:
        """`apply` for a document nothing else holds (a freshly merged layer): no copy."""
        self._shared = None
        return self._substitute(doc, root)

    def _substitute(self, out: SourceDocument, root: Path_) -> SourceDocument:
        node = out.data
        for key in root:
            if not isinstance(node, dict) or key not in node:
                return out
            parent, node = node, node[key]
        parent[root[-1]] = self._walk(out, node, root)
        return out

    def _walk(self, doc: SourceDocument, value: Any, path: Path_) -> Any:
        """Substitutes in place: `value` is already the output document's own copy."""
        if isinstance(value, dict):
            for k, v in value.items():
                value[k] = self._walk(doc, v, (*path, k))
            return value
        if isinstance(value, list):
            for i, v in enumerate(value):
                value[i] = self._walk(doc, v, (*path, i))
            return value
        if isinstance(value, str) and "$" in value:
            return self._string(doc, value, path)
        return value

    def _string(self, doc: SourceDocument, value: str, path: Path_) -> Any:
        whole = _WHOLE_VAR.match(value)
        if whole:
            name = whole.group(1)
            if name not in self.variables:
                self._unknown(doc, name, path)
                return value
            if self._shared is not None and doc.marks is self._shared:
                doc.marks = dict(doc.marks)
            _graft(doc.marks, self.env_marks, ("spec", "variables", name), path)
            return copy.deepcopy(self.variables[name])

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            name = match.group(1)
            if not _NAME.match(name) or name not in self.variables:
                self._unknown(doc, name, path)
                return match.group(0)
            found = self.variables[name]
            if isinstance(found, dict | list):
                self.errors.append(
                    Diagnostic(
                        doc.mark(path),
                        f"variable '{name}' is a {type(found).__name__} and cannot be "
                        "interpolated into a string",
                    )
                )
                return match.group(0)
            return str(found)

        return _ANY_VAR.sub(replace, value)

    def _unknown(self, doc: SourceDocument, name: str, path: Path_) -> None:
        known = ", ".join(sorted(self.variables)) or "none"
        self.errors.append(
            Diagnostic(doc.mark(path), f"unknown variable '{name}' (defined: {known})")
        )
