"""The terminal text as a user sees it: colours, code frames, the summary, warnings."""

from __future__ import annotations

import pytest

from barrierlint import source
from barrierlint.finding import Finding, Severity
from barrierlint.model import Origin
from barrierlint.report import text

from expectations import ROOT
from helpers import run

BAD = str(ROOT / "fixtures/BL101/undeclared.yaml")


@pytest.mark.parametrize(
    "env, coloured",
    [({}, False), ({"FORCE_COLOR": "1"}, True), ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False), ({"NO_COLOR": ""}, False), ({"FORCE_COLOR": ""}, False)],
)
def test_colours_follow_no_color_and_force_color(monkeypatch, env, coloured):
    """Not a terminal here: only FORCE_COLOR paints (a CI log), and NO_COLOR always wins."""
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run("check", BAD)
    assert result.exit_code == 1 and ("\x1b[" in result.stdout) is coloured


def test_caret_lines_up_under_tabs_and_wide_characters():
    """The caret line keeps the source's tabs and counts East Asian characters as two columns."""
    doc = source.load("p.yaml", "pipeline:\n  x: 1\n  x: {名前: 日本,\ty: 日本語}\n".encode())
    finding = Finding("BL101", "undeclared-barrier", Severity.ERROR, "m", Origin(doc, (0, "pipeline")),
                      properties={"span": source.Span(3, 18, 3, 21)})
    assert text.frame(finding) == ["  |", "3 |   x: {名前: 日本,\ty: 日本語}", "  | " + " " * 17 + "\t   " + "^" * 6]


def test_summary_never_says_all_clear_when_an_input_was_not_read():
    result = run("check", "no/such/file.yaml", BAD.replace("undeclared", "declared"))
    assert result.exit_code == 2
    assert "All clear" not in result.stdout
    assert result.stdout.endswith("No barrier problems in 1 file; 1 input could not be checked (see the errors on standard error).\n")


def test_no_pipeline_found_is_a_warning(tmp_path):
    """As ruff: nothing to check exits 0 with a warning on standard error (a mistyped folder)."""
    (tmp_path / "values.yaml").write_text("replicas: 2\n")
    result = run("check", tmp_path)
    assert result.exit_code == 0
    assert result.stderr == "barrierlint: warning: no Harness pipeline found in the given folders\n"


@pytest.mark.parametrize("name", ["BL301", "bl301", "sequential-reuse", "Sequential-Reuse"])
def test_explain_takes_codes_and_names_in_any_case(name):
    result = run("explain", name)
    assert result.exit_code == 0 and result.stdout.startswith("BL301 sequential-reuse (error)")


def test_explain_an_unknown_rule_is_a_usage_error():
    result = run("explain", "BL999")
    assert result.exit_code == 2 and result.stderr == "barrierlint: error: no rule 'BL999' (see `barrierlint rules`)\n"


def test_writing_a_baseline_says_what_it_recorded(tmp_path):
    baseline = tmp_path / "baseline.json"
    result = run("check", "--baseline", baseline, "--write-baseline", "--select", "BL101", BAD)
    assert result.exit_code == 0
    assert result.stderr == f"barrierlint: recorded 2 findings in {baseline}\n"
    assert run("check", "--baseline", baseline, "--select", "BL101", BAD).exit_code == 0


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    from barrierlint import __version__

    result = run(flag)
    assert result.exit_code == 0 and result.stdout == f"barrierlint {__version__}\n"


@pytest.mark.parametrize(
    "command, shown",
    [
        ("check", ["PATH", "--select", "RULES", "(default: warning; info findings are shown and fail only with --fail-on info)", "(default: the nearest", "Examples:"]),
        ("run", ["PIPELINE", "CONTEXT", "(default: the nearest"]),
        ("graph", ["PIPELINE"]),
    ],
)
def test_help_shows_defaults_and_metavars(command, shown):
    """Help text in square brackets was taken for rich markup and vanished ('severe .')."""
    result = run(command, "--help")
    text = " ".join(result.stdout.replace("│", " ").split())
    assert result.exit_code == 0
    for part in shown:
        assert part in text, part


@pytest.mark.parametrize("command", [[], ["check"], ["run"], ["rules"], ["explain"], ["graph"]])
def test_help_shows_no_placeholder_on_plain_flags(command, monkeypatch):
    """`--no-ignores <bool>` read as if the flag took a value; options that take one keep theirs."""
    monkeypatch.setenv("COLUMNS", "160")
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│ --")}
    assert lines["--help"].split()[2] == "Show"
    if command == ["check"]:
        assert lines["--verify"].split()[2] == "Confirm" and lines["--no-ignores"].split()[2] == "Report"
        assert "FORMAT:PATH" in lines["--output"] and "<text|json|sarif|github|junit|gitlab>" in lines["--format"]
    if not command:
        assert lines["--version"].split()[2:4] == ["-V", "Print"]
