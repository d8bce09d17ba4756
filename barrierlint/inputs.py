"""Runtime inputs: values given for `<+input>` fields, merged into YAML before the model is built.

Harness merges three kinds of values the same way, by walking the target YAML and the values
side by side (list items matched by the `identifier` of their `stage`/`step`/`stepGroup`
wrapper): an input set into a pipeline (`barrierlint check --inputs FILE`), a Pipeline stage's
`inputs` into its chained child, and `templateInputs` into a template. A `Composition` does that
walk over located nodes without copying the documents: the merged tree reuses the original
nodes and records which document and route each piece came from, so a finding on a merged
pipeline still points at the file and line where the user wrote the step or the value.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import model
from .model import MAX_WORK, Origin, Pipeline
from .source import MAX_NESTING, Document, Kind, Problem, Route, TooLarge, child, scalar

WRAPPERS = ("stage", "step", "stepGroup", "parallel", "insert")


class Composition:
    """A YAML tree assembled from pieces of several documents, with the source of each piece.

    Aliases repeat and nest parts of a text, and templates repeat other templates, without
    limit: building the tree spends a budget of MAX_WORK plus one unit per character of every
    document it draws from, and may nest no deeper than a text may (source.MAX_NESTING). Past
    either, TooLarge: the pipeline is refused, never expanded.
    """

    def __init__(self) -> None:
        self.sources: dict[int, tuple[Document, Route]] = {}
        self._keep: list[Node] = []  # merged nodes stay alive, so their ids stay unique
        self._drawn: set[int] = set()  # the documents drawn from
        self.text = 0  # characters of those documents
        self.spent = 0

    def spend(self, count: int, depth: int) -> None:
        """Pay for `count` nodes visited or built `depth` levels below the pipeline's root."""
        self.spent += count
        if self.spent > MAX_WORK + self.text:
            raise TooLarge(f"inlining its templates and inputs builds more than {MAX_WORK + self.text} YAML nodes (anchors and aliases that repeat large parts, or templates that use each other many times?)")
        if depth > MAX_NESTING:
            raise TooLarge(f"with its templates and inputs inlined, collections nest more than {MAX_NESTING} levels deep (aliases or templates that nest a part inside itself?)")

    def place(self, node: Node, doc: Document, route: Route) -> Node:
        """Record that `node` (and everything below it) is written at `route` in `doc`; a node
        met again through a merged parent keeps the place it was first recorded at."""
        if id(node) not in self.sources:
            self.sources[id(node)] = (doc, route)
            self._keep.append(node)
            self.draw(doc)
        return node

    def draw(self, doc: Document) -> None:
        """The budget grows by the text of each document the tree draws from."""
        if id(doc) not in self._drawn:
            self._drawn.add(id(doc))
            self.text += len(doc.text)

    def mapping(self, like: Node, pairs: list[tuple[Node, Node]], doc: Document, route: Route) -> MappingNode:
        node = MappingNode("tag:yaml.org,2002:map", pairs, like.start_mark, like.end_mark)
        return self.place(node, doc, route)

    def overlay(self, base: Node, at: tuple[Document, Route], given: Node | None, given_at: tuple[Document, Route], depth: int = 0) -> Node:
        """`base` (`depth` levels below the root) with the `<+input>` fields that `given` answers
        replaced by the given values."""
        doc, route = at
        if given is None or _is_null(given):
            return self.place(base, doc, route)
        if isinstance(base, ScalarNode):
            return self.place(given, *given_at) if model.is_runtime_input(base.value) else self.place(base, doc, route)
        if isinstance(base, MappingNode) and isinstance(given, MappingNode):
            self.spend(len(base.value), depth)
            pairs = []
            for key, value in base.value:
                name = scalar(key)
                answer = child(given, name) if name is not None else None
                pairs.append((key, self.overlay(value, (doc, route + (name,)), answer, (given_at[0], given_at[1] + (name,)), depth + 1)))
            return self.mapping(base, pairs, doc, route)
        if isinstance(base, SequenceNode) and isinstance(given, SequenceNode):
            return self._overlay_list(base, at, given, given_at, depth)
        return self.place(base, doc, route)

    def _overlay_list(self, base: SequenceNode, at, given: SequenceNode, given_at, depth: int) -> SequenceNode:
        doc, route = at
        self.spend(len(base.value), depth)
        answers = self._by_identifier(given, given_at)
        items = []
        for index, item in enumerate(base.value):
            wrapper = _wrapper(item)
            item_at = (doc, route + (index,))
            if wrapper is None:  # a plain list: items answer by position
                answer = (given.value[index], (given_at[0], given_at[1] + (index,))) if index < len(given.value) else (None, given_at)
                items.append(self.overlay(item, item_at, *answer, depth + 1))
                continue
            name, body = wrapper
            inner_at = (doc, route + (index, name))
            if name == "parallel" and isinstance(body, SequenceNode):
                merged = self._overlay_list(body, inner_at, given, given_at, depth + 2)
            else:
                answer, answer_at = answers.get((name, scalar(child(body, "identifier"))), (None, given_at))
                merged = (self._insert if name == "insert" else self.overlay)(body, inner_at, answer, answer_at, depth + 2)
            items.append(self.mapping(item, [(item.value[0][0], merged)], *item_at))
        node = SequenceNode("tag:yaml.org,2002:seq", items, base.start_mark, base.end_mark)
        return self.place(node, doc, route)

    def _insert(self, base: Node, at, given: Node | None, given_at, depth: int) -> Node:
        """An `insert` block of a flexible template takes the stages or steps the inputs give it."""
        merged = self.overlay(base, at, given, given_at, depth)
        if not isinstance(merged, MappingNode) or not isinstance(given, MappingNode):
            return merged
        present = {scalar(k) for k, _ in merged.value}
        extra = [(k, self.place(v, given_at[0], given_at[1] + (scalar(k),))) for k, v in given.value if scalar(k) not in present]
        return self.mapping(merged, merged.value + extra, *at) if extra else merged

    def _by_identifier(self, given: SequenceNode, at: tuple[Document, Route]) -> dict[tuple[str, str | None], tuple[Node, tuple]]:
        """The given list's wrapped items by (wrapper, identifier); parallel blocks are looked
        into, each once (an alias may put a block inside itself)."""
        found: dict = {}
        stack, seen = [(given, at)], {id(given)}
        while stack:
            seq, (doc, route) = stack.pop()
            self.spend(len(seq.value), 0)
            for index, item in enumerate(seq.value):
                wrapper = _wrapper(item)
                if wrapper is None:
                    continue
                name, body = wrapper
                if name == "parallel" and isinstance(body, SequenceNode):
                    if id(body) not in seen:
                        seen.add(id(body))
                        stack.append((body, (doc, route + (index, name))))
                else:
                    found.setdefault((name, scalar(child(body, "identifier"))), (body, (doc, route + (index, name))))
        return found

    def origin(self, root: Node, route: Route) -> Origin:
        """Where a route of the assembled tree is written: the nearest recorded piece on the way."""
        node: Node | None = root
        doc, base = self.sources[id(root)]
        rest: list = []
        for step in route[1:]:
            node = _step(node, step)
            rest.append(step)
            if node is not None and id(node) in self.sources:
                doc, base = self.sources[id(node)]
                rest = []
        return Origin(doc, base + tuple(rest))

    def build(self, root: Node, path: str) -> list[Pipeline]:
        """Build the assembled pipeline and move every origin back into the files it came from."""
        view = Document(path=path, text="", roots=[root], kinds=[Kind.PIPELINE])
        pipelines = model.build(view, MAX_WORK + self.text // 4)  # what reading the documents apart may cost
        for problem in view.problems:
            if problem.route is not None:
                where = self.origin(root, problem.route)
                moved = Problem(problem.code, where.route, problem.message, problem.span)
                if moved not in where.doc.problems:
                    where.doc.problems.append(moved)
        cache: dict[Route, Origin] = {}

        def relocate(element):
            if isinstance(element, Origin) and element.doc is view:
                if element.route not in cache:
                    cache[element.route] = self.origin(root, element.route)
                return cache[element.route]
            return element

        return [model.rewrite(pipeline, relocate) for pipeline in pipelines]


def _step(node: Node | None, step) -> Node | None:
    if isinstance(node, MappingNode) and isinstance(step, str):
        return child(node, step)
    if isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    return None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag.endswith(":null")


def _wrapper(item: Node) -> tuple[str, Node] | None:
    """`- stage: {...}` and friends: the wrapper key and its body."""
    if isinstance(item, MappingNode) and len(item.value) == 1 and scalar(item.value[0][0]) in WRAPPERS:
        return scalar(item.value[0][0]), item.value[0][1]
    return None


# -- input sets -----------------------------------------------------------------------------


def input_set(doc: Document) -> list[tuple[Node, Route, str | None]]:
    """The pipeline values of an input set file: `inputSet.pipeline`, or a bare `pipeline:` as the
    Run form writes it; each with the pipeline identifier it is for (None when not said)."""
    found = []
    for index, root in enumerate(doc.roots):
        body, route = child(root, "inputSet"), (index, "inputSet")
        if body is None:
            body, route = root, (index,)
        values = child(body, "pipeline")
        if isinstance(values, MappingNode):
            found.append((values, route + ("pipeline",), scalar(child(values, "identifier"))))
    return found


def applies(target: str | None, pipeline_count: int, for_pipeline: str | None) -> bool:
    """An input set answers the pipeline it names; one that names none answers a lone pipeline."""
    if for_pipeline is not None:
        return for_pipeline == target
    return pipeline_count == 1

