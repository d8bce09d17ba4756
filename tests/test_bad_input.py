"""Hostile and broken input: every file ends in findings or a one-line error (exit 2), never a
traceback or a hang, and the other files are still checked."""

from __future__ import annotations

import codecs
import json
import os
import resource
import time

import pytest
import yaml

from barrierlint import inputs, model, source
from barrierlint.model import MAX_DEPTH

from hostile import EVERY_FIELD, PATHOLOGICAL, analyse, laughs, run_cli, run_process

GOOD = """\
pipeline:
  identifier: good
  name: good
  flowControl:
    barriers:
      - identifier: ready
        name: ready
  stages:
    - parallel:
        - stage:
            identifier: one
            name: one
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: build, name: build, type: ShellScript, timeout: 1m, spec: {}}
                  - step: {identifier: w, name: w, type: Barrier, timeout: 1m, spec: {barrierRef: ready}}
                  - step: {identifier: smoke, name: smoke, type: ShellScript, timeout: 1m, spec: {}}
        - stage:
            identifier: two
            name: two
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: v, name: v, type: Barrier, timeout: 1m, spec: {barrierRef: ready}}
        - stage:
            identifier: three
            name: three
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: u, name: u, type: Barrier, timeout: 1m, spec: {barrierRef: ready }}
"""
UNDECLARED = GOOD.replace("barrierRef: ready }", "barrierRef: redy}")  # BL101 at 35:99, nothing else


def check_json(*args: str, stdin: bytes | None = None):
    """Run `check --format json`; (exit code, findings, stderr lines)."""
    outcome = run_cli("check", "--format", "json", *args, stdin=stdin)
    findings = json.loads(outcome.out)["findings"]
    return outcome.code, findings, outcome.err.splitlines()


def one_error(lines: list[str], *parts: str) -> str:
    """The single stderr line of a run, which must name every part."""
    assert len(lines) == 1, lines
    assert lines[0].startswith("barrierlint: error: "), lines
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def codes(findings: list[dict]) -> list[str]:
    return [f["code"] for f in findings]


def write(tmp_path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


# -- YAML that cannot be read -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("pipeline:\n  stages: [a, b\n", 3, "did not find expected ',' or ']'"),
        ("pipeline:\n  identifier: 'open\n", 3, "found unexpected end of stream"),
        ("pipeline:\n  identifier: p\n bad: indent\n", 3, "did not find expected key"),
        ("pipeline:\n\tidentifier: p\n", 2, "a tab: YAML indents with spaces only"),
        ("pipeline:\n  stages:\n  -\tstage: {}\n", 3, "a tab: YAML indents with spaces only"),
        ("pipeline: *nowhere\n", 1, "found undefined alias"),
        ("pipeline:\n  a: &x 1\n  b: &x 2\n", 3, "found duplicate anchor"),
        ("pipeline:\n  name: bell \x07\n", 2, "U+0007 is not allowed"),
        ("pipeline: {identifier: p}\n--- [\n", 3, "did not find expected node content"),
        ("%YAML 9.9\n---\npipeline: 1\n", 1, "found incompatible YAML document"),
    ],
    ids=["unclosed-bracket", "unclosed-quote", "bad-indent", "tab-indent", "tab-after-dash", "undefined-alias",
         "duplicate-anchor", "control-character", "second-document", "yaml-version"],
)
def test_malformed_yaml_is_a_BL001_finding_at_its_line(tmp_path, text, line, message):
    path = write(tmp_path, "bad.yaml", text)
    code, findings, errors = check_json(path)
    assert (code, errors) == (1, [])
    assert codes(findings) == ["BL001"]
    assert findings[0]["line"] == line and message in findings[0]["message"], findings[0]
    assert "\n" not in findings[0]["message"]


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE])
def test_byte_order_marks_are_read_with_the_right_positions(tmp_path, bom):
    encoding = {codecs.BOM_UTF8: "utf-8", codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be",
                codecs.BOM_UTF32_LE: "utf-32-le", codecs.BOM_UTF32_BE: "utf-32-be"}[bom]
    folder = tmp_path / "repo"
    path = write(folder, "p.yaml", bom + UNDECLARED.replace("ready", "prêt").encode(encoding))
    for target in (path, str(folder)):  # named, and found by a folder scan
        code, findings, errors = check_json(target)
        assert (code, errors, codes(findings)) == (1, [], ["BL101"])
        assert findings[0]["line"] == 35 and findings[0]["column"] == 99, findings[0]


def test_a_bom_inside_the_text_is_a_syntax_error_not_a_crash(tmp_path):
    path = write(tmp_path, "p.yaml", GOOD.replace("  stages:", "  \ufeffstages:"))
    code, findings, errors = check_json(path)
    assert code in (0, 1) and errors == []


def test_non_utf8_text_named_explicitly_is_a_one_line_error_and_the_others_are_checked(tmp_path):
    latin = write(tmp_path, "latin.yaml", GOOD.replace("good", "café").encode("latin-1"))
    other = write(tmp_path, "other.yaml", UNDECLARED)
    code, findings, errors = check_json(latin, other)
    assert code == 2
    one_error(errors, "latin.yaml", "not UTF-8 text", "byte 0xe9 on line 2", "save the file as UTF-8")
    assert codes(findings) == ["BL101"] and findings[0]["path"].endswith("other.yaml")


