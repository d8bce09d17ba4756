"""Harness FirstGen (config-as-code) pipelines, translated into the one model.

A FirstGen pipeline is a list of stages; a stage with `parallel: true` runs in parallel with the
previous one, so the list falls into groups that run one after another. At trigger Harness
builds barrier instances per group from the workflows of the group's workflow stages: pre- and
post-deployment steps and every phase step count, rollback phases do not; `ALWAYS_SKIP`
stages and approval stages are left out; a looped stage (an infrastructure variable holding a
comma-separated list) runs one workflow copy per value, all at once.

Translation: the pipeline becomes `Pipeline(syntax="firstgen")`; each group a `Parallel` block
(a lone stage stays a `Stage`); each workflow stage a `Stage` whose steps are read from the
workflow file (phases and phase steps become step groups, `stepsInParallel` a `Parallel`
block), so every origin of a step points into the workflow file. A barrier's identity is
(group, identifier): references get a `BarrierRef` scoped to their group, so the same
identifier in two groups is two barriers, as in the engine, while messages show it as written.

A workflow that no checked pipeline runs is not analysed: run on its own, every barrier step
in it is a no-op success, and when an unseen pipeline runs it, its partners are unseen too.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator

from yaml.nodes import Node

from .model import BarrierRef, Occurrence, Origin, Parallel, Pipeline, Stage, Step, StepGroup, Strategy, When, _Reader
from .source import Document, Route, child, scalar

WORKFLOW_STAGES = ("ENV_STATE", "ENV_LOOP_STATE")

Lookup = Callable[[str], "tuple[Document, int] | None"]  # workflow name -> (document, root index)

NOT_CONCURRENT = "Barriers are not running concurrently."  # Harness refuses to trigger the pipeline
DEFAULT_TIMEOUT = "10m"  # a BARRIER step without timeoutMillis waits 600000 ms: the model says so


def looped(group) -> bool:
    """True when a workflow of a group of parallel workflows (a stage or a Parallel of stages,
    the first item of an occurrence's path) is looped: Harness then skips its trigger check."""
    stages = group.branches if isinstance(group, Parallel) else (group,)
    return any(stage.strategy is not None for stage in stages)


def not_concurrent(found: Iterable[Occurrence]) -> Iterator[tuple[Occurrence, Occurrence]]:
    """The pairs of Barrier steps (first use, repeated use) that make Harness refuse to trigger
    a FirstGen pipeline: the same identifier twice in the workflow of one stage, among the
    workflows that run in parallel, when none of them is looped (harness-semantics.md §2.4 F2).
    Rollback phases do not count."""
    first: dict[tuple, Occurrence] = {}
    for occurrence in found:
        if occurrence.in_rollback or looped(occurrence.path[0]):
            continue
        earlier = first.setdefault((id(occurrence.stage), occurrence.ref), occurrence)
        if earlier is not occurrence:
            yield earlier, occurrence


def application(path: str) -> tuple[str, str]:
    """The application folder of a config-as-code file (`.../Applications/<app>/Workflows/x.yaml`)
    and its name; files outside that layout belong to the folder they are in."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.basename(folder) in ("Workflows", "Pipelines"):
        folder = os.path.dirname(folder)
    return folder, os.path.basename(folder)


def entity_name(path: str) -> str:
    """Config-as-code names a workflow or pipeline file after the entity."""
    return os.path.splitext(os.path.basename(path))[0]


def build(doc: Document, index: int, workflow: Lookup) -> tuple[Pipeline | None, list[tuple[Origin, str]]]:
    """The pipeline in root `index` of `doc`, and the workflows it names that were not found."""
    r = _Reader(doc)
    route: Route = (index,)
    top = r.mapping(doc.roots[index], route, "the FirstGen pipeline")
    if top is None:
        return None, []
    missing: list[tuple[Origin, str]] = []
    groups: list[list[Stage]] = []
    group_origins: list[Origin] = []
    for node, stage_route in r.items(top.get("pipelineStages"), route + ("pipelineStages",), "pipelineStages"):
        fields = r.mapping(node, stage_route, "a pipeline stage") or {}
        if not groups or scalar(fields.get("parallel")) not in ("true", "True"):
            groups.append([])
            group_origins.append(Origin(doc, stage_route))
        skip = r.mapping(fields.get("skipCondition"), stage_route + ("skipCondition",), "skipCondition") or {}
        skip_type = scalar(skip.get("type"))
        if skip_type == "ALWAYS_SKIP" or scalar(fields.get("type")) not in WORKFLOW_STAGES:
            continue
        name = r.text(fields.get("workflowName"), stage_route + ("workflowName",), "workflowName")
        found = workflow(name) if name else None
        if name and found is None:
            missing.append((Origin(doc, stage_route + ("workflowName",)), name))
        stage_name = r.text(fields.get("name"), stage_route + ("name",), "stage name") or name
        when = None
        if skip_type == "CONDITIONAL_SKIP":
            expression = scalar(skip.get("expression")) or "?"
            when = When(None, f"not ({expression})", Origin(doc, stage_route + ("skipCondition",)))
        steps, strategy = (), None
        if found is not None:
            scope = len(groups)
            steps = _workflow(found[0], found[1], scope)
            strategy = _loop(r, fields, stage_route, found)
        groups[-1].append(
            Stage(identifier=stage_name, name=stage_name, type=scalar(fields.get("type")), origin=Origin(doc, stage_route), steps=steps, when=when, strategy=strategy)
        )
    items = []
    for stages, origin in zip(groups, group_origins):
        if len(stages) == 1:
            items.append(stages[0])
        elif stages:
            items.append(Parallel(tuple(stages), origin))
    pipeline = Pipeline(identifier=None, name=entity_name(doc.path), origin=Origin(doc, route), stages=tuple(items), syntax="firstgen")
    return pipeline, missing


def _workflow(doc: Document, index: int, scope: int) -> tuple:
    """A workflow's barrier-relevant steps in run order: pre-deployment, phases, post-deployment."""
    r = _Reader(doc)
    route: Route = (index,)
    top = r.mapping(doc.roots[index], route, "the FirstGen workflow") or {}
    items = []
    for key, label in (("preDeploymentSteps", "Pre-Deployment"), ("phases", None), ("workflowPhases", None), ("postDeploymentSteps", "Post-Deployment")):
        node, at = top.get(key), route + (key,)
        if label is None:
            for phase, phase_route in r.items(node, at, key):
                fields = r.mapping(phase, phase_route, "a workflow phase") or {}
                name = r.text(fields.get("name"), phase_route + ("name",), "phase name")
                sections = tuple(
                    _section(r, section, section_route, scope)
                    for section, section_route in r.items(fields.get("phaseSteps"), phase_route + ("phaseSteps",), "phaseSteps")
                )
                items.append(StepGroup(name, name, Origin(doc, phase_route), steps=sections))
        elif node is not None:
            if child(node, "steps") is not None:  # the older layout: a phase step
                items.append(_section(r, node, at, scope, label))
            else:
                steps = tuple(_step(r, s, s_route, scope) for s, s_route in r.items(node, at, key))
                if steps:
                    items.append(StepGroup(label, label, Origin(doc, at), steps=steps))
    return tuple(items)


def _section(r: _Reader, node: Node, route: Route, scope: int, label: str | None = None) -> StepGroup:
    """A phase step: its steps, in parallel when `stepsInParallel` says so."""
    fields = r.mapping(node, route, "a phase step") or {}
    name = label or r.text(fields.get("name"), route + ("name",), "phase step name")
    steps = tuple(_step(r, s, s_route, scope) for s, s_route in r.items(fields.get("steps"), route + ("steps",), "steps"))
    if scalar(fields.get("stepsInParallel")) in ("true", "True") and len(steps) > 1:
        steps = (Parallel(steps, Origin(r.doc, route + ("steps",))),)
    return StepGroup(name, name, Origin(r.doc, route), steps=steps)


def _step(r: _Reader, node: Node, route: Route, scope: int) -> Step:
    fields = r.mapping(node, route, "a workflow step") or {}
    kind = r.text(fields.get("type"), route + ("type",), "step type")
    name = r.text(fields.get("name"), route + ("name",), "step name")
    if kind != "BARRIER":
        return Step(identifier=None, name=name, type=kind, origin=Origin(r.doc, route))
    properties = r.mapping(fields.get("properties"), route + ("properties",), "barrier properties") or {}
    ref_origin = Origin(r.doc, route + ("properties", "identifier"))
    identifier = r.text(properties.get("identifier"), ref_origin.route, "barrier identifier")
    return Step(
        identifier=None,
        name=name,
        type="Barrier",
        origin=Origin(r.doc, route),
        timeout=_duration(r.text(properties.get("timeoutMillis"), route + ("properties", "timeoutMillis"), "timeoutMillis")) or DEFAULT_TIMEOUT,
        barrier_ref=BarrierRef(identifier, scope=scope) if identifier is not None else None,
        barrier_ref_origin=ref_origin,
    )


def _duration(millis: str | None) -> str | None:
    """`timeoutMillis` as the model's duration (600000 -> 10m); anything else stays as written."""
    if millis is None or not millis.strip().isdigit():
        return millis
    value = int(millis)
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if value and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}ms"


def _loop(r: _Reader, fields: dict, route: Route, workflow: tuple[Document, int]) -> Strategy | None:
    """A stage looped over a comma-separated infrastructure variable: one copy per value."""
    wf_doc, wf_index = workflow
    infra = [
        scalar(child(v, "name"))
        for v in getattr(child(wf_doc.roots[wf_index], "userVariables"), "value", [])
        if scalar(child(v, "entityType")) == "INFRASTRUCTURE_DEFINITION"
    ]
    candidates = []
    for node, at in r.items(fields.get("workflowVariables"), route + ("workflowVariables",), "workflowVariables"):
        name, kind = scalar(child(node, "name")), scalar(child(node, "entityType"))
        if (name in infra) if infra else kind == "INFRASTRUCTURE_DEFINITION":
            candidates.append((scalar(child(node, "value")) or "", at))
    if len(candidates) != 1 or "," not in candidates[0][0]:
        return None
    value, at = candidates[0]
    copies = len([part for part in value.split(",") if part.strip()])
    origin = Origin(r.doc, at + ("value",))
    return Strategy("loop", copies, None, origin, description=f"loop over {copies} infrastructure definitions")
