"""Fuzzing with hypothesis: real pipelines (shared/corpus/real) and generated ones, mutated by
deleting, duplicating, retyping, reordering and aliasing nodes, and by breaking their text; real
pipelines also with a part moved into a template (a second YAML document) that they use.
Every case must end without an exception (the command's exit 3) and within a bound of CPU time.

CI runs a short, fixed-seed run. The long run (README, "Fuzzing") sets
BARRIERLINT_FUZZ_EXAMPLES, which also switches to random seeds.
"""

from __future__ import annotations

import os
import random
import time
from functools import lru_cache

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import CORPUS_FILES, EVERY_FIELD, analyse, run_process

LONG_RUN = "BARRIERLINT_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("BARRIERLINT_FUZZ_EXAMPLES", "60"))
CASE_SECONDS = float(os.environ.get("BARRIERLINT_FUZZ_CASE_SECONDS", "10"))

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the bound is checked below, on the analysis alone
    database=None,
    derandomize=not LONG_RUN,
    suppress_health_check=list(HealthCheck),
)


def check_case(data: bytes) -> None:
    started = time.process_time()  # CPU time: a loaded machine must not fail the bound
    analyse(data)
    seconds = time.process_time() - started
    assert seconds < CASE_SECONDS, f"one case took {seconds:.1f} s of CPU"


def dump(data) -> bytes:
    """YAML text; objects shared by several places (or containing themselves) become anchors
    and aliases."""
    return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True).encode()


# -- seeds --------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def corpus_texts() -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8-sig") for path in CORPUS_FILES) + (EVERY_FIELD,)


