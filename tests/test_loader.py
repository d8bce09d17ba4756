"""The loader's own shortcuts (barrierlint/source.py) give what the plain safe loader gives.

Composing resolves tags through a cheaper loader, and the nesting guard composes first where
libyaml limits nesting itself: the node trees, the tags and the BL001 message and position for
nesting past MAX_NESTING must be the same as before, whichever libyaml is underneath.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from test_corpus import CORPUS

from barrierlint import source

DEEP = source.MAX_NESTING + 1


def _shape(roots: list[yaml.Node]) -> list:
    """Every node as (kind, tag, value, style, start, end), in document order; an alias (a node
    met again) as its index in that order, so aliases and recursive anchors stay finite."""
    seen: dict[int, int] = {}
    out: list = []

    def visit(node: yaml.Node) -> None:
        if id(node) in seen:
            out.append(("alias", seen[id(node)]))
            return
        seen[id(node)] = len(out)
        scalar = isinstance(node, yaml.ScalarNode)
        out.append((type(node).__name__, node.tag, node.value if scalar else None, node.style if scalar else node.flow_style, node.start_mark.index, node.end_mark.index))
        if not scalar:
            for item in node.value:
                for part in item if isinstance(item, tuple) else (item,):
                    visit(part)

    for root in roots:
        visit(root)
    return out


def _safe_loader_shape(text: str) -> list:
    return _shape([root for root in yaml.compose_all(text, Loader=yaml.CSafeLoader) if root is not None])


def test_the_real_pipelines_compose_to_the_safe_loaders_nodes_and_tags():
    if CORPUS is None:
        pytest.skip("shared/corpus/real is not beside this clone")
    files = sorted(CORPUS.glob("*.y*ml"))
    assert len(files) > 100
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc = source.load(str(path), text.encode())
        assert _shape(doc.roots) == _safe_loader_shape(text), path.name


_PLAIN = st.one_of(
    st.sampled_from(["yes", "No", "ON", "off", "true", "False", "null", "~", "Null", "", "<<", "=", "0x1F", "0o7", "017", "0b101", "1_000", "190:20:30",
                     "1.5", ".5", "-.inf", ".NaN", "1e3", "1.0e+3", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "-", ".", "+1", "y", "n", "<+pipeline.name>"]),
    st.text(alphabet="0123456789_.:+-xbeE yYnNtTfFoO~lu", min_size=1, max_size=8).map(str.strip).filter(lambda text: text and text[0] not in "-:?" and text[-1] != ":"),
)


@given(st.lists(_PLAIN, min_size=1, max_size=12))
def test_every_plain_scalar_gets_the_safe_loaders_tag_also_when_repeated(values):
    """YAML 1.1 resolves a plain scalar by its text: bools, ints, floats, nulls, timestamps, merge
    keys. Each value is written twice, plain and quoted, so the second plain use is remembered."""
    text = "".join(f"- {value}\n- '{value}'\n- [{value}]\n" for value in values * 2)
    try:
        expected = _safe_loader_shape(text)
    except yaml.YAMLError:
        return  # not a list of plain scalars after all (a drawn text YAML reads otherwise)
    assert _shape(source.load("p.yaml", text.encode()).roots) == expected


def test_remembered_tags_are_bounded_per_file_and_the_rest_still_resolved():
    """An attacker's file of distinct values must not grow the memo without end."""
    values = [str(number) for number in range(source._MEMO_SIZE + 500)] + ["x", "yes"]
    loader = source._NodeLoader("[" + ", ".join(values) + "]")
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    assert len(loader._plain_tags) == source._MEMO_SIZE
    assert [item.tag.rsplit(":", 1)[1] for item in node.value[-3:]] == ["int", "str", "bool"]


