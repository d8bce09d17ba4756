"""`--format junit` and `--format gitlab`, validated against the formats' published schemas:
the Jenkins xUnit plugin's junit-10.xsd (Jenkins, Harness CI's Tests tab and GitLab read this
shape) and GitLab's documented Code Quality fields (tests/data/SOURCES.md)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from expectations import ROOT
from helpers import gitlab_errors, junit_schema, run

BAD = "fixtures/BL101/undeclared.yaml"  # two errors
GOOD = "fixtures/BL101/declared.yaml"
WARNS = "fixtures/BL102/unused.yaml"  # one warning
NOTE = "fixtures/BL502/missing_workflow"  # info findings only
PINNED = ("--select", "BL101,BL102,BL502")


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def junit(*args: str) -> tuple[int, ET.Element, str]:
    result = run("check", "--format", "junit", *PINNED, *args)
    junit_schema().validate(result.stdout)  # raises with the reason when the XML does not conform
    return result.exit_code, ET.fromstring(result.stdout), result.stdout


def test_junit_has_a_suite_per_file_a_case_per_finding_and_a_passing_case_for_a_clean_file():
    code, root, _ = junit(BAD, GOOD, WARNS)
    assert code == 1
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert list(suites) == [BAD, GOOD, WARNS]
    assert (root.get("tests"), root.get("failures")) == ("4", "3")
    clean = suites[GOOD].findall("testcase")
    assert len(clean) == 1 and clean[0].find("failure") is None and suites[GOOD].get("failures") == "0"
    cases = suites[BAD].findall("testcase")
    assert [case.get("name") for case in cases] == ["BL101 undeclared-barrier at 24:37", "BL101 undeclared-barrier at 49:43"]
    failure = cases[0].find("failure")
    assert failure.get("type") == "BL101 error" and "did you mean 'db_ready'" in failure.get("message")
    assert failure.text.splitlines()[0] == f"{BAD}:24:37" and "fix: use 'db_ready'" in failure.text
    assert suites[WARNS].find("testcase/failure").get("type") == "BL102 warning"


def test_junit_info_findings_pass_with_their_note():
    code, root, _ = junit(NOTE)
    assert code == 0  # info findings do not fail the run, so they do not fail a test either
    cases = list(root.iter("testcase"))
    assert cases and all(case.find("failure") is None for case in cases)
    assert any("BL502" in (case.findtext("system-out") or "") for case in cases)
    assert root.get("failures") == "0"


def test_junit_is_valid_xml_for_hostile_names_and_values(tmp_path):
    """XML 1.0 cannot hold control characters even escaped: they are shown as `\\x07`."""
    name = tmp_path / "evil\x1b[31m<&>\".yaml"
    text = (ROOT / BAD).read_text(encoding="utf-8").replace("barrierRef: db_redy", 'barrierRef: "db\\a]]>\\e"')
    name.write_text(text, encoding="utf-8")
    code, root, raw = junit(str(name))
    assert code == 1 and "\x1b" not in raw and "\x07" not in raw
    assert "\\x1b[31m<&>\"" in root.find("testsuite").get("name")
    assert any("db\\x07]]>\\x1b" in (case.find("failure").get("message")) for case in root.iter("testcase"))


def test_junit_of_no_file_is_an_empty_valid_report(tmp_path):
    code, root, _ = junit(str(tmp_path))
    assert code == 0 and root.get("tests") == "0" and not root.findall("testsuite")


def gitlab(*args: str) -> tuple[int, list]:
    result = run("check", "--format", "gitlab", *PINNED, *args)
    report = json.loads(result.stdout)
    assert not gitlab_errors(report)
    return result.exit_code, report


def test_gitlab_code_quality_validates_and_locates_each_finding():
    code, issues = gitlab(BAD, GOOD, WARNS, NOTE)
    assert code == 1
    assert [(i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues][:3] == [
        ("BL101", "major", BAD, 24), ("BL101", "major", BAD, 49), ("BL102", "minor", WARNS, 8)
    ]
    assert {i["severity"] for i in issues if i["check_name"] == "BL502"} == {"info"}
    assert "did you mean 'db_ready'" in issues[0]["description"] and "fix: use 'db_ready'" in issues[0]["content"]["body"]
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_gitlab_fingerprints_survive_unrelated_edits_and_a_move_of_the_working_directory(tmp_path, monkeypatch):
    """GitLab compares the merge request's report with the target branch's by fingerprint: a
    comment added above the finding must not turn it into a new one."""
    _, before = gitlab(BAD)
    copy = tmp_path / "repo"
    (copy / ".git").mkdir(parents=True)  # the repository root that paths are relative to
    (copy / "fixtures" / "BL101").mkdir(parents=True)
    edited = "# a comment that moves every line down\n\n" + (ROOT / BAD).read_text(encoding="utf-8")
    (copy / BAD).write_text(edited, encoding="utf-8")
    monkeypatch.chdir(copy / "fixtures")
    _, after = gitlab("BL101/undeclared.yaml")
    assert [i["location"]["path"] for i in after] == [BAD, BAD]  # relative to the repository root
    assert [i["location"]["lines"]["begin"] for i in after] == [26, 51]
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]


def test_gitlab_repeated_fingerprints_are_made_unique(monkeypatch):
    """GitLab shows only one finding per fingerprint; two findings that share one stay two."""
    from barrierlint import engine
    from barrierlint.report import gitlab as reporter

    result = engine.check([BAD], select_rules=["BL101"])
    twins = [result.findings[0], result.findings[0]]
    issues = json.loads(reporter.render(twins))
    assert len({i["fingerprint"] for i in issues}) == 2 and issues[0]["fingerprint"] == result.findings[0].fingerprint


def test_junit_and_gitlab_files_beside_the_terminal_text(tmp_path):
    xml, quality = tmp_path / "barrierlint.xml", tmp_path / "gl-code-quality.json"
    result = run("check", *PINNED, BAD, GOOD, "--output", f"junit:{xml}", "-o", f"gitlab:{quality}")
    assert result.exit_code == 1 and result.stdout.startswith(f"{BAD}:24:37: BL101 [error]")
    junit_schema().validate(str(xml))
    assert len(ET.parse(xml).getroot().findall("testsuite")) == 2
    assert len(json.loads(quality.read_text(encoding="utf-8"))) == 2
