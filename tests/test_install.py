"""The wheel, installed in a fresh virtual environment, carries every rule and its data.

Rules are discovered from the installed `barrierlint.rules` package through the entry point,
so a packaging mistake (a module or the BL002 schema left out of the wheel, a broken
package-dir mapping or entry point) shows here and nowhere else. The expected codes come from
the rule modules in the source tree, so rules added later are covered without editing this.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from expectations import FIXTURES, ROOT

_CODE = re.compile(r'^\s+code = "(BL\d{3})"', re.MULTILINE)
_SKIP = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis")


def source_rule_codes() -> set[str]:
    return {code for path in (ROOT / "rules").glob("*.py") for code in _CODE.findall(path.read_text(encoding="utf-8"))}


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `bin` folder of a fresh virtual environment with the wheel built from this tree."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"  # a clean copy: no stale build/ output can leak into the wheel
    shutil.copytree(ROOT, source, ignore=_SKIP)
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", source)
    assert built.returncode == 0, built.stderr
    wheel = next((base / "dist").glob("barrierlint-*.whl"))
    made = run(sys.executable, "-m", "venv", base / "venv")
    assert made.returncode == 0, made.stderr
    bin_dir = base / "venv" / ("Scripts" if os.name == "nt" else "bin")
    pip = run(bin_dir / "python", "-m", "pip", "install", "-q", wheel)
    assert pip.returncode == 0, pip.stderr
    return bin_dir


def test_every_rule_in_the_source_tree_is_installed(installed, tmp_path):
    expected = source_rule_codes()
    assert len(expected) >= 10
    listed = run(installed / "barrierlint", "rules", cwd=tmp_path)  # not the source folder: only the install counts
    assert listed.returncode == 0, listed.stderr
    codes = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    assert codes == expected


def test_installed_check_uses_the_shipped_schema(installed, tmp_path):
    fixture = tmp_path / "pipeline.yaml"
    shutil.copy(FIXTURES / "BL002" / "barrier_shapes.yaml", fixture)
    checked = run(installed / "barrierlint", "check", "--select", "BL002", "--format", "json", fixture, cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr
    assert "Barrier step spec has no 'barrierRef'" in checked.stdout  # found only by the jsonschema check
