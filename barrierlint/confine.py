"""Where barrierlint reads the files it finds on its own: inside the folder it scans, or inside
that folder's git repository.

A pull request can commit links: `.harness/root -> /` would turn a folder scan into a walk of
the file system, `leak.yaml -> ~/.ssh/config` would print a secret's line in a code frame, and
`.barrierlint.yaml -> elsewhere` would configure the run from outside. Links found while
walking, or while looking for the configuration, are followed only where they stay inside;
paths named on the command line are the user's choice and are read wherever they lead.
"""

from __future__ import annotations

import os

from .source import repository_root


def boundaries(folder: str) -> tuple[str, ...]:
    """The resolved folders that links found in `folder` may lead into: it and its repository."""
    root = repository_root(os.path.abspath(folder))  # cached by its argument: pass it absolute
    return tuple(os.path.realpath(place) for place in (folder, root) if place)


def stays(path: str, limits: tuple[str, ...]) -> bool:
    """True when `path` is no link, or resolves inside one of `limits`."""
    return not os.path.islink(path) or inside(os.path.realpath(path), limits)


def inside(real: str, limits: tuple[str, ...]) -> bool:
    """True when the resolved path `real` is one of `limits` or below one."""
    return any(real == place or real.startswith(place.rstrip(os.sep) + os.sep) for place in limits)
