"""Configuration: discovery, every option, and clear errors for what cannot be used."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from barrierlint import config
from barrierlint.finding import Severity

from expectations import FIXTURES
from helpers import run

UNDECLARED = (FIXTURES / "BL101" / "undeclared.yaml").read_bytes()  # 2 x BL101
UNUSED = (FIXTURES / "BL102" / "unused.yaml").read_bytes()  # 1 x BL102


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A repository with a pipeline in .harness/ and one in legacy/, checked from its root (one
    level down, so configuration written above it stays inside this test's own folder)."""
    tmp_path = tmp_path / "repo"
    (tmp_path / ".git").mkdir(parents=True)
    for name, data in {".harness/undeclared.yaml": UNDECLARED, ".harness/unused.yaml": UNUSED, "legacy/old.yaml": UNDECLARED}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


OBSERVED = ("BL101", "BL102")  # what these tests look at; other rules may report on the fixtures too


def codes(*args) -> list[tuple[str, str]]:
    result = run("check", "--format", "json", "--fail-on", "never", *args)
    assert result.exit_code == 0, result.stderr
    return sorted((f["path"], f["code"]) for f in json.loads(result.stdout)["findings"] if f["code"] in OBSERVED)


def test_no_configuration_means_defaults(repo):
    assert config.discover(["."]) is None
    found = codes(".")
    assert [c for c in found if c[1] in ("BL101", "BL102")] == [
        (".harness/undeclared.yaml", "BL101"),
        (".harness/undeclared.yaml", "BL101"),
        (".harness/unused.yaml", "BL102"),
        ("legacy/old.yaml", "BL101"),
        ("legacy/old.yaml", "BL101"),
    ]
    assert found == codes("--select", "ALL", ".")  # every rule runs


def test_nearest_file_walking_up_from_the_checked_paths(repo):
    write(repo / ".barrierlint.yaml", "ignore: [BL102]\n")
    assert config.discover([".harness/unused.yaml"]) == str(repo / ".barrierlint.yaml")
    assert ("legacy/old.yaml", "BL101") in codes(".")
    assert "BL102" not in {code for _, code in codes(".harness/unused.yaml", "legacy")}
    write(repo / ".harness" / ".barrierlint.yml", "select: [BL102]\n")
    assert codes(".harness") == [(".harness/unused.yaml", "BL102")]


def test_the_search_stops_at_the_repository_root(repo):
    write(repo.parent / ".barrierlint.yaml", "select: [BL102]\n")
    assert config.discover(["."]) is None


def test_pyproject_table_and_precedence(repo):
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n")
    assert config.discover(["."]) is None  # a pyproject.toml without [tool.barrierlint] does not count
    write(repo / "pyproject.toml", "[tool.barrierlint]\nselect = ['BL102']\n")
    assert codes(".") == [(".harness/unused.yaml", "BL102")]
    write(repo / ".barrierlint.yaml", "select: [BL101]\n")  # beside it, the YAML file wins
    assert {code for _, code in codes(".")} == {"BL101"}


def test_explicit_config_file(repo, tmp_path_factory):
    other = write(tmp_path_factory.mktemp("elsewhere") / "team.yaml", "select: [BL102]\n")
    write(repo / ".barrierlint.yaml", "select: [BL101]\n")
    assert codes("--config", other, ".") == [(".harness/unused.yaml", "BL102")]
    result = run("check", "--config", repo / "missing.yaml", ".")
    assert result.exit_code == 2 and "not found" in result.stderr


def test_command_line_select_replaces_and_ignore_extends(repo):
    write(repo / ".barrierlint.yaml", "select: [BL102]\nignore: [BL104]\n")
    assert {code for _, code in codes("--select", "BL1", ".")} == {"BL101", "BL102"}
    assert codes("--ignore", "BL102", ".") == []


@pytest.mark.parametrize(
    "text, message",
    [
        ("selct: [BL101]\n", "unknown option 'selct' (did you mean 'select'?)"),
        ("colour: true\n", "unknown option 'colour' (known options: select,"),
        ("select: [BL999]\n", "'select': unknown rule selector 'BL999' (did you mean 'BL900'?)"),
        ("ignore: [lone-barriers]\n", "'ignore': unknown rule selector 'lone-barriers' (did you mean 'lone-barrier'?)"),
        ("select: BL101\nignore: [1]\n", "'ignore' must be a list of strings"),
        ("severity: {BL102: fatal}\n", "'severity' of BL102: unknown severity 'fatal'"),
        ("severity: [BL102]\n", "'severity' must be a mapping"),
        ("per-file-ignores: {'legacy/*': [nope]}\n", "'per-file-ignores': unknown rule selector 'nope'"),
        ("late-arrival: maybe\n", "'late-arrival' must be one of wait, pass"),
        ("edition-cap: 0\n", "'edition-cap' must be a positive number"),
        ("fail-on: sometimes\n", "'fail-on' must be one of error, warning, info, never"),
        ("- select\n", "the configuration must be a mapping"),
        ("select: [\n", "cannot read configuration"),
    ],
)
def test_bad_configuration_is_a_usage_error(repo, text, message):
    write(repo / ".barrierlint.yaml", text)
    result = run("check", ".")
    assert result.exit_code == 2
    assert message in result.stderr and str(repo / ".barrierlint.yaml") in result.stderr
    assert result.stderr.count("\n") == 1  # one line, no traceback