def corpus_data(index: int):
    """The index-th readable real pipeline as plain data (a fresh copy each time)."""
    texts = corpus_texts()
    for offset in range(len(texts)):
        try:
            data = yaml.load(texts[(index + offset) % len(texts)], Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            continue
        if isinstance(data, dict):
            return data
    return yaml.safe_load(EVERY_FIELD)


NAMES = st.sampled_from(["ready", "done", "db_ready", "Ready", "<+input>", "parent.ready", "<+pipeline.x>", "${x}", "", "é"])


def generated_steps(depth: int):
    step = st.builds(
        lambda kind, ref, ident, strategy, timeout: {
            "step": {"identifier": ident, "name": ident, "type": kind, "timeout": timeout, "spec": {"barrierRef": ref}, **strategy}
        },
        st.sampled_from(["Barrier", "Barrier", "ShellScript", "Wait"]),
        NAMES,
        st.sampled_from(["s1", "s2", "s3"]),
        strategies(),
        st.sampled_from(["10m", "1h 30m", "5s", "", "<+input>", "never"]),
    )
    if depth <= 0:
        return st.lists(step, max_size=4)
    inner = generated_steps(depth - 1)
    item = st.one_of(
        step,
        st.builds(lambda steps, strategy: {"stepGroup": {"identifier": "g", "name": "g", "steps": steps, **strategy}}, inner, strategies()),
        st.builds(lambda steps: {"parallel": steps}, inner),
        st.builds(lambda steps: {"insert": {"steps": steps}}, inner),
    )
    return st.lists(item, max_size=4)


def strategies():
    axis = st.lists(st.sampled_from(["a", "b", "c", 1, 2]), max_size=4)
    return st.one_of(
        st.just({}),
        st.builds(lambda n: {"strategy": {"parallelism": n}}, st.sampled_from([0, 1, 3, "<+input>"])),
        st.builds(
            lambda x, y, limit: {"strategy": {"matrix": {"x": x, "y": y, "maxConcurrency": limit, "exclude": [{"x": "a", "y": "b"}]}}},
            axis, axis, st.sampled_from([1, 2, 10, "<+input>", 0]),
        ),
        st.builds(lambda items, limit: {"strategy": {"repeat": {"items": items, "maxConcurrency": limit}}}, axis, st.sampled_from([1, 3])),
        st.builds(lambda n: {"strategy": {"repeat": {"times": n}}}, st.sampled_from([2, 5, "<+input>"])),
    )


def generated_stage():
    return st.builds(
        lambda ident, kind, steps, rollback, strategy, parallel_flags: {
            "stage": {
                "identifier": ident,
                "name": ident,
                "type": kind,
                "spec": {
                    "execution": {"steps": steps, "rollbackSteps": rollback},
                    "services": {"values": [{"serviceRef": "a"}, {"serviceRef": "b"}], "metadata": {"parallel": parallel_flags[0]}},
                    "environments": {"values": [{"environmentRef": "e"}], "metadata": {"parallel": parallel_flags[1]}},
                },
                "when": {"pipelineStatus": "Success", "condition": "<+x> == 1"},
                "dependsOn": ["st1"],
                **strategy,
            }
        },
        st.sampled_from(["st1", "st2", "st3"]),
        st.sampled_from(["Custom", "Deployment", "CI", "Pipeline"]),
        generated_steps(2),
        generated_steps(0),
        strategies(),
        st.tuples(st.booleans(), st.booleans()),
    )


generated_pipelines = st.builds(
    lambda barriers, stages: {"pipeline": {"identifier": "gen", "flowControl": {"barriers": [{"identifier": b, "name": b} for b in barriers]}, "stages": stages}},
    st.lists(NAMES, max_size=4),
    st.lists(st.one_of(generated_stage(), st.builds(lambda s: {"parallel": s}, st.lists(generated_stage(), max_size=3))), max_size=4),
)


# -- mutations ----------------------------------------------------------------------------

WRONG = [None, 7, -1, 2**40, 3.5, True, "", "<+pipeline.variables.x>", "x\ny", [], {}, ["a", {"b": [1]}], {"k": {"v": [None]}}]


def places(data) -> list[tuple]:
    """(container, key) for every node below the root, in document order."""
    found, stack = [], [data]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        entries = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        for key, value in reversed(entries):
            found.append((node, key))
            stack.append(value)
    return found


def mutate(data, operations):
    """Apply (operation, a, b) triples; a and b pick nodes and values."""
    for operation, a, b in operations:
        spots = places(data)
        if not spots:
            return data
        parent, key = spots[a % len(spots)]
        other_parent, other_key = spots[b % len(spots)]
        value = parent[key]
        if operation == "delete":
            del parent[key]
        elif operation == "duplicate":
            if isinstance(parent, list):
                parent.insert(key, value)
            else:
                parent[f"extra_{b}"] = value
        elif operation == "retype":
            parent[key] = WRONG[b % len(WRONG)]
        elif operation == "reorder":
            if isinstance(value, list):
                random.Random(b).shuffle(value)
            elif isinstance(value, dict):
                items = list(value.items())
                random.Random(b).shuffle(items)
                value.clear()
                value.update(items)
        elif operation == "share":  # the same collection twice: an anchor and an alias
            shared = other_parent[other_key]
            parent[key] = shared if isinstance(shared, (list, dict)) else other_parent
        elif operation == "recurse":  # a collection that contains itself: a recursive alias
            inner = places(value) if isinstance(value, (list, dict)) else []
            inner_parent, inner_key = inner[b % len(inner)] if inner else (parent, key)
            inner_parent[inner_key] = value if inner else parent
        elif operation == "bomb":  # a list of lists of the same node: billions of copies
            layer = value
            for _ in range(8 + b % 20):
                layer = [layer] * 10 if b % 2 else [{"parallel": layer}] * 10
            parent[key] = layer
        elif operation == "swap":
            parent[key], other_parent[other_key] = other_parent[other_key], value
    return data


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "duplicate", "retype", "reorder", "share", "recurse", "bomb", "swap"]),
        st.integers(0, 2**16),
        st.integers(0, 2**16),
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.skipif(not CORPUS_FILES, reason="shared/corpus/real is not beside this clone")
@fuzz
@given(index=st.integers(0, 10_000), operations=OPERATIONS)
def test_mutated_real_pipelines(index, operations):
    check_case(dump(mutate(corpus_data(index), operations)))


@fuzz
@given(pipeline=generated_pipelines, operations=st.one_of(st.just([]), OPERATIONS))
def test_generated_and_mutated_pipelines(pipeline, operations):
    check_case(dump(mutate(pipeline, operations)))


TEMPLATE_TYPES = {"stage": "Stage", "stepGroup": "StepGroup", "step": "Step"}


