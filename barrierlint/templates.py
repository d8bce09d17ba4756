"""Templates: stage, step group, step and pipeline templates inlined where they are used.

A use site (`stage:`, `stepGroup:`, `step:` or `pipeline:` holding `template.templateRef`)
becomes the template's `spec` with the use site's `templateInputs` merged in, plus the use
site's own keys (identifier, name). Templates used inside templates are inlined too. Steps keep
their place in the template file; values given in `templateInputs` keep theirs in the pipeline.

A template that is not among the checked files cannot be inlined: the use site keeps what its
`templateInputs` show (Harness writes them in the template's shape, so the visible part keeps
its order), the model keeps the template reference (so the pipeline counts as incomplete), and
the project records it for the unresolved-reference finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .inputs import Composition
from .model import Origin
from .source import Document, Problem, Route, child, scalar

if TYPE_CHECKING:
    from .project import Index

USE_SITES = ("pipeline", "stage", "stepGroup", "step")
MAX_NESTING = 10
KINDS = ("Pipeline", "Stage", "StepGroup", "Step")  # templates that hold barrier steps


@dataclass(frozen=True)
class Missing:
    """A reference the checked files cannot answer: a template, a workflow, a child pipeline."""

    origin: Origin
    kind: str  # template | workflow | pipeline | Barrier step (one the analysis cannot place)
    name: str
    detail: str  # what is missing and what the analysis loses there
    external: bool = False  # expected (a template kept in Harness, `external-templates`) or reported elsewhere (BL002): no BL502
    fix: str = "check the files that define it together with this one"


class Resolver:
    """Inlines the templates of one pipeline into a Composition."""

    def __init__(self, index: "Index", composition: Composition, external: tuple[str, ...] = ()) -> None:
        self.index = index
        self.composition = composition
        self.external = external
        self.missing: list[Missing] = []
        self.plain: set[int] = set()  # nodes known to hold no template use (aliases make shared subtrees)
        self.active: set[int] = set()  # nodes on the current path (a recursive alias must not loop)

    def walk(self, node: Node, at: tuple[Document, Route], chain: tuple = (), depth: int = 0) -> Node:
        """`node` (`depth` levels below the root) with every template use below it inlined;
        unchanged subtrees are reused and walked once however often aliases share them. A
        subtree that changes is walked again wherever an alias repeats it, paid for from the
        composition's budget."""
        if id(node) in self.plain or id(node) in self.active or not isinstance(node, (MappingNode, SequenceNode)):
            return node
        self.composition.spend(len(node.value), depth)
        self.active.add(id(node))
        try:
            new = self._walk(node, at, chain, depth)
        finally:
            self.active.discard(id(node))
        if new is node:
            self.plain.add(id(node))
        return new

    def _walk(self, node: Node, at: tuple[Document, Route], chain: tuple, depth: int) -> Node:
        at = self.composition.sources.get(id(node), at)
        doc, route = at
        if isinstance(node, MappingNode):
            pairs, changed = [], False
            for key, value in node.value:
                name = scalar(key)
                inner = (doc, route + (name,))
                if name in USE_SITES and isinstance(child(child(value, "template"), "templateRef"), Node):
                    new = self.use(value, inner, chain, depth + 1)
                else:
                    new = self.walk(value, inner, chain, depth + 1)
                changed |= new is not value
                pairs.append((key, new))
            return self.composition.mapping(node, pairs, doc, route) if changed else node
        if isinstance(node, SequenceNode):
            items = [self.walk(item, (doc, route + (index,)), chain, depth + 1) for index, item in enumerate(node.value)]
            if all(new is old for new, old in zip(items, node.value)):
                return node
            seq = SequenceNode(node.tag, items, node.start_mark, node.end_mark)
            return self.composition.place(seq, doc, route)
        return node

    def use(self, site: Node, at: tuple[Document, Route], chain: tuple, depth: int) -> Node:
        """One use site: the template's spec with the inputs merged, under the site's own keys."""
        doc, route = at
        template = child(site, "template")
        ref = scalar(child(template, "templateRef")) or ""
        version = scalar(child(template, "versionLabel"))
        inputs = child(template, "templateInputs")
        inputs_at = (doc, route + ("template", "templateInputs"))
        self.composition.spend(len(site.value) + len(getattr(inputs, "value", ())), depth)
        found = self.index.template(ref, version)
        label = f"'{ref}'" + (f" version '{version}'" if version else "")
        if found is None or (ref, version) in chain or len(chain) >= MAX_NESTING:
            why = "it is not among the checked files" if found is None else "it uses itself"
            external = found is None and any(fnmatchcase(ref, pattern) for pattern in self.external)
            self.missing.append(Missing(Origin(doc, route + ("template", "templateRef")), "template", label, f"{why}; the barrier steps inside it are not analysed", external))
            return self._partial(site, at, inputs, inputs_at)
        spec, spec_at, note = found
        if not isinstance(spec, MappingNode) and spec is not None:  # BL002 at the template says so; its steps are unknown here
            self.missing.append(Missing(Origin(doc, route + ("template", "templateRef")), "template", label, "its spec cannot be read", external=True))
            return self._partial(site, at, inputs, inputs_at)
        if note:
            self.missing.append(Missing(Origin(doc, route + ("template", "templateRef")), "template", label, note))
        self.composition.draw(spec_at[0])
        body = self.composition.overlay(spec, spec_at, inputs, inputs_at, depth)
        body = self.walk(body, spec_at, chain + ((ref, version),), depth)
        own = [(k, v) for k, v in site.value if scalar(k) != "template"]
        inlined = body.value if isinstance(body, MappingNode) else []  # a spec that is no mapping adds nothing
        self.composition.spend(len(inlined), depth)
        names = {scalar(k) for k, _ in own}
        spec_doc, spec_route = self.composition.sources.get(id(body), spec_at)
        pairs = own + [(k, self.composition.place(v, spec_doc, spec_route + (scalar(k),))) for k, v in inlined if scalar(k) not in names]
        return self.composition.mapping(site, pairs, doc, route)

    def _partial(self, site: Node, at, inputs: Node | None, inputs_at) -> Node:
        """What an unresolved use site shows: its own keys plus the shape of its inputs."""
        if not isinstance(inputs, MappingNode) or not isinstance(site, MappingNode):
            return site
        names = {scalar(k) for k, _ in site.value}
        extra = [
            (k, self.composition.place(v, inputs_at[0], inputs_at[1] + (scalar(k),)))
            for k, v in inputs.value
            if scalar(k) not in names
        ]
        return self.composition.mapping(site, site.value + extra, *at) if extra else site


