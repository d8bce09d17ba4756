"""Every file barrierlint writes goes through `atomic_write`.

barrierlint runs on pull requests, so the paths it writes may have been chosen by an attacker (a
committed symlink where a report is written, an output named like an input). A write therefore
never follows a symbolic link at the target, never replaces a file that is one of the run's
inputs, and replaces the target in one rename: a reader, a killed run or a full disk sees the old
file or the new one, never half of either.
"""

from __future__ import annotations

import os
import stat
import tempfile
from typing import Iterable

from .errors import UsageError


def atomic_write(path: str, data: bytes, *, inputs: Iterable[str] = (), replace_input: bool = False) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    Refuses a symbolic link at `path`, and a `path` that is one of `inputs` unless
    `replace_input` (fixes rewrite the file they read, on purpose). Errors are UsageErrors
    that name the path."""
    shown = os.fsdecode(path)
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise UsageError(f"cannot write {shown!r}: {error.strerror}") from None
    if existing is not None:
        if stat.S_ISLNK(existing.st_mode):
            raise UsageError(f"refusing to write {shown!r}: it is a symbolic link")
        if not stat.S_ISREG(existing.st_mode):
            raise UsageError(f"refusing to write {shown!r}: it is not a regular file")
        if not replace_input and any(_same_file(existing, other) for other in inputs):
            raise UsageError(f"refusing to write {shown!r}: it is one of the files being read")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as error:
        raise UsageError(f"cannot write {shown!r}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise UsageError(f"cannot write {shown!r}: {error.strerror or error}") from None


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
