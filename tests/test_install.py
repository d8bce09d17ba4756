"""The release as README.md installs it: `python -m build` makes a wheel and an sdist, each
installs into a fresh virtual environment, and the installed command works there.

The wheel carries every rule and its data.

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
def built(tmp_path_factory) -> Path:
    """The `dist` folder `python -m build` makes from a clean copy of this tree."""
    base = tmp_path_factory.mktemp("build")
    source = base / "source"  # a clean copy: no stale build/ output can leak into the wheel
    shutil.copytree(ROOT, source, ignore=_SKIP)
    made = run(sys.executable, "-m", "build", "--outdir", base / "dist", source)
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    return base / "dist"


def _venv(base: Path, package: Path) -> Path:
    """The `bin` folder of a fresh virtual environment with `package` installed."""
    made = run(sys.executable, "-m", "venv", base)
    assert made.returncode == 0, made.stderr
    bin_dir = base / ("Scripts" if os.name == "nt" else "bin")
    pip = run(bin_dir / "python", "-m", "pip", "install", "-q", package)
    assert pip.returncode == 0, pip.stderr
    return bin_dir


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """The `bin` folder of a fresh virtual environment with the built wheel."""
    return _venv(tmp_path_factory.mktemp("wheel") / "venv", next(built.glob("barrierlint-*.whl")))


def test_build_makes_a_wheel_and_an_sdist_of_this_version(built):
    from barrierlint import __version__

    assert sorted(p.name for p in built.iterdir()) == [f"barrierlint-{__version__}-py3-none-any.whl", f"barrierlint-{__version__}.tar.gz"]


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_the_release_installs_clean_and_passes_a_smoke_test(built, tmp_path, kind, request):
    """What a user does first: the version, the rules, a check with findings in the CI formats."""
    from barrierlint import __version__

    bin_dir = request.getfixturevalue("installed") if kind == "wheel" else _venv(tmp_path / "venv", next(built.glob("barrierlint-*.tar.gz")))
    assert run(bin_dir / "barrierlint", "--version", cwd=tmp_path).stdout == f"barrierlint {__version__}\n"
    pipeline = tmp_path / "release.yaml"
    shutil.copy(FIXTURES / "BL302" / "two_party.yaml", pipeline)
    checked = run(bin_dir / "barrierlint", "check", "--select", "BL302", "--output", f"junit:{tmp_path / 'r.xml'}", "--output", f"gitlab:{tmp_path / 'r.json'}", pipeline, cwd=tmp_path)
    assert checked.returncode == 1 and "BL302 [error]" in checked.stdout, checked.stderr
    assert (tmp_path / "r.xml").read_text(encoding="utf-8").count("<failure") == 1
    verified = run(bin_dir / "barrierlint", "check", "--verify", "--select", "BL302", "--format", "json", pipeline, cwd=tmp_path)
    assert '"status": "CONFIRMED"' in verified.stdout, verified.stderr
    assert run(bin_dir / "barrierlint", "explain", "BL302", cwd=tmp_path).returncode == 0


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
