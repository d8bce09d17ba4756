"""`check --fix`, `--unsafe-fixes` and `--diff`: fixes before and after (fixtures/fixes/), every
fixable finding of fixtures/ fixed and verified, the corpus round trip, byte-for-byte
preservation outside the edited spans, and what each output format says about fixes."""

from __future__ import annotations

import codecs
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from barrierlint import engine, source, suppress
from barrierlint.fixes.apply import fix_project, identity, write
from barrierlint.project import Settings
from barrierlint.rule import select

from expectations import FIXTURES, cases
from helpers import run, sarif_errors

BEFORE_AFTER = sorted((FIXTURES / "fixes").glob("*.before.yaml"))
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"
# fixes the verification refuses, and why: each would bring a finding the file did not have
REFUSED = {
    ("BL201/two_problems_one_barrier.yaml", "BL201"): ":32:104: BL303 ",
    ("BL301/v1_simplified_yaml.yaml", "BL101"): ":56:19: BL201 ",
    ("BL201/provisioner_then_execution.yaml", "BL201"): ":24:112: BL103 ",  # the provisioner's use would be left alone
    ("BL301/pipeline_template_alone.yaml", "BL301"): ":29:98: BL301 ",  # in a pipeline template the split renames both waves (open)
}


def _selected(path: Path) -> str:
    return next(line.split("select=")[1].split()[0] for line in path.read_text(encoding="utf-8").splitlines() if "select=" in line)


def _fix(tmp_path: Path, before: Path, *options: str):
    target = tmp_path / before.name.replace(".before", "")
    shutil.copyfile(before, target)
    return target, run("check", "--isolated", "--select", _selected(before), *options, target)


@pytest.mark.parametrize("before", BEFORE_AFTER, ids=lambda p: p.name)
def test_before_and_after(tmp_path, before):
    target, result = _fix(tmp_path, before, "--fix", "--unsafe-fixes")
    assert result.exit_code == 0, result.output
    assert "fixed" in result.stderr
    assert target.read_bytes() == before.with_name(before.name.replace(".before", ".after")).read_bytes()
    again = run("check", "--isolated", "--select", _selected(before), "--fix", "--unsafe-fixes", target)
    assert again.exit_code == 0 and "fixed" not in again.stderr
    assert target.read_bytes() == before.with_name(before.name.replace(".before", ".after")).read_bytes()


@pytest.mark.parametrize("before", BEFORE_AFTER, ids=lambda p: p.name)
def test_diff_writes_nothing(tmp_path, before):
    target, result = _fix(tmp_path, before, "--diff", "--unsafe-fixes")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"--- {target}\n+++ {target}\n@@ ")
    assert target.read_bytes() == before.read_bytes()


def test_safe_fixes_only_without_unsafe_fixes(tmp_path):
    before = FIXTURES / "fixes" / "BL101_rename.before.yaml"  # renaming is unsafe
    target, result = _fix(tmp_path, before, "--fix")
    assert result.exit_code == 1 and "fixed" not in result.stderr
    assert target.read_bytes() == before.read_bytes()
    assert "fix available (unsafe, --fix --unsafe-fixes): use the declared barrier 'db_ready'" in result.stdout
    _, diff = _fix(tmp_path, before, "--diff")
    assert diff.exit_code == 0 and diff.stdout == ""


def test_fix_with_nothing_to_fix_is_a_no_op(tmp_path):
    before = FIXTURES / "fixes" / "BL201.after.yaml"
    target, result = _fix(tmp_path, before, "--fix", "--unsafe-fixes")
    assert result.exit_code == 0 and result.stderr == ""
    assert target.read_bytes() == before.read_bytes()


def test_unsafe_fixes_alone_and_stdin_are_usage_errors(tmp_path):
    assert run("check", "--unsafe-fixes", tmp_path).exit_code == 2
    assert "standard input" in run("check", "--fix", "-").stderr


