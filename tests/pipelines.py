"""A hypothesis generator of Harness pipelines, written as YAML text and read through the real
loader and model: parallel groups, step groups (nested, parallel step blocks), loops with and
without maxConcurrency, multi-service and multi-environment spawners, provisioner steps and
their rollbackSteps, stages written as stage templates in files of their own, `when`, `dependsOn`,
rollbackSteps and stage / step group timeouts (long enough never to fire before quiescence),
over a small pool of barrier references so that barriers are shared, reused and crossed; and
FirstGen pipelines with their workflow files (groups of parallel workflows, looped workflows,
phases with parallel steps, conditional skips)."""

from __future__ import annotations

import json
from hypothesis import strategies as st

from barrierlint import model, source

REFS = ("x", "y", "z")
KEYS = ("q1", "q2")


class Built:
    """The drawn pipeline: its YAML text, the model read from it, and the routes of its
    `when`-conditional elements."""

    def __init__(self, text: str, pipeline: model.Pipeline, conditional: list):
        self.text, self.pipeline, self.conditional = text, pipeline, conditional
        self.project = None

    def __repr__(self) -> str:
        return f"Built(<{len(self.text)} characters of YAML, printed in the assertion message>)"


class _Names:
    """Fresh identifiers, and what the drawing holds (`locks`: Queue steps and shared
    deployment targets)."""

    def __init__(self, locks: bool = False):
        self.count = 0
        self.locks = locks

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
    if names.locks and draw(st.integers(0, 4)) == 0:
        step = {"identifier": ident, "name": ident, "type": "Queue", "timeout": "1d", "spec": {"key": draw(st.sampled_from(KEYS)), "scope": "Stage"}}
    elif draw(st.integers(0, 9)) < barrier_weight:
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
            if draw(st.integers(0, 5)) == 0:
                group["timeout"] = "2d"
            items.append({"stepGroup": group})
        else:
            items.append({"parallel": [draw(_step_items(names, depth + 1))[0] for _ in range(draw(st.integers(2, 3)))]})
    return items


@st.composite
def _stage(draw, names: _Names, dag_ids: list[str] | None, templates: dict | None = None):
    ident = names.next("st")
    stage = {"identifier": ident, "name": ident, "type": "Custom", "spec": {"execution": {"steps": draw(_step_items(names, 0))}}}
    if draw(st.integers(0, 4)) == 0:
        stage["spec"]["execution"]["rollbackSteps"] = [draw(_step(names, 8))]
    spawner = draw(st.integers(0, 6))
    if spawner <= 1:
        stage["type"] = "Deployment"
        for key, kind in (("services", "svc"), ("environments", "env")):
            if key == "services" and spawner == 1 or key == "environments" and spawner == 0 and draw(st.booleans()):
                continue  # services only, environments only, or both
            values = [{"serviceRef": f"svc{i}"} if key == "services" else {"environmentRef": f"env{i}", "infrastructureDefinitions": [{"identifier": f"i{j}"} for j in range(draw(st.integers(1, 2)))]} for i in range(draw(st.integers(1, 3)))]
            stage["spec"][key] = {"values": values}
            if draw(st.integers(0, 2)):
                stage["spec"][key]["metadata"] = {"parallel": draw(st.booleans())}
    else:
        strategy = draw(_strategy())
        if strategy:
            stage["strategy"] = strategy
    if "environments" not in stage["spec"] and draw(st.integers(0, 3)) == 0:  # provisioner steps run before the execution
        stage["type"] = "Deployment"
        provisioner = {"steps": draw(_step_items(names, 1))}
        if draw(st.integers(0, 2)) == 0:
            provisioner["rollbackSteps"] = [draw(_step(names, 8))]
        stage["spec"]["environment"] = {"environmentRef": "dev", "provisioner": provisioner}
    if names.locks and not {"environment", "services", "environments"} & stage["spec"].keys() and draw(st.booleans()):
        stage["type"] = "Deployment"  # a shared deployment target: one resource constraint per service and infrastructure
        stage["spec"]["deploymentType"] = "Kubernetes"
        stage["spec"]["service"] = {"serviceRef": draw(st.sampled_from(("web", "api")))}
        stage["spec"]["environment"] = {"environmentRef": "prod", "infrastructureDefinitions": [{"identifier": draw(st.sampled_from(("k1", "k2")))}]}
    when = draw(_when("pipelineStatus"))
    if when:
        stage["when"] = when
    if draw(st.integers(0, 5)) == 0:
        stage["timeout"] = "2d"
    if dag_ids is not None:
        stage["dependsOn"] = draw(st.lists(st.sampled_from(dag_ids), unique=True, max_size=2)) if dag_ids else []
        dag_ids.append(ident)
    if templates is not None and draw(st.integers(0, 3)) == 0:  # written in a stage template, used here
        body = {key: value for key, value in stage.items() if key not in ("identifier", "name", "dependsOn")}
        templates[f"templates/{ident}.yaml"] = {"template": {"identifier": f"t_{ident}", "name": f"t_{ident}", "versionLabel": "v1", "type": "Stage", "spec": body}}
        stage = {key: stage[key] for key in ("identifier", "name", "dependsOn") if key in stage}
        stage["template"] = {"templateRef": f"t_{ident}", "versionLabel": "v1"}
    return {"stage": stage}


