"""Every output format from one run, and exit codes that never depend on the format."""

from __future__ import annotations

import json

import pytest

from barrierlint import source
from barrierlint.finding import Finding, Related, Severity
from barrierlint.model import Origin
from barrierlint.report import FORMATS, github

from expectations import ROOT
from helpers import run

BAD = "fixtures/BL101/undeclared.yaml"  # errors
WARNS = "fixtures/BL102/unused.yaml"  # one warning
GOOD = "fixtures/BL101/declared.yaml"
PINNED = ("--select", "BL101,BL102")  # other rules may report on these fixtures too


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "path, fail_on, code",
    [
        (BAD, None, 1), (GOOD, None, 0), (WARNS, None, 1),
        (WARNS, "warning", 1), (WARNS, "error", 0), (BAD, "error", 1), (BAD, "never", 0), (GOOD, "never", 0),
    ],
)
def test_exit_code_does_not_depend_on_the_format(fmt, path, fail_on, code):
    args = ["check", *PINNED, "--format", fmt, path] + (["--fail-on", fail_on] if fail_on else [])
    assert run(*args).exit_code == code


def test_several_outputs_in_one_run(tmp_path):
    sarif, data, notes = tmp_path / "r.sarif", tmp_path / "r.json", tmp_path / "r.txt"
    result = run("check", *PINNED, BAD, "-o", f"sarif:{sarif}", "--output", f"json:{data}", "--output", f"text:{notes}")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{BAD}:24:37: BL101 [error]")
    assert "\x1b[" not in notes.read_text() and notes.read_text() == result.stdout
    assert len(json.loads(sarif.read_text())["runs"][0]["results"]) == 2
    assert len(json.loads(data.read_text())["findings"]) == 2


@pytest.mark.parametrize("spec, message", [("xml:out.xml", "--output takes FORMAT:PATH"), ("sarif", "--output takes FORMAT:PATH"), ("sarif:/no/such/dir/r.sarif", "cannot write '/no/such/dir/r.sarif': No such file or directory")])
def test_bad_output_is_a_usage_error(spec, message):
    result = run("check", BAD, "--output", spec)
    assert result.exit_code == 2 and message in result.stderr


def test_github_annotations():
    result = run("check", *PINNED, "--format", "github", BAD, WARNS)
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and len(lines) == 3
    first = lines[0]
    assert first.startswith(f"::error file={BAD},line=24,col=37,endLine=24,endColumn=44,title=BL101 undeclared-barrier::barrier 'db_redy'")
    assert "%0Anote: fixtures/BL101/undeclared.yaml:7:9: barrier 'db_ready' is declared here%0Afix: use 'db_ready'" in first
    assert lines[2].startswith(f"::warning file={WARNS},line=8,col=21,")


def test_github_escapes_data_and_properties():
    doc = source.load("a,b:c.yaml", b"pipeline:\n  identifier: p\n")
    finding = Finding("BL101", "name", Severity.INFO, "100% sure\nsecond line", Origin(doc, (0, "pipeline")),
                      related=(Related(Origin(doc, (0,)), "see"),))
    line = github.annotation(finding)
    assert line.startswith("::notice file=a%2Cb%3Ac.yaml,line=2,col=3,")
    assert line.endswith("::100%25 sure\\nsecond line%0Anote: a,b:c.yaml:1:1: see")  # a line break in a text is shown, as in the terminal
    assert "\n" not in line


def test_json_schema_is_documented():
    """Every key of the JSON output appears in the README's JSON section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    document = json.loads(run("check", "--format", "json", BAD).stdout)
    keys = set(document) | set(document["findings"][0]) | set(document["findings"][0]["related"][0])
    missing = sorted(key for key in keys if f"`{key}`" not in section)
    assert not missing, f"README.md '## JSON output' does not document: {missing}"


def test_named_yaml_that_is_not_a_harness_file_is_skipped(tmp_path):
    """pre-commit names every YAML file: a Helm template (invalid YAML) is none of our business."""
    helm = tmp_path / "configmap.yaml"
    helm.write_text("{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\n{{- end }}\n")
    result = run("check", helm, GOOD)
    assert result.exit_code == 0 and "in 1 file." in result.stdout


def test_github_annotation_spanning_lines_has_no_columns():
    """GitHub accepts col/endColumn only when an annotation starts and ends on one line."""
    doc = source.load("p.yaml", b"pipeline:\n  identifier: p\n  name: p\n")
    line = github.annotation(Finding("BL002", "invalid-structure", Severity.ERROR, "m", Origin(doc, (0, "pipeline"))))
    assert line.startswith("::error file=p.yaml,line=2,endLine=3,title=")
