"""The pipeline model: typed elements built from YAML nodes, never changed once built (`rewrite`
and `dataclasses.replace` make new ones). They are plain slotted dataclasses, not frozen ones:
a frozen dataclass sets each field through `object.__setattr__`, a fifth of the build's time.

Every element keeps an `Origin` (its document and the route to it), so rules point at YAML
routes and never at lines. Reading is defensive: a field of the wrong type becomes a BL002
problem on the document and the element is built without it, never an exception.

The shapes are those of Harness NextGen v0 YAML (`pipeline.stages`, `parallel`, `stepGroup`,
`insert`, `rollbackSteps`, looping `strategy`, multi-service / multi-environment spawners,
`when`, `dependsOn`, chained `Pipeline` stages, template references). Other syntaxes
(v1, FirstGen) are translated into the same elements by their own builders.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from typing import Iterator, Union

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .source import Document, Kind, Problem, Route, child, node_span, scalar

# -- elements -------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Origin:
    """Where an element is written: a document and the route inside it."""

    doc: Document
    route: Route

    def at(self, *steps: str | int) -> "Origin":
        return Origin(self.doc, self.route + steps)


@dataclass(slots=True, eq=False)
class When:
    """Conditional execution. `status` is pipelineStatus (stages) or stageStatus (steps)."""

    status: str | None
    condition: str | None
    origin: Origin

    @property
    def conditional(self) -> bool:
        """True when the element may be skipped on a run where everything so far succeeded, and
        may run (a literal `false` condition is `never` instead)."""
        if self.never:
            return False
        if self.status not in (None, "Success", "All"):
            return True
        return self.condition is not None and self.condition.strip().lower() != "true"

    @property
    def never(self) -> bool:
        """True when the condition is the literal `false`: the element is always skipped."""
        return self.condition is not None and self.condition.strip().lower() == "false"


@dataclass(slots=True, eq=False)
class Strategy:
    """A looping strategy or a multi-deployment spawner: `copies` run, `concurrency` at once.

    `copies` is None when it is not known before the run (an expression); `max_concurrency`
    None means every copy starts at once.
    """

    kind: str  # matrix | repeat | parallelism | multi-deployment
    copies: int | None
    max_concurrency: int | None
    origin: Origin
    concurrency_origin: Origin | None = None  # the maxConcurrency key or the `parallel: false` flag
    description: str = ""
    max_concurrency_expression: str | None = None

    @property
    def started_together(self) -> int | None:
        """How many copies start immediately (and so register as barrier participants)."""
        if self.copies is None:
            return None
        if self.max_concurrency is None or self.max_concurrency <= 0:
            return self.copies
        return min(self.copies, self.max_concurrency)


@dataclass(slots=True, eq=False)
class FailureStrategy:
    errors: tuple[str, ...]
    action: str
    origin: Origin
    retry_count: int | None = None
    then: str | None = None  # action after retries are exhausted
    timeout: str | None = None  # how long a ManualIntervention waits for a person (spec.timeout)


@dataclass(slots=True, eq=False)
class TemplateRef:
    """A use of a template that the model has not inlined (the project resolves it)."""

    ref: str
    version: str | None
    origin: Origin


class BarrierRef(str):
    """A barrier reference as written, compared by the barrier it names.

    Shown as written (`parent.sync`, `start verify`), but equal only to references of the same
    barrier: one in another scope (a FirstGen parallel group, a chained child's own execution)
    is another barrier, and a child's `parent.X` is its parent's `X`. Rules that group
    occurrences by `ref` therefore see the engine's barrier instances, not spellings.
    """

    def __new__(cls, written: str, identifier: str | None = None, scope: object = None) -> "BarrierRef":
        ref = super().__new__(cls, written)
        name = written if identifier is None else identifier
        ref.key = name if scope is None else (scope, name)
        return ref

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BarrierRef):
            return self.key == other.key
        return self.key == other if isinstance(other, str) else NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.key)

    def __reduce__(self):
        return _barrier_ref, (str(self), self.key)


def _barrier_ref(written: str, key: object) -> BarrierRef:
    ref = BarrierRef(written)
    ref.key = key
    return ref


@dataclass(slots=True, eq=False)
class Step:
    identifier: str | None
    name: str | None
    type: str | None
    origin: Origin
    timeout: str | None = None
    when: When | None = None
    strategy: Strategy | None = None
    failure_strategies: tuple[FailureStrategy, ...] = ()
    template: TemplateRef | None = None
    barrier_ref: str | None = None  # spec.barrierRef of a Barrier step
    barrier_ref_origin: Origin | None = None
    queue_key: str | None = None  # spec.key of a Queue step
    queue_scope: str | None = None  # spec.scope of a Queue step: Pipeline or Stage (as written)
    duration: str | None = None  # spec.duration of a Wait step (it has no timeout)

    @property
    def is_barrier(self) -> bool:
        return self.type == "Barrier"

    @property
    def is_queue(self) -> bool:
        return self.type == "Queue"

    @property
    def label(self) -> str:
        return self.identifier or self.name or "?"


@dataclass(slots=True, eq=False)
class StepGroup:
    identifier: str | None
    name: str | None
    origin: Origin
    steps: tuple["Item", ...] = ()
    rollback_steps: tuple["Item", ...] = ()
    when: When | None = None
    strategy: Strategy | None = None
    failure_strategies: tuple[FailureStrategy, ...] = ()
    template: TemplateRef | None = None
    timeout: str | None = None

    @property
    def label(self) -> str:
        return self.identifier or self.name or "?"


@dataclass(slots=True, eq=False)
class Parallel:
    """Branches that start together: stages in a stage list, steps or step groups in a step list."""

    branches: tuple["Item", ...]
    origin: Origin


@dataclass(slots=True, eq=False)
class Sequence:
    """An anonymous run of items: inside a parallel block (legacy `executions` layout, v1 groups),
    or a Deploy stage's provisioner steps (`section` "provisioner"), which run before its
    execution and whose rollbackSteps run before the execution's on a stage rollback."""

    items: tuple["Item", ...]
    origin: Origin
    section: str | None = None


@dataclass(slots=True, eq=False)
class ChildPipeline:
    """The `spec` of a chained `type: Pipeline` stage."""

    org: str | None
    project: str | None
    pipeline: str | None
    origin: Origin
    inputs: "Pipeline | None" = None  # spec.inputs, read as a pipeline


@dataclass(slots=True, eq=False)
class DeployTarget:
    """What a Deploy stage deploys to, as its YAML names it: the parts of the key of the
    resource constraint Harness holds while the stage runs (each None, or an expression, when
    the pipeline does not fix it). `simultaneous` is the stage's own
    `infrastructure.allowSimultaneousDeployments` (older stage layout), None when not written."""

    service: str | None
    environment: str | None
    infrastructure: str | None
    origin: Origin
    simultaneous: bool | None = None
    key_values: tuple[str, ...] = ()  # connector, namespace...: the infrastructure's part of the key, when written inline


@dataclass(slots=True, eq=False)
class Stage:
    identifier: str | None
    name: str | None
    type: str | None
    origin: Origin
    steps: tuple["Item", ...] = ()
    rollback_steps: tuple["Item", ...] = ()
    when: When | None = None
    strategy: Strategy | None = None
    depends_on: tuple[str, ...] | None = None  # None: no dependsOn key (list order applies)
    failure_strategies: tuple[FailureStrategy, ...] = ()
    timeout: str | None = None
    child: ChildPipeline | None = None
    template: TemplateRef | None = None
    per_environment: tuple["Item", ...] = ()  # provisioner steps of one environment of several: not analysed
    target: DeployTarget | None = None  # a Deployment stage's service, environment and infrastructure

    @property
    def label(self) -> str:
        return self.identifier or self.name or "?"


Item = Union[Stage, StepGroup, Step, Parallel, Sequence]


@dataclass(slots=True, eq=False)
class BarrierDecl:
    identifier: str | None
    name: str | None
    origin: Origin


@dataclass(slots=True, eq=False)
class Pipeline:
    identifier: str | None
    name: str | None
    origin: Origin
    stages: tuple[Item, ...] = ()
    barriers: tuple[BarrierDecl, ...] = ()
    barriers_origin: Origin | None = None  # flowControl.barriers, when written
    syntax: str = "v0"  # v0 | v1 | firstgen
    template: TemplateRef | None = None
    org: str | None = None
    project: str | None = None
    timeout: str | None = None
    template_kind: str | None = None  # a template file read on its own: Pipeline, Stage, StepGroup or Step
    unknown: tuple[Origin, ...] = ()  # parts the analysis cannot see: `<+input>` lists, unreadable stages or steps
    barriers_unreadable: bool = False  # flowControl.barriers, or an entry of it, cannot be read: declarations unknown

    @property
    def label(self) -> str:
        return self.identifier or self.name or self.origin.doc.path

    @property
    def declarations_known(self) -> bool:
        """False when what this pipeline declares is out of sight: an unresolved pipeline template
        holds its flowControl, a stage, step group or step template declares nothing (the
        pipelines using it do), or flowControl.barriers cannot be read (BL002 says so)."""
        return self.template is None and self.template_kind in (None, "Pipeline") and not self.barriers_unreadable


# -- walking --------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Occurrence:
    """One Barrier step in its context: the participant unit the engine registers."""

    step: Step
    stage: Stage
    path: tuple[Item, ...]  # enclosing stage, step groups, parallel blocks; outermost first
    in_rollback: bool
    loops: tuple[Strategy, ...]  # enclosing strategies, outermost first

    @property
    def ref(self) -> str | None:
        return self.step.barrier_ref

    @property
    def group(self) -> StepGroup | None:
        return next((item for item in reversed(self.path) if isinstance(item, StepGroup)), None)

    @property
    def copies(self) -> int | None:
        """Participants this one step registers: the product of copies started at once."""
        total = 1
        for loop in self.loops:
            started = loop.started_together
            if started is None:
                return None
            total *= started
        return total

    @property
    def through_template(self) -> bool:
        """True when the step is seen only through the inputs of a template that was not found:
        what the inputs leave out (a fixed timeout, say) is set in the template itself."""
        return self.step.template is not None or any(getattr(item, "template", None) is not None for item in self.path)

    @property
    def where(self) -> str:
        """A readable name for the participant: stage (after the chained stage that runs its
        pipeline, if any), then step groups."""
        return " > ".join(e.label for e in self.path if isinstance(e, (Stage, StepGroup)))

    @property
    def chained(self) -> Stage | None:
        """The chained `type: Pipeline` stage this step runs under: a child pipeline's step as
        its parent sees it (its own pipeline, or the inputs the parent gives, are written elsewhere)."""
        return next((e for e in self.path if isinstance(e, Stage) and e.child is not None), None)


def sections(item: Item) -> tuple[tuple[tuple[Item, ...], bool], ...]:
    """The lists of direct sub-items of an element, each with whether it is a rollback section."""
    if isinstance(item, (Stage, StepGroup)):
        return ((item.steps, False), (item.rollback_steps, True))
    if isinstance(item, Parallel):
        return ((item.branches, False),)
    if isinstance(item, Sequence):
        return ((item.items, False),)
    return ()


def children(item: Item) -> Iterator[tuple[Item, bool]]:
    """Direct sub-items of an element, each with whether it lies in a rollback section."""
    for items, rollback in sections(item):
        for sub in items:
            yield sub, rollback


def occurrences(pipeline: Pipeline, which=lambda step: step.is_barrier) -> list[Occurrence]:
    """Every Barrier step of a pipeline (or every step `which` picks, such as Queue steps) in
    document order, with its context. Recursive, like the builder: nesting is bounded by MAX_DEPTH."""
    found: list[Occurrence] = []
    _visit(pipeline.stages, None, (), False, (), which, found)
    return found


def _visit(items: tuple[Item, ...], stage: Stage | None, path: tuple, rollback: bool, loops: tuple, which, found: list[Occurrence]) -> None:
    """`occurrences` below `items`. A function of its own, not a closure that calls itself: such
    a closure is a reference cycle, which the console (collector off) would never free, and with
    `found` it would keep the whole model and its YAML alive."""
    for item in items:
        if isinstance(item, Step):
            if stage is not None and which(item):
                found.append(Occurrence(item, stage, path, rollback, loops))
            continue
        strategy = getattr(item, "strategy", None)
        inner_loops = loops + (strategy,) if strategy else loops
        inner_stage = item if isinstance(item, Stage) else stage
        for subs, in_rollback in sections(item):
            if subs:
                _visit(subs, inner_stage, path + (item,), rollback or in_rollback, inner_loops, which, found)


def rewrite(element, change):
    """Rebuild an element tree bottom-up: `change` sees every element, origin and value object
    (children already rebuilt) and returns its replacement, or None to drop it from its list.
    Untouched subtrees are shared, not copied."""
    if isinstance(element, tuple):
        items = [rewrite(item, change) for item in element]
        if all(new is old for new, old in zip(items, element)):
            return element
        return tuple(new for new in items if new is not None)
    if isinstance(element, Origin) or not hasattr(element, "__dataclass_fields__"):
        return change(element)
    updates = {}
    for name in element.__dataclass_fields__:
        value = getattr(element, name)
        if isinstance(value, (tuple, Origin)) or hasattr(value, "__dataclass_fields__") and not isinstance(value, Document):
            new = rewrite(value, change)
            if new is not value:
                updates[name] = new
    return change(dataclasses.replace(element, **updates) if updates else element)


def stages(pipeline: Pipeline) -> Iterator[Stage]:
    """Every stage, in document order, parallel branches included."""
    stack = list(reversed(pipeline.stages))
    while stack:
        item = stack.pop()
        if isinstance(item, Stage):
            yield item
        elif isinstance(item, (Parallel, Sequence)):
            stack.extend(reversed(item.branches if isinstance(item, Parallel) else item.items))


# -- values ---------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|w|d|h|m|s)", re.IGNORECASE)
_DURATIONS = re.compile(r"(?:\s*\d+(?:\.\d+)?\s*(?:ms|w|d|h|m|s)\s*)+", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | None) -> float | None:
    """Seconds in a Harness duration such as `10m`, `1h 30m`, `1d`; None if not a duration."""
    if text is None or not _DURATIONS.fullmatch(text):
        return None
    return sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _DURATION.findall(text))


