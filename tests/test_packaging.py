"""The wheel holds every package of the source tree: a subpackage missing from pyproject.toml's
list installs fine from a checkout (editable) and breaks only for users of the wheel."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_of_the_tree_is_shipped():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {"barrierlint": ROOT / "barrierlint", "barrierlint.rules": ROOT / "rules"}
    found = set()
    for name, folder in folders.items():
        for init in folder.rglob("__init__.py"):
            parts = init.parent.relative_to(folder).parts
            found.add(".".join((name, *parts)))
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"
