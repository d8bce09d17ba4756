"""Configuration and suppression comments a pull request may edit cannot turn the gate off by
accident of syntax: an empty or one-letter selector is unknown (not a prefix of every code), a
key written twice in `.barrierlint.yaml` is an error, and a suppression comment in another case
is read as written in lower case."""

from __future__ import annotations

import pytest

from barrierlint.rule import lookup

from expectations import ROOT
from hostile import run_cli

BAD = ROOT / "fixtures" / "BL101" / "undeclared.yaml"


@pytest.mark.parametrize("selector", ["", " ", "B", "b", "L", "BL", "X1"])
def test_a_selector_that_is_no_code_prefix_matches_nothing(selector):
    assert lookup(selector) == []


@pytest.mark.parametrize("selector, codes", [("BL1", 5), ("bl101", 1), ("BL10", 5), ("undeclared-barrier", 1), ("all", None)])
def test_codes_prefixes_names_and_all_still_match(selector, codes):
    found = lookup(selector)
    assert found and (codes is None or len(found) == codes)


@pytest.mark.parametrize("option", ["ignore", "select"])
@pytest.mark.parametrize("selector", ['""', "B"])
def test_configuration_with_an_empty_or_one_letter_selector_is_an_error(tmp_path, monkeypatch, option, selector):
    (tmp_path / ".barrierlint.yaml").write_text(f"{option}: [{selector}]\n")
    (tmp_path / "p.yaml").write_bytes(BAD.read_bytes())
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "p.yaml")
    assert result.code == 2 and "unknown rule selector" in result.err


@pytest.mark.parametrize("selector", ["B", "", "b, "])
def test_a_comment_with_a_one_letter_selector_suppresses_nothing(tmp_path, selector):
    path = tmp_path / "p.yaml"
    path.write_text(f"# barrierlint: ignore-file[{selector}] because\n" + BAD.read_text(encoding="utf-8"))
    result = run_cli("check", "--isolated", str(path))
    assert result.code == 1 and "BL101" in result.out and "BL900" in result.out


def test_a_key_written_twice_in_the_configuration_is_an_error(tmp_path, monkeypatch):
    (tmp_path / ".barrierlint.yaml").write_text("ignore: [BL101]\nselect: [BL1]\nignore: [BL702]\n")
    (tmp_path / "p.yaml").write_bytes(BAD.read_bytes())
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "p.yaml")
    assert result.code == 2 and ".barrierlint.yaml:3: 'ignore' is written twice" in result.err


def test_nested_keys_written_twice_are_an_error_too(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("severity:\n  BL101: warning\n  BL101: info\n")
    result = run_cli("check", "--config", str(config), str(BAD))
    assert result.code == 2 and "'BL101' is written twice" in result.err


LONE = """\
pipeline:
  identifier: p
  stages:
    - stage:
        identifier: s
        type: Custom
        spec:
          execution:
            steps:
              - step: {identifier: w, type: Barrier, timeout: 10m, spec: {barrierRef: nowhere}}  COMMENT
"""


@pytest.mark.parametrize(
    "comment",
    ["# BARRIERLINT: IGNORE[BL101] upper", "# Barrierlint: Ignore[undeclared-barrier] mixed", "FILE # BARRIERLINT: IGNORE-FILE[bl1] upper"],
)
def test_a_suppression_comment_in_another_case_is_honoured(tmp_path, comment):
    path = tmp_path / "p.yaml"
    text = LONE.replace("COMMENT", comment) if not comment.startswith("FILE") else comment[5:] + "\n" + LONE.replace("COMMENT", "")
    path.write_text(text)
    result = run_cli("check", "--isolated", "--select", "BL101,BL900", str(path))
    assert result.code == 0 and "BL101" not in result.out and "BL900" not in result.out, result.out
    assert "BL101" in run_cli("check", "--isolated", "--no-ignores", str(path)).out
