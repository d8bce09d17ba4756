"""The project: every document that was given, the pipelines built from them, and settings.

Rules see a project, not a file, because barrier mistakes often span files (templates, child
pipelines, FirstGen workflows). Cross-file resolution belongs here.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from . import firstgen, model, v1
from .errors import UsageError
from .inputs import Composition, applies, input_set
from .model import BarrierRef, Origin, Pipeline, Stage, StepGroup, Step, children, is_expression, occurrences, sections, stages
from .source import Document, Kind, Problem, Route, TooLarge, child, scalar
from .templates import Missing, Resolver, standalone


@dataclass(frozen=True)
class Settings:
    """Analysis settings that change verdicts (from configuration or the command line)."""

    edition_cap: int = 100  # account edition concurrency cap: FREE 20, TEAM 50, ENTERPRISE 100
    late_arrival: str = "wait"  # engine profile: a copy arriving after release waits ("wait") or passes ("pass")
    max_file_size: int = 5_000_000  # bytes; larger files are refused with a one-line error
    unspawned_loops: str = "pending"  # engine profile: a position under a loop that never spawns never arrives, or "arrived"
    template_paths: tuple[str, ...] = ()  # folders holding templates (a checkout of a template library)
    external_templates: tuple[str, ...] = ("account.*", "org.*")  # templateRef globs of templates kept in Harness: no BL502
    simultaneous_deployments: bool = False  # engine profile: an infrastructure whose definition is not checked allows them (Harness default: no)
    fix_timeout: str = "15m"  # the timeout the BL702 fix writes on a Barrier step


@dataclass(frozen=True)
class Chain:
    """A chained `type: Pipeline` stage of a parent and the checked pipeline it runs (None when
    the child is not among the checked files)."""

    parent: Pipeline
    stage: Stage
    child: Pipeline | None


@dataclass
class Project:
    documents: list[Document]
    pipelines: list[Pipeline]
    settings: Settings = field(default_factory=Settings)
    index: "Index | None" = None
    missing: list[Missing] = field(default_factory=list)  # references the checked files cannot answer
    chains: list[Chain] = field(default_factory=list)
    _partial: set[int] = field(default_factory=set, repr=False)  # ids of pipelines with a part missing
    _cache: dict[tuple[str, int], Any] = field(default_factory=dict, repr=False)

    def parents(self, pipeline: Pipeline) -> list[Chain]:
        """The chained stages of checked pipelines that run this pipeline as their child."""
        return [chain for chain in self.chains if chain.child is pipeline]

    def declaring(self, identifier: str, besides: Pipeline) -> list[Pipeline]:
        """The other checked pipelines of the same project (org and project identifiers agree where
        both are written) that declare a barrier with this identifier."""
        key = ("declaring", 0)
        if key not in self._cache:
            table = defaultdict(list)
            for pipeline in self.pipelines:
                for name in dict.fromkeys(d.identifier for d in pipeline.barriers if d.identifier):
                    table[name].append(pipeline)
            self._cache[key] = table
        return [
            other
            for other in self._cache[key].get(identifier, [])
            if other is not besides and all(a is None or b is None or a == b for a, b in ((other.org, besides.org), (other.project, besides.project)))
        ]

    def occurrences(self, pipeline: Pipeline):
        """The Barrier steps of a pipeline (cached: several rules ask)."""
        key = ("occurrences", id(pipeline))
        if key not in self._cache:
            self._cache[key] = occurrences(pipeline)
        return self._cache[key]

    def incomplete(self, pipeline: Pipeline) -> bool:
        """True when parts of the pipeline are invisible to the analysis: templates that were not
        resolved, stages or steps unreadable or given at run time, declarations out of sight, or
        barrier references missing or only known at run time."""
        key = ("incomplete", id(pipeline))
        if key not in self._cache:
            children = [s.child.inputs for s in stages(pipeline) if s.child is not None and s.child.inputs is not None]
            self._cache[key] = id(pipeline) in self._partial or not pipeline.declarations_known or bool(pipeline.unknown) or _uses_template(pipeline) or any(
                not o.ref or is_expression(o.ref) or "${" in o.ref  # no readable reference (BL002) or one known at run time
                for unit in [pipeline, *children]
                for o in self.occurrences(unit)
            )
        return self._cache[key]

    def child_references(self, pipeline: Pipeline) -> frozenset[str]:
        """Barriers of this pipeline that its chained child pipelines join (`parent.X` -> X);
        cached: several rules ask."""
        key = ("child references", id(pipeline))
        if key not in self._cache:
            refs = set()
            for stage in stages(pipeline):
                if stage.child is not None and stage.child.inputs is not None:
                    for occurrence in occurrences(stage.child.inputs):
                        if occurrence.ref and occurrence.ref.startswith("parent."):
                            refs.add(occurrence.ref.split(".", 1)[1])
            self._cache[key] = frozenset(refs)
        return self._cache[key]


def _uses_template(pipeline: Pipeline) -> bool:
    stack = list(pipeline.stages)
    while stack:
        item = stack.pop()
        if getattr(item, "template", None) is not None:  # a stage, step group or step template not inlined
            return True
        for items, _ in sections(item):
            stack.extend(items)
    return False


# -- building the project -------------------------------------------------------------------

_NATURAL = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Duplicate:
    """A second definition of what Harness holds once: a pipeline (org, project, identifier), a
    template version (identifier, versionLabel), a FirstGen workflow (application, name)."""

    kind: str  # pipeline | template | FirstGen workflow
    name: str  # as messages show it, quoted
    first: Origin  # the definition the analysis uses: the first by path
    again: Origin
    key: tuple  # what a reference looks up (`Index.looked_up`)


def _by_path(doc: Document) -> str:
    """The order in which definitions are met: by path, whatever the order of the arguments."""
    return os.path.normcase(os.path.abspath(doc.path))


class Index:
    """What the checked files define, by the names Harness resolves references by: NextGen
    pipelines by org/project/identifier, templates by identifier and versionLabel, FirstGen
    workflows by application folder and name. Of two definitions of one name, the first by
    path is used and the other is recorded in `duplicates`."""

    def __init__(self, documents: list[Document]) -> None:
        self._pipelines: dict[str, list[tuple[str | None, str | None, Document, int]]] = defaultdict(list)
        self._templates: dict[str, list[tuple[str, Node, tuple[Document, Route]]]] = defaultdict(list)
        self._workflows: dict[tuple[str, str], tuple[Document, int]] = {}
        self._infrastructures: dict[tuple[str, str], Infrastructure] = {}
        self.duplicates: list[Duplicate] = []
        self.looked_up: set[tuple] = set()  # the names references resolved by: duplicates matter there
        for doc in sorted(documents, key=_by_path):
            for index, (root, kind) in enumerate(zip(doc.roots, doc.kinds)):
                if kind in (Kind.PIPELINE, Kind.PIPELINE_V1):
                    body = child(root, "pipeline")
                    key = "identifier" if scalar(child(body, "identifier")) else "id"
                    identifier = scalar(child(body, key))
                    if identifier:
                        org, project = scalar(child(body, "orgIdentifier")), scalar(child(body, "projectIdentifier"))
                        first = self._pipeline(org, project, identifier)
                        if first is not None:
                            self._again("pipeline", f"'{identifier}'", Origin(first[0], (first[1], "pipeline", key)), Origin(doc, (index, "pipeline", key)), ("pipeline", identifier))
                        self._pipelines[identifier].append((org, project, doc, index))
                elif kind is Kind.TEMPLATE:
                    template = child(root, "template")
                    identifier = scalar(child(template, "identifier"))
                    if identifier:
                        version = scalar(child(template, "versionLabel")) or ""
                        for label, _, (first, at) in self._templates[identifier]:
                            if label == version:
                                name = f"'{identifier}'" + (f" version '{version}'" if version else "")
                                self._again("template", name, Origin(first, at[:2] + ("identifier",)), Origin(doc, (index, "template", "identifier")), ("template", identifier))
                                break
                        self._templates[identifier].append((version, child(template, "spec"), (doc, (index, "template", "spec"))))
                elif kind is Kind.FIRSTGEN_WORKFLOW:
                    folder, name = firstgen.application(doc.path)[0], firstgen.entity_name(doc.path)
                    first = self._workflows.setdefault((folder, name), (doc, index))
                    if first != (doc, index):
                        self._again("FirstGen workflow", f"'{name}' of application '{os.path.basename(folder)}'", Origin(first[0], (first[1],)), Origin(doc, (index,)), ("workflow", folder, name))
                elif kind is Kind.INFRASTRUCTURE:
                    found = _infrastructure(doc, index)
                    if found is not None:
                        self._infrastructures[found.environment, found.identifier] = found

    def _again(self, kind: str, name: str, first: Origin, again: Origin, key: tuple) -> None:
        """A second definition, unless it is the same file given twice."""
        if _by_path(first.doc) != _by_path(again.doc):
            self.duplicates.append(Duplicate(kind, name, first, again, key))

    def pipeline(self, org: str | None, project: str | None, identifier: str | None) -> tuple[Document, int] | None:
        """The pipeline a chained stage names; org and project must match where both are written."""
        self.looked_up.add(("pipeline", identifier))
        return self._pipeline(org, project, identifier)

    def _pipeline(self, org: str | None, project: str | None, identifier: str | None) -> tuple[Document, int] | None:
        for found_org, found_project, doc, index in self._pipelines.get(identifier or "", ()):
            if all(a is None or b is None or a == b for a, b in ((org, found_org), (project, found_project))):
                return doc, index
        return None

    def template(self, ref: str, version: str | None) -> tuple[Node, tuple[Document, Route], str] | None:
        """A template's spec for `templateRef` (`account.` / `org.` prefixes name the scope) and
        `versionLabel`; with no label, the only version, else the highest one, with a note."""
        identifier = ref.split(".", 1)[1] if ref.startswith(("account.", "org.")) else ref
        self.looked_up.add(("template", identifier))
        versions = self._templates.get(identifier, [])
        if version is not None:
            chosen = [v for v in versions if v[0] == version]
            return (chosen[0][1], chosen[0][2], "") if chosen else None
        if not versions:
            return None
        label, spec, at = max(versions, key=lambda v: [int(p) if p.isdigit() else p for p in _NATURAL.split(v[0])])
        labels = sorted({v[0] for v in versions})
        note = "" if len(labels) == 1 else (
            f"no versionLabel is named, so Harness uses the version marked stable on the server; checked with '{label}' "
            f"of {', '.join(repr(v) for v in labels)}, and findings inside it hold for that version"
        )
        return spec, at, note

    def workflow(self, folder: str, name: str) -> tuple[Document, int] | None:
        self.looked_up.add(("workflow", folder, name))
        return self._workflows.get((folder, name))

    def infrastructure(self, environment: str | None, identifier: str | None) -> "Infrastructure | None":
        return self._infrastructures.get((environment, identifier))


@dataclass(frozen=True)
class Infrastructure:
    """An infrastructure definition file: whether it allows simultaneous deployments, and the
    fields of its spec that Harness builds the deployment resource key from."""

    environment: str
    identifier: str
    simultaneous: bool
    key_values: tuple[str, ...]
    doc: Document
    route: Route


def _infrastructure(doc: Document, index: int) -> Infrastructure | None:
    body = child(doc.roots[index], "infrastructureDefinition")
    environment, identifier = scalar(child(body, "environmentRef")), scalar(child(body, "identifier"))
    if not environment or not identifier:
        return None
    flag = (scalar(child(body, "allowSimultaneousDeployments")) or "false").strip().lower()
    kind = scalar(child(body, "type")) or ""
    spec = child(body, "spec")
    values = tuple(v for key in model.INFRASTRUCTURE_KEY_FIELDS.get(kind, ()) if (v := scalar(child(spec, key))) is not None)
    return Infrastructure(environment, identifier, flag == "true", (kind, *values) if values else (), doc, (index, "infrastructureDefinition"))


def links(project: Project) -> tuple[dict[str, set], dict[str, set]]:
    """What each checked file offers other files and wants from them, by file path: pipelines,
    templates and FirstGen workflows by the names references use, barriers by identifier. A
    file's findings depend on another file only where one wants a key the other offers (or both
    are the same path), so `check --jobs` checks such files together. Keys may over-approximate
    (org and project are ignored), never miss a dependency."""
    offers: dict[str, set] = defaultdict(set)
    wants: dict[str, set] = defaultdict(set)
    index = project.index
    for doc in project.documents:
        offers[doc.path].add(("file", doc.path))
        wants[doc.path].add(("file", doc.path))
        if "templateRef" in doc.text:
            wants[doc.path].update(("template", ref.split(".", 1)[1] if ref.startswith(("account.", "org.")) else ref) for ref in _template_refs(doc))
        if Kind.FIRSTGEN_PIPELINE in doc.kinds:
            wants[doc.path].add(("application", firstgen.application(doc.path)[0]))
    for identifier, places in index._pipelines.items():
        for _, _, doc, _ in places:
            offers[doc.path].add(("pipeline", identifier))
            wants[doc.path].add(("pipeline", identifier))  # files defining one name are checked together (BL503)
    for identifier, versions in index._templates.items():
        for _, _, (doc, _) in versions:
            offers[doc.path].add(("template", identifier))
            wants[doc.path].add(("template", identifier))
    for duplicate in index.duplicates:
        wants[duplicate.again.doc.path].add(("file", duplicate.first.doc.path))
    for (folder, _), (doc, _) in index._workflows.items():
        offers[doc.path].add(("application", folder))
    for key, found in index._infrastructures.items():
        offers[found.doc.path].add(("infrastructure", *key))
    for pipeline in project.pipelines:
        path = pipeline.origin.doc.path
        declared = {d.identifier for d in pipeline.barriers}
        offers[path].update(("barrier", identifier) for identifier in declared)
        wants[path].update(("barrier", o.ref) for o in project.occurrences(pipeline) if o.ref not in declared)
        wants[path].update(("pipeline", s.child.pipeline) for s in stages(pipeline) if s.child is not None)
        wants[path].update(("infrastructure", s.target.environment, s.target.infrastructure) for s in stages(pipeline) if s.target is not None)
    return offers, wants


def _template_refs(doc: Document):
    """Every `templateRef` value written in a document (each node once: aliases share nodes)."""
    seen, stack = set(), list(doc.roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if scalar(key) == "templateRef" and scalar(value):
                    yield scalar(value)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def build(documents: list[Document], settings: Settings, input_sets: list[Document] = ()) -> Project:
    """Every pipeline of the checked files, with templates inlined, runtime inputs applied,
    FirstGen workflows read into their pipelines and chained children read into their stages."""
    documents = sorted(documents, key=_by_path)  # results must not depend on the order of the paths
    project = Project(documents, [], settings, index=Index(documents))
    builder = _Builder(project, [values for doc in input_sets for values in _values(doc)])
    for doc in documents:
        builder.document(doc)
    builder.chain()
    for node, (doc, _), target in builder.values:
        if id(node) not in builder.applied:
            raise UsageError(f"{doc.path}: the input set answers pipeline '{target or '?'}', which is not among the checked files")
    return project


def _values(doc: Document):
    for node, route, for_pipeline in input_set(doc):
        yield node, (doc, route), for_pipeline


class _Builder:
    def __init__(self, project: Project, values: list) -> None:
        self.project = project
        self.values = values
        self.alone: dict[tuple[int, int], Pipeline] = {}  # (document id, root) -> the pipeline run on its own
        self.applied: set[int] = set()  # input sets that answered a pipeline
        self.count = sum(kind in (Kind.PIPELINE, Kind.PIPELINE_V1) for doc in project.documents for kind in doc.kinds)

    def add(self, pipeline: Pipeline | None, missing: list[Missing], key: tuple[int, int]) -> None:
        if pipeline is None:
            return
        self.project.pipelines.append(pipeline)
        self.alone[key] = pipeline
        missing = missing + _per_environment(pipeline)
        if missing:
            self.project.missing.extend(missing)
            self.project._partial.add(id(pipeline))

    def document(self, doc: Document) -> None:
        nextgen = [i for i, kind in enumerate(doc.kinds) if kind is Kind.PIPELINE]
        compose = "templateRef" in doc.text or bool(self.values)
        built = {} if compose or not nextgen else {p.origin.route[0]: p for p in model.build(doc)}
        for index, kind in enumerate(doc.kinds):
            key = (id(doc), index)
            if kind is Kind.PIPELINE and compose:
                identifier = scalar(child(child(doc.roots[index], "pipeline"), "identifier"))
                values = next(((node, at) for node, at, target in self.values if applies(identifier, self.count, target)), None)
                if values is not None:
                    self.applied.add(id(values[0]))
                self.add(*self.compose(doc, index, values), key)
            elif kind is Kind.PIPELINE:
                self.add(built.get(index), [], key)
            elif kind is Kind.PIPELINE_V1:
                self.add(v1.build(doc, index), [], key)
            elif kind is Kind.TEMPLATE:
                self.add(*self.template(doc, index), key)
            elif kind is Kind.FIRSTGEN_PIPELINE:
                folder = firstgen.application(doc.path)[0]
                pipeline, missing = firstgen.build(doc, index, lambda name: self.project.index.workflow(folder, name))
                self.add(pipeline, [Missing(origin, "workflow", f"'{name}'", "it is not in this application's Workflows folder; its barrier steps are not analysed and findings on its group of parallel workflows are incomplete") for origin, name in missing], key)

    def compose(self, doc: Document, index: int, values) -> tuple[Pipeline | None, list[Missing]]:
        """A NextGen pipeline with `values` (input set or chained-stage inputs) merged in and its
        templates inlined; None (and a BL002 problem) when that would grow without bound."""
        composition = Composition()
        root = composition.place(doc.roots[index], doc, (index,))
        resolver = Resolver(self.project.index, composition, self.project.settings.external_templates)
        try:
            if values is not None and isinstance(root, MappingNode):
                node, at = values
                pairs = [
                    (k, composition.overlay(v, (doc, (index, "pipeline")), node, at, 1) if scalar(k) == "pipeline" else v) for k, v in root.value
                ]
                root = composition.mapping(root, pairs, doc, (index,))
            root = resolver.walk(root, (doc, (index,)))
        except TooLarge as error:
            _too_large(doc, index, "pipeline", error)
            return None, []
        pipelines = composition.build(root, doc.path)
        return (pipelines[0] if pipelines else None), resolver.missing

    def template(self, doc: Document, index: int) -> tuple[Pipeline | None, list[Missing]]:
        """A template file read on its own (`templates.standalone`), its own templates inlined;
        `<+input>` fields stay unknown."""
        composition = Composition()
        found = standalone(doc, index, composition)
        if found is None:
            return None, []
        kind, root = found
        resolver = Resolver(self.project.index, composition, self.project.settings.external_templates)
        try:
            root = resolver.walk(root, (doc, (index,)))
        except TooLarge as error:
            _too_large(doc, index, "template", error)
            return None, []
        pipelines = composition.build(root, doc.path)
        return (replace(pipelines[0], template_kind=kind) if pipelines else None), resolver.missing

    def chain(self) -> None:
        """Read each chained child into its Pipeline stage, as the parent's run sees it."""
        links = []  # (parent key, stage, child key or None)
        for key, parent in list(self.alone.items()):
            if parent.syntax != "v0":
                continue
            joined = {}
            for stage in stages(parent):
                if stage.child is None:
                    continue
                spec = stage.child
                target = self.project.index.pipeline(spec.org, spec.project, spec.pipeline)
                if target is None:
                    view = spec.inputs
                    if spec.pipeline:
                        self.project.missing.append(Missing(spec.origin.at("pipeline"), "pipeline", f"'{spec.pipeline}'", "it is not among the checked files; only the barrier steps its inputs show take part in this pipeline's analysis"))
                else:
                    at = (spec.origin.doc, spec.origin.route + ("inputs",))
                    inputs = at[0].node_at(at[1])
                    view, missing = self.compose(*target, (inputs, at) if inputs is not None else None)
                    self.project.missing.extend(missing)
                if view is not None:
                    original, stage = stage, replace(stage, steps=_joining(view).stages)
                    joined[id(original)] = stage
                links.append((key, stage, target and (id(target[0]), target[1])))
            if joined:
                rewritten = model.rewrite(parent, lambda e: joined.get(id(e), e) if isinstance(e, Stage) else e)
                self.project.pipelines[self.project.pipelines.index(parent)] = self.alone[key] = rewritten
        self.project.chains.extend(Chain(self.alone[key], stage, self.alone.get(child)) for key, stage, child in links)