def _fix_all(root: Path, **options):
    result = engine.check([str(root)], **options)
    rules = select(options.get("select_rules", ()), options.get("ignore_rules", ()))
    return result, fix_project(result, rules, Settings(), suppress.Policy(), engine.read_input_sets(options.get("inputs", ())), unsafe=True)


def test_every_fixable_finding_in_fixtures_is_fixed_and_verified(tmp_path):
    seen = Counter()
    for case in cases():
        target = tmp_path / case.name.replace("/", "_")
        (shutil.copytree if case.root.is_dir() else shutil.copyfile)(case.root, target)
        base = target if case.root.is_dir() else tmp_path
        inputs = [str(base / Path(path).relative_to(case.root if case.root.is_dir() else case.root.parent)) for path in case.inputs]
        result, outcome = _fix_all(target, select_rules=case.select, ignore_rules=case.ignore, inputs=inputs)
        fixable = [f for f in result.findings if "autofix" in f.properties]
        applied = {identity(f) for f, _ in outcome.applied}
        for finding in fixable:
            refused = REFUSED.get((case.name, finding.code))
            if refused:
                assert any(reason.startswith("the edit brings a new finding") and refused in reason for reason in outcome.failed.values()), (case.name, outcome.failed)
            else:
                assert identity(finding) in applied, (case.name, finding.code, finding.message, outcome.failed)
                seen[finding.code] += 1
    assert set(seen) >= {"BL101", "BL102", "BL104", "BL201", "BL301", "BL302", "BL303", "BL401", "BL402", "BL403", "BL702"}


def _unchanged_outside_edits(original: bytes, outcome, path: str) -> None:
    """Pass by pass, the file's bytes between the edited spans are the bytes that were there."""
    data = original
    for text, edits in outcome.history[path]:
        assert source.encode(text, original) == data
        edits = sorted(set(edits))
        new_text, gaps, cursor = "", [], 0
        for edit in [*edits, None]:
            end = len(text) if edit is None else edit.start
            gaps.append((cursor, end, len(new_text)))
            new_text += text[cursor:end] + ("" if edit is None else edit.text)
            cursor = end if edit is None else edit.end
        new = source.encode(new_text, original)

        def at(t: str, index: int) -> int:
            return len(source.encode(t[:index], original))

        for start, end, new_start in gaps:
            old_bytes = data[at(text, start) : at(text, end)]
            assert new[at(new_text, new_start) : at(new_text, new_start + end - start)] == old_bytes
        data = new
    assert data == outcome.data(path)


def test_corpus_round_trip(tmp_path):
    copy = tmp_path / "real"
    shutil.copytree(CORPUS, copy)
    result, outcome = _fix_all(copy)
    assert outcome.applied, "the corpus has fixable findings"
    for path in outcome.texts:
        data = outcome.data(path)
        assert not [p for p in source.load(path, data).problems if p.code == "BL001"], path
        _unchanged_outside_edits(outcome.originals[path], outcome, path)
    written = write(outcome)
    assert sorted(written) == sorted(outcome.texts)
    after = engine.check([str(copy)])
    assert not Counter(map(identity, after.findings)) - Counter(map(identity, result.findings))
    assert len(after.findings) < len(result.findings)


