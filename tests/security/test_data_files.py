"""Baselines and scenario files are input too (issue 21, item 11): whatever they hold, the
command ends with a one-line error and exit code 2, never an internal error (exit 3)."""

from __future__ import annotations

import json

import pytest

from hostile import run_process

PIPELINE = """\
pipeline:
  identifier: p
  name: p
  flowControl:
    barriers:
      - {identifier: ready, name: ready}
  stages:
    - stage: {identifier: s, name: s, type: Custom, spec: {execution: {steps: [{step: {identifier: w, name: w, type: Barrier, timeout: 1m, spec: {barrierRef: ready}}}]}}}
"""


def one_line_error(outcome, *parts: str) -> str:
    assert outcome.code == 2, (outcome.code, outcome.err)
    lines = outcome.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("barrierlint: error: "), lines
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


BASELINES = {
    "a list as a fingerprint": (json.dumps({"barrierlint-baseline": 1, "findings": [{"fingerprint": ["a", "b"]}]}), "findings[0] has no fingerprint string"),
    "a mapping as a fingerprint": (json.dumps({"barrierlint-baseline": 1, "findings": [{"fingerprint": {"x": 1}}]}), "findings[0] has no fingerprint string"),
    "an entry that is not an object": (json.dumps({"barrierlint-baseline": 1, "findings": [{"fingerprint": "ab"}, 7]}), "findings[1] has no fingerprint string"),
    "deeply nested JSON": ('{"barrierlint-baseline": 1, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
}


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_a_malformed_baseline_is_a_one_line_error(tmp_path, name):
    text, message = BASELINES[name]
    (tmp_path / "p.yaml").write_text(PIPELINE)
    (tmp_path / "baseline.json").write_text(text)
    outcome = run_process("check", "--baseline", str(tmp_path / "baseline.json"), str(tmp_path / "p.yaml"), cwd=str(tmp_path))
    one_line_error(outcome, "baseline.json", message)


def test_a_well_formed_baseline_still_suppresses(tmp_path):
    (tmp_path / "p.yaml").write_text(PIPELINE)
    baseline = str(tmp_path / "baseline.json")
    assert run_process("check", "--baseline", baseline, "--write-baseline", "p.yaml", cwd=str(tmp_path)).code == 0
    assert run_process("check", "--baseline", baseline, "p.yaml", cwd=str(tmp_path)).code == 0
    assert run_process("check", "p.yaml", cwd=str(tmp_path)).code == 1  # BL103 without the baseline


SCENARIOS = {
    "an infinite seed": (b"seed: .inf\n", "seed: expected a whole number"),
    "a seed that is not a number": (b"seed: [1, 2]\n", "seed: expected a whole number"),
    "an infinite edition cap": (b"profile: {edition_cap: .inf}\n", "profile.edition_cap: expected a whole number of at least 1"),
    "a zero edition cap": (b"profile: {edition_cap: 0}\n", "profile.edition_cap: expected a whole number of at least 1"),
    "infinite copies": (b"defaults: {copies: .inf}\n", "defaults.copies: expected a whole number"),
    "infinite attempts": (b"fail: {s.w: {attempts: .inf}}\n", "attempts: expected a whole number"),
    "a negative duration": (b"durations: {s.w: -5}\n", "durations.s.w: expected a duration"),
    "a duration that is not a number": (b"durations: {s.w: .nan}\n", "durations.s.w: expected a duration"),
    "an infinite step duration": (b"defaults: {step: .inf}\n", "defaults.step: expected a duration"),
    "text that is not UTF-8": ("seed: 1\nwhen: {s: true}\n# é\n".encode("latin-1"), "not UTF-8 text"),
    "deep nesting": (b"when: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_malformed_scenario_is_a_one_line_error(tmp_path, name):
    data, message = SCENARIOS[name]
    (tmp_path / "p.yaml").write_text(PIPELINE)
    (tmp_path / "s.yaml").write_bytes(data)
    outcome = run_process("run", str(tmp_path / "p.yaml"), "--scenario", str(tmp_path / "s.yaml"), cwd=str(tmp_path))
    one_line_error(outcome, "s.yaml", message)


def test_an_endless_horizon_and_whole_numbers_written_as_text_are_accepted(tmp_path):
    (tmp_path / "p.yaml").write_text(PIPELINE)
    (tmp_path / "s.yaml").write_text("seed: '7'\nhorizon: .inf\nprofile: {edition_cap: 20.0}\n")
    outcome = run_process("run", "p.yaml", "--scenario", "s.yaml", cwd=str(tmp_path))
    assert outcome.code == 0 and "pipeline p: SUCCEEDED" in outcome.out