def test_a_broken_utf16_file_is_a_one_line_error(tmp_path):
    path = write(tmp_path, "p.yaml", codecs.BOM_UTF16_LE + b"p\x00i\x00\x00\xd8")  # a lone surrogate
    code, findings, errors = check_json(path)
    assert code == 2 and findings == []
    one_error(errors, "p.yaml", "not UTF-16 text")


def test_binary_files_are_an_error_when_named_and_skipped_in_folder_scans(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) + b"pipeline:"
    binary = write(tmp_path / "repo", "image.yaml", png)
    write(tmp_path / "repo", "p.yaml", UNDECLARED)
    code, findings, errors = check_json(binary)
    assert code == 2 and findings == []
    one_error(errors, "image.yaml", "binary file, not YAML text")
    code, findings, errors = check_json(str(tmp_path / "repo"))
    assert (code, errors, codes(findings)) == (1, [], ["BL101"])


def test_non_utf8_pipeline_in_a_folder_scan_is_reported_not_silently_skipped(tmp_path):
    write(tmp_path, "latin.yaml", GOOD.replace("good", "café").encode("latin-1"))
    write(tmp_path, "notes.yaml", "title: r\xe9sum\xe9\n".encode("latin-1"))  # not a pipeline: none of our business
    code, findings, errors = check_json(str(tmp_path))
    assert code == 2
    one_error(errors, "latin.yaml", "not UTF-8 text")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "---\n...\n", "\ufeff", "   "])
def test_empty_files_have_nothing_to_check(tmp_path, text):
    code, findings, errors = check_json(write(tmp_path, "empty.yaml", text))
    assert (code, findings, errors) == (0, [], [])


def test_an_empty_pipeline_is_a_BL002_finding(tmp_path):
    code, findings, errors = check_json(write(tmp_path, "p.yaml", "pipeline:\n"))
    assert (code, errors, codes(findings)) == (1, [], ["BL002"])
    assert "pipeline has no body" in findings[0]["message"]


# -- size, depth and expansion --------------------------------------------------------------


def test_files_over_the_size_limit_are_refused_with_a_clear_message(tmp_path):
    big = write(tmp_path, "big.yaml", GOOD + "# padding\n" * 600_000)  # 6 MB
    other = write(tmp_path, "other.yaml", UNDECLARED)
    code, findings, errors = check_json(big, other)
    assert code == 2 and codes(findings) == ["BL101"]
    one_error(errors, "big.yaml", "file too large (6 MB, over the limit of 5 MB): not checked", "--max-file-size")
    code, findings, errors = check_json("--max-file-size", "7MB", big)
    assert (code, findings, errors) == (0, [], [])
    code, findings, errors = check_json("--max-file-size", "100", other)
    one_error(errors, "other.yaml", "over the limit of 100 bytes")


def test_the_size_limit_applies_to_standard_input_and_endless_devices():
    code, findings, errors = check_json("--max-file-size", "1k", "-", stdin=b"# x\n" * 1000)
    assert code == 2
    one_error(errors, "<stdin>", "file too large (over the limit of 1 kB)")
    if os.path.exists("/dev/zero"):
        started = time.monotonic()
        code, findings, errors = check_json("--max-file-size", "1MB", "/dev/zero")
        assert code == 2 and time.monotonic() - started < 10
        one_error(errors, "/dev/zero", "file too large")


@pytest.mark.parametrize("value", ["lots", "5XB", "-1", ""])
def test_a_bad_size_limit_is_a_usage_error(tmp_path, value):
    outcome = run_cli("check", "--max-file-size", value, write(tmp_path, "p.yaml", GOOD))
    assert outcome.code == 2 and "is not a size" in outcome.err