def _first_event_too_deep(text: str) -> yaml.Mark | None:
    """The guard's definition: the first collection event past MAX_NESTING, by PyYAML's own
    parser (pure Python, iterative, no nesting limit of its own)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > source.MAX_NESTING:
                return event.start_mark
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return None


def _nest(levels: int, inner: str = "x") -> str:
    return "[" * levels + inner + "]" * levels


_LAUGHS = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
HOSTILE = {  # name -> text; each either nests past MAX_NESTING somewhere or must be read
    "flow-lists": _nest(DEEP),
    "flow-lists-at-the-limit": _nest(DEEP - 1),
    "flow-mappings": "{a: " * DEEP + "1" + "}" * DEEP,
    "block-lists": "- " * DEEP + "x\n",
    "block-lists-at-the-limit": "- " * (DEEP - 1) + "x\n",
    "explicit-keys": "? " * DEEP + "x\n",
    "mixed-block-and-flow": "".join(" " * i + "a:\n" for i in range(100)) + " " * 100 + "- " * 50 + _nest(DEEP - 150) + "\n",
    "mixed-at-the-limit": "".join(" " * i + "a:\n" for i in range(100)) + " " * 100 + "- " * 50 + _nest(DEEP - 151) + "\n",
    "flow-keys": "[" * 150 + "{" + _nest(60) + ": 1}" + "]" * 150,
    "brackets-in-strings-and-comments": "# " + "[{" * 400 + "\n" + "a: '" + "[" * 300 + "'\nb: \"{{{\"\nc: x[[[{{\n" + "d: " + _nest(150) + "  # ]]]]\n",
    "brackets-in-strings-around-deep-flow": "a: '" + "]" * 300 + "'\nb: " + "[ ']', " * DEEP + "]" * DEEP + "\n",
    "empty-flow-collections": "".join(f"s{i}: {{tags: {{}}, list: [], when: {{a: [b]}}}}\n" for i in range(400)),
    "empty-collection-at-the-limit": _nest(DEEP - 2, "[]"),
    "empty-collection-past-the-limit": _nest(DEEP - 1, "{}"),
    "alias-of-a-deep-node-placed-deeper": f"a: &a {_nest(150)}\nb: {_nest(150, '*a')}\n",
    "anchor-deep-alias-shallow": f"a: {_nest(150, '&a [[x]]')}\nb: *a\nc: [*a, *a]\n",
    "alias-inside-its-own-parent": f"a: [&a {_nest(150)}, *a, [*a]]\n",
    "recursive-anchor": "a: &a [x, *a, [*a]]\nb: " + _nest(DEEP) + "\n",
    "recursive-anchor-shallow": "a: &a {b: *a, c: [*a]}\nd: " + _nest(150) + "\n",
    "alias-bomb": _LAUGHS + "deep: " + _nest(150, "*l8") + "\n",
    "second-document": "a: 1\n---\n" + _nest(DEEP),
    "first-of-two-documents": _nest(DEEP) + "\n---\na: [" + "{" * 300 + "\n",
    "syntax-error-after-the-deep-part": "a: " + _nest(DEEP) + "\nb: [\n",
    "syntax-error-before-the-deep-part": "a: [}\n" + _nest(DEEP),
    "beyond-libyamls-own-limit": "a: " + _nest(1_200),
    "beyond-libyamls-limit-after-an-error": "a: {]\n" + _nest(1_200),
}


@pytest.mark.parametrize("limited", [True, False], ids=["libyaml-limits-nesting", "libyaml-without-limit"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_nesting_past_the_limit_is_found_where_the_parser_finds_it(monkeypatch, name, limited):
    """Compose first and walk, or parse first (a libyaml without its own nesting limit, such as
    PyYAML 6.0.1 to 6.0.3's 0.2.5): the same BL001 at the same place, or the same nodes."""
    monkeypatch.setattr(source, "_composer_limits_nesting", lambda: limited)
    text = HOSTILE[name]
    try:
        expected = _first_event_too_deep(text)
    except yaml.YAMLError:
        expected = None  # a syntax error comes first: composing reports it
    doc = source.load("p.yaml", text.encode())
    deep = [problem for problem in doc.problems if "levels deep" in problem.message]
    if expected is None:
        assert deep == []
        if not doc.problems:
            assert _shape(doc.roots) == _safe_loader_shape(text)
    else:
        line, column = expected.line + 1, expected.column + 1
        assert doc.problems == [source.Problem("BL001", None, f"collections nested more than {source.MAX_NESTING} levels deep; the file was not read", source.Span(line, column, line, column + 1))]
        assert doc.roots == []


def test_the_hostile_texts_cover_both_outcomes():
    outcomes = {name: _first_event_too_deep(text) is not None for name, text in HOSTILE.items() if "syntax-error" not in name and "after-an-error" not in name}
    assert {name for name, deep in outcomes.items() if not deep} == {
        "flow-lists-at-the-limit", "block-lists-at-the-limit", "mixed-at-the-limit", "brackets-in-strings-and-comments", "empty-flow-collections",
        "empty-collection-at-the-limit", "alias-of-a-deep-node-placed-deeper", "anchor-deep-alias-shallow", "alias-inside-its-own-parent",
        "recursive-anchor-shallow", "alias-bomb"}


def _refuse_event_parse(monkeypatch):
    def parse(text, loader):
        raise AssertionError("the nesting guard parsed the file event by event")

    monkeypatch.setattr(source, "_first_too_deep", parse)


def test_a_pipeline_written_in_flow_style_is_composed_once(monkeypatch):
    """Thousands of flow brackets (steps in flow style): where libyaml limits nesting, the
    guard walks the composed nodes instead of parsing the file a second time."""
    if not source._composer_limits_nesting():
        pytest.skip("this libyaml has no nesting limit: the guard must parse first")
    _refuse_event_parse(monkeypatch)
    pair = "[{step: {identifier: a%d, type: Wait, spec: {duration: 1m}}}, {step: {identifier: b%d, type: Wait, spec: {duration: 1m}}}]"
    steps = "\n".join(f"                - parallel: {pair % (i, i)}" for i in range(1_500))
    text = f"pipeline:\n  identifier: p\n  stages:\n    - stage:\n        identifier: s\n        type: Custom\n        spec:\n          execution:\n            steps:\n{steps}\n"
    doc = source.load("p.yaml", text.encode())
    assert doc.problems == [] and doc.kinds == [source.Kind.PIPELINE]
    assert len(doc.node_at((0, "pipeline", "stages", 0, "stage", "spec", "execution", "steps")).value) == 1_500


def test_empty_flow_collections_do_not_make_the_guard_parse(monkeypatch):
    """`tags: {}` in every stage: an empty collection holds nothing, so the cheap bound stays
    low whichever libyaml is underneath."""
    monkeypatch.setattr(source, "_composer_limits_nesting", lambda: False)
    _refuse_event_parse(monkeypatch)
    text = "stages:\n" + "".join(f"  - stage:\n      identifier: s{i}\n      tags: {{}}\n      variables: []\n" for i in range(1_000))
    doc = source.load("p.yaml", text.encode())
    assert doc.problems == [] and len(doc.roots[0].value[0][1].value) == 1_000


def test_libyaml_is_asked_whether_it_limits_nesting():
    """libyaml 0.2.6 refuses 1,000 levels (PyYAML's wheels from 6.0.4); 0.2.5 has no limit."""
    version = yaml._yaml.get_version() if hasattr(yaml, "_yaml") else None
    assert source._composer_limits_nesting() == (version is not None and version >= (0, 2, 6))


_LINES_ALPHABET = st.sampled_from(["a", "b:", " ", "\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "é"])


@given(st.lists(_LINES_ALPHABET, max_size=30).map("".join))
def test_lines_and_positions_are_read_as_the_text_says(text):
    """`line` numbers lines as str.splitlines does (the text report shows them), `position` by
    newline characters (fixes and the language server): whatever breaks a line."""
    doc = source.Document("p.yaml", text)
    lines = text.splitlines()
    assert [doc.line(number) for number in range(-1, len(lines) + 3)] == ["", "", *lines, "", ""]
    starts = [0] + [index + 1 for index, character in enumerate(text) if character == "\n"]
    for index in range(len(text) + 1):
        line = max(number for number, start in enumerate(starts) if start <= index)
        assert doc.position(index) == (line + 1, index - starts[line] + 1)


def test_a_line_of_a_large_file_costs_no_copy_of_its_text():
    """The text report shows the line of each finding: a list of all lines cost a second copy
    of the text and 50 bytes a line (37 MiB for the 10,000-stage pipeline)."""
    import tracemalloc

    doc = source.Document("p.yaml", "".join(f"  - step: {number}\n" for number in range(100_000)))
    tracemalloc.start()
    try:
        assert doc.line(50_001) == "  - step: 50000" and doc.position(len(doc.text) - 1) == (100_000, 16)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 20 * 100_000  # two offsets a line, 8 bytes each


def test_routes_through_small_mappings_are_resolved_without_an_index_each():
    """Rules look up a route per stage and step: an index per mapping on the way cost 6.5 MiB
    for the 10,000-stage pipeline; a mapping of a few keys is scanned instead."""
    import tracemalloc

    stages = "".join(f"    - stage: {{identifier: s{n}, name: s, name: last{n}, type: Custom}}\n" for n in range(5_000))
    keys = "".join(f"  key{n}: {n}\n" for n in range(source._SCANNED)) + "  key0: again\n"
    doc = source.load("p.yaml", f"pipeline:\n  stages:\n{stages}{keys}".encode())
    routes = [(0, "pipeline", "stages", n, "stage", "name") for n in range(5_000)]
    tracemalloc.start()
    try:
        names = [source.scalar(doc.node_at(route)) for route in routes]
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert names == [f"last{n}" for n in range(5_000)]  # the last of duplicate keys, as the model reads them
    assert held < 50 * 5_000 + 100_000  # the list of names
    assert [source.scalar(doc.node_at((0, "pipeline", key))) for key in ("key0", "key1", "nothing")] == ["again", "1", None]
    assert doc.node_at((0, "pipeline", "stages", 7, "stage", "identifier", "deeper")) is None
