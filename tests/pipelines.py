"""A hypothesis generator of Harness pipelines, written as YAML text and read through the real
loader and model: parallel groups, step groups (nested, parallel step blocks), loops with and
without maxConcurrency, multi-service spawners, `when`, `dependsOn` and rollbackSteps, over a
small pool of barrier references so that barriers are shared, reused and crossed."""

from __future__ import annotations

import json
from hypothesis import strategies as st

from barrierlint import model, source

REFS = ("x", "y", "z")


class Built:
    """The drawn pipeline: its YAML text, the model read from it, and the routes of its
    `when`-conditional elements."""

    def __init__(self, text: str, pipeline: model.Pipeline, conditional: list):
        self.text, self.pipeline, self.conditional = text, pipeline, conditional

    def __repr__(self) -> str:
        return f"Built(<{len(self.text)} characters of YAML, printed in the assertion message>)"


class _Names:
    def __init__(self):
        self.count = 0

    def next(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"


@st.composite
def _when(draw, status_key: str):
    if not draw(st.integers(0, 3)) == 0:
        return None
    return {status_key: "Success", "condition": "<+pipeline.variables.go> == 'yes'"}


@st.composite
def _strategy(draw):
    kind = draw(st.sampled_from(["none", "none", "matrix", "repeat", "parallelism"]))
    if kind == "none":
        return None
    copies = draw(st.integers(1, 4))
    if kind == "parallelism":
        return {"parallelism": copies}
    body = {"region": [f"r{i}" for i in range(copies)]} if kind == "matrix" else {"times": copies}
    if draw(st.booleans()):
        body["maxConcurrency"] = draw(st.integers(1, 3))
    return {kind: body}


@st.composite
def _step(draw, names: _Names, barrier_weight: int):
    ident = names.next("s")
    if draw(st.integers(0, 9)) < barrier_weight:
        step = {"identifier": ident, "name": ident, "type": "Barrier", "timeout": "1d", "spec": {"barrierRef": draw(st.sampled_from(REFS))}}
    else:
        step = {"identifier": ident, "name": ident, "type": "ShellScript", "timeout": "10m", "spec": {}}
    when = draw(_when("stageStatus"))
    if when:
        step["when"] = when
    return {"step": step}


@st.composite
def _step_items(draw, names: _Names, depth: int):
    items = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["step", "step", "step", "group", "parallel"] if depth < 2 else ["step"]))
        if kind == "step":
            items.append(draw(_step(names, 6)))
        elif kind == "group":
            ident = names.next("g")
            group = {"identifier": ident, "name": ident, "steps": draw(_step_items(names, depth + 1))}
            strategy, when = draw(_strategy()), draw(_when("stageStatus"))
            if strategy:
                group["strategy"] = strategy
            if when:
                group["when"] = when
            if draw(st.integers(0, 4)) == 0:
                group["rollbackSteps"] = [draw(_step(names, 8))]
            items.append({"stepGroup": group})
        else:
            items.append({"parallel": [draw(_step_items(names, depth + 1))[0] for _ in range(draw(st.integers(2, 3)))]})
    return items


@st.composite
def _stage(draw, names: _Names, dag_ids: list[str] | None):
    ident = names.next("st")
    stage = {"identifier": ident, "name": ident, "type": "Custom", "spec": {"execution": {"steps": draw(_step_items(names, 0))}}}
    if draw(st.integers(0, 4)) == 0:
        stage["spec"]["execution"]["rollbackSteps"] = [draw(_step(names, 8))]
    spawner = draw(st.integers(0, 6))
    if spawner == 0:
        stage["type"] = "Deployment"
        parallel = draw(st.booleans())
        stage["spec"]["services"] = {"values": [{"serviceRef": f"svc{i}"} for i in range(draw(st.integers(2, 3)))], "metadata": {"parallel": parallel}}
    else:
        strategy = draw(_strategy())
        if strategy:
            stage["strategy"] = strategy
    when = draw(_when("pipelineStatus"))
    if when:
        stage["when"] = when
    if dag_ids is not None:
        stage["dependsOn"] = draw(st.lists(st.sampled_from(dag_ids), unique=True, max_size=2)) if dag_ids else []
        dag_ids.append(ident)
    return {"stage": stage}


@st.composite
def pipelines(draw) -> Built:
    names = _Names()
    dag = draw(st.integers(0, 4)) == 0
    dag_ids: list[str] | None = [] if dag else None
    stages = []
    for _ in range(draw(st.integers(1, 4))):
        if not dag and draw(st.integers(0, 2)) == 0:
            stages.append({"parallel": [draw(_stage(names, None)) for _ in range(draw(st.integers(2, 3)))]})
        else:
            stages.append(draw(_stage(names, dag_ids)))
    document = {
        "pipeline": {
            "identifier": "generated",
            "name": "generated",
            "flowControl": {"barriers": [{"identifier": r, "name": r} for r in REFS]},
            "stages": stages,
        }
    }
    text = json.dumps(document, indent=1)  # JSON is YAML: the real loader reads it
    doc = source.load("generated.yaml", text.encode())
    pipeline = model.build(doc)[0]
    return Built(text, pipeline, _conditional(pipeline))


def _conditional(pipeline: model.Pipeline) -> list:
    found, stack = [], list(pipeline.stages)
    while stack:
        item = stack.pop()
        when = getattr(item, "when", None)
        if isinstance(item, (model.Stage, model.StepGroup, model.Step)) and when is not None and when.conditional:
            found.append(item.origin.route)
        stack.extend(sub for sub, _ in model.children(item))
    return sorted(found)


class Drawn:
    def __init__(self, built: Built, outcomes: dict, durations: dict):
        self.built, self.outcomes, self.durations = built, outcomes, durations

    def __repr__(self) -> str:
        return f"Drawn(<{len(self.built.text)} characters of YAML, {len(self.outcomes)} outcomes>)"


@st.composite
def runs(draw) -> Drawn:
    """A pipeline with an outcome for every conditional element and a duration for every step."""
    built = draw(pipelines())
    outcomes = {route: draw(st.booleans()) for route in built.conditional}
    durations = {}
    stack = list(built.pipeline.stages)
    while stack:
        item = stack.pop()
        if isinstance(item, model.Step) and not item.is_barrier:
            durations[item.origin.route] = float(draw(st.sampled_from([0, 1, 30, 60, 300])))
        stack.extend(sub for sub, _ in model.children(item))
    return Drawn(built, outcomes, durations)
