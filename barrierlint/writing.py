"""Every file barrierlint writes goes through `atomic_write`; every file it reads, through `open_input`.

barrierlint runs on pull requests, so the paths it writes may have been chosen by an attacker (a
committed symlink where a report is written, an output named like an input). A write therefore
never follows a symbolic link at the target, never replaces a file that this run has read (a
pipeline, a template, a configuration, a baseline, a scenario, an input set: `open_input` keeps
their identities), and replaces the target in one rename: a reader, a killed run or a full disk
sees the old file or the new one, never half of either.
"""

from __future__ import annotations

import os
import stat
from typing import IO, Iterable

from .errors import UsageError

_read: set[tuple[int, int, int]] = set()  # (device, inode, change time) of each file open_input opened


def open_input(path: str, mode: str = "rb", **options) -> IO:
    """`open(path, mode)` for reading, remembering the file: no write of this run replaces it.
    The identity is taken from the open file, so a symbolic link to it cannot hide it; the
    change time tells a file created since on a recycled inode number from the file read."""
    handle = open(path, mode, **options)
    _read.add(_identity(os.fstat(handle.fileno())))
    return handle


def forget_inputs() -> None:
    """A new command begins: what an earlier command of this process read (tests, the Python
    API) is not its input."""
    _read.clear()


def write_text(path: str, text: str) -> None:
    """`text` as UTF-8 through `atomic_write`; characters UTF-8 cannot hold (bytes of an
    undecodable file name) are written escaped, as on standard output."""
    atomic_write(path, text.encode("utf-8", "backslashreplace"))


def atomic_write(path: str, data: bytes, *, inputs: Iterable[str] = (), replace_input: bool = False) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    Refuses a symbolic link at `path`, and a `path` that is a file this run has read or one of
    `inputs`, unless `replace_input` (fixes rewrite the file they read, on purpose). Errors are
    UsageErrors that name the path."""
    shown = repr(os.fsdecode(path))  # repr escapes line breaks, escape sequences and undecodable bytes
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise UsageError(f"cannot write {shown}: {error.strerror}") from None
    if existing is not None:
        if stat.S_ISLNK(existing.st_mode):
            raise UsageError(f"refusing to write {shown}: it is a symbolic link")
        if not stat.S_ISREG(existing.st_mode):
            raise UsageError(f"refusing to write {shown}: it is not a regular file")
        if not replace_input and (_identity(existing) in _read or any(_same_file(existing, other) for other in inputs)):
            raise UsageError(f"refusing to write {shown}: it is one of the files being read")
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as error:
        raise UsageError(f"cannot write {shown}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as error:  # a full disk, or an interrupt: no temporary file stays behind
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise UsageError(f"cannot write {shown}: {error.strerror or error}") from None
        raise


def _identity(found: os.stat_result) -> tuple[int, int, int]:
    return found.st_dev, found.st_ino, found.st_ctime_ns


def _same_file(target: os.stat_result, other: str) -> bool:
    try:
        found = os.stat(other)
    except (OSError, ValueError):
        return False
    return (found.st_dev, found.st_ino) == (target.st_dev, target.st_ino)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
