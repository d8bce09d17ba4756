"""The benchmark's own parts: its inputs are what the issue describes, and its measurements and
verdicts mean what the table says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from barrierlint import engine

from expectations import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402
import measure  # noqa: E402
import run  # noqa: E402


def _stages(node: dict) -> list[dict]:
    found = []
    for item in node["pipeline"]["stages"]:
        found += [entry["stage"] for entry in item.get("parallel", [item])]
    return found


def test_parallel_pairs_are_valid_pairs_meeting_at_their_own_barrier_with_flow_style_steps(tmp_path):
    text = generate.parallel_pairs(4)
    assert text == generate.parallel_pairs(4)  # deterministic
    document = yaml.safe_load(text)
    blocks = document["pipeline"]["stages"]
    assert [len(block["parallel"]) for block in blocks] == [2, 2, 2, 2]
    declared = [barrier["identifier"] for barrier in document["pipeline"]["flowControl"]["barriers"]]
    assert declared == ["pair_0", "pair_1", "pair_2", "pair_3"]
    for number, block in enumerate(blocks):
        for entry in block["parallel"]:
            steps = entry["stage"]["spec"]["execution"]["steps"]
            refs = [s["step"]["spec"]["barrierRef"] for s in steps if "step" in s and s["step"]["type"] == "Barrier"]
            assert refs == [f"pair_{number}"]
    step_lines = [line.strip() for line in text.splitlines() if "step:" in line and "stepGroup" not in line]
    assert step_lines and all(line.startswith("- {step: {") for line in step_lines)
    path = tmp_path / "pairs.yaml"
    path.write_text(text, encoding="utf-8")
    result = engine.check([str(path)], isolated=True)
    assert (result.errors, result.findings) == ([], [])  # a correct pipeline: nothing to report


def test_sized_pipelines_have_the_stage_count_asked_and_are_the_stages_n_files():
    text = generate.sized(120)
    assert text == generate.pipeline(120, seed=120)
    assert len(_stages(yaml.load(text, Loader=yaml.CSafeLoader))) == 120
    assert text != generate.sized(121)[: len(text)]


def test_a_met_and_a_missed_target_each_say_so_in_their_row():
    table = run.Table()
    table.section("(x) a section")
    table.judge("fast", "1.0 s", "0.9 s", "1.11x", "<= 1.30x", True)
    table.judge("slow", "2.0 s", "0.9 s", "2.22x", "<= 1.30x", False)
    table.info("wall", "3.0 s")
    lines = table.render().splitlines()
    fast, slow, wall = (next(line for line in lines if word in line) for word in ("fast", "slow", "wall"))
    assert fast.endswith("<= 1.30x  MET") and slow.endswith("<= 1.30x  NOT MET")
    assert wall.split() == ["wall", "3.0", "s"]
    assert table.verdicts == [("fast", True), ("slow", False)]


def test_growth_exponent_is_one_for_linear_and_two_for_quadratic_times():
    assert run.exponent([(1000, 1.0), (3000, 3.0), (10000, 10.0)]) == pytest.approx(1.0)
    assert run.exponent([(1000, 1.0), (3000, 9.0), (10000, 100.0)]) == pytest.approx(2.0)


def test_only_refuses_a_section_letter_it_does_not_have():
    refused = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--only", "a,z"], capture_output=True, text=True)
    assert refused.returncode == 2
    assert "--only takes letters among a,b,c,d,e,f,g,h" in refused.stderr


def test_parse_floor_reads_one_file_or_every_yaml_file_of_a_folder(tmp_path):
    (tmp_path / "b").mkdir()
    for name in ("a.yaml", "b/c.yml", "b/d.txt"):
        (tmp_path / name).write_text("x: 1\n---\ny: 2\n", encoding="utf-8")
    assert measure.files(str(tmp_path)) == [str(tmp_path / "a.yaml"), str(tmp_path / "b" / "c.yml")]
    assert measure.files(str(tmp_path / "a.yaml")) == [str(tmp_path / "a.yaml")]
    assert measure.parse(measure.files(str(tmp_path))) == 4


def _measure(*args: str) -> dict:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "measure.py"), *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_a_command_line_is_timed_against_composing_its_file_and_a_refusal_is_reported(tmp_path):
    small = tmp_path / "small.yaml"
    small.write_text(generate.pipeline(3, seed=1), encoding="utf-8")
    big = tmp_path / "big.yaml"
    big.write_text(generate.parallel_pairs(20), encoding="utf-8")
    taken = _measure("command", "1", str(small), str(big), "check", "--format", "json")
    assert taken["exit"] == 0 and taken["barrierlint"]["cpu"] > 0 and taken["parse"]["cpu"] > 0
    refused = _measure("command", "1", str(small), str(big), "check", "--max-file-size", "1000")
    assert refused["exit"] == 2
    assert "file too large" in refused["error"][0]


def test_jobs_reads_every_process_and_the_largest_resident_set_bounds_them(tmp_path):
    for number in range(8):  # about 1.4 MB: more than one part of barrierlint's parallel.PART_BYTES, so workers have work to share
        (tmp_path / f"p{number}.yaml").write_text(generate.pipeline(120, seed=number, mistakes=True), encoding="utf-8")
    one, two = _measure("jobs", str(tmp_path), "1"), _measure("jobs", str(tmp_path), "2")
    assert one["workers"] == [] and one["exit"] == two["exit"] == 1
    assert two["output_sha256"] == one["output_sha256"]
    assert two["workers"]  # each worker found, with its own figures
    # wait4's ru_maxrss and /proc's VmHWM are both the high-water mark of resident memory, read
    # at different moments by different kernel paths: they agree to within a few pages
    assert two["largest_kib"] >= 0.99 * max(w["peak_kib"] for w in two["workers"]) > 0
    assert two["total_cpu"] >= two["main_cpu"] > 0