NESTED = {  # name -> the text nested `depth` levels deep
    "flow-lists": lambda depth: "[" * depth + "]" * depth,
    "flow-mappings": lambda depth: "{a: " * depth + "1" + "}" * depth,
    "block-lists": lambda depth: "- " * depth + "x\n",
    "explicit-keys": lambda depth: "? " * depth + "x\n",
    "block-mappings": lambda depth: "".join(" " * i + "a:\n" for i in range(depth)) + " " * depth + "x\n",
    "pipeline": lambda depth: "pipeline:\n  stages:\n    - parallel: " + "[{parallel: " * (depth // 2) + "1" + "}]" * (depth // 2) + "\n",
    "quoted-closers": lambda depth: '[ "]", ' * depth + "]" * depth,  # brackets in strings must not hide real ones
    "bom-at-line-start": lambda depth: "x:\n\ufeff" + "- " * depth + "x\n",  # libyaml skips it
    "unicode-line-break": lambda depth: "x:\u2028" + "- " * depth + "x\n",  # a line break for YAML
    "second-document": lambda depth: "a: 1\n---\n" + "[" * depth + "]" * depth,
}


def _depth(node) -> int:
    if isinstance(node, yaml.SequenceNode):
        return 1 + max(map(_depth, node.value), default=0)
    if isinstance(node, yaml.MappingNode):
        return 1 + max((max(_depth(k), _depth(v)) for k, v in node.value), default=0)
    return 0


@pytest.mark.parametrize("name", sorted(NESTED))
def test_nesting_100000_levels_deep_is_refused_without_crashing(tmp_path, name):
    """libyaml's composer recurses in C: unguarded, this kills the process (exit -11)."""
    shallow = list(yaml.compose_all(NESTED[name](20), Loader=yaml.CSafeLoader))[-1]
    assert _depth(shallow) >= 20, "the input is nested YAML"
    depth = 100_000 if name != "block-mappings" else 3_000  # (indentation grows quadratically)
    path = write(tmp_path, f"{name}.yaml", "# a pipeline: deep\n" + NESTED[name](depth))  # looks like Harness, so it is read
    write(tmp_path, "ok.yaml", UNDECLARED)
    outcome = run_process("check", "--format", "json", path, str(tmp_path / "ok.yaml"), timeout=60)
    findings = json.loads(outcome.out)["findings"]
    assert outcome.code == 1, outcome.err
    assert codes(findings) == ["BL001", "BL101"] or codes(findings) == ["BL101", "BL001"]
    deep = next(f for f in findings if f["code"] == "BL001")
    assert f"nested more than {source.MAX_NESTING} levels deep" in deep["message"]


def test_nesting_within_the_limit_is_read(tmp_path):
    levels = source.MAX_NESTING - 1
    code, findings, errors = check_json(write(tmp_path, "p.yaml", "[" * levels + "]" * levels))
    assert (code, findings) == (0, [])  # read, and named: a list of lists is not a Harness file
    assert [e.endswith("not a Harness pipeline, template, input set or FirstGen file; not checked") for e in errors] == [True]


def test_steps_nested_deeper_than_the_model_reads_are_a_BL002_finding(tmp_path):
    """Aliases nest deeper than the text (the YAML nesting limit stops deeper text before)."""
    chain = laughs(MAX_DEPTH + 5, 1, "[{step: {identifier: w, type: ShellScript}}]", "{{stepGroup: {{steps: {}}}}}")
    text = "pipeline:\n  identifier: p\n" + chain + _stage(f"*l{MAX_DEPTH + 5}")
    code, findings, errors = check_json(write(tmp_path, "p.yaml", text))
    assert code == 1 and errors == []
    assert [f["message"].startswith(f"stages and steps nested more than {MAX_DEPTH} levels deep; analysis stopped here") for f in findings] == [True]


def _stage(steps: str) -> str:
    return f"  stages:\n    - stage: {{identifier: s, type: Custom, spec: {{execution: {{steps: {steps}}}}}}}\n"


BARRIER = "{step: {identifier: w, type: Barrier, timeout: 1m, spec: {barrierRef: ready}}}"
STAGE = "{stage: {identifier: s, type: Custom, spec: {execution: {steps: [" + BARRIER + "]}}}}"
LOOPED = "{step: {identifier: w, type: Barrier, spec: {barrierRef: ready}, strategy: {matrix: {a: [x, y], b: [z, w], exclude: *e}}}}"
FAILING = "{step: {identifier: w, type: Barrier, spec: {barrierRef: ready}, failureStrategies: *f}}"
EXCLUDES = "  e: &e [" + ", ".join(["{a: x}", "{b: z}", "{a: x, b: w}"] * 1000) + "]\n"
FAILURES = "  f: &f [" + ", ".join(["{onFailure: {errors: [AllErrors], action: {type: Abort}}}"] * 1000) + "]\n"
TEMPLATED = "{step: {identifier: w, template: {templateRef: absent, templateInputs: {type: Barrier}}}}"  # the inputs show through


def _templates_using_templates(levels: int, width: int) -> str:
    """Step group templates t0..t{levels}, each using the next `width` times: width**levels
    steps once inlined (the long fuzz run's out-of-memory was one use site under an alias bomb)."""
    uses = lambda level: ", ".join(f"{{stepGroup: {{identifier: g{i}, template: {{templateRef: t{level}, templateInputs: {{x: 1}}}}}}}}" for i in range(width))
    documents = [_stage("[{stepGroup: {identifier: g, template: {templateRef: t0}}}]")]
    for level in range(levels):
        documents.append(f"template: {{identifier: t{level}, versionLabel: v1, type: StepGroup, spec: {{steps: [{uses(level + 1)}], x: 0}}}}\n")
    documents.append(f"template: {{identifier: t{levels}, versionLabel: v1, type: StepGroup, spec: {{steps: [{BARRIER}], x: <+input>}}}}\n")
    return "---\n".join(documents)


# Nine levels of ten: 10**9 copies of a stage or step if anything expanded them naively. The
# first group expands through the model; the second nests where the model reads one level.
EXPANDING = {
    "stages": laughs(9, 10, f"[{STAGE}]", "{{parallel: {}}}") + "  stages: *l9\n",
    "inserted-stages": laughs(9, 10, f"[{STAGE}]", "{{insert: {{stages: {}}}}}") + "  stages: *l9\n",
    "steps": laughs(9, 10, f"[{BARRIER}]", "{{parallel: {}}}") + _stage("*l9"),
    "inserted-steps": laughs(9, 10, f"[{BARRIER}]", "{{insert: {{steps: {}}}}}") + _stage("*l9"),
    "step-groups": laughs(9, 10, f"[{BARRIER}]", "{{stepGroup: {{identifier: g, steps: {0}, rollbackSteps: {0}}}}}") + _stage("*l9"),
    "legacy-executions": laughs(9, 10, f"[{BARRIER}]", "{{steps: {}}}")
    + "  stages:\n    - stage: {identifier: s, type: Custom, spec: {executions: *l9}}\n",
    "chained-inputs": laughs(9, 10, f"[{STAGE}]", "{{stage: {{identifier: c, type: Pipeline, spec: {{inputs: {{stages: {}}}}}}}}}")
    + "  stages: *l9\n",
    "matrix-exclude": EXCLUDES + laughs(9, 10, f"[{LOOPED}]", "{{parallel: {}}}") + _stage("*l9"),
    "failure-strategies": FAILURES + laughs(9, 10, f"[{FAILING}]", "{{parallel: {}}}") + _stage("*l9"),
    "template-uses": laughs(9, 10, f"[{TEMPLATED}]", "{{parallel: {}}}") + _stage("*l9"),
    "templates-using-templates": _templates_using_templates(9, 10),
}
BOMBS = {
    **EXPANDING,
    "matrix-axes": laughs(9, 10, "x", "{}")
    + _stage("[{step: {identifier: w, type: Barrier, spec: {barrierRef: ready}, strategy: {matrix: {a: *l9, b: *l9, c: [*l9, *l8]}}}}]"),
    "barriers": laughs(9, 10, "{identifier: ready}", "{}") + "  flowControl: {barriers: *l9}\n" + _stage("[]"),
    "depends-on": laughs(9, 10, "build", "{}")
    + "  stages:\n    - stage: {identifier: s, type: Custom, dependsOn: *l9, spec: {execution: {steps: []}}}\n",
    "environments": laughs(9, 10, "[{environmentRef: prod, infrastructureDefinitions: [{identifier: a}]}]", "{}")
    + "  stages:\n    - stage: {identifier: s, type: Deployment, spec: {environments: {values: *l9}, execution: {steps: [" + BARRIER + "]}}}\n",
}


@pytest.mark.parametrize("shape", sorted(BOMBS))
def test_alias_bombs_finish_fast_in_bounded_memory(tmp_path, shape):
    text = "pipeline:\n  identifier: bomb\n" + BOMBS[shape]
    list(yaml.compose_all(text, Loader=yaml.CSafeLoader))  # the test input itself is valid YAML
    path = write(tmp_path, "bomb.yaml", text)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    outcome = run_process("check", "--format", "json", path, timeout=60, memory=500_000_000)  # past it: MemoryError, exit 3
    seconds = time.monotonic() - started
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert outcome.code in (0, 1) and outcome.err == ""
    assert used.ru_utime - before.ru_utime < 10, f"{shape}: {used.ru_utime - before.ru_utime:.1f} s of CPU"
    assert seconds < 60


@pytest.mark.parametrize("shape", sorted(EXPANDING))
def test_an_alias_bomb_that_expands_is_a_BL002_finding(shape):
    findings, errors = analyse(("pipeline:\n  identifier: bomb\n" + BOMBS[shape]).encode())
    assert errors == []
    assert [f.code for f in findings if f.message.startswith("pipeline too large to analyse")] == ["BL002"], findings


TOO_DEEP = "stages and steps nested more than 100 levels deep; analysis stopped here"


@pytest.mark.parametrize(
    "text, expected, message",
    [
        ("pipeline: &p\n  identifier: p\n  stages: [{stage: {identifier: c, type: Pipeline, spec: {inputs: *p}}}]\n", {"BL002"}, TOO_DEEP),
        ("pipeline:\n  identifier: p\n  stages: &s [{parallel: *s}]\n", {"BL002"}, TOO_DEEP),
        ("pipeline:\n  identifier: p\n  stages: &s [{insert: {stages: *s}}]\n", {"BL002"}, TOO_DEEP),
        ("pipeline:\n  identifier: p\n" + _stage("&s [{parallel: *s}, {stepGroup: {steps: *s}}, {insert: {steps: *s}}, {steps: *s}]"), {"BL002"}, TOO_DEEP),
        ("pipeline:\n  identifier: p\n" + _stage("[{step: {type: ShellScript, strategy: {matrix: &m {a: [*m], exclude: [*m]}}}}]"), set(), None),
        ("pipeline:\n  identifier: p\n" + _stage("[{step: &s {type: Barrier, spec: {barrierRef: *s}}}]"), {"BL002", "BL702"}, "barrierRef must be a string, not a mapping"),
        ("pipeline:\n  identifier: p\n" + _stage("[{step: {type: ShellScript, failureStrategies: &f [{onFailure: {errors: *f, action: *f}}]}}]"), {"BL002"},
         "failure action must be a mapping, not a list"),
        ("pipeline: &p {identifier: p, stages: [{stage: {identifier: s, type: Custom, when: *p, strategy: *p, spec: *p}}]}\n", set(), None),
        ("&root {pipeline: *root}\n", set(), None),
        ("pipeline:\n  identifier: p\n" + _stage("[{stepGroup: {identifier: g, template: {templateRef: t, templateInputs: &i {steps: *i, x: *i}}}}]")
         + "---\ntemplate: {identifier: t, type: StepGroup, spec: &t {steps: *t, x: *t}}\n", {"BL002"},
         f"pipeline too large to analyse: with its templates and inputs inlined, collections nest more than {source.MAX_NESTING} levels deep"),
        ("pipeline:\n  identifier: p\n" + _stage("[{stepGroup: {identifier: g, template: {templateRef: t, templateInputs: {steps: &i [{parallel: *i}]}}}}]")
         + "---\ntemplate: {identifier: t, type: StepGroup, spec: {steps: [" + BARRIER + "]}}\n", {"BL002", "BL101"}, "barrier 'ready' used by step 'w'"),
    ],
    ids=["chained-inputs", "parallel-stages", "insert", "steps", "matrix", "barrier-ref", "failure-strategy", "pipeline-in-fields", "root",
         "template-and-inputs", "inputs-parallel"],
)
def test_recursive_aliases_end(tmp_path, text, expected, message):
    """A collection inside itself is read to a bounded depth (or not at all where nothing reads
    it): what the pipeline shows is reported, nothing loops."""
    code, findings, errors = check_json(write(tmp_path, "loop.yaml", text))
    assert (code, errors, set(codes(findings))) == (1 if expected else 0, [], expected)
    if message:
        assert any(f["message"].startswith(message) for f in findings), findings


@pytest.mark.parametrize("spec", ["a_name", "[1, 2]", "null", "{}"])
def test_a_template_whose_spec_is_not_a_mapping_adds_nothing(tmp_path, spec):
    """Found by the fuzzing of templates: a scalar spec was iterated as key-value pairs."""
    text = ("pipeline:\n  identifier: p\n" + _stage(f"[{BARRIER}, {{step: {{identifier: t, template: {{templateRef: t, templateInputs: {{type: Barrier}}}}}}}}]")
            + f"---\ntemplate: {{identifier: t, versionLabel: '1', type: Step, spec: {spec}}}\n")
    code, findings, errors = check_json(write(tmp_path, "p.yaml", text))
    assert (code, errors) == (1, [])
    assert "BL101" in codes(findings)  # the Barrier step beside it is still checked


def test_a_large_pipeline_is_not_refused_for_using_a_template(monkeypatch):
    """Inlining a template reads the assembled pipeline: it may cost what reading the files it
    comes from costs (here with a 1,000-node base budget instead of 100,000, to stay small)."""
    monkeypatch.setattr(model, "MAX_WORK", 1_000)
    monkeypatch.setattr(inputs, "MAX_WORK", 1_000)
    text = PATHOLOGICAL["wide-stages"](40_000)
    findings, errors = analyse(text.encode())
    assert ([f.code for f in findings], errors) == (["BL105"], [])  # the stages meet at their first step
    findings, errors = analyse((text + "        - {stage: {identifier: t, name: t, template: {templateRef: absent}}}\n").encode())
    assert errors == [] and [f.message for f in findings] == [
        "template 'absent' (used once in this pipeline): it is not among the checked files; the barrier steps inside it are not analysed"
    ]


def test_aliases_nested_deeper_than_any_text_are_refused_when_templates_are_inlined(tmp_path):
    """A chain of 3,000 aliases, each a list around the previous one: the anchors sit inside an
    unresolved template use (which is not walked), so the walk first meets the chain at its
    deepest. Unbounded, it overflows Python's stack."""
    anchors = "".join(f"      x{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 3000))
    text = "pipeline:\n  identifier: p\n  hidden:\n    step:\n      template: {templateRef: absent}\n      x0: &a0 {a: 1}\n" + anchors + "  stages: *a2999\n"
    code, findings, errors = check_json(write(tmp_path, "p.yaml", text))
    assert (code, errors, codes(findings)) == (1, [], ["BL002"])
    assert findings[0]["line"] == 2 and findings[0]["message"] == (
        f"pipeline too large to analyse: with its templates and inputs inlined, collections nest more than {source.MAX_NESTING} "
        "levels deep (aliases or templates that nest a part inside itself?); this pipeline was not checked"
    )


# what a check of each pathological pipeline finds, at any size
PATHOLOGICAL_CODES = {
    "deep": {"BL001"},  # nested more than source.MAX_NESTING levels
    "wide-list": {"BL002"},  # 100 wrong stage items and "more than 100 problems", or (past 1.2 MB) too large to analyse
    "wide-mapping": {"BL103"},
    "wide-stages": {"BL105"},  # thousands of parallel stages meet at one barrier, each as its first step: it holds nobody back
    "many-aliases": {"BL002"},  # too large to analyse
    "huge-scalar": {"BL101", "BL102"},
    "aliased-huge-scalar": {"BL101", "BL102"},
    "huge-script": {"BL103"},
    "huge-loop-counts": {"BL401"},
    "huge-matrix": {"BL401"},
    "thousands-of-barriers": {"BL105"},  # pairs of parallel stages meet at their first step
    "one-giant-line": {"BL101", "BL102"},
}
# The suite checks half a megabyte of each; the long run (README, "Fuzzing") sets 10 MB.
PATHOLOGICAL_SIZE = int(float(os.environ.get("BARRIERLINT_PATHOLOGICAL_MB", "0.5")) * 1_000_000)


def test_pathological_10MB_files_of_every_kind_are_refused_by_default(tmp_path):
    paths = [write(tmp_path, f"{kind}.yaml", make(10_000_000)) for kind, make in sorted(PATHOLOGICAL.items())]
    outcome = run_process("check", *paths, timeout=60, memory=1_000_000_000)
    assert outcome.code == 2 and "in 0 files" in outcome.out
    lines = outcome.err.splitlines()
    assert len(lines) == len(PATHOLOGICAL) == len(PATHOLOGICAL_CODES)
    for path, line in zip(paths, lines):
        assert line.startswith(f"barrierlint: error: {path}: file too large (") and "over the limit of 5 MB): not checked" in line


@pytest.mark.parametrize("kind", sorted(PATHOLOGICAL))
def test_pathological_files_finish_in_bounded_time_and_memory(tmp_path, kind):
    """Deep, wide, aliased, huge values, huge loop counts, thousands of barriers, one giant
    line: a check finishes (a few seconds per MB) in at most 300 MB plus 200 bytes per byte of
    input, and finds what the pipeline holds, with messages of bounded length."""
    path = write(tmp_path, f"{kind}.yaml", PATHOLOGICAL[kind](PATHOLOGICAL_SIZE))
    limit = f"{2 * PATHOLOGICAL_SIZE}"
    outcome = run_process("check", "--format", "json", "--max-file-size", limit, path, timeout=60 * PATHOLOGICAL_SIZE / 1e6 + 60,
                          memory=300_000_000 + 200 * PATHOLOGICAL_SIZE)
    findings = json.loads(outcome.out)["findings"]
    assert (outcome.code, outcome.err) == (1 if any(f["severity"] != "info" for f in findings) else 0, "")  # info fails only with --fail-on info
    assert set(codes(findings)) == PATHOLOGICAL_CODES[kind]
    assert max((len(f["message"]) for f in findings), default=0) < 600


def test_a_pathological_10MB_file_is_refused_or_finishes_within_seconds(tmp_path):
    deep = write(tmp_path, "deep.yaml", "# pipeline:\n" + "[" * 5_000_000 + "]" * 5_000_000)
    started = time.monotonic()
    code, findings, errors = check_json(deep)
    assert code == 2 and time.monotonic() - started < 5
    one_error(errors, "deep.yaml", "file too large (10 MB, over the limit of 5 MB)")
    started = time.monotonic()
    code, findings, errors = check_json("--max-file-size", "20MB", deep)
    assert code == 1 and time.monotonic() - started < 10
    assert codes(findings) == ["BL001"] and "nested more than" in findings[0]["message"]


def test_thousands_of_problems_are_capped_and_resolve_in_linear_time(tmp_path):
    keys = "".join(f"k{i}: 1\n" for i in range(100_000))  # a big mapping every route lookup walks through
    items = "".join("    - 1\n" for _ in range(50_000))  # 50,000 stage items of the wrong type
    path = write(tmp_path, "p.yaml", keys + "pipeline:\n  identifier: p\n  stages:\n" + items)
    started = time.monotonic()
    code, findings, errors = check_json(path)
    assert time.monotonic() - started < 20
    assert code == 1 and len(findings) == source.MAX_PROBLEMS + 1
    assert findings[-1]["message"] == f"more than {source.MAX_PROBLEMS} problems in this file; the rest are not reported"


def test_thousands_of_undeclared_references_among_thousands_of_barriers_stay_fast(tmp_path):
    n = 3000
    barriers = "".join(f"      - identifier: barrier_{i:05d}\n" for i in range(n))
    steps = ", ".join(f"{{step: {{type: Barrier, identifier: s{i}, timeout: 1m, spec: {{barrierRef: barier_{i:05d}x}}}}}}" for i in range(n))
    text = "pipeline:\n  identifier: p\n  flowControl:\n    barriers:\n" + barriers + _stage(f"[{steps}]")
    started = time.monotonic()
    findings, errors = analyse(text.encode())
    assert time.monotonic() - started < 20
    assert sum(f.code == "BL101" for f in findings) == n


# -- YAML features that must not run code or confuse the reader ----------------------------


def test_unsafe_tags_are_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"""\
pipeline: !!python/object/apply:os.system ["touch {marker}"]
other: !!python/object/new:os.system ["touch {marker}"]
third: !!python/name:os.system
stages: !!python/object:builtins.dict {{}}
---
pipeline:
  identifier: !!python/object/apply:os.system ["touch {marker}"]
  stages: !!binary aGVsbG8=
  flowControl: !!set {{a, b}}
"""
    code, findings, errors = check_json(write(tmp_path, "tags.yaml", text))
    assert not marker.exists()
    assert code == 1 and errors == []
    assert [(f["code"], f["line"], f["message"]) for f in findings] == [  # read as the plain YAML under the tag
        ("BL002", 1, "pipeline must be a mapping, not a list"),
        ("BL002", 7, "pipeline identifier must be a string, not a list"),
        ("BL002", 8, "stages must be a list, not the value 'aGVsbG8='"),
    ]


def test_duplicate_keys_are_BL002_findings_at_the_second_key_and_the_later_value_wins(tmp_path):
    text = GOOD.replace("  identifier: good\n", "  identifier: good\n  identifier: better\n").replace(
        "timeout: 1m, spec: {barrierRef: ready}}", "timeout: 1m, spec: {barrierRef: nope}, spec: {barrierRef: ready}}", 1
    )
    code, findings, errors = check_json(write(tmp_path, "dup.yaml", text))
    assert code == 1 and errors == []
    second_spec = next(n for n, line in enumerate(text.splitlines(), 1) if "barrierRef: nope" in line)
    assert [(f["code"], f["line"]) for f in findings] == [("BL002", 3), ("BL002", second_spec)]
    assert "duplicate key 'identifier' in pipeline: the later value wins" in findings[0]["message"]
    assert "duplicate key 'spec' in step" in findings[1]["message"]


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("barrierRef: ready", "barrierRef: [ready]", "barrierRef must be a string, not a list"),
        ("barrierRef: ready", "barrierRef: {id: ready}", "barrierRef must be a string, not a mapping"),
        ("  stages:\n", "  stages:\n    x: 1\n  not_stages:\n", "stages must be a list, not a mapping"),
        ("            steps:\n", "            steps: run everything\n            x:\n", "steps must be a list, not the value 'run everything'"),
        ("    barriers:\n", "    barriers: |\n      ready\n      done\n    x:\n", "flowControl.barriers must be a list, not a long or multi-line string"),
        ("      - identifier: ready", "      - identifier: [ready]", "barrier identifier must be a string, not a list"),
        ("type: Custom", "type: Custom\n            strategy: {matrix: {a: [1, 2], maxConcurrency: two}}", "maxConcurrency must be a whole number"),
        ("type: Custom", "type: Custom\n            strategy: {repeat: {times: 1e3}}", "times must be a whole number"),
        ("type: Custom", "type: Custom\n            strategy: {parallelism: 99999999999999999999}", "parallelism must be a whole number (at most 2147483647)"),
        ("type: Custom", "type: Custom\n            dependsOn: build", "dependsOn must be a list, not the value 'build'"),
        ("type: Custom", "type: Custom\n            when: [a]", "when must be a mapping, not a list"),
        ("type: Custom", "type: Custom\n            failureStrategies: {a: 1}", "failureStrategies must be a list, not a mapping"),
        ("    - parallel:\n", "    - 42\n    - parallel:\n", "a stage list item must be a mapping, not the value '42'"),
        ("    - parallel:\n", "    - {stages: []}\n    - parallel:\n", "stage list item must hold 'stage', 'parallel' or 'insert', found stages"),
    ],
)
def test_wrong_types_are_BL002_findings(tmp_path, old, new, message):
    assert old in GOOD
    code, findings, errors = check_json(write(tmp_path, "p.yaml", GOOD.replace(old, new, 1)))
    assert errors == []
    assert any(f["code"] == "BL002" and message in f["message"] for f in findings), findings


