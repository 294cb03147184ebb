"""Safe YAML loading that keeps where every value came from.

libyaml's C parser (PyYAML's `CParser`, the parser behind `CSafeLoader`) turns the text into
events that carry marks; we build plain Python values from those events ourselves, with an
explicit stack rather than recursion, so that every path into a document maps back to
`file:line:col` and no input can exhaust the C stack (libyaml's own composer recurses and
crashes the interpreter on a 100,000-deep `[[[[`). We also close the holes a manifest loader
must not have: only the YAML 1.2 core schema (`NO` is Norway, not False; `!!bool yes` is an
error), decimals stay `Decimal` and must be finite, integers must fit in 64 bits, duplicate
keys, merge keys and custom tags (on scalars, mappings and sequences alike) are refused, as
are huge files, deep nesting and alias bombs (refused after a fixed number of expanded
values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.cyaml import CParser  # type: ignore[attr-defined]

from centra_provision.errors import Diagnostic, ManifestError
from centra_provision.manifest.files import FileProblem, TooLarge, read_limited
from centra_provision.source import Mark, Path_, SourceDocument, line_of, pack, unpack

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 50_000
MAX_DEPTH = 48
MAX_INT = 2**63 - 1
MAX_EXPONENT = 308  # decimals beyond what a double holds are not configuration

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$|^0o[0-7]+$|^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NON_FINITE = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")


class _Abort(Exception):
    """The document is refused as a whole (alias bomb, nesting too deep)."""

    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(mark, message)


class _Frame:
    """An open mapping or sequence while its events arrive."""

    __slots__ = (
        "anchor",
        "container",
        "count",
        "entries",
        "key",
        "key_mark",
        "key_path",
        "keys",
        "path",
    )

    def __init__(self, container: Any, path: Path_, anchor: str | None, at: tuple[int, int, int]):
        self.container = container
        self.path = path
        self.key: str | None = None  # a mapping's key waiting for its value
        self.key_mark: Mark | None = None
        self.key_path: Path_ = ()
        self.anchor = anchor
        self.count, self.entries, self.keys = at  # where the anchored subtree starts


@dataclass
class _Anchor:
    value: Any
    count: int
    depth: int
    marks: list[tuple[Path_, int]]
    key_marks: list[tuple[Path_, int]]


class _Builder:
    """Plain values and marks from one document's events, limits enforced as they arrive."""

    def __init__(self, parser: CParser, file: str) -> None:
        self.parser = parser
        self.file = file
        self.count = 0
        self.marks: list[tuple[Path_, int]] = []
        self.key_marks: list[tuple[Path_, int]] = []
        self.anchors: dict[str, _Anchor] = {}
        self.errors: list[Diagnostic] = []

    def _pos(self, event: Any) -> int:
        """The event's position, packed as the document stores it."""
        start = event.start_mark
        return pack(start.line + 1, start.column + 1)

    def _at(self, pos: int) -> Mark:
        return unpack(self.file, pos)

    def document(self) -> SourceDocument:
        """Consume one document's events (after DocumentStart, through DocumentEnd)."""
        stack: list[_Frame] = []
        root: list[Any] = []
        while True:
            event = self.parser.get_event()
            cls = type(event)
            if cls is yaml.DocumentEndEvent:
                break
            if cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                self._close(frame)
                self._attach(stack[-1] if stack else None, frame.container, root)
                continue
            top = stack[-1] if stack else None
            if top is None:
                path: Path_ = ()
            elif type(top.container) is dict:
                if top.key is None:
                    self._key(top, event)
                    continue
                path = top.key_path  # the tuple its key mark is filed under
            else:
                path = (*top.path, len(top.container))
            value = self._node(event, path, len(stack), stack)
            if value is not _OPEN:
                self._attach(top, value, root)
        doc = SourceDocument(self.file, root[0] if root else None)
        doc.marks = dict(self.marks)
        doc.key_marks = dict(self.key_marks)
        return doc

    def _attach(self, top: _Frame | None, value: Any, root: list[Any]) -> None:
        if top is None:
            root.append(value)
        elif type(top.container) is dict:
            assert top.key is not None
            top.container[top.key] = value
            top.key = None
        else:
            top.container.append(value)

    def _node(self, event: Any, path: Path_, depth: int, stack: list[_Frame]) -> Any:
        self.count += 1
        pos = self._pos(event)
        if self.count > MAX_NODES:
            raise _Abort(
                self._at(pos),
                f"document expands to more than {MAX_NODES} values (alias bomb?); refused",
            )
        if depth > MAX_DEPTH:
            raise _Abort(self._at(pos), f"nesting deeper than {MAX_DEPTH} levels; refused")
        self.marks.append((path, pos))
        cls = type(event)
        if cls is yaml.ScalarEvent:
            value = self._scalar(event, pos)
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchor(value, 1, 0, [], [])
            return value
        if cls is yaml.AliasEvent:
            return self._alias(event, path, depth, pos)
        container: Any = {} if cls is yaml.MappingStartEvent else []
        expected = _CORE + ("map" if cls is yaml.MappingStartEvent else "seq")
        if event.tag is not None and event.tag not in (expected, "!"):
            shape = "a mapping" if cls is yaml.MappingStartEvent else "a sequence"
            self.errors.append(
                Diagnostic(self._at(pos), f"unsupported YAML tag {event.tag} on {shape}")
            )
        at = (self.count, len(self.marks), len(self.key_marks))
        stack.append(_Frame(container, path, event.anchor, at))
        return _OPEN

    def _close(self, frame: _Frame) -> None:
        """Remember an anchored collection: its value, size, depth and marks (relative)."""
        if frame.anchor is not None:
            n = len(frame.path)
            marks = [(p[n:], m) for p, m in self.marks[frame.entries - 1 :]]
            self.anchors[frame.anchor] = _Anchor(
                frame.container,
                self.count - frame.count + 1,
                max(len(p) for p, _ in marks),
                marks,
                [(p[n:], m) for p, m in self.key_marks[frame.keys :]],
            )

    def _alias(self, event: Any, path: Path_, depth: int, pos: int) -> Any:
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            self.errors.append(Diagnostic(self._at(pos), f"unknown alias *{event.anchor}"))
            return None
        self.count += anchor.count - 1
        if self.count > MAX_NODES:
            raise _Abort(
                self._at(pos),
                f"document expands to more than {MAX_NODES} values (alias bomb?); refused",
            )
        if depth + anchor.depth > MAX_DEPTH:
            raise _Abort(self._at(pos), f"nesting deeper than {MAX_DEPTH} levels; refused")
        self.marks.extend((path + p, m) for p, m in anchor.marks if p)
        self.key_marks.extend((path + p, m) for p, m in anchor.key_marks)
        return copy_value(anchor.value)

    def _key(self, top: _Frame, event: Any) -> None:
        pos = self._pos(event)
        if type(event) is not yaml.ScalarEvent:
            self.errors.append(Diagnostic(self._at(pos), "mapping keys must be plain strings"))
            self._skip(event)  # the key itself
            self._skip(self.parser.get_event())  # and its value
            return
        key = str(event.value)
        if event.tag is not None and not event.tag.startswith(_CORE) and event.tag != "!":
            self.errors.append(Diagnostic(self._at(pos), f"unsupported YAML tag {event.tag}"))
        problem = None
        if key == "<<":
            problem = "YAML merge keys (<<) are not supported"
        elif key in top.container:
            first = line_of(dict(self.key_marks)[(*top.path, key)])
            problem = f"duplicate key '{key}' (first at line {first})"
        if problem is not None:
            self.errors.append(Diagnostic(self._at(pos), problem))
            self._skip(self.parser.get_event())
            return
        top.key = key
        top.key_path = (*top.path, key)
        self.key_marks.append((top.key_path, pos))

    def _skip(self, event: Any) -> None:
        """Consume one node's events without building it (no recursion)."""
        level = 1 if type(event) in (yaml.MappingStartEvent, yaml.SequenceStartEvent) else 0
        while level:
            cls = type(self.parser.get_event())
            if cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                level += 1
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                level -= 1

    def _scalar(self, event: Any, pos: int) -> Any:
        tag, value = event.tag, event.value
        if tag is None and event.implicit[0]:
            return self._plain(value, pos)
        if tag is None or tag == "!" or tag == _CORE + "str":
            return value
        if tag.startswith(_CORE):
            typed = self._typed(tag[len(_CORE) :], value, pos)
            if typed is not _BAD:
                return typed
            self.errors.append(
                Diagnostic(
                    self._at(pos),
                    f"!!{tag[len(_CORE) :]} {_short(value)} is not a YAML 1.2 "
                    f"{tag[len(_CORE) :]}; refused",
                )
            )
            return None
        self.errors.append(Diagnostic(self._at(pos), f"unsupported YAML tag {tag}"))
        return None

    def _plain(self, value: str, pos: int) -> Any:
        """Implicit typing of a plain scalar by the YAML 1.2 core schema."""
        first = value[:1]
        if first in "~nN" and _NULL.match(value):
            return None
        if first in "tTfF" and _BOOL.match(value):
            return value[0] in "tT"
        if first in "-+0123456789" and _INT.match(value):
            return self._int(value, pos)
        if first in "-+.0123456789":
            if _FLOAT.match(value):
                return self._decimal(value, pos)
            if _NON_FINITE.match(value):
                self.errors.append(
                    Diagnostic(self._at(pos), f"{value} is not a finite number; refused")
                )
                return None
        return value

    def _typed(self, name: str, value: str, pos: int) -> Any:
        if name == "null" and _NULL.match(value):
            return None
        if name == "bool" and _BOOL.match(value):
            return value[0] in "tT"
        if name == "int" and _INT.match(value):
            return self._int(value, pos)
        if name == "float" and (_FLOAT.match(value) or _INT.match(value)):
            return self._decimal(value, pos)
        if name == "float" and _NON_FINITE.match(value):
            self.errors.append(
                Diagnostic(self._at(pos), f"{value} is not a finite number; refused")
            )
            return None
        return _BAD

    def _int(self, value: str, pos: int) -> int | None:
        text = value.replace("_", "")
        if len(text) <= 24:
            sign = -1 if text.startswith("-") else 1
            digits = text.lstrip("+-")
            if digits.startswith("0o"):
                number = sign * int(digits[2:], 8)
            elif digits.startswith("0x"):
                number = sign * int(digits[2:], 16)
            else:
                number = sign * int(digits)
            if -MAX_INT - 1 <= number <= MAX_INT:
                return number
        self.errors.append(
            Diagnostic(self._at(pos), f"integer {_short(value)} is out of range; refused")
        )
        return None

    def _decimal(self, value: str, pos: int) -> Decimal | None:
        number = Decimal(value.replace("_", "")) if not value.startswith(("0o", "0x")) else None
        if number is None:
            as_int = self._int(value, pos)
            return None if as_int is None else Decimal(as_int)
        if number and not -MAX_EXPONENT <= number.adjusted() <= MAX_EXPONENT:
            self.errors.append(
                Diagnostic(self._at(pos), f"number {_short(value)} is out of range; refused")
            )
            return None
        return number