@st.composite
def pipelines(draw, locks: bool = False) -> Built:
    """A pipeline; with `locks`, its stages also take Queue keys and deploy to shared targets,
    and `Built.project` is the project it was read in (locks need one)."""
    names = _Names(locks)
    dag = draw(st.integers(0, 4)) == 0
    dag_ids: list[str] | None = [] if dag else None
    stages = []
    templates: dict = {}  # file -> stage template
    for _ in range(draw(st.integers(1, 4))):
        if not dag and draw(st.integers(0, 2)) == 0:
            stages.append({"parallel": [draw(_stage(names, None, templates)) for _ in range(draw(st.integers(2, 3)))]})
        else:
            stages.append(draw(_stage(names, dag_ids, templates)))
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
    if not templates and not locks:
        pipeline = model.build(doc)[0]
        return Built(text, pipeline, _conditional(pipeline))
    from barrierlint.project import Settings, build

    files = [source.load(path, json.dumps(body, indent=1).encode()) for path, body in templates.items()]
    project = build([doc, *files], Settings())
    pipeline = next(p for p in project.pipelines if p.template_kind is None)
    built = Built(json.dumps({"generated.yaml": document, **templates}), pipeline, _conditional(pipeline))
    built.project = project
    return built


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
def runs(draw, generated=None) -> Drawn:
    """A pipeline (NextGen unless `generated` says otherwise) with an outcome for every
    conditional element and a duration for every step, keyed by file and route."""
    built = draw(generated if generated is not None else pipelines())
    outcomes = {route: draw(st.booleans()) for route in built.conditional}
    durations = {}
    stack = list(built.pipeline.stages)
    while stack:
        item = stack.pop()
        if isinstance(item, model.Step) and not item.is_barrier:
            durations[(item.origin.doc.path, item.origin.route)] = float(draw(st.sampled_from([0, 1, 30, 60, 300])))
        stack.extend(sub for sub, _ in model.children(item))
    return Drawn(built, outcomes, durations)


# -- FirstGen --------------------------------------------------------------------------------


def _firstgen_step(draw, names: _Names, used: set) -> dict:
    """A step; a workflow seldom repeats an identifier (Harness then refuses the trigger)."""
    name = names.next("s")
    if draw(st.integers(0, 9)) < 6:
        identifier = draw(st.sampled_from(REFS))
        if identifier not in used or draw(st.integers(0, 5)) == 0:
            used.add(identifier)  # timeouts far beyond any run, so none fires before quiescence
            return {"type": "BARRIER", "name": name, "properties": {"identifier": identifier, "timeoutMillis": 172800000}}
    return {"type": "SHELL_SCRIPT", "name": name}


@st.composite
def _workflow(draw, names: _Names) -> dict:
    used: set = set()

    def steps(most: int) -> list:
        return [_firstgen_step(draw, names, used) for _ in range(draw(st.integers(1, most)))]

    workflow: dict = {"harnessApiVersion": "1.0", "type": "CANARY"}
    if draw(st.booleans()):
        workflow["preDeploymentSteps"] = steps(2)
    workflow["phases"] = [
        {
            "type": "KUBERNETES",
            "name": names.next("phase"),
            "phaseSteps": [
                {"type": "K8S_PHASE_STEP", "name": names.next("section"), "stepsInParallel": draw(st.booleans()), "steps": steps(3)}
                for _ in range(draw(st.integers(1, 2)))
            ],
        }
        for _ in range(draw(st.integers(1, 2)))
    ]
    if draw(st.booleans()):
        workflow["postDeploymentSteps"] = steps(2)
    return workflow


@st.composite
def firstgen_pipelines(draw) -> Built:
    """A FirstGen pipeline and its workflow files, read as a project reads them."""
    from barrierlint.project import Settings, build

    names = _Names()
    workflows = {f"W{i}": draw(_workflow(names)) for i in range(draw(st.integers(1, 3)))}
    stages = []
    for _ in range(draw(st.integers(1, 3))):
        for position in range(draw(st.integers(1, 3))):
            stage = {"type": "ENV_STATE", "name": names.next("stage"), "parallel": position > 0, "workflowName": draw(st.sampled_from(sorted(workflows)))}
            if draw(st.integers(0, 4)) == 0:
                stage["skipCondition"] = {"type": "CONDITIONAL_SKIP", "expression": "${app.name} == 'shop'"}
            if draw(st.integers(0, 4)) == 0:  # a looped workflow: one copy per infrastructure definition
                values = ",".join(f"infra{k}" for k in range(draw(st.integers(2, 3))))
                stage["workflowVariables"] = [{"name": "Infra", "entityType": "INFRASTRUCTURE_DEFINITION", "value": values}]
            stages.append(stage)
    texts = {f"App/Workflows/{name}.yaml": json.dumps(body, indent=1) for name, body in workflows.items()}
    texts["App/Pipelines/Release.yaml"] = json.dumps({"harnessApiVersion": "1.0", "type": "PIPELINE", "pipelineStages": stages}, indent=1)
    project = build([source.load(path, text.encode()) for path, text in texts.items()], Settings())
    pipeline = next(p for p in project.pipelines if p.syntax == "firstgen")
    text = json.dumps({path: json.loads(body) for path, body in texts.items()})
    return Built(text, pipeline, _conditional(pipeline))