PIPELINE = (
    "\ufeff# keep: 'quotes', \"double\", and key order\r\n"
    "pipeline:\r\n"
    "  name: \"release\"   # name before identifier, on purpose\r\n"
    "  identifier: release\r\n"
    "  flowControl:\r\n"
    "    barriers: [{identifier: 'sync', name: \"sync\"}, {identifier: old, name: old}]\r\n"
    "  stages:\r\n"
    "    - parallel:\r\n"
    "        - stage: {identifier: a, name: a, type: Custom, spec: {execution: {steps: [{step: {identifier: w, name: w, type: Barrier, spec: {barrierRef: 'sync'}}}]}}}\r\n"
    "        - stage:\r\n"
    "            identifier: b\r\n"
    "            name: b\r\n"
    "            type: Custom\r\n"
    "            spec:\r\n"
    "              execution:\r\n"
    "                steps:\r\n"
    "                  - step:\r\n"
    "                      identifier: w   #  two spaces kept\r\n"
    "                      name: w\r\n"
    "                      type: Barrier\r\n"
    "                      spec:\r\n"
    "                        barrierRef: \"sync\"\r\n"
)
FIXED = (
    PIPELINE.replace(", {identifier: old, name: old}]", "]")
    .replace("{barrierRef: 'sync'}}", "{barrierRef: 'sync'}, timeout: 15m}")
    .replace("barrierRef: \"sync\"\r\n", "barrierRef: \"sync\"\r\n                      timeout: 15m\r\n")
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_bytes_outside_the_edits_stay(tmp_path, encoding):
    """Comments, quoting, key order, indentation, CRLF line endings and byte-order marks."""
    target = tmp_path / "release.yaml"
    text = PIPELINE if encoding != "utf-8" else PIPELINE.lstrip("\ufeff")
    fixed = FIXED if encoding != "utf-8" else FIXED.lstrip("\ufeff")
    if encoding == "utf-16":
        target.write_bytes(codecs.BOM_UTF16_BE + text.lstrip("\ufeff").encode("utf-16-be"))
        expected = codecs.BOM_UTF16_BE + fixed.lstrip("\ufeff").encode("utf-16-be")
    else:
        target.write_bytes(text.encode("utf-8"))
        expected = fixed.encode("utf-8")
    result = run("check", "--isolated", "--select", "BL102,BL702", "--fix", "--unsafe-fixes", target)
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == expected


def test_a_file_changed_since_it_was_read_is_not_written(tmp_path):
    target = tmp_path / "p.yaml"
    shutil.copyfile(FIXTURES / "fixes" / "BL101_declare.before.yaml", target)
    _, outcome = _fix_all(target, isolated=True, select_rules=("BL101",))  # as the fixture selects
    assert outcome.texts
    target.write_bytes(target.read_bytes() + b"# edited meanwhile\n")
    assert write(outcome) == [] and outcome.not_written == [str(target)]
    assert target.read_bytes().endswith(b"# edited meanwhile\n")


def test_a_fix_that_fails_verification_is_not_written_and_says_why(tmp_path):
    target = tmp_path / "p.yaml"
    shutil.copyfile(FIXTURES / "BL201" / "two_problems_one_barrier.yaml", target)
    result = run("check", "--isolated", "--select", "BL201,BL301,BL302,BL303", "--fix", "--unsafe-fixes", target)
    assert "BL201 fix not applied" in result.stderr and "the edit brings a new finding" in result.stderr
    assert target.read_bytes() == (FIXTURES / "BL201" / "two_problems_one_barrier.yaml").read_bytes()
    assert "fix not applied (unsafe)" in result.stdout


def test_the_runtime_sees_the_late_copies_before_the_fix_and_not_after():
    from barrierlint.runtime import Profile
    from barrierlint.runtime.verify import fixed_run

    before = engine.check([str(FIXTURES / "fixes" / "BL401_BL402.before.yaml")], select_rules=["BL401"], isolated=True)
    (finding,) = before.findings
    assert "still arrives at wave" in fixed_run(finding, before.project.pipelines[0], {"wave"}, Profile())
    after = engine.check([str(FIXTURES / "fixes" / "BL401_BL402.after.yaml")], select_rules=["BL401"], isolated=True)
    assert not after.findings
    assert fixed_run(finding, after.project.pipelines[0], {"wave"}, Profile()) is None


def test_the_runtime_sees_the_rollback_stall_before_the_fix_and_not_after():
    from barrierlint.runtime import Profile
    from barrierlint.runtime.verify import fixed_run

    before = engine.check([str(FIXTURES / "fixes" / "BL303.before.yaml")], select_rules=["BL303"], isolated=True)
    (finding,) = before.findings
    assert "ended FAILED" in fixed_run(finding, before.project.pipelines[0], {"sync"}, Profile())
    after = engine.check([str(FIXTURES / "fixes" / "BL303.after.yaml")], select_rules=["BL303"], isolated=True)
    assert not after.findings
    assert fixed_run(finding, after.project.pipelines[0], {"sync", "sync_rollback"}, Profile()) is None


def test_fix_timeout_comes_from_the_configuration(tmp_path):
    target = tmp_path / "p.yaml"
    shutil.copyfile(FIXTURES / "fixes" / "BL403_BL702.before.yaml", target)
    (tmp_path / ".barrierlint.yaml").write_text("fix-timeout: 30m\n", encoding="utf-8")
    result = run("check", "--isolated", "--select", "BL702", "--fix", "--unsafe-fixes", target)
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").count("timeout: 30m") == 2
    (tmp_path / ".barrierlint.yaml").write_text("fix-timeout: soon\n", encoding="utf-8")
    assert run("check", "--isolated", "--select", "BL702", target).exit_code == 2


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "text"])
def test_every_format_says_whether_a_fix_is_available_and_safe(fmt):
    result = run("check", "--isolated", "--format", fmt, "--select", "BL102,BL104", FIXTURES / "fixes" / "BL102_BL104_crlf.before.yaml")
    assert result.exit_code == 1
    if fmt == "json":
        fixes = [f["properties"]["autofix"] for f in json.loads(result.stdout)["findings"]]
        assert [f["applicability"] for f in fixes] == ["safe", "safe"]
        assert fixes[0]["alternatives"][0][0] == {"line": 11, "column": 1, "end_line": 13, "end_column": 1, "text": ""}
    elif fmt == "sarif":
        log = json.loads(result.stdout)
        assert not sarif_errors(log)
        first = log["runs"][0]["results"][0]
        assert first["properties"]["fixApplicability"] == "safe"
        region = first["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]
        assert region == {"startLine": 11, "startColumn": 1, "endLine": 13, "endColumn": 1}
    else:
        assert result.stdout.count("fix available (safe, --fix): delete the") == 2


def test_what_aliases_share_is_not_edited_as_if_it_were_written_there(tmp_path):
    target = tmp_path / "p.yaml"
    target.write_text(
        "pipeline:\n  identifier: p\n  flowControl:\n    barriers:\n      - &decl {identifier: x, name: x}\n      - *decl\n"
        "  stages:\n    - stage: {identifier: a, type: Custom, spec: {execution: {steps: [{step: {identifier: w, type: Barrier, timeout: 1m, spec: {barrierRef: y}}}]}}}\n",
        encoding="utf-8",
    )
    result = run("check", "--isolated", "--select", "BL101,BL102,BL104", "--format", "json", target)
    offered = {(f["code"], f["yaml_path"]): f["properties"].get("autofix", {}).get("description") for f in json.loads(result.stdout)["findings"]}
    assert offered == {
        ("BL102", "pipeline.flowControl.barriers[0].identifier"): "delete the declaration of 'x'",  # the anchor: verification refuses it
        ("BL102", "pipeline.flowControl.barriers[1].identifier"): None,  # the alias
        ("BL104", "pipeline.flowControl.barriers[1].identifier"): None,
        ("BL101", "pipeline.stages[0].stage.spec.execution.steps[0].step.spec.barrierRef"): None,  # the list ends with the alias
    }
    before = target.read_bytes()
    fixed = run("check", "--isolated", "--select", "BL101,BL102,BL104", "--fix", "--unsafe-fixes", target)
    assert "BL102 fix not applied" in fixed.stderr and "the edited file does not parse: YAML syntax error: found undefined alias" in fixed.stderr
    assert target.read_bytes() == before