def standalone(doc: Document, index: int, composition: Composition) -> tuple[str, Node] | None:
    """A template file as a pipeline of its own, so a template library is checked without the
    pipelines that use it: a pipeline template is a pipeline; a stage template is the one stage
    of a pipeline, a step group or step template the one element of a stage's execution. The
    wrappers are placed at the template's own lines; the template's kind, or None for other
    templates (a monitored service, a secret manager...)."""
    at = (index, "template")
    body = child(doc.roots[index], "template")
    kind = scalar(child(body, "type"))
    spec = child(body, "spec")
    if kind in KINDS and spec is not None and not isinstance(spec, MappingNode) and not (isinstance(spec, ScalarNode) and spec.tag.endswith(":null")):
        problem = Problem("BL002", at + ("spec",), f"{kind} template spec must be a mapping, not {'a list' if isinstance(spec, SequenceNode) else 'a string'}; the template was not analysed")
        if problem not in doc.problems:
            doc.add_problem(problem)
    if kind not in KINDS or not isinstance(spec, MappingNode):
        return None
    composition.place(spec, doc, at + ("spec",))
    own = []
    for name in ("identifier", "name"):
        value = child(body, name)
        if value is not None and child(spec, name) is None:
            own.append((_key(name), composition.place(value, doc, at + (name,))))

    def wrap(pairs: list) -> MappingNode:
        return composition.mapping(body, pairs, doc, at)

    element = composition.mapping(spec, own + list(spec.value), doc, at + ("spec",))
    if kind == "Pipeline":
        pipeline = element
    else:
        stage = element
        if kind != "Stage":
            wrapper = "stepGroup" if kind == "StepGroup" else "step"
            steps = composition.place(SequenceNode("tag:yaml.org,2002:seq", [wrap([(_key(wrapper), element)])], spec.start_mark, spec.end_mark), doc, at)
            stage_type = child(spec, "stageType")  # what a step group template says it belongs to
            stage = wrap(own + ([(_key("type"), stage_type)] if stage_type is not None else []) + [(_key("spec"), wrap([(_key("execution"), wrap([(_key("steps"), steps)]))]))])
        stages = composition.place(SequenceNode("tag:yaml.org,2002:seq", [wrap([(_key("stage"), stage)])], spec.start_mark, spec.end_mark), doc, at)
        pipeline = wrap(own + [(_key("stages"), stages)])
    return kind, wrap([(_key("pipeline"), pipeline)])


def _key(name: str) -> ScalarNode:
    return ScalarNode("tag:yaml.org,2002:str", name)