_OPEN = object()  # a mapping or sequence was opened; its value comes at its end event
_BAD = object()


def _short(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def copy_value(value: Any) -> Any:
    """A deep copy of a plain value (aliases expand to independent values)."""
    if type(value) is dict:
        return {k: copy_value(v) for k, v in value.items()}
    if type(value) is list:
        return [copy_value(v) for v in value]
    return value


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
        documents, errors = _parse(text, shown)
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
        raise ManifestError([_reader_error(text, shown, exc)]) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise ManifestError([Diagnostic(Mark(shown, 1, 1), f"invalid YAML: {problem}")]) from None
    except UnicodeEncodeError as exc:
        line = text[: exc.start].count("\n") + 1
        message = "invalid YAML: unpaired surrogate character"
        raise ManifestError([Diagnostic(Mark(shown, line, 1), message)]) from None
    if errors:
        raise ManifestError(errors)
    if not documents:
        raise ManifestError([Diagnostic(Mark(shown, 1, 1), "empty file: no YAML documents")])
    return documents


def _reader_error(text: str, shown: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    line = text[: exc.position].count("\n") + 1
    col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return Diagnostic(Mark(shown, line, col), f"invalid YAML: unacceptable character #x{code:04x}")


def _flow_depth_problem(text: str, shown: str) -> Diagnostic | None:
    """libyaml's scanner is quadratic in flow nesting (`[[[[...`: 20,000 levels take seconds),
    so a text whose brackets could nest beyond any legal depth is refused before parsing.
    Brackets inside quotes count too: the estimate only errs high, and only on texts with
    over a thousand open brackets."""
    if text.count("[") + text.count("{") <= _FLOW_SCAN_THRESHOLD:
        return None
    depth = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > _FLOW_SCAN_THRESHOLD:
            at = match.start()
            line = text.count("\n", 0, at) + 1
            col = at - (text.rfind("\n", 0, at) + 1) + 1
            return Diagnostic(
                Mark(shown, line, col), f"nesting deeper than {MAX_DEPTH} levels; refused"
            )
    return None


_FLOW_SCAN_THRESHOLD = 1000
_BRACKET = re.compile(r"[\[\]{}]")


def _parse(text: str, shown: str) -> tuple[list[SourceDocument], list[Diagnostic]]:
    too_deep = _flow_depth_problem(text, shown)
    if too_deep is not None:
        return [], [too_deep]
    parser = CParser(text)
    documents: list[SourceDocument] = []
    errors: list[Diagnostic] = []
    try:
        while True:
            event = parser.get_event()
            if type(event) is yaml.StreamEndEvent:
                break
            if type(event) is not yaml.DocumentStartEvent:
                continue
            builder = _Builder(parser, shown)
            try:
                documents.append(builder.document())
            except _Abort as abort:
                errors.append(abort.diagnostic)
                while type(parser.get_event()) is not yaml.DocumentEndEvent:
                    pass
                continue
            errors.extend(builder.errors)
    finally:
        parser.dispose()
    return documents, errors


def load_file(path: Path, shown: str | None = None) -> list[SourceDocument]:
    """Load every YAML document of one manifest file."""
    shown = shown or str(path)
    return load_documents(read_text(path, shown), shown)
