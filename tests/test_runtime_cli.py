"""`barrierlint run` and `check --verify` from the command line, on every fixture and every
real pipeline of the corpus."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from barrierlint import engine
from barrierlint.runtime.verify import verify
from expectations import FIXTURES, cases
from helpers import run, sarif_errors

CORPUS = Path("/work/shared/corpus/real")
FILES = sorted(FIXTURES.rglob("*.yaml")) + (sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else [])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_run_finishes_without_a_traceback(path: Path):
    """Every file runs, or gets a one-line reason; a file that defines or runs several
    pipelines names them, and each of them runs."""
    result = run("run", path)
    chosen = re.search(r"several pipelines \((.*)\); choose one with --pipeline", result.stderr)
    results = [run("run", path, "--pipeline", name) for name in re.findall(r"'([^']*)'", chosen[1])] if chosen else [result]
    for result in results:
        assert "Traceback" not in result.stdout + result.stderr
        assert result.exit_code in (0, 1, 2), result.stderr + repr(result.exception)
        if result.exit_code == 2:
            assert result.stderr.startswith("barrierlint: error: ") and result.stderr.count("\n") == 1, result.stderr
        else:
            assert result.stdout.startswith("pipeline ")


def test_run_resolves_templates_chained_pipelines_and_firstgen_workflows():
    templated = run("run", FIXTURES / "BL301" / "templates_in_repo" / ".harness" / "release.yaml")
    assert "api.wait_ready waits at ready since 00:00:00 for verify, which has not started" in templated.stdout
    chained = run("run", FIXTURES / "BL301" / "chained_sequential" / ".harness" / "deploy.yaml")
    assert "api.s waits at schema since 00:00:00 for verify, which has not started" in chained.stdout
    workflow = FIXTURES / "BL201" / "firstgen_same_identifier_twice" / "Setup" / "Applications" / "Shop" / "Workflows" / "Smoke.yaml"
    firstgen = run("run", workflow)
    assert firstgen.exit_code == 1 and "running pipeline 'Release'" in firstgen.stderr
    assert "rejected at start: Barriers are not running concurrently." in firstgen.stdout
    several = run("run", FIXTURES / "BL501" / "other_pipeline_barrier" / ".harness")
    assert several.exit_code == 2 and "several pipelines ('api', 'web'); choose one with --pipeline" in several.stderr
    assert run("run", FIXTURES / "BL501" / "other_pipeline_barrier" / ".harness", "--pipeline", "web").stdout.startswith("pipeline web:")
    unknown = run("run", FIXTURES / "BL302" / "two_party.yaml", "--pipeline", "nope")
    assert unknown.exit_code == 2 and "no pipeline 'nope' found (it defines 'p')" in unknown.stderr


def test_run_takes_input_sets_and_the_configured_profile(tmp_path):
    case = FIXTURES / "BL301" / "input_set"
    answered = run("run", case / "pipeline.yaml", "--inputs", case / "run_after_build.yaml")
    assert "build.b waits at build_done since 00:00:00 for publish, which has not started" in answered.stdout
    config = tmp_path / ".barrierlint.yaml"
    config.write_text("late-arrival: pass\n")
    loops = run("run", FIXTURES / "BL401" / "loops.yaml", "--config", config, "--trace", "-")
    assert '"policy": "pass"' in loops.stdout


def test_run_writes_the_trace_as_json_lines(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("stop_at_quiescence: true\n")
    result = run("run", FIXTURES / "BL302" / "two_party.yaml", "--scenario", scenario, "--trace", "-")
    assert result.exit_code == 1
    events = [json.loads(line) for line in result.stdout.splitlines()]
    quiescence = next(e for e in events if e["event"] == "quiescence")
    assert quiescence["at"] == "00:00:00" and len(quiescence["blocked"]) == 2
    assert events[-1] == {"t": 0.0, "at": "00:00:00", "event": "end", "node": "p", "status": "RUNNING"}
    assert "frontend.a waits at x since 00:00:00 for backend (b), which waits at y (backend.a)" in result.stderr


def test_run_rejects_a_bad_scenario_in_one_line(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("profile: {late_arrival: sometimes}\n")
    result = run("run", FIXTURES / "BL302" / "two_party.yaml", "--scenario", scenario)
    assert result.exit_code == 2 and "late_arrival must be one of wait, pass" in result.stderr


@pytest.mark.parametrize(
    "entry, message",
    [
        ("durations: {frontend.bb: 5m}", "durations.frontend.bb: no element of the pipeline is named so (did you mean 'frontend.b'?)"),
        ("fail: {backedn.a: {}}", "fail.backedn.a: no element of the pipeline is named so (did you mean 'backend.a'?)"),
        ("when: {'front*.c': false}", "when.front*.c: no element of the pipeline is named so"),
        ("inputs: {'frontend[3].zz': x}", "inputs.frontend[3].zz: no element of the pipeline is named so"),
    ],
)
def test_run_refuses_scenario_names_that_select_nothing(tmp_path, entry, message):
    """A misspelt element used to be ignored: the run "SUCCEEDED" as if the failure never applied."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(entry + "\n")
    result = run("run", FIXTURES / "BL302" / "two_party.yaml", "--scenario", scenario)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "entry",
    ["durations: {frontend.b: 5m}", "fail: {'backend.*': {}}", "when: {frontend: true}", "durations: {'pipeline.stages[0].parallel[1].stage': 1m}", "durations: {'frontend[0].a': 1m}"],
)
def test_run_takes_every_documented_way_of_naming_an_element(tmp_path, entry):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(entry + "\n")
    result = run("run", FIXTURES / "BL302" / "two_party.yaml", "--scenario", scenario)
    assert result.exit_code == 1 and result.stdout.startswith("pipeline p"), result.stderr


