"""The loader: bytes in, YAML nodes with exact positions out.

It composes nodes (never constructs Python objects, so no tag can run code), keeps every
document of a multi-document file, recognises which kind of Harness file it is, and turns
routes (paths of keys and indices inside a document) back into line and column spans.
Everything else in barrierlint reads YAML only through this module.
"""

from __future__ import annotations

import codecs
import enum
import os
import re
from array import array
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from itertools import chain
from typing import Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml is about 18 times faster and keeps the same marks
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

_STR, _SEQ, _MAP = _Loader.DEFAULT_SCALAR_TAG, _Loader.DEFAULT_SEQUENCE_TAG, _Loader.DEFAULT_MAPPING_TAG
_MEMO_SIZE = 4_096  # plain scalars whose tag a loader remembers (keys and values repeat)


class _NodeLoader(_Loader):
    """The safe loader, with tag resolution cheaper for what barrierlint reads.

    libyaml calls back into Python to resolve the tag of every node, with a regular expression
    per candidate tag for each plain scalar and path bookkeeping around every node (a quarter of
    composing). Without path resolvers a collection's tag is always the default and a quoted
    scalar's always `str`; a plain scalar's tag depends only on its text, so it is remembered,
    up to _MEMO_SIZE texts per file (an attacker's distinct values cost a dict entry each, no
    more). The tags are the ones the safe loader gives."""

    yaml_path_resolvers: dict = {}  # none, whatever another library adds to the safe loaders

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}

    def descend_resolver(self, current_node: Node | None, current_index: object) -> None:
        """No path resolvers: no path to follow."""

    def ascend_resolver(self) -> None:
        """No path resolvers: no path to follow."""

    def resolve(self, kind: type, value: str | None, implicit: object) -> str:
        if kind is ScalarNode:
            if not implicit[0]:  # quoted, or a block scalar
                return _STR
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._plain_tags) < _MEMO_SIZE:
                    self._plain_tags[value] = tag
            return tag
        return _SEQ if kind is SequenceNode else _MAP

Route = tuple  # (document index, key or index, key or index, ...)

MAX_NESTING = 200  # collections inside collections; real pipelines stay under 30 levels
MAX_PROBLEMS = 100  # per file: past this, one more problem says the rest were not reported
MAX_VALUE = 1_000  # characters of a scalar as barrierlint reads it (see scalar)
_SCANNED = 8  # keys of a mapping that a route lookup scans rather than indexes


class InputError(Exception):
    """The bytes are not YAML text barrierlint can read (binary, wrong encoding); the message is
    one line for the user."""