@pytest.mark.parametrize(
    "old, new",
    [
        ("type: Custom", "type: Custom\n            strategy: {matrix: {a: [1, 2], maxConcurrency: <+pipeline.variables.n>}}"),
        ("timeout: 1m", "timeout: 60"),
        ("timeout: 1m", "timeout: 1.5"),
        ("identifier: w", "identifier: 12"),
        ("identifier: good", "identifier: 3.14"),
        ("barrierRef: ready", "barrierRef: 7"),
        ("- identifier: ready", "- identifier: 7"),
        ("barrierRef: ready", "barrierRef: <+input>"),
        ("barrierRef: ready", "barrierRef: null"),
        ("type: Barrier", "type: 1"),
        ("type: Custom", "type: [Custom]"),
    ],
)
def test_numbers_and_expressions_where_strings_belong_are_read_as_text(tmp_path, old, new):
    assert old in GOOD
    code, findings, errors = check_json(write(tmp_path, "p.yaml", GOOD.replace(old, new, 1)))
    assert code in (0, 1) and errors == []


def _routes(node, route=()):
    yield route
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        yield from _routes(value, route + (key,))


WRONG_VALUES = [[], ["x", {"y": 1}], {"k": [1]}, 7, None, "<+pipeline.x>", "line\nbreak", "x" * 300]