def templated(data, which: int) -> list:
    """The pipeline and a template, as two YAML documents: one of its stages, step groups or
    steps becomes the template's spec, with its barrierRef and timeout fields runtime inputs,
    and is used where it was, its templateInputs answering them (so mutations reach the
    inlining of templates and inputs)."""
    sites = [(parent, key) for parent, key in places(data) if key in TEMPLATE_TYPES and isinstance(parent[key], dict)]
    if not sites:
        return [data]
    parent, key = sites[which % len(sites)]
    body = parent[key]
    spec = {k: v for k, v in body.items() if k not in ("identifier", "name")}
    inputs = yaml.load(dump(spec), Loader=yaml.CSafeLoader)  # a copy that shares nothing with the spec
    for holder, field in places(spec):
        if field in ("barrierRef", "timeout"):
            holder[field] = "<+input>"
    parent[key] = {"identifier": body.get("identifier"), "name": body.get("name"), "template": {"templateRef": "t", "versionLabel": "1", "templateInputs": inputs}}
    return [data, {"template": {"identifier": "t", "name": "t", "versionLabel": "1", "type": TEMPLATE_TYPES[key], "spec": spec}}]


@pytest.mark.skipif(not CORPUS_FILES, reason="shared/corpus/real is not beside this clone")
@fuzz
@given(index=st.integers(0, 10_000), which=st.integers(0, 2**16), operations=st.one_of(st.just([]), OPERATIONS))
def test_mutated_pipelines_with_templates(index, which, operations):
    documents = mutate(templated(corpus_data(index), which), operations)
    documents = documents if isinstance(documents, list) else [documents]
    check_case(yaml.dump_all(documents, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True).encode())


TOKENS = ["\t", "[", "]", "{", "}", "- ", ": ", "? ", "&a ", "*a", "&b [*a, *a] ", "!!python/object:os.system ", "!!binary ",
          "'", '"', "#", "|\n", ">-\n", "\n---\n", "\n...\n", "%YAML 1.1\n", "\ufeff", "\x00", "\x07", "\x85", "\u2028", "é",
          "\udcff", "<+input>", "  ", "\n  ", "\r\n", "\\", "@", "`", ",", "<<: *a\n"]


@pytest.mark.skipif(not CORPUS_FILES, reason="shared/corpus/real is not beside this clone")
@fuzz
@given(
    index=st.integers(0, 10_000),
    edits=st.lists(
        st.tuples(st.sampled_from(["insert", "delete", "truncate", "indent", "duplicate-line", "byte"]), st.integers(0, 2**20), st.integers(0, 255)),
        min_size=1,
        max_size=5,
    ),
)
def test_broken_text(index, edits):
    """Text edits that mostly break the YAML: syntax errors, bad bytes, tabs, stray anchors."""
    text = corpus_texts()[index % len(corpus_texts())]
    data = text.encode("utf-8", "surrogatepass")
    for edit, position, value in edits:
        at = position % (len(data) + 1)
        if edit == "insert":
            data = data[:at] + TOKENS[value % len(TOKENS)].encode("utf-8", "surrogatepass") + data[at:]
        elif edit == "delete":
            data = data[:at] + data[at + value :]
        elif edit == "truncate":
            data = data[:at]
        elif edit == "indent":
            line = data.rfind(b"\n", 0, at) + 1
            data = data[:line] + b" " * (value % 5) + data[line:] if value % 2 else data[:line] + data[line:].lstrip(b" ")
        elif edit == "duplicate-line":
            start, end = data.rfind(b"\n", 0, at) + 1, data.find(b"\n", at)
            data = data[:end] + b"\n" + data[start:end] + data[end:] if end >= 0 else data
        elif edit == "byte":
            data = data[:at] + bytes([value]) + data[at + 1 :]
    check_case(data)


# -- file names, links and CI logs ----------------------------------------------------------

NAME_PARTS = ["::error title=x::", "::add-mask::", "##[warning]", "##vso[task.setvariable]", "\n", "\r", "\x1b[31m",
              "\x1b]8;;http://x\x07", "\u202e", "\u2028", "\x85", "%0A", ",", ":", " ", "\t", "é", "a/", "../"]  # undecodable names: issue 21 item 6