def is_expression(text: str | None) -> bool:
    return text is not None and "<+" in text


def awaits_parent(ref: str | None) -> bool:
    """A `parent.X` reference not joined to a parent's barrier (a child pipeline seen on its
    own): its partners run in another pipeline. Joined ones are `BarrierRef`s named X."""
    return ref is not None and ref.startswith("parent.") and getattr(ref, "key", str(ref)) == str(ref)


def is_runtime_input(text: str | None) -> bool:
    """`<+input>` with optional `.default(...)`, `.allowedValues(...)`, `.executionInput()`."""
    return text is not None and text.strip().startswith("<+input>")


# -- building -------------------------------------------------------------------------------

MAX_WORK = 100_000  # YAML nodes the builder may visit per document, plus one per 4 characters of text
MAX_DEPTH = 100  # nesting of parallel blocks, step groups, inserts and chained pipeline inputs
MAX_MATRIX_WORK = 1_000_000  # combinations x exclude shapes enumerated to count a matrix
MAX_INTEGER = 2**31 - 1  # Harness reads counts into Java ints
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")


class _TooLarge(Exception):
    pass


@dataclass
class _Reader:
    """Typed, defensive access to nodes that records BL002 problems instead of raising.

    Every mapping entry and list item read costs one unit of a budget proportional to the
    text: a document without aliases never comes near it, while aliases that share one node
    thousands of times (an alias bomb) cannot make the work exponential or even quadratic.
    """

    doc: Document
    budget: int | None = None
    seen_duplicates: set = field(default_factory=set)
    canonical_values: dict[int, str] = field(default_factory=dict)
    unknown: list[Route] = field(default_factory=list)  # stage or step lists filled at run time or unreadable

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = MAX_WORK + len(self.doc.text) // 4
        self.limit = self.budget

    def problem(self, route: Route, message: str) -> None:
        self.doc.add_problem(Problem("BL002", route, message))

    def tick(self, route: Route, count: int = 1) -> None:
        self.budget -= count
        if self.budget < 0:
            self.problem(
                route,
                f"pipeline too large to analyse: reading it visits more than {self.limit} YAML nodes (anchors and aliases "
                "that repeat large parts?); this pipeline was not checked",
            )
            raise _TooLarge

    def child(self, node: Node | None, route: Route, key: str) -> Node | None:
        """`source.child`, paid for from the budget: aliases may repeat a huge mapping."""
        if isinstance(node, MappingNode):
            self.tick(route, len(node.value))
        return child(node, key)

    def too_deep(self, route: Route, depth: int) -> bool:
        if depth <= MAX_DEPTH:
            return False
        self.problem(route, f"stages and steps nested more than {MAX_DEPTH} levels deep; analysis stopped here")
        return True

    def canonical(self, node: Node) -> str:
        """A matrix value as comparable text: a scalar's value, or a collection's source text
        (sliced once per node, since aliases share nodes)."""
        if isinstance(node, ScalarNode):
            return node.value
        text = self.canonical_values.get(id(node))
        if text is None:
            text = self.canonical_values[id(node)] = self.doc.text[node.start_mark.index : node.end_mark.index]
        return text

    def mapping(self, node: Node | None, route: Route, what: str) -> dict[str, Node] | None:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            return None
        if not isinstance(node, MappingNode):
            self.problem(route, f"{what} must be a mapping, not {_shape(node)}")
            return None
        self.tick(route, len(node.value))
        try:  # the usual mapping in one pass: plain keys only (a collection key's list value is unhashable), none twice
            result = {key.value: value for key, value in node.value}
        except TypeError:
            result = None
        if result is not None and len(result) == len(node.value):
            return result
        result = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.problem(route, f"{what} has a key that is not a plain string")
                continue
            if key.value in result and id(key) not in self.seen_duplicates:
                self.seen_duplicates.add(id(key))
                span = node_span(key)
                self.doc.add_problem(Problem("BL002", route + (key.value,), f"duplicate key '{key.value}' in {what}: the later value wins", span))
            result[key.value] = value
        return result

    def items(self, node: Node | None, route: Route, what: str) -> list[tuple[Node, Route]]:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            return []
        if not isinstance(node, SequenceNode):
            self.problem(route, f"{what} must be a list, not {_shape(node)}")
            return []
        self.tick(route, len(node.value))
        return [(sub, route + (i,)) for i, sub in enumerate(node.value)]

    def text(self, node: Node | None, route: Route, what: str) -> str | None:
        if isinstance(node, ScalarNode):
            return None if node.tag.endswith(":null") else scalar(node)
        if node is not None:
            self.problem(route, f"{what} must be a string, not {_shape(node)}")
        return None

    def integer(self, node: Node | None, route: Route, what: str) -> tuple[int | None, str | None]:
        """An integer, or the expression text when it is one; problems for anything else."""
        value = self.text(node, route, what)
        if value is None:
            return None, None
        if is_expression(value):
            return None, value
        if _INTEGER.fullmatch(value) and abs(int(value)) <= MAX_INTEGER:
            return int(value), None
        self.problem(route, f"{what} must be a whole number (at most {MAX_INTEGER}) or an expression, not {_shape(node)}")
        return None, None