def _per_environment(pipeline: Pipeline) -> list[Missing]:
    """Barrier steps in the provisioner of one environment of a multi-environment stage: they run
    only in that environment's copies of the stage, which the analysis does not tell apart."""
    found = []
    for stage in stages(pipeline):
        stack = list(stage.per_environment)
        while stack:
            item = stack.pop()
            if isinstance(item, Step) and item.is_barrier:
                detail = (
                    f"it runs in the provisioner of one environment of stage '{stage.label}', only in that environment's copies "
                    f"of the stage; barrierlint does not analyse it, and findings on barrier '{item.barrier_ref}' are incomplete"
                )
                found.append(Missing(item.origin, "Barrier step", f"'{item.label}'", detail, fix="nothing to fix; check this barrier by hand"))
            stack.extend(sub for sub, _ in children(item))
    return found


def _joining(child: Pipeline) -> Pipeline:
    """What of a chained child takes part in its parent's barriers: its structure and its
    `parent.X` Barrier steps, which join the parent's X. The child's own barriers belong to the
    child's own execution and are analysed with the child."""

    def keep(element):
        if isinstance(element, Step) and element.is_barrier:
            ref = element.barrier_ref
            if ref is None or not ref.startswith("parent."):
                return None
            return replace(element, barrier_ref=BarrierRef(ref, ref.split(".", 1)[1]))
        return element

    return model.rewrite(child, keep)


def _too_large(doc: Document, index: int, what: str, error: TooLarge) -> None:
    """One BL002 on the document for a pipeline or template that inlining grows too large."""
    problem = Problem("BL002", (index, what), f"{what} too large to analyse: {error}; this {what} was not checked")
    if problem not in doc.problems:
        doc.add_problem(problem)
