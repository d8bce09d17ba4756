"""Start-up is part of the product: pre-commit runs `barrierlint check` on every commit.

A file without barrier steps must not pay for the heavy dependencies: networkx (ordering
graph), jsonschema (structure validation) and sarif-om (SARIF output) are imported only by the
code that needs them. Every rule module is imported at start-up, so a rule that imports one of
them at module level fails this test.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = {"networkx", "jsonschema", "sarif_om", "pygls", "lsprotocol"}  # pygls: only `barrierlint server` needs it

NO_BARRIERS = """\
pipeline:
  identifier: build
  name: build
  stages:
    - parallel:
        - stage:
            identifier: a
            name: a
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: run, name: run, type: ShellScript, timeout: 10m, spec: {}}
        - stage:
            identifier: b
            name: b
            type: CI
            spec:
              execution:
                steps:
                  - step: {identifier: test, name: test, type: Run, spec: {command: make test}}
"""


def imported_modules(*args: str, cwd, top: bool = True) -> tuple[int, set[str]]:
    """Run the CLI in a fresh interpreter; the exit code and the top-level packages it imported
    (with `top=False`, the modules)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "barrierlint", *args], capture_output=True, text=True, cwd=cwd
    )
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0] if top else name)
    assert names, f"no import trace: {run.stderr[-2000:]}"
    return run.returncode, names


@pytest.mark.parametrize("output", ["text", "json"])
def test_check_without_barriers_does_not_import_heavy_dependencies(tmp_path, output):
    (tmp_path / "pipeline.yaml").write_text(NO_BARRIERS, encoding="utf-8")
    code, names = imported_modules("check", "--format", output, "pipeline.yaml", cwd=tmp_path)
    assert code == 0
    assert "barrierlint" in names
    assert not names & HEAVY, f"imported at start-up: {sorted(names & HEAVY)}"


def test_structure_validation_imports_jsonschema_only_for_barrier_files(tmp_path):
    """The converse, so the test above cannot pass by never validating at all."""
    (tmp_path / "pipeline.yaml").write_text(
        NO_BARRIERS.replace("type: ShellScript, timeout: 10m, spec: {}", "type: Barrier, timeout: 10m, spec: {}"),
        encoding="utf-8",
    )
    code, names = imported_modules("check", "--select", "BL002", "pipeline.yaml", cwd=tmp_path)
    assert code == 1  # the Barrier step has no barrierRef
    assert "jsonschema" in names


@pytest.mark.parametrize("options", [["--format", "json"], ["--format=sarif", "--select", "BL1,BL3"], ["-o", "github:out.txt", "--fail-on", "error", "--no-cache"]])
def test_check_with_common_options_does_not_import_typer(tmp_path, options):
    """CI runs `check` with options: the console parses those (console.CHECK_OPTIONS) rather
    than import typer, click and pydantic, which cost more than checking a file."""
    (tmp_path / "pipeline.yaml").write_text(NO_BARRIERS, encoding="utf-8")
    code, names = imported_modules("check", *options, "pipeline.yaml", cwd=tmp_path)
    assert code == 0
    assert not names & {"typer", "click", "pydantic"}, f"imported: {sorted(names & {'typer', 'click', 'pydantic'})}"


def test_sarif_output_does_not_read_package_metadata(tmp_path):
    """The home page in SARIF is a constant (ruledocs.HOMEPAGE), not read through importlib.metadata."""
    (tmp_path / "pipeline.yaml").write_text(NO_BARRIERS, encoding="utf-8")
    code, names = imported_modules("check", "--format", "sarif", "pipeline.yaml", cwd=tmp_path, top=False)
    assert code == 0 and "barrierlint.report.sarif" in names
    assert "importlib.metadata" not in names


def test_check_help_does_not_load_the_model(tmp_path):
    """The console's own parse of `check` imports nothing before it hands a command line to
    typer (the choices of --format and --fail-on are looked up only when those are given)."""
    code, names = imported_modules("check", "--help", cwd=tmp_path, top=False)
    assert code == 0 and "typer" in {name.split(".")[0] for name in names}
    assert "barrierlint.model" not in names