class Kind(enum.Enum):
    """What a YAML document is, as far as barrierlint cares."""

    PIPELINE = "pipeline"  # NextGen v0
    PIPELINE_V1 = "pipeline-v1"  # NextGen simplified syntax
    TEMPLATE = "template"  # NextGen Stage / StepGroup / Step / Pipeline template
    INPUT_SET = "input-set"
    INFRASTRUCTURE = "infrastructure"  # NextGen infrastructure definition (its allowSimultaneousDeployments)
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
    _indexes: dict[int, dict[str, Node]] = field(default_factory=dict, repr=False)
    _keys: dict[int, dict[str, Node]] = field(default_factory=dict, repr=False)
    _spans: dict[Route | None, Span] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict:
        """Documents cross process boundaries (`check --jobs`) with the spans they were asked
        for, without their nodes: pickling the nodes costs four times as much as composing them
        again, which happens on first use."""
        state = dict(self.__dict__)
        del state["roots"]
        state["_indexes"], state["_keys"] = {}, {}
        return state

    def __getattr__(self, name: str):
        if name != "roots":  # only the nodes are ever missing, after unpickling
            raise AttributeError(name)
        again = Document(self.path, self.text)
        _compose(again)  # its problems are recorded on this document already
        self.roots = again.roots
        return self.roots

    def add_problem(self, problem: Problem) -> None:
        """Record a problem; a flood (an alias copied thousands of times) stops at MAX_PROBLEMS."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(Problem(problem.code, problem.route, f"more than {MAX_PROBLEMS} problems in this file; the rest are not reported", problem.span))

    def node_at(self, route: Route) -> Node | None:
        """The node a route points at, or None when the route leads nowhere."""
        if not route or not isinstance(route[0], int) or not 0 <= route[0] < len(self.roots):
            return None
        node = self.roots[route[0]]
        for step in route[1:]:
            if isinstance(node, MappingNode) and isinstance(step, str):
                node = self._value(node, step)
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
            else:
                return None
            if node is None:
                return None
        return node

    def span(self, route: Route | None) -> Span:
        """Where a route is in the file; the nearest existing ancestor if the route is gone."""
        known = self._spans.get(route)
        if known is None:
            known = self._spans[route] = self._locate(route)
        return known

    def _locate(self, route: Route | None) -> Span:
        while route:
            node = self.node_at(route)
            if node is not None:
                return node_span(self._written(route))
            route = route[:-1]
        return Span(1, 1, 1, 1)

    def _written(self, route: Route) -> Node:
        """The node of an existing route, or where the route meets an alias: an alias shares the
        anchored node, whose position is the anchor's, so a finding on the second use of an
        anchored step (or an aliased identifier) points at the key that holds the alias, or at
        the list that holds it, not at the first use."""
        node = self.roots[route[0]]
        for step in route[1:]:
            if isinstance(node, MappingNode):
                value = self._value(node, step)
                if not _inside(value, node):
                    keys = self._keys.get(id(node))
                    if keys is None:
                        keys = self._keys[id(node)] = {k.value: k for k, _ in node.value if isinstance(k, ScalarNode)}
                    return keys[step]
            else:
                value = node.value[step]
                if not _inside(value, node):
                    return node
            node = value
        return node

    def _value(self, node: MappingNode, key: str) -> Node | None:
        """A mapping's value under a key (the last of duplicates wins, as in the model). A mapping
        of more than _SCANNED keys is indexed once, so that resolving many routes stays linear;
        smaller ones, nearly all, are scanned: an index costs 200 bytes and more each."""
        if len(node.value) <= _SCANNED:
            return child(node, key)
        index = self._indexes.get(id(node))
        if index is None:
            index = self._indexes[id(node)] = {k.value: v for k, v in node.value if isinstance(k, ScalarNode)}
        return index.get(key)

    @cached_property
    def _line_offsets(self) -> array:
        """Where each line of `line` begins: 8 bytes a line (a list of the lines held the text a
        second time, with 50 bytes of overhead a line: 37 MiB for a file of 15 MB)."""
        return array("q", chain((0,), (match.end() for match in _SPLITLINES.finditer(self.text))))

    def line(self, number: int) -> str:
        """Line `number` (1-based) as `text.splitlines()` gives it, or "" where there is none."""
        starts = self._line_offsets
        count = len(starts) - (starts[-1] == len(self.text))  # a final line break ends no line
        if not 0 < number <= count:
            return ""
        start = starts[number - 1]
        if number == len(starts):  # the last line, with no break after it
            return self.text[start:]
        end = starts[number] - 1  # before the break that starts the next line: one character,
        if end and self.text[end - 1 : end + 1] == "\r\n":  # or two for \r\n (a \r before \n always pairs)
            end -= 1
        return self.text[start:end]

    @cached_property
    def _line_starts(self) -> array:
        return array("q", chain((0,), (match.end() for match in re.finditer("\n", self.text))))

    def position(self, index: int) -> tuple[int, int]:
        """The 1-based line and column of a character offset into `text` (node marks are such
        offsets: `node.start_mark.index`)."""
        import bisect

        line = bisect.bisect_right(self._line_starts, index) - 1
        return line + 1, index - self._line_starts[line] + 1


_SPLITLINES = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")  # the line breaks of str.splitlines


def _inside(node: Node, parent: Node) -> bool:
    """False when a child node is written elsewhere than its parent (it is an alias)."""
    return parent.start_mark.index <= node.start_mark.index and node.end_mark.index <= parent.end_mark.index


def node_span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    if isinstance(node, (MappingNode, SequenceNode)) and end.line > start.line and end.column == 0:
        # a block collection ends at the start of the next line: end it on its last line instead
        return Span(start.line + 1, start.column + 1, end.line, start.column + 2)
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_BOM_CODECS = (  # the same marks, with the codec that writes text back without adding one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def encode(text: str, like: bytes) -> bytes:
    """Text back to bytes in the encoding and byte-order mark of `like`, the bytes `decode` read
    it from: decoding then encoding gives the same bytes, so fixes change only what they edit."""
    for bom, codec in _BOM_CODECS:
        if like.startswith(bom):
            return bom + text.encode(codec)
    return text.encode("utf-8")


def decode(data: bytes) -> str:
    """YAML text from bytes: UTF-8, or UTF-16/32 with a byte-order mark (as YAML allows)."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\0" in data:
        raise InputError("binary file, not YAML text (it holds NUL bytes)")
    try:
        return data.decode(encoding or "utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex()
        raise InputError(f"not {(encoding or 'utf-8').upper()} text: byte 0x{byte} on line {line} cannot be decoded; save the file as UTF-8") from None


def load(path: str, data: bytes) -> Document:
    """Compose every YAML document of a file; syntax errors become BL001 problems.

    Raises InputError for bytes that are not text."""
    doc = Document(path=path, text=decode(data))
    _compose(doc)
    doc.kinds = [classify(root) for root in doc.roots]
    return doc


def _compose(doc: Document) -> None:
    shallow = _shallow(doc.text)
    if not shallow and _composer_limits_nesting():
        try:  # safe: libyaml refuses to nest deeper than its C stack allows (_composer_limits_nesting)
            roots = [root for root in yaml.compose_all(doc.text, Loader=_NodeLoader) if root is not None]
        except yaml.YAMLError:
            pass  # an error, and whether nesting went too deep before it, are found below
        else:
            deep = _first_too_deep_node(roots)
            if deep is None:
                doc.roots = roots
            else:
                doc.add_problem(_too_deep_problem(deep))
            return
    deep = None if shallow else _too_deep(doc.text)
    if deep is not None:
        doc.add_problem(_too_deep_problem(deep))
        return
    try:
        for root in yaml.compose_all(doc.text, Loader=_NodeLoader):
            if root is not None:
                doc.roots.append(root)
    except yaml.MarkedYAMLError as error:
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        mark = error.problem_mark or error.context_mark
        if mark and doc.text[mark.index : mark.index + 1] == "\t":
            message += " (a tab: YAML indents with spaces only)"
        doc.add_problem(_syntax_problem(f"YAML syntax error: {message}", mark))
    except yaml.reader.ReaderError as error:  # a character YAML forbids, such as a control character
        before = doc.text.encode()[: error.position].decode(errors="ignore") if _Loader is not yaml.SafeLoader else doc.text[: error.position]
        mark = yaml.Mark(doc.path, len(before), before.count("\n"), len(before) - before.rfind("\n") - 1, None, None)
        character = f"U+{error.character:04X}" if isinstance(error.character, int) else repr(error.character)
        doc.add_problem(_syntax_problem(f"YAML syntax error: the character {character} is not allowed in YAML ({error.reason})", mark))
    except yaml.YAMLError as error:
        doc.add_problem(_syntax_problem(f"YAML error: {' '.join(str(error).split())}", None))
    except RecursionError:  # only the pure-Python loader recurses in Python
        doc.add_problem(_syntax_problem("collections nested too deeply; the file was not read", None))


def _syntax_problem(message: str, mark: yaml.Mark | None) -> Problem:
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem("BL001", None, message, Span(line, column, line, column + 1))


def _too_deep_problem(mark: yaml.Mark) -> Problem:
    return _syntax_problem(f"collections nested more than {MAX_NESTING} levels deep; the file was not read", mark)


_OPEN, _CLOSE = (yaml.SequenceStartEvent, yaml.MappingStartEvent), (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_BREAK = "[\n\r\x85\u2028\u2029]"  # the line breaks of YAML (libyaml skips a BOM at a line start)
_BLOCK_PREFIX = "[\ufeff \t?:-]"  # what may precede a block collection on its first line


def _shallow(text: str) -> bool:
    """Whether the text surely nests at most MAX_NESTING levels, by a cheap bound.

    Flow collections need an opening bracket each, and only the innermost collection of a path
    can be empty, so the `[]` and `{}` of empty ones count once in all. Block collections nest
    at most two per indentation column (a mapping and the sequence written at its own
    indentation), a column reached only by spaces, tabs and `- `, `? `, `: ` indicators at the
    start of a line. Brackets in strings and comments count too: the bound only grows.
    """
    empty = text.count("[]") + text.count("{}")
    flow = text.count("[") + text.count("{") - empty + (empty > 0)
    columns = (MAX_NESTING - flow) // 2 - 1
    if columns <= 0:
        return False
    prefix = f"{_BLOCK_PREFIX}{{{columns}}}"
    return not re.match(prefix, text) and not re.search(_BREAK + prefix, text)


@cache
def _composer_limits_nesting() -> bool:
    """Whether libyaml refuses deep nesting itself, so that composing cannot overflow the C stack.

    libyaml composes nested collections by recursion in C: a few ten thousand levels overflow
    the stack and kill the process, with no exception to catch. libyaml 0.2.6 refuses more than
    1,000 levels, flow and block alike (PyYAML's wheels carry it from PyYAML 6.0.4; 6.0.1 to
    6.0.3 carry 0.2.5, which has no limit), and PyYAML 6.0.4 lets any code in the process change
    that limit: asking libyaml is surer than its version. 1,001 levels are harmless either way.
    """
    if _Loader is yaml.SafeLoader:  # the Python composer recurses in Python: RecursionError
        return False
    for text in ("[" * 1_001 + "]" * 1_001, "- " * 1_001 + "x"):
        try:
            yaml.compose(text, Loader=_Loader)
        except yaml.YAMLError:
            continue
        return False
    return True


def _first_too_deep_node(roots: list[Node]) -> yaml.Mark | None:
    """Where composed nodes first nest deeper than MAX_NESTING, as the event count would say.

    The walk goes in document order (keys before values, as events come) and enters each node
    once: its first visit is where it is written, because an anchor comes before its aliases,
    and an alias is no collection event. So an alias neither counts levels nor costs a second
    walk (alias bombs, recursive anchors). Iterative: deep nesting cannot overflow this stack.
    """
    seen: set[int] = set()
    for root in roots:
        if isinstance(root, ScalarNode):
            continue
        seen.add(id(root))
        path = [_children(root)]  # one iterator per open collection: depth is len(path)
        while path:
            for node in path[-1]:
                if not isinstance(node, ScalarNode) and id(node) not in seen:
                    seen.add(id(node))
                    if len(path) >= MAX_NESTING:
                        return node.start_mark
                    path.append(_children(node))
                    break
            else:
                path.pop()
    return None


def _children(node: Node) -> Iterator[Node]:
    return chain.from_iterable(node.value) if isinstance(node, MappingNode) else iter(node.value)


def _too_deep(text: str) -> yaml.Mark | None:
    """Where nesting first exceeds MAX_NESTING, counted by a parser (no composing: the composer
    of a libyaml without a nesting limit could overflow the C stack), or None.

    libyaml's parser is iterative and counts first. libyaml 0.2.6 and later refuse 1,000 levels
    while scanning ahead, before this count sees level 201: PyYAML's Python parser (iterative,
    no limit of its own) then finds the same place whichever libyaml is underneath.
    """
    try:
        return _first_too_deep(text, _Loader)
    except yaml.YAMLError as error:
        if "nesting depth" not in str(error):
            return None  # composing reports it, at a depth already known to be safe
    try:
        return _first_too_deep(text, yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _first_too_deep(text: str, loader: type) -> yaml.Mark | None:
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_NESTING:
                return event.start_mark
        elif isinstance(event, _CLOSE):
            depth -= 1
    return None


def keys(node: Node) -> set[str]:
    if not isinstance(node, MappingNode):
        return set()
    return {k.value for k, _ in node.value if isinstance(k, ScalarNode)}


def child(node: Node | None, key: str) -> Node | None:
    """The value under a key of a mapping node (the last of duplicates wins), without checks."""
    if isinstance(node, MappingNode):
        for k, v in reversed(node.value):
            if isinstance(k, ScalarNode) and k.value == key:
                return v
    return None


def scalar(node: Node | None) -> str | None:
    """A scalar's text. One longer than MAX_VALUE (no identifier, reference or expression Harness
    accepts is) is cut to its ends and length: aliases may repeat a huge value in every message."""
    if not isinstance(node, ScalarNode):
        return None
    value = node.value
    return value if len(value) <= MAX_VALUE else f"{value[:80]}…{value[-20:]} ({len(value)} characters)"


class TooLarge(ValueError):
    """A document too large or too deep to hand over as plain data (alias bombs, recursion)."""


def plain(node: Node, limit: int = 200_000, depth: int = 120) -> object:
    """A node as plain data for validators: mappings as dicts, sequences as lists, every scalar
    as its text (Harness reads `name: 123` as the string "123") and nulls as None. Aliases are
    expanded, so `limit` (nodes visited) and `depth` bound the work; TooLarge past them."""
    return _convert(node, 0, depth, [limit])


def _convert(item: Node, level: int, depth: int, budget: list[int]) -> object:
    """`plain` below `item` (a function of its own: a closure calling itself is a reference
    cycle, which the console, collector off, would never free)."""
    budget[0] -= 1
    if budget[0] < 0 or level > depth:
        raise TooLarge("document too large or too deeply nested to validate")
    if isinstance(item, MappingNode):
        return {k.value: _convert(v, level + 1, depth, budget) for k, v in item.value if isinstance(k, ScalarNode)}
    if isinstance(item, SequenceNode):
        return [_convert(v, level + 1, depth, budget) for v in item.value]
    return None if item.tag.endswith(":null") else scalar(item)


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
    if "infrastructureDefinition" in top and isinstance(child(root, "infrastructureDefinition"), MappingNode):
        return Kind.INFRASTRUCTURE
    if "harnessApiVersion" in top:
        kind = scalar(child(root, "type"))
        if kind == "PIPELINE":
            return Kind.FIRSTGEN_PIPELINE
        if top & {"phases", "preDeploymentSteps", "postDeploymentSteps", "workflowPhases"}:
            return Kind.FIRSTGEN_WORKFLOW
    return Kind.OTHER


@dataclass(frozen=True, slots=True)
class Comment:
    """A YAML comment: 1-based position of its `#`, its text, and whether code precedes it."""

    line: int
    column: int
    text: str
    own_line: bool


_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def comments(text: str) -> list[Comment]:
    """Every comment of a YAML text, found in the gaps between tokens (yamllint's method), so a
    `#` inside a quoted or block scalar, or in `http://x#y`, is never taken for a comment."""
    lines = _LINE_BREAK.split(text)
    found: list[Comment] = []

    def gap(start: tuple[int, int], end: tuple[int, int]) -> None:
        for number in range(start[0], min(end[0], len(lines) - 1) + 1):
            line = lines[number]
            first = start[1] if number == start[0] else 0
            last = end[1] if number == end[0] else len(line)
            hash_at = line.find("#", first, last)
            if hash_at >= 0:
                found.append(Comment(number + 1, hash_at + 1, line[hash_at:].rstrip(), not line[:hash_at].strip()))

    cursor = (0, 0)
    try:
        for token in yaml.scan(text, Loader=_Loader):
            begin = (token.start_mark.line, token.start_mark.column)
            if begin > cursor:
                gap(cursor, begin)
            cursor = max(cursor, (token.end_mark.line, token.end_mark.column))
    except yaml.YAMLError:
        return found  # a syntax error (reported as BL001): the comments before it still count
    gap(cursor, (len(lines) - 1, len(lines[-1])))
    return found


@lru_cache(maxsize=None)
def repository_root(folder: str) -> str | None:
    """The nearest folder at or above `folder` holding `.git` (a folder, or a file in worktrees
    and submodules), or None outside a repository."""
    folder = os.path.abspath(folder)
    while not os.path.exists(os.path.join(folder, ".git")):
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
    return folder


def repository_path(path: str) -> str:
    """A file's path relative to its repository root, with `/`: the same on every machine and
    from every working directory of that repository (for fingerprints and baselines). A file of
    a repository nested in the working directory's (a submodule, a vendored clone) is named from
    the outer root, as code scanning of the outer repository names it: `sub/.harness/p.yaml`
    and the outer `.harness/p.yaml` are two files."""
    if path.startswith("<"):  # <stdin>
        return path
    absolute = os.path.abspath(path)
    root = repository_root(os.getcwd())
    if root is None or not within(absolute, root):
        root = repository_root(os.path.dirname(absolute))
    return os.path.relpath(absolute, root).replace(os.sep, "/") if root else path.replace(os.sep, "/")


def within(path: str, folder: str) -> bool:
    """Whether the absolute `path` is `folder` or lies below it."""
    return os.path.commonpath([path, folder]) == folder
