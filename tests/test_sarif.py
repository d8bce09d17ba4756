"""SARIF output: valid against the official 2.1.0 schema and shaped for GitHub code scanning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from barrierlint import engine, source
from barrierlint.finding import Finding, Related, Severity
from barrierlint.model import Origin
from barrierlint.report import sarif
from barrierlint.rule import all_rules

from expectations import FIXTURES, ROOT, Case, cases
from helpers import run, sarif_errors


def _sarif(paths, select=(), ignore=(), inputs=()) -> dict:
    result = engine.check([str(p) for p in paths], select_rules=select, ignore_rules=ignore, inputs=inputs)
    return json.loads(sarif.render(result.findings, result.suppressed))


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.name)
def test_every_fixture_validates(case: Case, monkeypatch):
    monkeypatch.chdir(ROOT)
    log = _sarif([case.root.relative_to(ROOT)], case.select, case.ignore, case.inputs)
    assert not sarif_errors(log)
    assert len(log["runs"][0]["results"]) >= len(case.expected)


@pytest.fixture(scope="module")
def checked():
    """Every fixture with every rule: errors, warnings, related locations, suppressions."""
    return engine.check([str(FIXTURES)])


@pytest.fixture(scope="module")
def log(checked) -> dict:
    return json.loads(sarif.render(checked.findings, checked.suppressed))


def test_all_fixtures_together_validate(log):
    assert not sarif_errors(log)
    assert log["version"] == "2.1.0" and log["$schema"] == sarif.SCHEMA_URI


def test_every_level_is_written(checked, log):
    results = log["runs"][0]["results"]
    findings = checked.findings + checked.suppressed
    assert [r["level"] for r in results] == [sarif.LEVEL[f.severity] for f in findings]
    assert {r["level"] for r in results} >= {"error", "warning"}
    assert all("level" in rule["defaultConfiguration"] for rule in log["runs"][0]["tool"]["driver"]["rules"])
    warning = next(r for r in results if r["ruleId"] == "BL102")
    assert warning["level"] == "warning"  # sarif-om's own serializer would drop it as the default


def test_level_follows_the_finding_not_the_rule(monkeypatch):
    """A finding whose severity differs from its rule's default (configuration) keeps its level."""
    doc = source.load("p.yaml", b"pipeline:\n  identifier: p\n")
    finding = Finding("BL101", "undeclared-barrier", Severity.WARNING, "m", Origin(doc, (0, "pipeline")))
    result = json.loads(sarif.render([finding]))["runs"][0]["results"][0]
    assert result["level"] == "warning"
    rules = json.loads(sarif.render([finding]))["runs"][0]["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["defaultConfiguration"]["level"] == "error"


def test_driver_describes_every_installed_rule(log):
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "barrierlint" and driver["version"] and driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in all_rules()]
    for rule, descriptor in zip(all_rules(), driver["rules"]):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary()
        assert len(descriptor["fullDescription"]["text"]) > len(rule.summary())
        assert descriptor["help"]["text"] and descriptor["help"]["markdown"].startswith(f"# {rule.code} {rule.name}")
        assert descriptor["helpUri"].startswith("https://") and descriptor["helpUri"].endswith(f"/docs/rules/{rule.code}.md")
        assert descriptor["properties"]["problem.severity"] in ("error", "warning", "recommendation")
        assert descriptor["properties"].get("tags", []) == list(rule.tags)


