"""The loader: bytes in, YAML nodes with exact positions out.

It composes nodes (never constructs Python objects, so no tag can run code), keeps every
document of a multi-document file, recognises which kind of Harness file it is, and turns
routes (paths of keys and indices inside a document) back into line and column spans.
Everything else in barrierlint reads YAML only through this module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml is about 18 times faster and keeps the same marks
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

Route = tuple  # (document index, key or index, key or index, ...)


class Kind(enum.Enum):
    """What a YAML document is, as far as barrierlint cares."""

    PIPELINE = "pipeline"  # NextGen v0
    PIPELINE_V1 = "pipeline-v1"  # NextGen simplified syntax
    TEMPLATE = "template"  # NextGen Stage / StepGroup / Step / Pipeline template
    INPUT_SET = "input-set"
    FIRSTGEN_WORKFLOW = "firstgen-workflow"
    FIRSTGEN_PIPELINE = "firstgen-pipeline"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based source range; the end is inclusive of the last character's column + 1."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the input itself, reported under a rule code (BL001, BL002)."""

    code: str
    route: Route | None
    message: str
    span: Span | None = None  # for errors that have no route (syntax errors)


@dataclass(eq=False)
class Document:
    """One file: its text, its YAML documents as nodes, and what kind each one is."""

    path: str
    text: str
    roots: list[Node] = field(default_factory=list)
    kinds: list[Kind] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def node_at(self, route: Route) -> Node | None:
        """The node a route points at, or None when the route leads nowhere."""
        if not route or route[0] >= len(self.roots):
            return None
        node = self.roots[route[0]]
        for step in route[1:]:
            if isinstance(node, MappingNode) and isinstance(step, str):
                node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == step), None)
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
            else:
                return None
            if node is None:
                return None
        return node

    def span(self, route: Route | None) -> Span:
        """Where a route is in the file; the nearest existing ancestor if the route is gone."""
        while route:
            node = self.node_at(route)
            if node is not None:
                return node_span(node)
            route = route[:-1]
        return Span(1, 1, 1, 1)

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


def node_span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    if isinstance(node, (MappingNode, SequenceNode)) and end.line > start.line and end.column == 0:
        # a block collection ends at the start of the next line: end it on its last line instead
        return Span(start.line + 1, start.column + 1, end.line, start.column + 2)
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def load(path: str, data: bytes) -> Document:
    """Compose every YAML document of a file; syntax errors become BL001 problems."""
    text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
    doc = Document(path=path, text=text)
    try:
        for root in yaml.compose_all(text, Loader=_Loader):
            if root is not None:
                doc.roots.append(root)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        doc.problems.append(Problem("BL001", None, f"YAML syntax error: {message}", Span(line, column, line, column + 1)))
    except yaml.YAMLError as error:
        doc.problems.append(Problem("BL001", None, f"YAML error: {error}", Span(1, 1, 1, 2)))
    doc.kinds = [classify(root) for root in doc.roots]
    return doc


def keys(node: Node) -> set[str]:
    if not isinstance(node, MappingNode):
        return set()
    return {k.value for k, _ in node.value if isinstance(k, ScalarNode)}


def child(node: Node | None, key: str) -> Node | None:
    """The value under a key of a mapping node (first occurrence), without any checks."""
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v
    return None


def scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


class TooLarge(ValueError):
    """A document too large or too deep to hand over as plain data (alias bombs, recursion)."""


def plain(node: Node, limit: int = 200_000, depth: int = 120) -> object:
    """A node as plain data for validators: mappings as dicts, sequences as lists, every scalar
    as its text (Harness reads `name: 123` as the string "123") and nulls as None. Aliases are
    expanded, so `limit` (nodes visited) and `depth` bound the work; TooLarge past them."""
    budget = [limit]

    def convert(item: Node, level: int) -> object:
        budget[0] -= 1
        if budget[0] < 0 or level > depth:
            raise TooLarge("document too large or too deeply nested to validate")
        if isinstance(item, MappingNode):
            return {k.value: convert(v, level + 1) for k, v in item.value if isinstance(k, ScalarNode)}
        if isinstance(item, SequenceNode):
            return [convert(v, level + 1) for v in item.value]
        return None if item.tag.endswith(":null") else item.value

    return convert(node, 0)


def classify(root: Node) -> Kind:
    """Recognise a document by its top-level shape, cheaply (no walk below the second level)."""
    top = keys(root)
    if "pipeline" in top:
        pipeline = child(root, "pipeline")
        inner = keys(pipeline)
        if "barriers" in inner and "flowControl" not in inner:
            return Kind.PIPELINE_V1
        stages = child(pipeline, "stages")
        if isinstance(stages, SequenceNode):
            for item in stages.value:
                item_keys = keys(item)
                if item_keys & {"stage", "insert"} or isinstance(child(item, "parallel"), SequenceNode):
                    return Kind.PIPELINE
                if item_keys & {"steps", "id", "parallel", "group"}:
                    return Kind.PIPELINE_V1
        return Kind.PIPELINE
    if scalar(child(root, "version")) == "1" and scalar(child(root, "kind")) == "pipeline":
        return Kind.PIPELINE_V1
    if "template" in top and "spec" in keys(child(root, "template")):
        return Kind.TEMPLATE
    if top & {"inputSet", "overlayInputSet"}:
        return Kind.INPUT_SET
    if "harnessApiVersion" in top:
        kind = scalar(child(root, "type"))
        if kind == "PIPELINE":
            return Kind.FIRSTGEN_PIPELINE
        if top & {"phases", "preDeploymentSteps", "postDeploymentSteps", "workflowPhases"}:
            return Kind.FIRSTGEN_WORKFLOW
    return Kind.OTHER