def _shape(node: Node | None) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        return f"the value '{node.value}'" if len(node.value) < 40 and node.value.isprintable() else "a long or multi-line string"
    return "nothing"


def build(doc: Document, budget: int | None = None) -> list[Pipeline]:
    """The NextGen v0 pipelines of a document (one per YAML document that is a pipeline); each
    may visit `budget` YAML nodes (by default, in proportion to the document's text)."""
    pipelines = []
    for index, (root, kind) in enumerate(zip(doc.roots, doc.kinds)):
        if kind is not Kind.PIPELINE:
            continue
        reader = _Reader(doc, budget)
        try:
            pipeline = _pipeline(reader, root, (index,))
        except _TooLarge:
            continue
        if pipeline is not None:
            pipelines.append(pipeline)
    return pipelines


def _pipeline(r: _Reader, root: Node, route: Route) -> Pipeline | None:
    top = r.mapping(root, route, "the document")
    if top is None:
        return None
    return read_pipeline(r, top.get("pipeline"), route + ("pipeline",))


def read_pipeline(r: _Reader, node: Node | None, route: Route, syntax: str = "v0", depth: int = 0) -> Pipeline | None:
    """A pipeline mapping (also the `inputs` of a chained stage) into a Pipeline."""
    origin = Origin(r.doc, route)
    fields = r.mapping(node, route, "pipeline")
    if fields is None:
        if node is None or isinstance(node, ScalarNode):
            r.problem(route, "pipeline has no body: 'pipeline:' must hold a mapping with 'stages'")
        return None
    barriers, barriers_origin, unreadable = (), None, False
    flow = r.mapping(fields.get("flowControl"), route + ("flowControl",), "flowControl")
    if flow is not None and "barriers" in flow:
        barriers_route = route + ("flowControl", "barriers")
        barriers_origin = Origin(r.doc, barriers_route)
        written = flow["barriers"]
        unreadable = not isinstance(written, SequenceNode) and not (isinstance(written, ScalarNode) and written.tag.endswith(":null"))
        read = [(sub, _barrier_decl(r, sub, sub_route)) for sub, sub_route in r.items(written, barriers_route, "flowControl.barriers")]
        barriers = tuple(decl for _, decl in read if decl)
        # an entry written without a readable identifier may declare any barrier (BL002 says which)
        unreadable = unreadable or any(
            decl.identifier is None if decl else not (isinstance(sub, ScalarNode) and sub.tag.endswith(":null")) for sub, decl in read
        )
    template = _template_ref(r, fields.get("template"), route + ("template",))
    unknown_from = len(r.unknown)
    stages = _stage_items(r, fields.get("stages"), route + ("stages",), depth)
    return Pipeline(
        identifier=r.text(fields.get("identifier"), route + ("identifier",), "pipeline identifier"),
        name=r.text(fields.get("name"), route + ("name",), "pipeline name"),
        origin=origin,
        stages=stages,
        barriers=barriers,
        barriers_origin=barriers_origin,
        syntax=syntax,
        template=template,
        org=r.text(fields.get("orgIdentifier"), route + ("orgIdentifier",), "orgIdentifier"),
        project=r.text(fields.get("projectIdentifier"), route + ("projectIdentifier",), "projectIdentifier"),
        timeout=r.text(fields.get("timeout"), route + ("timeout",), "pipeline timeout"),
        unknown=tuple(Origin(r.doc, where) for where in r.unknown[unknown_from:]),
        barriers_unreadable=unreadable,
    )


