"""An old version of a project, read from git without touching the work tree: `git archive` of
a revision, streamed into a temporary folder (YAML files only, each within the size limit)."""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from typing import Iterator

from ..engine import YAML_SUFFIXES
from ..errors import UsageError


def _git(folder: str, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", folder, *args], capture_output=True, check=False)
    except OSError as error:
        raise UsageError(f"cannot run git: {error.strerror or error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout.decode("utf-8", "replace").strip()


def toplevel(path: str) -> str:
    """The root of the git work tree holding `path`; a one-line error outside one."""
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)) or "."
    try:
        return _git(folder, "rev-parse", "--show-toplevel")
    except UsageError:
        raise UsageError(f"{path}: not inside a git repository, so a revision cannot be read for it") from None


@contextmanager
def revision(rev: str, path: str, max_size: int) -> Iterator[tuple[str, str]]:
    """(a temporary folder holding the YAML files of `rev`, the work tree root it mirrors).
    The folder is removed afterwards; members that are links, special files, escape the folder
    or exceed `max_size` are left out."""
    if not rev or rev.startswith("-"):
        raise UsageError(f"'{rev}' is not a git revision")
    top = toplevel(path)
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    except UsageError:
        raise UsageError(f"'{rev}' is no commit of the git repository at {top}") from None
    with tempfile.TemporaryDirectory(prefix="barrierlint-diff-") as folder:
        try:
            process = subprocess.Popen(["git", "-C", top, "archive", "--format=tar", commit], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as error:
            raise UsageError(f"cannot run git: {error.strerror or error}") from None
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                for member in archive:
                    if member.isfile() and member.name.endswith(YAML_SUFFIXES) and member.size <= max_size:
                        archive.extract(member, folder, filter="data")
        except (tarfile.TarError, OSError) as error:
            raise UsageError(f"cannot read revision {rev}: {error}") from None
        finally:
            process.stdout.close()
            if process.wait() != 0:
                raise UsageError(f"git archive {rev} failed")
        yield folder, top
