"""`barrierlint impact`: the blast radius (fate-sharing map), predicted on the happens-before
graph and confirmed by injecting each failure into the reference runtime."""

from __future__ import annotations

import json

from barrierlint import engine
from barrierlint.impact import blast_radius, confirm
from barrierlint.runtime import Profile

from helpers import run

# a and b meet at X; then b and c meet at Y. d runs alongside and shares nothing.
CASCADE = """\
pipeline:
  identifier: cascade
  name: cascade
  flowControl:
    barriers:
      - {identifier: X, name: X}
      - {identifier: Y, name: Y}
  stages:
    - parallel:
        - stage:
            identifier: a
            name: a
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: build, name: build, type: ShellScript, timeout: 10m, spec: {}}
                  - step: {identifier: x, name: x, type: Barrier, timeout: 10m, spec: {barrierRef: X}}
        - stage:
            identifier: b
            name: b
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: prepare, name: prepare, type: ShellScript, timeout: 10m, spec: {}}
                  - step: {identifier: x, name: x, type: Barrier, timeout: 10m, spec: {barrierRef: X}}
                  - step: {identifier: deploy, name: deploy, type: ShellScript, timeout: 10m, spec: {}}
                  - step: {identifier: y, name: y, type: Barrier, timeout: 10m, spec: {barrierRef: Y}}
        - stage:
            identifier: c
            name: c
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: smoke, name: smoke, type: ShellScript, timeout: 10m, spec: {}}
                  - step: {identifier: y, name: y, type: Barrier, timeout: 10m, spec: {barrierRef: Y}}
        - stage:
            identifier: d
            name: d
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: docs, name: docs, type: ShellScript, timeout: 10m, spec: {}}
"""


def blasts(tmp_path):
    path = tmp_path / "cascade.yaml"
    path.write_text(CASCADE)
    project, pipeline = engine.load_pipeline(str(path))
    return pipeline, project, blast_radius(pipeline, project)


def test_a_failure_cascades_through_every_barrier_it_leaves_unreached(tmp_path):
    _, _, found = blasts(tmp_path)
    table = {(b.stage.label, b.barrier): [s.label for s in b.fails] for b in found}
    assert table == {
        ("a", "X"): ["b", "c"],  # b fails at X, so it never reaches Y, where c waits
        ("b", "X"): ["a", "c"],
        ("b", "Y"): ["c"],  # past X: a has gone on
        ("c", "Y"): ["b"],
    }
    a_x = next(b for b in found if (b.stage.label, b.barrier) == ("a", "X"))
    assert a_x.because == ("'b' fails at 'X', which 'a' never reaches", "'c' fails at 'Y', which 'b' never reaches")


def test_the_runtime_confirms_every_row(tmp_path):
    pipeline, project, found = blasts(tmp_path)
    verdicts = [confirm(b, pipeline, Profile.of(project.settings)) for b in found]
    assert [status for status, _ in verdicts] == ["CONFIRMED"] * 4, verdicts
    assert verdicts[0][1].startswith("with 'build' failing in 'a': b (")


def test_impact_command_draws_the_table_the_picture_and_json(tmp_path):
    path = tmp_path / "cascade.yaml"
    path.write_text(CASCADE)
    table = run("impact", path, "--verify")
    assert table.exit_code == 0, table.output
    assert "a      X             b, c\n" in table.stdout and table.stdout.count("runtime: CONFIRMED") == 4
    picture = run("impact", path, "-f", "mermaid").stdout
    assert '  s0 -- "fails before X" --> s1\n' in picture and '"d"' not in picture  # d shares nothing
    data = json.loads(run("impact", path, "-f", "json").stdout)
    assert data["blast_radius"][0] == {
        "stage": "a", "fails_before": "X", "step": "x", "fails": ["b", "c"],
        "because": ["'b' fails at 'X', which 'a' never reaches", "'c' fails at 'Y', which 'b' never reaches"],
    }


def test_a_barrier_first_in_its_stage_cannot_be_failed_before_it_in_the_runtime(tmp_path):
    path = tmp_path / "first.yaml"
    path.write_text(CASCADE.replace("                  - step: {identifier: build, name: build, type: ShellScript, timeout: 10m, spec: {}}\n", ""))
    project, pipeline = engine.load_pipeline(str(path))
    first = next(b for b in blast_radius(pipeline, project) if b.stage.label == "a")
    assert confirm(first, pipeline, Profile()) == ("INCONCLUSIVE", "no step runs before 'x' in 'a' that could fail")


def test_a_pipeline_without_barriers_has_no_blast_radius(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(CASCADE.replace("type: Barrier", "type: ShellScript"))
    result = run("impact", path)
    assert result.exit_code == 0 and "(no Barrier step: no stage's failure reaches another)" in result.stdout


def test_a_map_too_large_to_list_is_a_one_line_error_and_diff_leaves_it_out(tmp_path, monkeypatch):
    import barrierlint.diff
    import barrierlint.impact

    monkeypatch.setattr(barrierlint.impact, "MAX_PAIRS", 3)
    monkeypatch.setattr(barrierlint.diff, "MAX_PAIRS", 3)
    path = tmp_path / "cascade.yaml"
    path.write_text(CASCADE)
    result = run("impact", path)
    assert result.exit_code == 2 and result.stderr == "barrierlint: error: pipeline 'cascade': more than 3 pairs of stages fail together: too many to list\n"
    after = tmp_path / "after.yaml"
    after.write_text(CASCADE.replace("                  - step: {identifier: docs, name: docs, type: ShellScript, timeout: 10m, spec: {}}\n",
                                     "                  - step: {identifier: y, name: y, type: Barrier, timeout: 10m, spec: {barrierRef: Y}}\n"))
    out = run("diff", path, after).stdout
    assert "  + 'd' joined barrier 'Y'\n  note: the blast radius is not compared: more than 3 pairs of stages fail together\n" in out


def test_stages_after_a_failed_one_do_not_start_so_they_do_not_fail(tmp_path):
    # 'late' comes after the parallel block and also uses X (a sequential reuse, BL301)
    late = CASCADE + (
        "    - stage:\n        identifier: late\n        name: late\n        type: Custom\n        spec:\n          execution:\n"
        "            steps:\n              - step: {identifier: x, name: x, type: Barrier, timeout: 10m, spec: {barrierRef: X}}\n"
    )
    path = tmp_path / "late.yaml"
    path.write_text(late)
    project, pipeline = engine.load_pipeline(str(path))
    found = blast_radius(pipeline, project)
    a_x = next(b for b in found if (b.stage.label, b.barrier) == ("a", "X"))
    assert [s.label for s in a_x.fails] == ["b", "c"]
    assert confirm(a_x, pipeline, Profile())[0] == "CONFIRMED"