def test_results_point_at_their_rule_and_carry_a_fingerprint(log):
    text = json.dumps(log)
    assert "security-severity" not in text and "primaryLocationLineHash" not in text
    run_ = log["runs"][0]
    assert run_["automationDetails"]["id"] == "barrierlint/"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    for result in run_["results"]:
        assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["locations"]) == 1
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["artifactLocation"]["uri"].startswith("fixtures/")
        region = location["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(region)
        assert len(result["partialFingerprints"]["barrierlint/v1"]) == 32


def test_primary_location_and_related_locations_match_the_finding():
    result = engine.check([str(FIXTURES / "BL104")], select_rules=["BL104"])
    finding = result.findings[0]
    out = json.loads(sarif.render(result.findings))["runs"][0]["results"][0]
    region = out["locations"][0]["physicalLocation"]["region"]
    span = finding.span
    assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (
        span.line, span.column, span.end_line, span.end_column)
    assert [r["message"]["text"] for r in out["relatedLocations"]] == [r.message for r in finding.related]
    assert len({r["id"] for r in out["relatedLocations"]}) == len(finding.related)


def test_code_flows_have_one_thread_flow_per_participant():
    doc = source.load("flows.yaml", b"a:\n  - x\n  - y\nb:\n  - y\n  - x\n")
    at = lambda *route: Related(Origin(doc, (0,) + route), f"waits at {route}")  # noqa: E731
    finding = Finding(
        "BL101", "undeclared-barrier", Severity.ERROR, "cycle", Origin(doc, (0, "a", 0)),
        related=(at("b", 0),), flows=((at("a", 0), at("a", 1)), (at("b", 0), at("b", 1))),
    )
    log = json.loads(sarif.render([finding]))
    assert not sarif_errors(log)
    flows = log["runs"][0]["results"][0]["codeFlows"]
    assert len(flows) == 1 and len(flows[0]["threadFlows"]) == 2
    first = flows[0]["threadFlows"][0]["locations"]
    assert [l["location"]["physicalLocation"]["region"]["startLine"] for l in first] == [2, 3]
    assert first[0]["location"]["message"]["text"] == "waits at ('a', 0)"


def test_suppressed_findings_carry_suppressions(monkeypatch):
    monkeypatch.chdir(ROOT)
    case = next(c for c in cases() if c.name == "BL900/suppressions.yaml")
    log = _sarif([case.root.relative_to(ROOT)], case.select)
    suppressed = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert {r["ruleId"] for r in suppressed} == {"BL101", "BL102"}
    spare = [r["suppressions"][0] for r in suppressed if r["suppressions"][0]["justification"] == "kept for the next release"]
    assert spare == [{"kind": "inSource", "justification": "kept for the next release"}]


def test_uris_are_relative_and_percent_encoded(tmp_path, monkeypatch):
    folder = tmp_path / "my pipelines"
    folder.mkdir()
    (folder / "p 1.yaml").write_bytes((FIXTURES / "BL102" / "unused.yaml").read_bytes())
    monkeypatch.chdir(tmp_path)
    log = _sarif(["my pipelines"])
    assert not sarif_errors(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "my%20pipelines/p%201.yaml", "uriBaseId": "%SRCROOT%"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path(tmp_path).as_uri() + "/"


def test_sarif_from_the_command_line_with_a_category(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "results.sarif"
    result = run("check", "fixtures/BL102", "--output", f"sarif:{out}", "--sarif-category", "pipelines/harness")
    assert result.exit_code == 1
    log = json.loads(out.read_text())
    assert log["runs"][0]["automationDetails"]["id"] == "pipelines/harness/"
    assert not sarif_errors(log)


def test_github_hard_limits_are_respected(monkeypatch):
    """Code scanning rejects a run with more than 25,000 results, 1,000 locations or 10,000
    thread-flow locations per result: the log stays under them and says what it left out."""
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    doc = source.load("big.yaml", b"a:\n  - x\n  - y\n")
    at = Related(Origin(doc, (0, "a", 0)), "participant")
    crowded = Finding("BL103", "lone-barrier", Severity.WARNING, "crowded", Origin(doc, (0, "a")),
                      related=(at,) * 1500, flows=((at,) * 6000, (at,) * 6000))
    errors = [Finding("BL101", "undeclared-barrier", Severity.ERROR, f"e{n}", Origin(doc, (0, "a", 1))) for n in range(3)]
    log = json.loads(sarif.render([crowded, *errors]))
    assert not sarif_errors(log)
    run_ = log["runs"][0]
    assert [r["message"]["text"] for r in run_["results"]] == ["e0", "e1", "e2"]  # the most severe kept
    assert "1 less severe result left out" in run_["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    monkeypatch.setattr(sarif, "MAX_RESULTS", 25_000)
    result = json.loads(sarif.render([crowded]))["runs"][0]["results"][0]
    assert len(result["relatedLocations"]) == 999 and "501 more participants left out" in result["message"]["text"]
    assert sum(len(flow["locations"]) for flow in result["codeFlows"][0]["threadFlows"]) <= 10_000