@pytest.mark.parametrize(
    "option, selector, message",
    [
        ("--ignore", "undeclared-barriers", "unknown rule selector 'undeclared-barriers' (did you mean 'undeclared-barrier'?)"),
        ("--select", "BL1O1", "unknown rule selector 'BL1O1' (did you mean 'BL101'?)"),
        ("--select", "BL101,cyclic-barrier", "unknown rule selector 'cyclic-barrier' (did you mean 'cyclic-barrier-order'?)"),
        ("--ignore", "zzz", "unknown rule selector 'zzz' (see `barrierlint rules`)"),
    ],
)
def test_command_line_rule_selectors_get_a_did_you_mean(repo, option, selector, message):
    result = run("check", option, selector, ".")
    assert result.exit_code == 2 and result.stderr == f"barrierlint: error: {message}\n"


def test_bad_pyproject_is_a_usage_error(repo):
    write(repo / "pyproject.toml", "[tool.barrierlint]\nselect = ['BL101'\n")
    result = run("check", ".")
    assert result.exit_code == 2 and "cannot read configuration" in result.stderr


def test_severity_overrides_most_specific_selector_wins(repo):
    write(repo / ".barrierlint.yaml", "severity: {ALL: info, BL1: warning, unused-barrier: error}\n")
    result = run("check", "--format", "json", ".")
    found = {(f["code"], f["severity"]) for f in json.loads(result.stdout)["findings"]}
    assert {item for item in found if item[0] in OBSERVED} == {("BL101", "warning"), ("BL102", "error")}
    assert all(level == "info" for code, level in found if not code.startswith("BL1"))
    sarif_run = json.loads(run("check", "--format", "sarif", ".").stdout)["runs"][0]
    levels = {(r["ruleId"], r["level"]) for r in sarif_run["results"] if r["ruleId"] in OBSERVED}
    assert levels == {("BL101", "warning"), ("BL102", "error")}


def test_fail_on_from_configuration_and_command_line(repo):
    write(repo / ".barrierlint.yaml", "select: [BL102]\nfail-on: error\n")  # only warnings are left
    assert run("check", ".").exit_code == 0
    assert run("check", "--fail-on", "warning", ".").exit_code == 1


def test_per_file_ignores_are_relative_to_the_configuration(repo):
    write(repo / ".barrierlint.yaml", "per-file-ignores:\n  'legacy/*': [undeclared-barrier]\n  unused.yaml: [BL1]\n")
    assert codes(".") == [(".harness/undeclared.yaml", "BL101")] * 2
    assert len(codes("--no-ignores", ".")) == 5


def test_per_file_ignores_from_another_working_directory(repo, monkeypatch):
    write(repo / ".barrierlint.yaml", "per-file-ignores:\n  'legacy/*': [BL101]\n")
    monkeypatch.chdir(repo / "legacy")
    assert codes(".") == []


def test_exclude_skips_scanned_and_named_files(repo):
    write(repo / ".barrierlint.yaml", "exclude: ['legacy/*', unused.yaml]\n")
    assert {path for path, _ in codes(".")} == {".harness/undeclared.yaml"}
    assert codes("legacy/old.yaml", ".harness/unused.yaml") == []  # as pre-commit names them
    assert codes("--exclude", "undeclared.yaml", ".") == []


def test_engine_profile_and_edition_cap(repo):
    path = write(repo / ".barrierlint.yaml", "late-arrival: pass\nedition-cap: team\n")
    loaded = config.load(["."])
    assert loaded.path == str(path)
    assert (loaded.settings.late_arrival, loaded.settings.edition_cap) == ("pass", 50)
    write(repo / ".barrierlint.yaml", "edition-cap: 35\n")
    assert config.load(["."]).settings.edition_cap == 35
    assert config.load(["."]).settings.late_arrival == "wait"


def test_parse_expands_selectors_to_codes(tmp_path):
    loaded = config.parse({"select": "BL10", "severity": {"BL101": "info"}}, str(tmp_path / "c.yaml"))
    assert "BL101" in loaded.select and all(code.startswith("BL10") for code in loaded.select)
    assert loaded.severity == {"BL101": Severity.INFO}