def _barrier_decl(r: _Reader, node: Node, route: Route) -> BarrierDecl | None:
    fields = r.mapping(node, route, "a flowControl barrier")
    if fields is None:
        if node is not None:
            return None
        r.problem(route, "flowControl barrier entry is empty")
        return None
    identifier = r.text(fields.get("identifier"), route + ("identifier",), "barrier identifier")
    return BarrierDecl(identifier, r.text(fields.get("name"), route + ("name",), "barrier name"), Origin(r.doc, route))


def _list(r: _Reader, node: Node | None, route: Route, what: str, slot: bool = False) -> list[tuple[Node, Route]]:
    """The items of a stage or step list. An `insert` slot (`slot`) may hold `<+input>` or
    nothing: the stages or steps come at run time. That, and a list that cannot be read, leave
    a part of the pipeline unknown (rules that count participants then stay silent)."""
    if slot and isinstance(node, ScalarNode) and (is_expression(node.value) or not node.value.strip()):
        r.unknown.append(route)
        return []
    if node is not None and not isinstance(node, SequenceNode) and not (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
        r.unknown.append(route)
    return r.items(node, route, what)


def _dropped(r: _Reader, route: Route, node: Node | None, element: object) -> object:
    """An element written but not read (a problem says why) leaves a part unknown; an empty one
    hides nothing."""
    if element is None and node is not None and not (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
        r.unknown.append(route)
    return element


def _stage_items(r: _Reader, node: Node | None, route: Route, depth: int, slot: bool = False) -> tuple[Item, ...]:
    if node is None:
        return ()
    if r.too_deep(route, depth):
        r.unknown.append(route)
        return ()
    result: list[Item] = []
    for sub, sub_route in _list(r, node, route, "stages", slot):
        fields = _dropped(r, sub_route, sub, r.mapping(sub, sub_route, "a stage list item"))
        if fields is None:
            continue
        if "stage" in fields:
            stage = _dropped(r, sub_route, fields["stage"], _stage(r, fields["stage"], sub_route + ("stage",), depth))
            if stage is not None:
                result.append(stage)
        elif "parallel" in fields:
            branches = _stage_items(r, fields["parallel"], sub_route + ("parallel",), depth + 1)
            result.append(Parallel(branches, Origin(r.doc, sub_route + ("parallel",))))
        elif "insert" in fields:
            insert = _dropped(r, sub_route, fields["insert"], r.mapping(fields["insert"], sub_route + ("insert",), "insert"))
            if insert is not None:
                result.extend(_stage_items(r, insert.get("stages"), sub_route + ("insert", "stages"), depth + 1, slot=True))
        else:
            found = ", ".join(sorted(fields)) or "nothing"
            r.problem(sub_route, f"stage list item must hold 'stage', 'parallel' or 'insert', found {found}")
            r.unknown.append(sub_route)
    return tuple(result)


def _stage(r: _Reader, node: Node, route: Route, depth: int) -> Stage | None:
    fields = r.mapping(node, route, "stage")
    if fields is None:
        return None
    spec = r.mapping(fields.get("spec"), route + ("spec",), "stage spec") or {}
    stage_type = r.text(fields.get("type"), route + ("type",), "stage type")
    steps, rollback = (), ()
    execution_route = route + ("spec", "execution")
    execution = r.mapping(spec.get("execution"), execution_route, "stage execution")
    provisioner, provisioner_rollback, per_environment = _provisioners(r, spec, route + ("spec",), depth) if stage_type == "Deployment" else ((), (), ())
    if execution is not None:
        steps = _step_items(r, execution.get("steps"), execution_route + ("steps",), depth + 1)
        rollback = _step_items(r, execution.get("rollbackSteps"), execution_route + ("rollbackSteps",), depth + 1)
    elif "executions" in spec:  # legacy layout: a list of `steps:` and `parallel:` blocks
        steps = _step_items(r, spec["executions"], route + ("spec", "executions"), depth + 1)
    steps, rollback = provisioner + steps, provisioner_rollback + rollback  # the order the engine runs them
    strategy = _strategy(r, fields.get("strategy"), route + ("strategy",))
    if stage_type == "Deployment" and strategy is None:
        strategy = _spawner(r, spec, route + ("spec",))
    depends_on = None
    if "dependsOn" in fields:
        depends_on = tuple(
            value
            for sub, sub_route in r.items(fields["dependsOn"], route + ("dependsOn",), "dependsOn")
            if (value := r.text(sub, sub_route, "dependsOn entry")) is not None
        )
    child = None
    if stage_type == "Pipeline":
        spec_route = route + ("spec",)
        child = ChildPipeline(
            org=r.text(spec.get("org"), spec_route + ("org",), "org"),
            project=r.text(spec.get("project"), spec_route + ("project",), "project"),
            pipeline=r.text(spec.get("pipeline"), spec_route + ("pipeline",), "pipeline"),
            origin=Origin(r.doc, spec_route),
            inputs=read_pipeline(r, spec["inputs"], spec_route + ("inputs",), depth=depth + 1) if isinstance(spec.get("inputs"), MappingNode) else None,
        )
    target = _target(r, spec, route + ("spec",)) if stage_type == "Deployment" and (strategy is None or strategy.kind != "multi-deployment") else None
    return Stage(
        identifier=r.text(fields.get("identifier"), route + ("identifier",), "stage identifier"),
        name=r.text(fields.get("name"), route + ("name",), "stage name"),
        type=stage_type,
        origin=Origin(r.doc, route),
        steps=steps,
        rollback_steps=rollback,
        when=_when(r, fields.get("when"), route + ("when",), "pipelineStatus"),
        strategy=strategy,
        depends_on=depends_on,
        failure_strategies=_failure_strategies(r, fields.get("failureStrategies"), route + ("failureStrategies",)),
        timeout=r.text(fields.get("timeout"), route + ("timeout",), "stage timeout"),
        child=child,
        template=_template_ref(r, fields.get("template"), route + ("template",)),
        per_environment=per_environment,
        target=target,
    )


def _target(r: _Reader, spec: dict[str, Node], route: Route) -> DeployTarget | None:
    """The service, environment and infrastructure of a single-target Deploy stage, in the
    current layout (`service`, `environment.infrastructureDefinitions`) or the older one
    (`serviceConfig`, `infrastructure`). Read quietly: the structure is not this reader's to judge."""

    def text(node: Node | None, *keys: str) -> str | None:
        for key in keys:
            node = r.child(node, route, key)
        return scalar(node) if isinstance(node, ScalarNode) and not node.tag.endswith(":null") else None

    service = text(spec.get("service"), "serviceRef") or text(spec.get("serviceConfig"), "serviceRef")
    environment = spec.get("environment")
    if environment is not None:
        infra = None
        definitions = r.child(environment, route, "infrastructureDefinitions")
        if isinstance(definitions, SequenceNode) and len(definitions.value) == 1:
            infra = text(definitions.value[0], "identifier")
        elif isinstance(definitions, ScalarNode):
            infra = text(environment, "infrastructureDefinitions")  # an expression or runtime input
        else:
            infra = text(environment, "infrastructureDefinition", "identifier")
        return DeployTarget(service, text(environment, "environmentRef"), infra, Origin(r.doc, route + ("environment",)))
    old = spec.get("infrastructure")
    if old is None:
        return None
    flag = text(old, "allowSimultaneousDeployments")
    definition = r.child(old, route, "infrastructureDefinition")
    kind = text(definition, "type")
    values = tuple(v for key in INFRASTRUCTURE_KEY_FIELDS.get(kind or "", ()) if (v := text(definition, "spec", key)) is not None)
    return DeployTarget(
        service, text(old, "environmentRef"), kind and ":".join((kind, *values)), Origin(r.doc, route + ("infrastructure",)),
        simultaneous=flag.strip().lower() == "true" if flag is not None and flag.strip().lower() in ("true", "false") else None,
        key_values=values,
    )


# The fields of an infrastructure definition's spec that Harness builds its key from, besides the
# service and environment (`getInfrastructureKeyValues` of each infrastructure kind in the engine).
INFRASTRUCTURE_KEY_FIELDS = {
    "KubernetesDirect": ("connectorRef", "namespace"),
    "KubernetesAzure": ("connectorRef", "cluster", "namespace", "subscriptionId", "resourceGroup"),
    "KubernetesRancher": ("connectorRef", "cluster", "namespace"),
    "ECS": ("connectorRef", "cluster", "region"),
    "ServerlessAwsLambda": ("connectorRef", "region", "stage"),
    "SshWinRmAws": ("connectorRef",),
    "SshWinRmAzure": ("connectorRef", "subscriptionId", "resourceGroup", "credentialsRef"),
}


def _step_items(r: _Reader, node: Node | None, route: Route, depth: int, slot: bool = False) -> tuple[Item, ...]:
    """A list of steps, wherever it stands (tests/data/step_places.json lists those places): the
    one reader of steps, step groups, parallel blocks and inserts."""
    if node is None:
        return ()
    if r.too_deep(route, depth):
        r.unknown.append(route)
        return ()
    result: list[Item] = []
    for sub, sub_route in _list(r, node, route, "steps", slot):
        fields = _dropped(r, sub_route, sub, r.mapping(sub, sub_route, "a step list item"))
        if fields is None:
            continue
        if "step" in fields:
            step = _dropped(r, sub_route, fields["step"], _step(r, fields["step"], sub_route + ("step",)))
            if step is not None:
                result.append(step)
        elif "stepGroup" in fields:
            group = _dropped(r, sub_route, fields["stepGroup"], _step_group(r, fields["stepGroup"], sub_route + ("stepGroup",), depth))
            if group is not None:
                result.append(group)
        elif "parallel" in fields:
            branches = _step_items(r, fields["parallel"], sub_route + ("parallel",), depth + 1)
            result.append(Parallel(branches, Origin(r.doc, sub_route + ("parallel",))))
        elif "insert" in fields:
            insert = _dropped(r, sub_route, fields["insert"], r.mapping(fields["insert"], sub_route + ("insert",), "insert"))
            if insert is not None:
                result.extend(_step_items(r, insert.get("steps"), sub_route + ("insert", "steps"), depth + 1, slot=True))
        elif "steps" in fields:  # legacy `executions` layout
            items = _step_items(r, fields["steps"], sub_route + ("steps",), depth + 1)
            result.append(Sequence(items, Origin(r.doc, sub_route + ("steps",))))
        else:
            found = ", ".join(sorted(fields)) or "nothing"
            r.problem(sub_route, f"step list item must hold 'step', 'stepGroup', 'parallel' or 'insert', found {found}")
            r.unknown.append(sub_route)
    return tuple(result)


# Where a Deploy stage's `spec` holds the provisioner that runs before its execution: the
# environment (current layout) or the infrastructure definition (legacy layout, also as the
# overrides of an infrastructure used from another stage). Per-environment provisioners of a
# multi-environment stage run only in that environment's copies of the stage.
PROVISIONERS = (
    ("environment", "provisioner"),
    ("infrastructure", "infrastructureDefinition", "provisioner"),
    ("infrastructure", "useFromStage", "overrides", "infrastructureDefinition", "provisioner"),
)
PER_ENVIRONMENT = (("environments", "values"), ("environmentGroup", "environments"))


def _provisioners(r: _Reader, spec: dict[str, Node], route: Route, depth: int) -> tuple[tuple[Item, ...], tuple[Item, ...], tuple[Item, ...]]:
    """A stage's provisioner steps and rollbackSteps (each a provisioner Sequence), and the
    provisioner steps written for single environments of several."""
    steps: list[Item] = []
    rollback: list[Item] = []
    for path in PROVISIONERS:
        node = spec.get(path[0])
        for at in range(1, len(path)):
            if node is None:
                break
            node = r.child(node, route + path[:at], path[at])
        if node is None:
            continue  # most Deploy stages have no provisioner, or one of the three layouts only
        where = route + path
        provisioner = _dropped(r, where, node, r.mapping(node, where, "provisioner"))
        if provisioner is None:
            continue
        for key, into in (("steps", steps), ("rollbackSteps", rollback)):
            items = _step_items(r, provisioner.get(key), where + (key,), depth + 1)
            if items:
                into.append(Sequence(items, Origin(r.doc, where + (key,)), section="provisioner"))
    per_environment: list[Item] = []
    for key, values in PER_ENVIRONMENT:
        listed = r.child(spec.get(key), route + (key,), values)
        if not isinstance(listed, SequenceNode):
            continue
        for index, environment in enumerate(listed.value):
            where = route + (key, values, index, "provisioner")
            provisioner = r.child(environment, where[:-1], "provisioner")
            if isinstance(provisioner, MappingNode):
                for part in ("steps", "rollbackSteps"):
                    per_environment.extend(_step_items(r, r.child(provisioner, where, part), where + (part,), depth + 1))
    return tuple(steps), tuple(rollback), tuple(per_environment)


def _step_group(r: _Reader, node: Node, route: Route, depth: int) -> StepGroup | None:
    fields = r.mapping(node, route, "stepGroup")
    if fields is None:
        return None
    return StepGroup(
        identifier=r.text(fields.get("identifier"), route + ("identifier",), "step group identifier"),
        name=r.text(fields.get("name"), route + ("name",), "step group name"),
        origin=Origin(r.doc, route),
        steps=_step_items(r, fields.get("steps"), route + ("steps",), depth + 1),
        rollback_steps=_step_items(r, fields.get("rollbackSteps"), route + ("rollbackSteps",), depth + 1),
        when=_when(r, fields.get("when"), route + ("when",), "stageStatus"),
        strategy=_strategy(r, fields.get("strategy"), route + ("strategy",)),
        failure_strategies=_failure_strategies(r, fields.get("failureStrategies"), route + ("failureStrategies",)),
        template=_template_ref(r, fields.get("template"), route + ("template",)),
        timeout=r.text(fields.get("timeout"), route + ("timeout",), "step group timeout"),
    )


def _step(r: _Reader, node: Node, route: Route) -> Step | None:
    fields = r.mapping(node, route, "step")
    if fields is None:
        return None
    step_type = r.text(fields.get("type"), route + ("type",), "step type")
    template = _template_ref(r, fields.get("template"), route + ("template",))
    spec_node, spec_route = fields.get("spec"), route + ("spec",)
    if template is not None and step_type is None:
        # a step template: its inputs say what the step is when the template itself is not at hand
        inputs = r.mapping(r.child(fields.get("template"), route, "templateInputs"), route + ("template", "templateInputs"), "templateInputs")
        if inputs is not None:
            step_type = r.text(inputs.get("type"), route + ("template", "templateInputs", "type"), "step type")
            spec_node, spec_route = inputs.get("spec"), route + ("template", "templateInputs", "spec")
    ref = ref_origin = queue_key = queue_scope = None
    if step_type == "Barrier":
        spec = r.mapping(spec_node, spec_route, "Barrier step spec") or {}
        ref_origin = Origin(r.doc, spec_route + ("barrierRef",))
        ref = r.text(spec.get("barrierRef"), ref_origin.route, "barrierRef")
    elif step_type == "Queue":
        spec = r.mapping(spec_node, spec_route, "Queue step spec") or {}
        queue_key = r.text(spec.get("key"), spec_route + ("key",), "Queue key")
        queue_scope = r.text(spec.get("scope"), spec_route + ("scope",), "Queue scope")
    duration = None
    if step_type == "Wait":
        spec = r.mapping(spec_node, spec_route, "Wait step spec") or {}
        duration = r.text(spec.get("duration"), spec_route + ("duration",), "Wait duration")
    return Step(
        identifier=r.text(fields.get("identifier"), route + ("identifier",), "step identifier"),
        name=r.text(fields.get("name"), route + ("name",), "step name"),
        type=step_type,
        origin=Origin(r.doc, route),
        timeout=r.text(fields.get("timeout"), route + ("timeout",), "step timeout"),
        when=_when(r, fields.get("when"), route + ("when",), "stageStatus"),
        strategy=_strategy(r, fields.get("strategy"), route + ("strategy",)),
        failure_strategies=_failure_strategies(r, fields.get("failureStrategies"), route + ("failureStrategies",)),
        template=template,
        barrier_ref=ref,
        barrier_ref_origin=ref_origin,
        queue_key=queue_key,
        queue_scope=queue_scope,
        duration=duration,
    )


def _when(r: _Reader, node: Node | None, route: Route, status_key: str) -> When | None:
    if node is None:
        return None
    if isinstance(node, ScalarNode) and not node.tag.endswith(":null"):
        return When(None, scalar(node), Origin(r.doc, route))  # a bare expression
    fields = r.mapping(node, route, "when")
    if fields is None:
        return None
    return When(
        status=r.text(fields.get(status_key), route + (status_key,), status_key),
        condition=r.text(fields.get("condition"), route + ("condition",), "when condition"),
        origin=Origin(r.doc, route),
    )


def _template_ref(r: _Reader, node: Node | None, route: Route) -> TemplateRef | None:
    if node is None:
        return None
    fields = r.mapping(node, route, "template")
    if fields is None:
        return None
    ref = r.text(fields.get("templateRef"), route + ("templateRef",), "templateRef")
    if ref is None:
        return None
    return TemplateRef(ref, r.text(fields.get("versionLabel"), route + ("versionLabel",), "versionLabel"), Origin(r.doc, route))


def _failure_strategies(r: _Reader, node: Node | None, route: Route) -> tuple[FailureStrategy, ...]:
    if node is None:
        return ()
    result = []
    for sub, sub_route in r.items(node, route, "failureStrategies"):
        fields = r.mapping(sub, sub_route, "a failure strategy") or {}
        on_failure = r.mapping(fields.get("onFailure"), sub_route + ("onFailure",), "onFailure") or {}
        base = sub_route + ("onFailure",)
        errors = tuple(
            e for s, s_route in r.items(on_failure.get("errors"), base + ("errors",), "errors") if (e := r.text(s, s_route, "error type"))
        )
        action = r.mapping(on_failure.get("action"), base + ("action",), "failure action") or {}
        action_type = r.text(action.get("type"), base + ("action", "type"), "failure action type")
        if action_type is None:
            continue
        retry_count = then = None
        spec = r.mapping(action.get("spec"), base + ("action", "spec"), "failure action spec") or {}
        if "retryCount" in spec:
            retry_count, _ = r.integer(spec["retryCount"], base + ("action", "spec", "retryCount"), "retryCount")
        after = r.mapping(spec.get("onRetryFailure") or spec.get("onTimeout"), base + ("action", "spec"), "retry fallback") or {}
        fallback = r.mapping(after.get("action"), base + ("action", "spec"), "fallback action") or {}
        then = r.text(fallback.get("type"), base + ("action", "spec"), "fallback action type")
        timeout = None  # a ManualIntervention's own, or one reached after the last retry
        if action_type == "ManualIntervention":
            timeout = r.text(spec.get("timeout"), base + ("action", "spec", "timeout"), "intervention timeout")
        elif then == "ManualIntervention":
            fallback_spec = r.mapping(fallback.get("spec"), base + ("action", "spec"), "fallback action spec") or {}
            timeout = r.text(fallback_spec.get("timeout"), base + ("action", "spec"), "intervention timeout")
        result.append(FailureStrategy(errors, action_type, Origin(r.doc, sub_route), retry_count, then, timeout))
    return tuple(result)


def _strategy(r: _Reader, node: Node | None, route: Route) -> Strategy | None:
    if node is None:
        return None
    fields = r.mapping(node, route, "strategy")
    if not fields:
        return None
    origin = Origin(r.doc, route)
    if "parallelism" in fields:
        count, expression = r.integer(fields["parallelism"], route + ("parallelism",), "parallelism")
        return Strategy("parallelism", count, None, origin, description=f"parallelism {expression or count}")
    for kind in ("matrix", "repeat"):
        if kind not in fields:
            continue
        body_route = route + (kind,)
        if isinstance(fields[kind], ScalarNode):  # the whole axis set is an expression
            return Strategy(kind, None, None, origin, description=f"{kind} from an expression")
        body = r.mapping(fields[kind], body_route, kind) or {}
        limit, limit_expression = (None, None)
        concurrency_origin = None
        if "maxConcurrency" in body:
            concurrency_origin = Origin(r.doc, body_route + ("maxConcurrency",))
            limit, limit_expression = r.integer(body["maxConcurrency"], concurrency_origin.route, "maxConcurrency")
        copies = _matrix_copies(r, body, body_route) if kind == "matrix" else _repeat_copies(r, body, body_route)
        noun = "combinations" if kind == "matrix" else "copies"
        description = f"{kind} of {copies if copies is not None else 'unknown'} {noun}"
        return Strategy(kind, copies, limit, origin, concurrency_origin, description, limit_expression)
    return None


_MATRIX_KEYS = {"exclude", "maxConcurrency", "nodeName", "batchSize"}


def _matrix_copies(r: _Reader, body: dict[str, Node], route: Route) -> int | None:
    """Combinations left after `exclude`; None when only the run knows (or counting them would
    take longer than the pipeline is worth)."""
    axes: dict[str, list[str]] = {}
    for key, node in body.items():
        if key in _MATRIX_KEYS:
            continue
        if not isinstance(node, SequenceNode):
            return None  # an axis given by an expression: the size is known only at run time
        r.tick(route + (key,), len(node.value))
        axes[key] = [r.canonical(v) for v in node.value]
    if not axes:
        return 0
    total = 1
    for values in axes.values():
        total *= len(values)
    excluded: dict[tuple[str, ...], set[tuple[str, ...]]] = {}  # axis names -> value tuples excluded
    for sub, sub_route in r.items(body.get("exclude"), route + ("exclude",), "exclude"):
        fields = r.mapping(sub, sub_route, "an exclude entry")
        if fields and fields.keys() <= axes.keys():  # a key that is no axis matches nothing
            names = tuple(sorted(fields))
            excluded.setdefault(names, set()).add(tuple(r.canonical(fields[n]) for n in names))
    if not excluded or total == 0:
        return total
    if total * len(excluded) > MAX_MATRIX_WORK:
        return None
    names = list(axes)
    kept = 0
    for combo in itertools.product(*axes.values()):
        values = dict(zip(names, combo))
        if not any(tuple(values[n] for n in shape) in entries for shape, entries in excluded.items()):
            kept += 1
    return kept


def _repeat_copies(r: _Reader, body: dict[str, Node], route: Route) -> int | None:
    if "items" in body:
        if isinstance(body["items"], SequenceNode):
            return len(body["items"].value)
        return None
    if "times" in body:
        count, _ = r.integer(body["times"], route + ("times",), "times")
        return count
    return None


def _flag(r: _Reader, node: Node | None, route: Route) -> bool | None:
    value = r.text(node, route, "parallel")
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return None  # an expression: unknown until the run


def _spawner(r: _Reader, spec: dict[str, Node], route: Route) -> Strategy | None:
    """Multi-service / multi-environment deployment, as a loop with the engine's concurrency rule."""

    def values(key: str) -> tuple[int | None, dict[str, Node]]:
        section = r.mapping(spec.get(key), route + (key,), key)
        if section is None:
            return 0, {}
        node = section.get("values")
        if isinstance(node, SequenceNode):
            return len(node.value), section
        return (None if node is not None else 0), section

    services, svc_section = values("services")
    environments, env_section = values("environments")
    env_route = route + ("environments",)
    infra = environments
    if environments and isinstance(env_section.get("values"), SequenceNode):
        infra = 0
        r.tick(env_route + ("values",), len(env_section["values"].value))
        for sub in env_section["values"].value:
            defs = r.child(sub, env_route, "infrastructureDefinitions")
            every = r.child(sub, env_route, "deployToAll")
            if isinstance(defs, ScalarNode) and is_expression(defs.value) or isinstance(every, ScalarNode) and every.value.lower() == "true":
                infra = None  # the infrastructures are chosen at run time, or all of the environment's
                break
            infra += len(defs.value) if isinstance(defs, SequenceNode) and defs.value else 1
    group = r.mapping(spec.get("environmentGroup"), route + ("environmentGroup",), "environmentGroup")
    if services == 0 and infra == 0 and group is None:
        return None  # (None: the values are an expression, so the count is known only at run time)
    svc_parallel = _flag(r, r.child(svc_section.get("metadata"), route, "parallel"), route + ("services", "metadata", "parallel"))
    env_parallel = _flag(r, r.child(env_section.get("metadata"), env_route, "parallel"), env_route + ("metadata", "parallel"))
    n_svc = 1 if services == 0 else services
    n_env = 1 if infra == 0 else infra
    if group is not None:
        n_env, env_parallel = (None, None)  # the group's environments are resolved on the server
        group_parallel = _flag(r, r.child(group.get("metadata"), route, "parallel"), route + ("environmentGroup", "metadata", "parallel"))
        env_parallel = group_parallel
        env_route = route + ("environmentGroup",)
    copies = None if n_svc is None or n_env is None else n_svc * n_env
    svc_serial, env_serial = svc_parallel is False, env_parallel is False
    concurrency_origin = None
    if svc_serial and env_serial:
        limit = 1
    elif svc_serial:
        limit = n_env  # services one after another, environments of each together
    elif env_serial:
        limit = n_svc
    else:
        limit = None
    if svc_serial:
        concurrency_origin = Origin(r.doc, route + ("services", "metadata", "parallel"))
    elif env_serial:
        concurrency_origin = Origin(r.doc, env_route + ("metadata", "parallel"))
    if copies is not None and copies <= 1 and limit is None:
        return None
    parts = []
    if services != 0:
        parts.append(f"{services} services" if services else "services chosen at run time")
    if infra != 0:
        parts.append(f"{infra} environment/infrastructure targets" if infra else "environment/infrastructure targets chosen at run time")
    if group is not None:
        parts.append("an environment group")
    description = "multi-deployment of " + " x ".join(parts)
    return Strategy("multi-deployment", copies, limit, Origin(r.doc, route), concurrency_origin, description)
