"""Reading files named by users without hanging, exhausting memory or crashing.

A path in a manifest or on the command line may be a FIFO (reading blocks forever), a
device (`/dev/zero` never ends), a symlink loop, a name the file system cannot hold, or a
file that grows between `stat` and `read`. So: open first, `fstat` the open descriptor,
refuse anything but a regular file, and read at most `limit + 1` bytes whatever the size
claims. Problems come back as `FileProblem` with a short reason for a one-line message.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

NAME_MAX = 255  # bytes per path component on every file system we run on
PATH_MAX = 4096


class FileProblem(Exception):
    """Why a file could not be read; `str()` is a short lower-case reason."""


class TooLarge(FileProblem):
    """The file holds more than the limit; `size` is what fstat said (or limit + 1)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file is {size} bytes; the limit is {limit} bytes")
        self.size = size


def path_problem(name: str) -> str | None:
    """Why a user-given relative path cannot name a file, before the OS is asked."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "contains a control character"
    encoded = name.encode("utf-8", "surrogatepass")
    if len(encoded) > PATH_MAX:
        return f"is longer than {PATH_MAX} bytes"
    if any(len(part.encode("utf-8", "surrogatepass")) > NAME_MAX for part in name.split("/")):
        return f"has a component longer than {NAME_MAX} bytes"
    return None


def os_reason(exc: OSError) -> str:
    """An OSError as a few words; symlink loops and over-long names are named plainly."""
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return (exc.strerror or str(exc)).lower()


def safe_resolve(path: Path) -> Path:
    """`path.resolve()`, with symlink loops and bad names raised as FileProblem."""
    try:
        return path.resolve()
    except RuntimeError:  # Python 3.11 reports symlink loops this way
        raise FileProblem("symlink loop") from None
    except OSError as exc:
        raise FileProblem(os_reason(exc)) from None
    except ValueError:  # embedded NUL byte
        raise FileProblem("contains a NUL byte") from None


def read_limited(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; never blocks on FIFOs."""
    if path_problem(str(path)) is not None:
        raise FileProblem(f"{what} name {path_problem(str(path))}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise FileProblem("is a directory, expected a file") from None
        raise FileProblem(f"cannot read {what}: {os_reason(exc)}") from None
    try:
        return _read_open(fd, limit, what)
    finally:
        os.close(fd)


def _read_open(fd: int, limit: int, what: str) -> bytes:
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        raise FileProblem("is a directory, expected a file")
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(f"is not a regular file ({_kind(info.st_mode)}); refused")
    if info.st_size > limit:
        raise TooLarge(info.st_size, limit)
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileProblem(f"cannot read {what}: {os_reason(exc)}") from None
    data = b"".join(chunks)
    if len(data) > limit:
        raise TooLarge(len(data), limit)
    return data


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"
