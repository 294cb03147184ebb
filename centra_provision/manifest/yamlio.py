"""Safe YAML loading that keeps where every value came from.

PyYAML's composer gives us nodes with marks; we build plain Python values ourselves
so that every path into a document maps back to `file:line:col`. We also close the
holes a manifest loader must not have: YAML 1.1 booleans (`NO` is Norway, not False),
floats (decimals stay `Decimal`), duplicate keys, custom tags, huge files, deep
nesting and alias bombs (refused after a fixed number of expanded nodes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from centra_provision.errors import Diagnostic, ManifestError, Mark
from centra_provision.manifest.files import FileProblem, TooLarge, read_limited

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 50_000
MAX_DEPTH = 48

Path_ = tuple[str | int, ...]

_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$|^0o[0-7]+$|^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema implicit types (no yes/no/on/off, no sexagesimal)."""

    yaml_implicit_resolvers = {}  # noqa: RUF012  (replaced, not extended)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(_FLOAT.pattern + "|" + _SPECIAL_FLOAT.pattern),
    list("-+.0123456789"),
)


@dataclass
class SourceDocument:
    """One YAML document: its plain value and the marks of every value and mapping key."""

    file: str
    data: Any
    marks: dict[Path_, Mark] = field(default_factory=dict)
    key_marks: dict[Path_, Mark] = field(default_factory=dict)

    def mark(self, path: Path_) -> Mark:
        """The mark of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path and path not in self.marks:
            path = path[:-1]
        return self.marks.get(path, Mark(self.file, 1, 1))

    def key_mark(self, path: Path_) -> Mark:
        return self.key_marks.get(tuple(path)) or self.mark(path)


def _mark(file: str, node: yaml.Node) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node graph into plain values, recording marks and enforcing limits."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.doc = SourceDocument(file, None)
        self.errors: list[Diagnostic] = []

    def build(self, node: yaml.Node, path: Path_ = (), depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Abort(
                _mark(self.file, node),
                f"document expands to more than {MAX_NODES} values (alias bomb?); refused",
            )
        if depth > MAX_DEPTH:
            raise _Abort(_mark(self.file, node), f"nesting deeper than {MAX_DEPTH} levels; refused")
        self.doc.marks.setdefault(path, _mark(self.file, node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.errors.append(
                    Diagnostic(_mark(self.file, key_node), "mapping keys must be plain strings")
                )
                continue
            key = str(key_node.value)
            if key == "<<":
                self.errors.append(
                    Diagnostic(_mark(self.file, key_node), "YAML merge keys (<<) are not supported")
                )
                continue
            if key in result:
                first = self.doc.key_marks[(*path, key)]
                self.errors.append(
                    Diagnostic(
                        _mark(self.file, key_node),
                        f"duplicate key '{key}' (first at line {first.line})",
                    )
                )
                continue
            self.doc.key_marks[(*path, key)] = _mark(self.file, key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        tag, value = node.tag, str(node.value)
        if tag == "tag:yaml.org,2002:str":
            return value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() == "true"
        if tag == "tag:yaml.org,2002:int":
            return _to_int(value)
        if tag == "tag:yaml.org,2002:float":
            return _to_decimal(value)
        self.errors.append(Diagnostic(_mark(self.file, node), f"unsupported YAML tag {tag}"))
        return None


class _Abort(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(mark, message)


def _to_int(value: str) -> int:
    text = value.replace("_", "")
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _to_decimal(value: str) -> Decimal:
    lowered = value.lower()
    if lowered.endswith(".inf"):
        return Decimal("-Infinity" if lowered.startswith("-") else "Infinity")
    if lowered == ".nan":
        return Decimal("NaN")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the resolver regex only admits decimals
        return Decimal("NaN")


def read_text(path: Path, shown: str) -> str:
    """Read a manifest file as UTF-8 text, refusing directories, FIFOs, devices, binaries
    and huge files (see `files.read_limited`)."""
    origin = Mark(shown, 1, 1)
    try:
        raw = read_limited(path, MAX_FILE_BYTES)
    except TooLarge as exc:
        message = f"file is {exc.size} bytes; manifests are limited to {MAX_FILE_BYTES} bytes"
        raise ManifestError([Diagnostic(origin, message)]) from None
    except FileProblem as exc:
        message = "is a directory, expected a YAML file" if "directory" in str(exc) else str(exc)
        raise ManifestError([Diagnostic(origin, message)]) from None
    if b"\x00" in raw:
        raise ManifestError([Diagnostic(origin, "binary file (NUL byte), expected YAML text")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ManifestError([Diagnostic(Mark(shown, line, 1), "file is not valid UTF-8")]) from None


def load_documents(text: str, shown: str) -> list[SourceDocument]:
    """Parse every document in `text`; raise ManifestError with all problems found."""
    try:
        nodes = list(_compose_all(text))
    except yaml.MarkedYAMLError as exc:
        problem_mark = exc.problem_mark or exc.context_mark
        mark = (
            Mark(shown, problem_mark.line + 1, problem_mark.column + 1)
            if problem_mark
            else Mark(shown, 1, 1)
        )
        problem = " ".join((exc.problem or exc.context or "invalid YAML").split())
        raise ManifestError([Diagnostic(mark, f"invalid YAML: {problem}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ManifestError(
            [
                Diagnostic(
                    Mark(shown, line, col), f"invalid YAML: unacceptable character #x{code:04x}"
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise ManifestError([Diagnostic(Mark(shown, 1, 1), f"invalid YAML: {problem}")]) from None
    except RecursionError:
        raise ManifestError(
            [Diagnostic(Mark(shown, 1, 1), "nesting too deep to parse; refused")]
        ) from None
    documents: list[SourceDocument] = []
    errors: list[Diagnostic] = []
    for node in nodes:
        if node is None:
            continue
        builder = _Builder(shown)
        try:
            builder.doc.data = builder.build(node)
        except _Abort as abort:
            errors.append(abort.diagnostic)
            continue
        except RecursionError:
            errors.append(Diagnostic(_mark(shown, node), "nesting too deep; refused"))
            continue
        errors.extend(builder.errors)
        documents.append(builder.doc)
    if errors:
        raise ManifestError(errors)
    if not documents:
        raise ManifestError([Diagnostic(Mark(shown, 1, 1), "empty file: no YAML documents")])
    return documents


def _compose_all(text: str) -> Iterator[yaml.Node | None]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            yield loader.get_node()
    finally:
        loader.dispose()


def load_file(path: Path, shown: str | None = None) -> list[SourceDocument]:
    """Load every YAML document of one manifest file."""
    shown = shown or str(path)
    return load_documents(read_text(path, shown), shown)
