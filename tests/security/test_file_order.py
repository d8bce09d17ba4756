"""Results do not depend on the order of the paths: which of two definitions of one template,
pipeline or workflow is used is decided by their paths, and the duplicate is a finding (BL503)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile import run_cli
from projects import FILES, PIPELINE, TEMPLATE

BROKEN = FILES[TEMPLATE].replace("barrierRef: ready", "barrierRef: raedy")


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return list(files)


def _both_orders(root: Path, names: list[str], *options: str) -> str:
    """The output of a check of `names` in either order (and in two processes): it must be one."""
    outputs = set()
    for order in (names, names[::-1]):
        for jobs in ("1", "2"):
            result = run_cli("check", "--isolated", "--jobs", jobs, *options, *order)
            outputs.add((result.code, result.out, result.err))
    assert len(outputs) == 1, outputs
    return outputs.pop()


@pytest.mark.parametrize("broken_first", [True, False])
def test_two_templates_with_one_identifier_and_version(tmp_path, monkeypatch, broken_first):
    monkeypatch.chdir(tmp_path)
    first, second = (BROKEN, FILES[TEMPLATE]) if broken_first else (FILES[TEMPLATE], BROKEN)
    names = _write(tmp_path, {PIPELINE: FILES[PIPELINE], "templates/a.yaml": first, "templates/b.yaml": second})
    code, out, _ = _both_orders(tmp_path, names)
    assert "templates/b.yaml:2:15: BL503 [warning] template 'deploy' version 'v1' is also defined in templates/a.yaml" in out
    assert ("BL101" in out) is broken_first  # the first by path is used, whatever the order
    assert code == 1


PARENT = """\
pipeline:
  identifier: parent
  name: parent
  stages:
    - stage:
        identifier: run_release
        name: run release
        type: Pipeline
        spec:
          org: default
          project: shop
          pipeline: release
"""


def test_two_pipelines_with_one_identifier(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = _write(tmp_path, {"one.yaml": FILES[PIPELINE], "two.yaml": FILES[PIPELINE], TEMPLATE: FILES[TEMPLATE], "parent.yaml": PARENT})
    code, out, _ = _both_orders(tmp_path, names)
    assert "two.yaml:2:15: BL503 [warning] pipeline 'release' is also defined in one.yaml" in out
    assert out.count("BL503") == 1 and code == 1


def test_a_pipeline_identifier_nothing_refers_to_may_be_reused(tmp_path, monkeypatch):
    """One repository may hold pipelines of several Harness projects, which may reuse an
    identifier: a copy matters only where a reference could resolve to either."""
    monkeypatch.chdir(tmp_path)
    names = _write(tmp_path, {"one.yaml": FILES[PIPELINE], "two.yaml": FILES[PIPELINE], TEMPLATE: FILES[TEMPLATE]})
    code, out, _ = _both_orders(tmp_path, names)
    assert "BL503" not in out and code == 0


def test_bl501_names_the_same_declaring_pipeline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fixture = Path(__file__).parents[2] / "fixtures" / "BL501" / "other_pipeline_barrier" / ".harness"
    api = (fixture / "api.yaml").read_text(encoding="utf-8")
    names = _write(tmp_path, {"web.yaml": (fixture / "web.yaml").read_text(encoding="utf-8"), "b_api.yaml": api, "a_api.yaml": api.replace("identifier: api", "identifier: api2")})
    code, out, _ = _both_orders(tmp_path, names, "--select", "BL501")
    assert "is declared in pipeline 'api2' (a_api.yaml)" in out and code == 1


def test_two_firstgen_workflows_with_one_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    workflow = "Setup/Applications/Shop/Workflows/Deploy API"
    files = {name: text for name, text in FILES.items() if name.startswith("Setup/")}
    files[f"{workflow}.yml"] = files[f"{workflow}.yaml"]
    names = _write(tmp_path, files)
    code, out, _ = _both_orders(tmp_path, names)
    assert f"{workflow}.yml:1:1: BL503 [warning] FirstGen workflow 'Deploy API' of application 'Shop' is also defined in {workflow}.yaml" in out
    assert code == 1


def test_check_file_sees_the_other_definition_of_a_template_in_use(tmp_path, monkeypatch):
    """`check FILE` (pre-commit) reads every definition of a template a pipeline uses, so the
    duplicate is reported whichever copy changed (and not on the pipeline, which is no copy)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    _write(tmp_path, {PIPELINE: FILES[PIPELINE], TEMPLATE: FILES[TEMPLATE], ".harness/templates/copy.yaml": FILES[TEMPLATE]})
    for named in (TEMPLATE, ".harness/templates/copy.yaml"):
        result = run_cli("check", "--no-cache", named)
        assert ".harness/templates/deploy.yaml:2:15: BL503" in result.out and result.code == 1, (named, result.out)
    assert "BL503" not in run_cli("check", "--no-cache", PIPELINE).out
