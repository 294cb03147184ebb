"""Where a value came from in a manifest: marks (file, line, column) and the source
document that keeps a mark for every value and key.

These are the bottom of the package beside `errors`: resources carry their document so that
a semantic rule can point at `file:line:col`, and errors print marks; neither may depend on
how YAML is parsed (that is `manifest.yamlio`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A path into a document: mapping keys and list positions.
Path_ = tuple[str | int, ...]

# A position in the document's own file packed in one int (line << 24 | column): a Mark
# object per value cost more than the values themselves.
_SHIFT = 24
_COLUMN = (1 << _SHIFT) - 1


@dataclass(frozen=True, order=True, slots=True)
class Mark:
    """Where a value came from in a manifest: file, 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


Stored = Mark | int


def pack(line: int, col: int) -> int:
    """A 1-based line and column as the int a document stores (columns past 2**24 clamp)."""
    return int(line << _SHIFT | min(col, _COLUMN))


def unpack(file: str, stored: int) -> Mark:
    return Mark(file, stored >> _SHIFT, stored & _COLUMN)


def line_of(stored: int) -> int:
    return stored >> _SHIFT


@dataclass
class SourceDocument:
    """One YAML document: its plain value and the marks of every value and mapping key.
    A mark is a Mark, or an int packing a line and column of this document's own file."""

    file: str
    data: Any
    marks: dict[Path_, Stored] = field(default_factory=dict)
    key_marks: dict[Path_, Stored] = field(default_factory=dict)

    def at(self, stored: Stored) -> Mark:
        if isinstance(stored, Mark):
            return stored
        return unpack(self.file, stored)

    def portable(self, marks: dict[Path_, Stored]) -> dict[Path_, Stored]:
        """`marks` (this document's) as Marks, to be filed in a document of another file."""
        return {path: self.at(stored) for path, stored in marks.items()}

    def mark(self, path: Path_) -> Mark:
        """The mark of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path and path not in self.marks:
            path = path[:-1]
        stored = self.marks.get(path)
        return self.at(stored) if stored is not None else Mark(self.file, 1, 1)

    def key_mark(self, path: Path_) -> Mark:
        stored = self.key_marks.get(tuple(path))
        return self.at(stored) if stored is not None else self.mark(path)