@fuzz
@given(parts=st.lists(st.sampled_from(NAME_PARTS), min_size=1, max_size=6), index=st.integers(0, 10_000))
def test_hostile_file_names(parts, index):
    """A file name made of what terminals and CI runners act on reaches no output raw
    (`hostile.analyse`'s oracles: printable lines, no workflow command)."""
    text = (corpus_texts() + (EVERY_FIELD,))[index % (len(corpus_texts()) + 1)]
    analyse(text.encode("utf-8", "surrogatepass"), path="".join(parts) + ".yaml")


SECRET = "TOPSECRET-7f3a"
LINK_KINDS = ["dir", "file", "link-inside", "link-out-folder", "link-out-file", "link-up", "link-root", "broken"]


@fuzz
@given(tree=st.lists(st.tuples(st.sampled_from(LINK_KINDS), st.integers(0, 2**16)), max_size=14), named=st.booleans())
def test_walks_never_read_outside_the_root(tree, named):
    """A folder scan over a tree of folders, files and links (inside, out, up, to the root,
    broken) reads no file outside the scanned repository and prints nothing from outside."""
    import tempfile
    from pathlib import Path
    from unittest import mock

    from barrierlint import engine, workspace
    from barrierlint.report import text as text_report

    with tempfile.TemporaryDirectory() as base:
        root, outside = Path(base) / "repo", Path(base) / "outside"
        (root / ".git").mkdir(parents=True)
        (root / ".harness").mkdir()
        outside.mkdir()
        (outside / "secret.yaml").write_text(f"pipeline:\n  identifier: leak\n  stages: [\n  token: {SECRET}\n")
        (root / ".harness" / "p.yaml").write_text(EVERY_FIELD)
        folders = [root, root / ".harness"]  # real folders inside: nothing is ever created through a link
        places = list(folders)
        for number, (kind, pick) in enumerate(tree):
            parent = folders[pick % len(folders)]
            entry = parent / (f"e{number}.yaml" if kind in ("file", "link-out-file", "broken") or pick % 3 == 0 else f"e{number}")
            target = {
                "link-inside": places[pick % len(places)], "link-out-folder": outside, "link-out-file": outside / "secret.yaml",
                "link-up": Path(base), "link-root": Path("/"), "broken": outside / "missing.yaml",
            }.get(kind)
            if kind == "dir":
                entry.mkdir()
                folders.append(entry)
            elif kind == "file":
                entry.write_text(EVERY_FIELD.replace("every_field", f"p{number}"))
            else:
                entry.symlink_to(target)
            places.append(entry)
        read: list[str] = []

        def spy(module):
            original = module._read
            return mock.patch.object(module, "_read", lambda path, size: read.append(os.path.realpath(path)) or original(path, size))

        with spy(engine), spy(workspace):
            paths = [str(root)] + ([str(root / ".harness" / "p.yaml")] if named else [])
            result = engine.check(paths, cache=False)
        real = os.path.realpath(root)
        assert all(path == real or path.startswith(real + os.sep) for path in read), read
        shown = text_report.render(result.findings, result.files) + "".join(result.errors + result.warnings)
        assert SECRET not in shown and "outside" not in shown


def test_the_command_survives_a_folder_of_mutated_pipelines(tmp_path):
    """The real process over many mutated files at once: exit 0, 1 or 2, never 3, no traceback."""
    rng = random.Random(7)
    operations = ["delete", "duplicate", "retype", "reorder", "share", "recurse", "bomb", "swap"]
    count = min(len(CORPUS_FILES), 60) or 1
    for index in range(count):
        data = mutate(corpus_data(index), [(rng.choice(operations), rng.randrange(2**16), rng.randrange(2**16)) for _ in range(3)])
        (tmp_path / f"mutated_{index:03d}.yaml").write_bytes(dump(data))
    outcome = run_process("check", "--format", "json", str(tmp_path), timeout=300)
    assert outcome.code in (0, 1, 2)


def test_the_atheris_target_runs_without_atheris():
    """The target imports atheris only when fuzzing; its entry point checks any bytes."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "fuzz" / "atheris_target.py"
    spec = importlib.util.spec_from_file_location("atheris_target", path)
    target = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(target)
    for data in (b"", b"\x00\xff", b"[" * 10_000, EVERY_FIELD.encode(), dump(mutate(corpus_data(0), [("bomb", 1, 2)]))):
        target.test_one_input(data)
