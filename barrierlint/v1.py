"""Harness NextGen v1 ("simplified") YAML, translated into the one model.

The shapes (from Harness' own barrier tests): pipeline-level `barriers: [name, ...]`; stages
and steps as list items with `id`/`name`; a barrier step `- barrier: {name: X}`; parallel
blocks `parallel: {stages: [...]}` / `parallel: {steps: [...]}`; sequential groups
`group: {stages|steps: [...]}`; a stage's `rollback:` step list; `if:` conditions. The newer
`version: 1 / kind: pipeline / spec:` envelope holds the same body under `spec`. Everything
becomes the elements v0 uses, so every rule reads v1 unchanged.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

from .model import MAX_DEPTH, BarrierDecl, Origin, Parallel, Pipeline, Sequence, Stage, Step, StepGroup, When, _Reader, _strategy, _TooLarge
from .source import Document, Route, scalar

STAGE_TYPES = {"custom": "Custom", "ci": "CI", "cd": "Deployment", "deployment": "Deployment", "approval": "Approval"}


def build(doc: Document, index: int) -> Pipeline | None:
    try:
        return _pipeline(_Reader(doc), doc, index)
    except _TooLarge:
        return None  # the reader has reported it


def _pipeline(r: _Reader, doc: Document, index: int) -> Pipeline | None:
    top = r.mapping(doc.roots[index], (index,), "the document") or {}
    key = "pipeline" if "pipeline" in top else "spec"
    route: Route = (index, key)
    fields = r.mapping(top.get(key), route, "pipeline")
    if fields is None:
        return None
    barriers = []
    for node, at in r.items(fields.get("barriers"), route + ("barriers",), "barriers"):
        if isinstance(node, ScalarNode):
            barriers.append(BarrierDecl(node.value, node.value, Origin(doc, at)))
        elif isinstance(node, MappingNode):
            entry = r.mapping(node, at, "a barrier") or {}
            identifier = scalar(entry.get("id")) or scalar(entry.get("identifier")) or scalar(entry.get("name"))
            barriers.append(BarrierDecl(identifier, scalar(entry.get("name")), Origin(doc, at)))
    return Pipeline(
        identifier=scalar(fields.get("id")) or scalar(fields.get("identifier")),
        name=scalar(fields.get("name")),
        origin=Origin(doc, route),
        stages=_items(r, fields.get("stages"), route + ("stages",), "stages"),
        barriers=tuple(barriers),
        barriers_origin=Origin(doc, route + ("barriers",)) if "barriers" in fields else None,
        syntax="v1",
    )


def _items(r: _Reader, node: Node | None, route: Route, kind: str, depth: int = 0) -> tuple:
    """A list of stages or steps, with their parallel blocks and groups."""
    if depth > MAX_DEPTH:
        r.problem(route, f"{kind} are nested more than {MAX_DEPTH} levels deep; analysis stopped here")
        return ()
    result = []
    for item, at in r.items(node, route, kind):
        r.tick(at)
        fields = r.mapping(item, at, f"a {kind} list item")
        if fields is None:
            continue
        block = next((b for b in ("parallel", "group") if isinstance(fields.get(b), MappingNode)), None)
        if block is not None:
            body = r.mapping(fields[block], at + (block,), block) or {}
            inner_kind = "stages" if "stages" in body else "steps"
            inner = _items(r, body.get(inner_kind), at + (block, inner_kind), inner_kind, depth + 1)
            origin = Origin(r.doc, at + (block,))
            if block == "parallel":
                result.append(Parallel(inner, origin))
            elif inner_kind == "steps":
                result.append(
                    StepGroup(
                        _id(fields), scalar(fields.get("name")), Origin(r.doc, at), steps=inner, when=_when(r, fields, at),
                        strategy=_strategy(r, fields.get("strategy"), at + ("strategy",)),
                    )
                )
            else:
                result.append(Sequence(inner, origin))
        elif kind == "stages":
            result.append(_stage(r, fields, at, depth))
        else:
            result.append(_step(r, fields, at))
    return tuple(result)


def _stage(r: _Reader, fields: dict, route: Route, depth: int) -> Stage:
    spec = r.mapping(fields.get("spec"), route + ("spec",), "stage spec") or {}
    steps_node, steps_route = (fields.get("steps"), route + ("steps",)) if "steps" in fields else (spec.get("steps"), route + ("spec", "steps"))
    kind = scalar(fields.get("type"))
    return Stage(
        identifier=_id(fields),
        name=scalar(fields.get("name")),
        type=STAGE_TYPES.get(kind.lower(), kind) if kind else None,
        origin=Origin(r.doc, route),
        steps=_items(r, steps_node, steps_route, "steps", depth + 1),
        rollback_steps=_items(r, fields.get("rollback"), route + ("rollback",), "steps", depth + 1),
        when=_when(r, fields, route),
        strategy=_strategy(r, fields.get("strategy"), route + ("strategy",)),
    )


def _step(r: _Reader, fields: dict, route: Route) -> Step:
    ref = ref_origin = None
    kind = next((k for k in fields if k not in ("id", "name", "timeout", "if", "strategy", "on-failure", "description")), None)
    if "barrier" in fields:
        kind = "Barrier"
        barrier = fields["barrier"]
        ref_origin = Origin(r.doc, route + ("barrier",)) if isinstance(barrier, ScalarNode) else Origin(r.doc, route + ("barrier", "name"))
        ref = scalar(barrier) if isinstance(barrier, ScalarNode) else r.text((r.mapping(barrier, route + ("barrier",), "barrier") or {}).get("name"), ref_origin.route, "barrier name")
    return Step(
        identifier=_id(fields),
        name=scalar(fields.get("name")),
        type=kind,
        origin=Origin(r.doc, route),
        timeout=scalar(fields.get("timeout")),
        when=_when(r, fields, route),
        strategy=_strategy(r, fields.get("strategy"), route + ("strategy",)),
        barrier_ref=ref,
        barrier_ref_origin=ref_origin,
    )


def _id(fields: dict) -> str | None:
    return scalar(fields.get("id")) or scalar(fields.get("identifier"))


def _when(r: _Reader, fields: dict, route: Route) -> When | None:
    condition = scalar(fields.get("if"))
    return When(None, condition, Origin(r.doc, route + ("if",))) if condition else None