# the rules whose findings claim an outcome at run time (a hang, a late copy, a barrier that
# passes at once, a run refused at start): the reference runtime must show each one
RUN_TIME = ("BL101", "BL103", "BL201", "BL301", "BL302", "BL303", "BL306", "BL401", "BL402", "BL403", "BL601")


@pytest.mark.parametrize("case", [c for c in cases() if c.name.split("/")[0] != "BL001"], ids=lambda c: c.name)
def test_verify_confirms_every_run_time_finding_on_the_fixtures(case):
    result = engine.check([str(case.root)], select_rules=RUN_TIME, inputs=case.inputs)
    verified = verify(result.findings, result.project)
    unconfirmed = [
        f"{f.path}:{f.span.line} {f.code}: {f.properties['verification']['status']}: {f.properties['verification']['evidence']}"
        for f in verified
        if f.properties["verification"]["status"] != "CONFIRMED"
    ]
    assert not unconfirmed, "\n".join(unconfirmed)


SPLIT = """
pipeline:
  identifier: release
  name: release
  flowControl:
    barriers:
      - {identifier: db_ready, name: database ready}
  stages:
    - parallel:
        - stage:
            identifier: database
            name: database
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: migrate, name: migrate, type: ShellScript, timeout: 10m, spec: {}}
                  - step: {identifier: wait, name: wait, type: Barrier, timeout: 10m, spec: {barrierRef: db_ready}}
        - stage:
            identifier: app
            name: app
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: wait, name: wait, type: Barrier, timeout: 10m, spec: {barrierRef: db_redy}}
                  - step: {identifier: deploy, name: deploy, type: ShellScript, timeout: 10m, spec: {}}
"""


def test_verify_confirms_an_undeclared_barrier_by_showing_the_split(tmp_path):
    """`explain BL101`: the step no longer waits for the barrier it meant. It used to be
    INCONCLUSIVE while `run` showed app.wait passing at once and database.wait an hour later."""
    pipeline = tmp_path / "release.yaml"
    pipeline.write_text(SPLIT)
    result = run("check", "--verify", "--select", "BL101", "--format", "json", pipeline)
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["properties"]["intended"] == "db_ready"
    assert finding["properties"]["verification"] == {
        "status": "CONFIRMED",
        "evidence": "app.wait arrived at 'db_redy' at 00:00:00 and was released at 00:00:00 alone (no other step joins an undeclared barrier); "
        "the steps at 'db_ready', the barrier it was meant to join, were released at 00:01:00 without it (arrivals: database.wait at 00:01:00)",
    }
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(SPLIT.replace("db_redy", "db_ready"))
    assert re.search(r"app\.wait +SUCCEEDED +00:00:00 +00:01:00", run("run", fixed).stdout)  # what it should have done


def test_verify_is_carried_by_sarif_and_github_annotations():
    target = FIXTURES / "BL302" / "two_party.yaml"
    sarif = json.loads(run("check", "--verify", "--format", "sarif", target).stdout)
    assert not sarif_errors(sarif)
    results = sarif["runs"][0]["results"]
    assert any(r["properties"]["verification"]["status"] == "CONFIRMED" for r in results)
    github = run("check", "--verify", "--format", "github", target).stdout
    assert "runtime: CONFIRMED: quiescent at" in github