def test_a_wrong_type_anywhere_in_a_pipeline_is_never_a_crash():
    """Every node of a pipeline that uses every field the model reads, replaced by every kind
    of wrong value in turn."""
    import copy

    base = yaml.safe_load(EVERY_FIELD)
    cases = 0
    for route in _routes(base):
        for wrong in WRONG_VALUES:
            data = copy.deepcopy(base)
            if not route:
                data = wrong
            else:
                parent = data
                for step in route[:-1]:
                    parent = parent[step]
                parent[route[-1]] = wrong
            analyse(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False).encode())
            cases += 1
    assert cases > 1500


# -- the file system ---------------------------------------------------------------------


def test_unreadable_files_are_one_line_errors_after_the_findings_of_the_others(tmp_path, monkeypatch):
    good = write(tmp_path, "ok.yaml", UNDECLARED)
    os.symlink(tmp_path / "gone.yaml", tmp_path / "dangling.yaml")
    os.symlink(tmp_path / "self.yaml", tmp_path / "self.yaml")
    code, findings, errors = check_json(str(tmp_path / "dangling.yaml"), good, str(tmp_path / "missing.yaml"))
    assert code == 2 and codes(findings) == ["BL101"]
    assert len(errors) == 2
    one_error(errors[:1], "dangling.yaml: cannot read: No such file or directory")
    one_error(errors[1:], "missing.yaml: cannot read: No such file or directory")
    code, findings, errors = check_json(str(tmp_path))  # a folder scan reports them too
    assert code == 2 and codes(findings) == ["BL101"]
    assert sorted(e.split(": ", 2)[2] for e in errors) == [
        f"{tmp_path / 'dangling.yaml'}: cannot read: No such file or directory",
        f"{tmp_path / 'self.yaml'}: cannot read: Too many levels of symbolic links",
    ]

    real_open = open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("ok.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    code, findings, errors = check_json(good, write(tmp_path / "more", "p.yaml", UNDECLARED))
    assert code == 2 and codes(findings) == ["BL101"]
    one_error(errors, "ok.yaml: cannot read: Permission denied")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_files_and_folders_without_read_permission(tmp_path):
    locked = write(tmp_path / "a", "locked.yaml", GOOD)
    os.chmod(locked, 0)
    write(tmp_path / "b" / "inner", "p.yaml", GOOD)
    os.chmod(tmp_path / "b" / "inner", 0)
    try:
        code, findings, errors = check_json(str(tmp_path))
    finally:
        os.chmod(locked, 0o644)
        os.chmod(tmp_path / "b" / "inner", 0o755)
    assert code == 2
    assert any("locked.yaml: cannot read: Permission denied" in e for e in errors)
    assert any("inner: cannot read folder: Permission denied" in e for e in errors)


def test_directory_symlink_loops_are_walked_once(tmp_path):
    repo = tmp_path / "repo"
    write(repo / ".harness", "p.yaml", UNDECLARED)
    os.symlink(repo, repo / ".harness" / "loop")
    os.symlink(".", repo / "self")
    os.symlink(repo / ".harness", tmp_path / "back")
    os.symlink(tmp_path / "back", repo / "back")
    code, findings, errors = check_json(str(repo))
    assert (code, errors, codes(findings)) == (1, [], ["BL101"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_a_scanned_folder_does_not_block_the_scan(tmp_path):
    write(tmp_path, "p.yaml", UNDECLARED)
    os.mkfifo(tmp_path / "pipe.yaml")
    outcome = run_process("check", str(tmp_path), timeout=30)
    assert outcome.code == 1 and "BL101" in outcome.out


def test_paths_with_spaces_and_non_ascii_names(tmp_path):
    folder = tmp_path / "my pipelines" / "déploiement ✓"
    path = write(folder, "prod release 日本.yaml", UNDECLARED)
    for target in (path, str(tmp_path / "my pipelines")):
        code, findings, errors = check_json(target)
        assert (code, errors, codes(findings)) == (1, [], ["BL101"])
        assert findings[0]["path"] == path
    outcome = run_process("check", str(tmp_path / "my pipelines"))
    assert outcome.code == 1 and f"{path}:35:99: BL101" in outcome.out


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_file_names_that_are_not_utf8_and_control_characters_in_names(tmp_path):
    folder = os.fsencode(tmp_path)
    for name in (b"caf\xe9.yaml", b"new\nline.yaml"):
        with open(os.path.join(folder, name), "wb") as file:
            file.write(UNDECLARED.encode())
    os.symlink(b"nowhere", os.path.join(folder, b"gone\x1b[31m.yaml"))
    outcome = run_process("check", str(tmp_path))
    assert outcome.code == 2
    assert "caf\\udce9.yaml:35:99: BL101" in outcome.out.replace("\\xe9", "\\udce9")
    assert outcome.err.count("\n") == 1 and "gone\\x1b[31m.yaml: cannot read" in outcome.err
