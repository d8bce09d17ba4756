"""Every place Harness's schema allows steps (tests/data/step_places.json, derived from
harness/harness-schema by tests/derive_step_places.py) is read: a Barrier step put there is a
participant of its barrier, is checked by BL101 and BL201, and arrives in the simulator. Places
the analysis cannot separate (one environment's provisioner of several) get an info, never silence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from barrierlint import engine, model, source
from barrierlint.runtime import Scenario, simulate
from barrierlint.runtime.scenario import Failure

PLACES = json.loads((Path(__file__).parent / "data" / "step_places.json").read_text())["places"]
STEP_PLACES = [p for p in PLACES if p["holds"] == "steps"]
NOT_SEPARATED = ("spec.environments.values.", "spec.environmentGroup.environments.")  # reported by BL502


def barrier(identifier: str, ref: str) -> dict:
    return {"step": {"identifier": identifier, "name": identifier, "type": "Barrier", "timeout": "10m", "spec": {"barrierRef": ref}}}


def put(path: str, items: list) -> dict:
    """A mapping holding `items` at a place's path (`a.b.[].c.[]`: lists of one mapping on the way)."""
    keys = path.split(".")
    assert keys[-1] == "[]"
    value: object = items
    for key in reversed(keys[:-1]):
        value = [value] if key == "[]" else {key: value}
    return value


def stage_at(place: dict, items: list) -> dict:
    """A stage whose step list at `place` holds `items`."""
    owner = place["owner"]
    if owner.startswith("stage:"):
        spec = put(place["path"], items)["spec"]
        return {"stage": {"identifier": "placed", "name": "placed", "type": owner.split(":", 1)[1], "spec": spec}}
    if owner == "stepGroup":
        holder = {"stepGroup": {"identifier": "group", "name": "group", **put(place["path"], items)}}
    elif (owner, place["path"]) == ("step list item", "parallel.[]"):
        holder = {"parallel": items}
    elif (owner, place["path"]) == ("step list item", "insert.steps.[]"):
        holder = {"insert": {"identifier": "slot", "name": "slot", "steps": items}}
    else:
        raise AssertionError(f"a place the schema gained: read it in model._step_items or model._stage, then here: {place}")
    return {"stage": {"identifier": "placed", "name": "placed", "type": "Custom", "spec": {"execution": {"steps": [holder]}}}}


def check(tmp_path, place: dict, items: list):
    partner = {"stage": {"identifier": "partner", "name": "partner", "type": "Custom", "spec": {"execution": {"steps": [barrier("meet", "sync")]}}}}
    text = {"pipeline": {"identifier": "p", "name": "p", "flowControl": {"barriers": [{"identifier": "sync", "name": "sync"}]}, "stages": [{"parallel": [stage_at(place, items), partner]}]}}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(text, sort_keys=False))
    result = engine.check([str(path)], isolated=True)
    return result, result.project.pipelines[0]


def test_the_list_comes_from_the_schema():
    assert {("stage:Deployment", "spec.environment.provisioner.steps.[]"), ("stepGroup", "steps.[]"), ("step list item", "insert.steps.[]")} <= {
        (p["owner"], p["path"]) for p in STEP_PLACES
    }
    assert len(STEP_PLACES) >= 20


@pytest.mark.parametrize("place", STEP_PLACES, ids=lambda p: f"{p['owner']}:{p['path']}")
def test_a_barrier_step_in_each_place_is_analysed(tmp_path, place):
    if place["path"].startswith(NOT_SEPARATED):
        result, pipeline = check(tmp_path, place, [barrier("placed_step", "sync")])
        assert [f.code for f in result.findings] == ["BL502"], result.findings
        assert "only in that environment's copies" in result.findings[0].message
        return
    rollback = "rollbackSteps" in place["path"]
    result, pipeline = check(tmp_path, place, [barrier("placed_step", "sync")])
    placed = [o for o in model.occurrences(pipeline) if o.step.identifier == "placed_step"]
    assert len(placed) == 1 and placed[0].ref == "sync" and placed[0].in_rollback == rollback
    codes = {f.code for f in result.findings}
    assert "BL103" not in codes and "BL102" not in codes  # two participants: the placed step and its partner
    if not rollback:  # the simulator runs rollback steps only on failure
        run = simulate(pipeline)
        arrived = {event["node"] for event in run.events if event["event"] == "arrive" and event["barrier"] == "sync"}
        assert any(node.endswith("placed_step") for node in arrived) and run.status == "SUCCEEDED", (arrived, run.status)

    result, _ = check(tmp_path, place, [barrier("placed_step", "synk")])
    undeclared = [f for f in result.findings if f.code == "BL101"]
    assert len(undeclared) == 1 and "'placed_step'" in undeclared[0].message

    group = {"stepGroup": {"identifier": "twice", "name": "twice", "steps": [barrier("first", "sync"), barrier("second", "sync")]}}
    result, _ = check(tmp_path, place, [group])
    twice = [f for f in result.findings if f.code == "BL201"]
    assert len(twice) == 1 and "'second'" in twice[0].message, result.findings


TEMPLATE_PLACES = {p["owner"]: p for p in PLACES if p["owner"].startswith("template:")}


def template_codes(tmp_path, kind: str, spec: dict) -> list[str]:
    """The rule codes of the findings on a template file checked alone."""
    path = tmp_path / "template.yaml"
    text = {"template": {"identifier": "lib", "name": "lib", "versionLabel": "v1", "type": kind, "spec": spec}}
    path.write_text(yaml.safe_dump(text, sort_keys=False))
    return [f.code for f in engine.check([str(path)], isolated=True).findings]


