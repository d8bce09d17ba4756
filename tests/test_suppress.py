"""Suppression comments, `--no-ignores`, unused suppressions and the baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from barrierlint import engine
from barrierlint.source import comments

from expectations import FIXTURES
from helpers import run

UNDECLARED = FIXTURES / "BL101" / "undeclared.yaml"
SUPPRESSIONS = FIXTURES / "BL900" / "suppressions.yaml"


def test_comments_are_found_between_tokens_only():
    text = (
        "a: 1 # one\n"
        "b: |\n  # in a block scalar\n  text\n"
        "# two\n"
        "c: 'it''s # quoted'  # three\n"
        "d: [x, # four\n  y]\n"
        "e: http://host/#fragment\n"
        "f: >-\n  folded # text\n"
        "# five"
    )
    found = [(c.line, c.column, c.text, c.own_line) for c in comments(text)]
    assert found == [
        (1, 6, "# one", False),
        (5, 1, "# two", True),
        (6, 22, "# three", False),
        (7, 8, "# four", False),
        (12, 1, "# five", True),
    ]


def test_comments_before_a_syntax_error_are_kept():
    assert [c.text for c in comments("a: 1  # kept\nb: 'never closed\n# inside the broken string\n")] == ["# kept"]


def test_no_ignores_reports_what_comments_hide(monkeypatch):
    normal = engine.check([str(SUPPRESSIONS)], select_rules=["BL101", "BL102", "BL900"])
    audit = run("check", "--no-ignores", "--select", "BL101,BL102,BL900", "--format", "json", SUPPRESSIONS)
    found = json.loads(audit.stdout)["findings"]
    assert audit.exit_code == 1
    assert not any(f["code"] == "BL900" for f in found)  # nothing is used when nothing is honoured
    hidden = {(f.code, f.span.line) for f in normal.suppressed}
    assert hidden <= {(f["code"], f["line"]) for f in found}
    assert {"BL101", "BL102"} == {code for code, _ in hidden}


def test_unused_suppressions_only_for_rules_that_ran():
    result = engine.check([str(SUPPRESSIONS)], select_rules=["BL900"])
    # BL101 and BL102 did not run: their comments cannot be judged; the unreadable and unknown ones can
    messages = sorted(f.message for f in result.findings)
    assert len(messages) == 2
    assert messages[0].startswith("unknown rule 'BL1O2' in suppression")
    assert messages[1].startswith("unreadable suppression `# barrierlint: ignore BL102`")


def test_ignoring_bl900_keeps_suppressions_working():
    result = engine.check([str(SUPPRESSIONS)], select_rules=["BL101", "BL102"])
    assert {f.code for f in result.findings} == {"BL101", "BL102"}
    assert sorted((f.code, f.span.line) for f in result.suppressed) == [("BL101", 56), ("BL101", 66), ("BL102", 12), ("BL102", 14)]


def shifted(text: str) -> str:
    """The same pipeline after an unrelated edit: new comment lines at the top."""
    return "# owner: release team\n# reviewed 2026-11\n\n" + text


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pipes").mkdir()
    (tmp_path / "pipes" / "release.yaml").write_bytes(UNDECLARED.read_bytes())
    (tmp_path / ".barrierlint.yaml").write_text("select: [BL101, BL102]\n")  # other rules may report here too
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_baseline_accepts_old_findings_and_reports_new_ones(project):
    assert run("check", "pipes").exit_code == 1
    written = run("check", "--baseline", "baseline.json", "--write-baseline", "pipes")
    assert written.exit_code == 0, written.stdout
    data = json.loads((project / "baseline.json").read_text())
    assert [entry["path"] for entry in data["findings"]] == ["pipes/release.yaml"] * 2
    assert all(len(entry["fingerprint"]) == 32 for entry in data["findings"])
    assert run("check", "--baseline", "baseline.json", "pipes").exit_code == 0

    release = project / "pipes" / "release.yaml"
    release.write_text(shifted(release.read_text()))  # line numbers move; fingerprints do not
    assert run("check", "--baseline", "baseline.json", "pipes").exit_code == 0
    assert run("check", "--baseline", "baseline.json", str(project / "pipes")).exit_code == 0  # absolute path

    release.write_text(release.read_text().replace("barrierRef: db_ready", "barrierRef: db_reddy", 1))
    result = run("check", "--baseline", "baseline.json", "--format", "json", "pipes")
    assert result.exit_code == 1
    new = {(f["code"], f["message"].split("'")[1]) for f in json.loads(result.stdout)["findings"]}
    assert new == {("BL101", "db_reddy")}  # only the new typo


def test_the_summary_says_what_the_baseline_and_suppressions_hid(project):
    """"All clear" used to hide that every finding was baselined."""
    run("check", "--baseline", "baseline.json", "--write-baseline", "pipes")
    clean = run("check", "--baseline", "baseline.json", "pipes")
    assert clean.exit_code == 0 and clean.stdout == "No barrier problems in 1 file; 2 findings hidden by the baseline.\n"
    release = project / "pipes" / "release.yaml"
    text = release.read_text().replace("barrierRef: db_redy", "barrierRef: db_redy  # barrierlint: ignore[BL101] renamed next week")
    (project / "pipes" / "other.yaml").write_text(release.read_text())  # two findings the baseline does not know
    release.write_text(text)
    mixed = run("check", "--baseline", "baseline.json", "pipes").stdout.splitlines()[-1]
    assert mixed == "Found 2 problems (2 errors) in 2 files; 2 more findings hidden: 1 by the baseline, 1 by suppression comments."
    config = project / ".barrierlint.yaml"
    config.write_text(config.read_text() + "per-file-ignores: {'pipes/other.yaml': [BL101]}\n")
    ignored = run("check", "--baseline", "baseline.json", "pipes").stdout.splitlines()[-1]
    assert ignored == "No barrier problems in 2 files; 4 findings hidden: 1 by the baseline, 1 by suppression comments, 2 by per-file-ignores."
    assert run("check", "pipes", "--no-ignores").stdout.splitlines()[-1].startswith("Found 4 problems")


def test_baseline_in_sarif_marks_results_as_suppressed(project):
    run("check", "--baseline", "baseline.json", "--write-baseline", "pipes")
    log = json.loads(run("check", "--baseline", "baseline.json", "--format", "sarif", "pipes").stdout)
    results = log["runs"][0]["results"]
    assert len(results) == 2
    assert all(r["suppressions"] == [{"kind": "external", "justification": "in baseline baseline.json"}] for r in results)


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, ["--baseline", "missing.json"], "baseline missing.json not found (create it with --write-baseline)"),
        ("{not json", ["--baseline", "baseline.json"], "cannot read baseline baseline.json"),
        ('{"findings": []}', ["--baseline", "baseline.json"], "baseline.json is not a barrierlint baseline"),
        (None, ["--write-baseline"], "--write-baseline needs --baseline FILE"),
    ],
)
def test_baseline_errors_are_usage_errors(project, content, args, message):
    if content is not None:
        (project / "baseline.json").write_text(content)
    result = run("check", *args, "pipes")
    assert result.exit_code == 2 and message in result.stderr