def steps_twice(ref: str = "sync") -> list:
    return [barrier("first", ref), barrier("second", ref)]


@pytest.mark.parametrize("stage_type", TEMPLATE_PLACES["template:Stage"]["types"])
def test_a_stage_template_alone_is_analysed(tmp_path, stage_type):
    spec = {"type": stage_type.split(":", 1)[1], "spec": {"execution": {"steps": steps_twice()}}}
    codes = template_codes(tmp_path, "Stage", spec)
    assert "BL201" in codes and "BL101" not in codes and "BL103" not in codes  # the pipelines using it declare the barrier
    spec["spec"]["execution"]["steps"] = [barrier("first", "<+input>"), barrier("second", "<+input>")]
    assert "BL201" not in template_codes(tmp_path, "Stage", spec)  # two runtime inputs are two unknown values


def test_a_step_group_template_alone_is_analysed(tmp_path):
    assert TEMPLATE_PLACES["template:StepGroup"]["holds"] == "stepGroup"
    assert template_codes(tmp_path, "StepGroup", {"stageType": "Custom", "steps": steps_twice()}) == ["BL201"]


def test_a_step_template_alone_is_analysed(tmp_path):
    assert TEMPLATE_PLACES["template:Step"]["holds"] == "step"
    step = {"type": "Barrier", "spec": {"barrierRef": "<+pipeline.name>"}, "strategy": {"repeat": {"times": 2}}}
    assert sorted(template_codes(tmp_path, "Step", step)) == ["BL403", "BL601", "BL702"]
    assert template_codes(tmp_path, "Step", {"type": "Barrier", "timeout": "<+input>", "spec": {"barrierRef": "<+input>"}}) == []


def test_a_pipeline_template_alone_is_analysed(tmp_path):
    stage = lambda name: {"stage": {"identifier": name, "name": name, "type": "Custom", "spec": {"execution": {"steps": [barrier(name, "sync")]}}}}
    spec = {"flowControl": {"barriers": [{"identifier": "sync", "name": "sync"}]}, "stages": [stage("one"), stage("two")]}
    assert template_codes(tmp_path, "Pipeline", spec) == ["BL301"]
    spec["stages"][1]["stage"]["spec"]["execution"]["steps"] = [barrier("two", "synk")]
    assert sorted(template_codes(tmp_path, "Pipeline", spec)) == ["BL101", "BL103"]


def test_a_template_library_alone_gets_the_findings_of_the_pipelines_using_it():
    folder = os.path.join(os.path.dirname(__file__), "..", "fixtures", "BL302", "template_used_by_two_pipelines")
    where = lambda result: sorted((os.path.basename(f.path), f.span.line, f.code) for f in result.findings)
    alone = engine.check([os.path.join(folder, "template.yaml")], isolated=True)
    used = engine.check([folder])
    assert where(alone) == where(used) and {name for name, _, _ in where(used)} == {"template.yaml"}
    assert len(where(used)) == len(set(where(used))) == 5


PROVISIONED = """
pipeline:
  identifier: p
  name: p
  stages:
    - stage:
        identifier: d
        name: d
        type: Deployment
        failureStrategies: [{onFailure: {errors: [AllErrors], action: {type: StageRollback}}}]
        spec:
          environment:
            environmentRef: dev
            provisioner:
              steps: [{step: {identifier: plan, name: plan, type: ShellScript, timeout: 10m, spec: {}}}]
              rollbackSteps: [{step: {identifier: unplan, name: unplan, type: ShellScript, timeout: 10m, spec: {}}}]
          execution:
            steps: [{step: {identifier: roll, name: roll, type: ShellScript, timeout: 10m, spec: {}}}]
            rollbackSteps: [{step: {identifier: unroll, name: unroll, type: ShellScript, timeout: 10m, spec: {}}}]
"""


@pytest.mark.parametrize(
    "failing, ran",
    [
        (None, ["plan", "roll"]),
        ("d.plan", ["plan", "unplan"]),  # provisioning failed: the execution and its rollback never start
        ("d.roll", ["plan", "roll", "unplan", "unroll"]),  # a stage rollback: the provisioner's rollbackSteps, then the execution's
    ],
)
def test_provisioner_steps_run_in_the_engine_order(failing, ran):
    pipeline = model.build(source.load("p.yaml", PROVISIONED.encode()))[0]
    run = simulate(pipeline, Scenario(failures={failing: Failure()} if failing else {}))
    started = [event["node"].split(".")[-1] for event in run.events if event["event"] == "start" and event.get("kind") == "step"]
    assert started == ran


def test_pictures_draw_provisioner_steps_in_the_engine_order():
    from barrierlint.pictures.layout import layout

    text = PROVISIONED.replace("type: ShellScript", "type: Barrier").replace("spec: {}", "spec: {barrierRef: x}")
    cells = sorted(layout(model.build(source.load("p.yaml", text.encode()))[0]).cells, key=lambda cell: cell.column)
    assert [(cell.origin.route[-4], cell.origin.route[-3], cell.rollback) for cell in cells] == [
        ("provisioner", "steps", False),
        ("execution", "steps", False),
        ("provisioner", "rollbackSteps", True),
        ("execution", "rollbackSteps", True),
    ]
