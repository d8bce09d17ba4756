"""The reference runtime: barrier semantics of research/harness-semantics.md §3, one behaviour
per test, on small pipelines read through the real loader."""

from __future__ import annotations

import json
import textwrap

import pytest

from barrierlint import model, source
from barrierlint.runtime import Profile, Scenario, ScenarioError, simulate
from barrierlint.runtime import scenario as scenarios
from barrierlint.runtime.report import blocked_lines, render, trace_lines


def pipeline(stages: str, barriers=("x", "y")) -> model.Pipeline:
    declared = ", ".join(f"{{identifier: {b}, name: {b}}}" for b in barriers)
    text = f"pipeline:\n  identifier: p\n  name: p\n  flowControl:\n    barriers: [{declared}]\n  stages:\n" + textwrap.indent(textwrap.dedent(stages), "    ")
    doc = source.load("p.yaml", text.encode())
    assert not doc.problems, doc.problems
    return model.build(doc)[0]


def stage(name: str, *steps: str, extra: str = "") -> str:
    body = "\n".join(f"          - {s}" for s in steps)
    return f"- stage:\n    identifier: {name}\n    name: {name}\n    type: Custom\n{extra}    spec:\n      execution:\n        steps:\n{body}\n"


def barrier(ident: str, ref: str, timeout: str = "10m", more: str = "") -> str:
    return f"step: {{identifier: {ident}, name: {ident}, type: Barrier, timeout: {timeout}, spec: {{barrierRef: {ref}}}{more}}}"


def work(ident: str, more: str = "") -> str:
    return f"step: {{identifier: {ident}, name: {ident}, type: ShellScript, timeout: 1h, spec: {{}}{more}}}"


def parallel(*stages_: str) -> str:
    return "- parallel:\n" + "".join(textwrap.indent(s, "    ") for s in stages_)


def statuses(run) -> dict[str, str]:
    return {node.label: node.status for node in run.nodes}


def test_release_when_all_arrived_at_the_time_of_the_last_arrival():
    p = pipeline(parallel(stage("a", work("w"), barrier("b", "x")), stage("c", barrier("b", "x"))))
    run = simulate(p, Scenario(durations={"a.w": 300}))
    assert run.status == "SUCCEEDED"
    assert run.instances["x"].state == "DOWN" and run.instances["x"].resolved_at == 300
    assert statuses(run)["c.b"] == "SUCCEEDED"


def test_cyclic_order_deadlocks_and_the_first_timeout_times_everyone_out():
    p = pipeline(
        parallel(
            stage("eu", barrier("bx", "x", "30m"), barrier("by", "y", "30m")),
            stage("us", barrier("by", "y", "20m"), barrier("bx", "x", "20m")),
        )
    )
    run = simulate(p)
    assert run.quiescence.time == 0
    assert {w.node.label for w in run.quiescence.waits} == {"eu.bx", "us.by"}
    lines = blocked_lines(run)
    assert "eu.bx waits at x since 00:00:00 for us (bx), which waits at y (us.by)" in lines
    assert run.ended == 1200  # the 20m timeout, not the 30m one; no real time passed
    assert statuses(run)["eu.bx"] == "EXPIRED" and run.instances["x"].state == "TIMED_OUT"


def test_skipped_stage_counts_as_arrived_and_not_started_blocks():
    skipped = stage("b", barrier("b", "x"), extra="    when: {pipelineStatus: Success, condition: <+x> == 1}\n")
    p = pipeline(parallel(stage("a", barrier("b", "x")), skipped))
    assert simulate(p, Scenario(condition=False)).status == "SUCCEEDED"
    sequential = pipeline(stage("a", barrier("b", "x")) + stage("c", barrier("b", "x")))
    run = simulate(sequential, Scenario(stop_at_quiescence=True))
    assert run.status == "RUNNING"
    assert blocked_lines(run) == ["a.b waits at x since 00:00:00 for c, which has not started", "never started: c"]


def test_a_participant_failing_first_rejects_every_waiter():
    p = pipeline(parallel(stage("a", barrier("b", "x")), stage("c", work("w"), barrier("b", "x"))))
    run = simulate(p, Scenario(failures={"c.w": scenarios.Failure()}))
    assert run.instances["x"].state == "ENDURE"
    a_wait = next(n for n in run.nodes if n.label == "a.b")
    assert a_wait.status == "FAILED" and a_wait.message.startswith("The barrier is rejected")
    assert run.status == "FAILED"


def test_failure_is_noticed_at_the_next_poll_when_polling():
    p = pipeline(parallel(stage("a", barrier("b", "x")), stage("c", work("w"), barrier("b", "x"))))
    run = simulate(p, Scenario(profile=Profile(poll_interval=60), durations={"c.w": 90}, failures={"c.w": scenarios.Failure()}))
    assert run.instances["x"].resolved_at == 120  # failed at 90 s, seen by the tick at 120 s


def test_single_participant_passes_at_once():
    run = simulate(pipeline(stage("a", work("w"), barrier("b", "x"))))
    assert run.instances["x"].state == "DOWN" and run.instances["x"].resolved_at == 60


def test_rollback_position_holds_until_its_stage_ends_and_mixing_deadlocks():
    rollback = "    spec:\n      execution:\n        steps:\n          - " + work("w") + "\n        rollbackSteps:\n          - " + barrier("r", "x") + "\n"
    owner = "- stage:\n    identifier: db\n    name: db\n    type: Custom\n" + rollback
    run = simulate(pipeline(parallel(stage("a", barrier("b", "x")), owner)), Scenario(durations={"db.w": 600}))
    assert run.instances["x"].resolved_at == 600 and run.status == "SUCCEEDED"
    mixed = "- stage:\n    identifier: s\n    name: s\n    type: Custom\n" + rollback.replace(work("w"), barrier("n", "x"))
    stuck = simulate(pipeline(mixed), Scenario(stop_at_quiescence=True))
    assert blocked_lines(stuck) == ["s.n waits at x since 00:00:00 for s (r), a rollback step that runs only if s fails"]


def test_stage_rollback_runs_rollback_steps_and_a_rollback_barrier_synchronises_rollbacks():
    def owner(name: str) -> str:
        return (
            f"- stage:\n    identifier: {name}\n    name: {name}\n    type: Custom\n"
            "    failureStrategies: [{onFailure: {errors: [AllErrors], action: {type: StageRollback}}}]\n"
            "    spec:\n      execution:\n        steps:\n          - " + work("w") + "\n        rollbackSteps:\n          - " + barrier("r", "x") + "\n"
        )

    run = simulate(pipeline(parallel(owner("a"), owner("b"))), Scenario(failures={"*.w": scenarios.Failure()}, durations={"b.w": 120}))
    assert statuses(run)["a.r"] == "SUCCEEDED" and statuses(run)["a"] == "FAILED"
    assert run.instances["x"].resolved_at == 120


@pytest.mark.parametrize("action, status", [("Ignore", "IGNORE_FAILED"), ("MarkAsSuccess", "SUCCEEDED")])
def test_positive_failure_strategies_continue(action: str, status: str):
    more = f", failureStrategies: [{{onFailure: {{errors: [AllErrors], action: {{type: {action}}}}}}}]"
    run = simulate(pipeline(stage("a", work("w", more), work("v"))), Scenario(failures={"a.w": scenarios.Failure()}))
    assert statuses(run)["a.w"] == status and statuses(run)["a.v"] == "SUCCEEDED" and run.status == "SUCCEEDED"


def test_retry_then_succeed_and_abort_stops_everything():
    retry = ", failureStrategies: [{onFailure: {errors: [AllErrors], action: {type: Retry, spec: {retryCount: 2}}}}]"
    run = simulate(pipeline(stage("a", work("w", retry))), Scenario(failures={"a.w": scenarios.Failure(attempts=2)}))
    assert [n.status for n in run.nodes if n.label == "a.w"] == ["FAILED", "FAILED", "SUCCEEDED"]
    abort = ", failureStrategies: [{onFailure: {errors: [AllErrors], action: {type: Abort}}}]"
    p = pipeline(parallel(stage("a", work("w", abort)), stage("c", work("v"), barrier("b", "x"))))
    aborted = simulate(p, Scenario(failures={"a.w": scenarios.Failure()}, durations={"c.v": 600}))
    assert aborted.status == "ABORTED" and statuses(aborted)["c.v"] == "ABORTED" and aborted.ended == 60


def test_manual_intervention_waits_and_keeps_the_barrier_standing():
    manual = ", failureStrategies: [{onFailure: {errors: [AllErrors], action: {type: ManualIntervention}}}]"
    p = pipeline(parallel(stage("a", barrier("b", "x")), stage("c", work("w", manual), barrier("b", "x"))))
    run = simulate(p, Scenario(failures={"c.w": scenarios.Failure()}, stop_at_quiescence=True))
    assert "a.b waits at x since 00:00:00 for c (b), which it has not reached yet" in blocked_lines(run)
    assert "c.w waits for a manual intervention since 00:00:00" in blocked_lines(run)


def test_max_concurrency_registers_the_first_copies_and_late_copies_follow_the_profile():
    looped = stage("m", barrier("b", "x"), extra="    strategy:\n      repeat: {times: 3, maxConcurrency: 2}\n")
    waiting = simulate(pipeline(looped), Scenario(stop_at_quiescence=True))
    assert waiting.instances["x"].resolved_at == 0
    assert [node.label for node, _ in waiting.instances["x"].late] == ["m[2].b"]
    assert waiting.status == "RUNNING"
    passing = simulate(pipeline(looped), Scenario(profile=Profile(late_arrival="pass")))
    assert passing.status == "SUCCEEDED"


def test_nested_loops_multiply_participants():
    inner = (
        "stepGroup: {identifier: g, name: g, strategy: {parallelism: 3}, steps: [{" + barrier("b", "x") + "}]}"
    )
    looped = stage("m", inner, extra="    strategy:\n      matrix: {r: [eu, us]}\n")
    run = simulate(pipeline(looped))
    assert len(run.instances["x"].positions) == 6 and run.status == "SUCCEEDED"


def test_serial_multi_service_copies_arrive_late():
    serial = (
        "- stage:\n    identifier: d\n    name: d\n    type: Deployment\n    spec:\n"
        "      services: {values: [{serviceRef: a}, {serviceRef: b}], metadata: {parallel: false}}\n"
        "      execution:\n        steps:\n          - " + barrier("b", "x") + "\n"
    )
    run = simulate(pipeline(serial), Scenario(stop_at_quiescence=True))
    assert run.blocked and [n.label for n, _ in run.instances["x"].late] == ["d[1].b"]


def test_depends_on_orders_stages():
    dag = (
        stage("a", work("w"), extra="    dependsOn: []\n")
        + stage("b", barrier("b", "x"), extra="    dependsOn: [a]\n")
        + stage("c", barrier("b", "x"), extra="    dependsOn: []\n")
    )
    run = simulate(pipeline(dag))
    assert run.instances["x"].resolved_at == 60 and run.status == "SUCCEEDED"


def test_barrier_step_with_strategy_is_rejected_at_start():
    looped = stage("a", barrier("b", "x", more=", strategy: {parallelism: 2}"))
    run = simulate(pipeline(looped))
    assert run.status == "ERRORED" and run.rejected.startswith("Barrier step cannot be configured with looping strategy.")
    assert not run.nodes


def test_default_barrier_timeout_is_ten_hours_in_microseconds():
    no_timeout = "step: {identifier: b, name: b, type: Barrier, spec: {barrierRef: x}}"
    run = simulate(pipeline(stage("a", no_timeout) + stage("c", no_timeout)))
    assert run.ended == 36000 and run.status == "FAILED"


def test_runs_replay_exactly_with_a_seed():
    p = pipeline(parallel(stage("a", work("w"), barrier("b", "x")), stage("c", work("w"), barrier("b", "x"))))
    first = trace_lines(simulate(p, Scenario(seed=7, shuffle_ties=True)))
    assert first == trace_lines(simulate(p, Scenario(seed=7, shuffle_ties=True)))
    assert all(json.loads(line)["event"] for line in first.splitlines())


def test_report_shows_status_table_and_blocked_set():
    text = render(simulate(pipeline(stage("a", barrier("b", "x")) + stage("c", barrier("b", "x"))), Scenario(stop_at_quiescence=True)))
    assert "pipeline p: RUNNING" in text and "quiescent at 00:00:00" in text and "a.b waits at x" in text


def test_scenario_file_is_validated(tmp_path):
    good = tmp_path / "s.yaml"
    good.write_text("seed: 3\nprofile: {late_arrival: pass, poll_interval: 60}\ndefaults: {step: 2m}\ndurations: {a.w: 1h 30m}\nwhen: {b: false}\nfail: {c.w: {attempts: 1}}\n")
    loaded = scenarios.load(str(good))
    assert loaded.profile.late_arrival == "pass" and loaded.durations["a.w"] == 5400 and loaded.step_duration == 120
    bad = tmp_path / "bad.yaml"
    for text, message in [("profile: {late_arrival: maybe}", "late_arrival"), ("durations: {a: soon}", "duration"), ("nope: 1", "unknown scenario key")]:
        bad.write_text(text)
        with pytest.raises(ScenarioError, match=message):
            scenarios.load(str(bad))


def test_a_stage_timeout_expires_what_runs_inside_and_times_its_barriers_out():
    slow = stage("a", work("w"), barrier("b", "x"), extra="    timeout: 5m\n")
    p = pipeline(parallel(slow, stage("c", work("v"), barrier("b", "x"))))
    run = simulate(p, Scenario(durations={"a.w": 3600, "c.v": 60}))
    assert statuses(run)["a"] == "EXPIRED" and statuses(run)["a.w"] == "EXPIRED"
    assert run.instances["x"].state == "TIMED_OUT" and run.instances["x"].resolved_at == 300
    assert statuses(run)["c.b"] == "EXPIRED" and run.status == "FAILED"
    assert "a.b" not in statuses(run)  # the rest of the stage never starts


def test_a_step_group_timeout_applies_the_group_failure_strategy():
    group = (
        "stepGroup: {identifier: g, name: g, timeout: 2m, steps: [{" + work("w") + "}], "
        "failureStrategies: [{onFailure: {errors: [Timeout], action: {type: Ignore}}}]}"
    )
    run = simulate(pipeline(stage("a", group, work("after"))), Scenario(durations={"a.g.w": 600}))
    assert statuses(run)["a.g"] == "IGNORE_FAILED" and statuses(run)["a.g.w"] == "EXPIRED"
    assert statuses(run)["a.after"] == "SUCCEEDED" and run.status == "SUCCEEDED" and run.ended == 180


def test_the_pipeline_timeout_and_the_scenario_defaults_end_the_run_expired():
    p = pipeline(parallel(stage("a", barrier("b", "x", "1d"), barrier("b2", "y", "1d")), stage("c", barrier("b", "y", "1d"), barrier("b2", "x", "1d"))))
    assert simulate(p).ended == 86400
    run = simulate(p, Scenario(pipeline_timeout=3600))
    assert run.status == "EXPIRED" and run.ended == 3600 and statuses(run)["a.b"] == "EXPIRED"
    staged = simulate(p, Scenario(stage_timeout=600))
    assert staged.ended == 600 and statuses(staged)["a"] == "EXPIRED" and staged.status == "FAILED"
    scenario = scenarios.from_data({"defaults": {"stage_timeout": "10m", "pipeline_timeout": "1h"}})
    assert (scenario.stage_timeout, scenario.pipeline_timeout) == (600, 3600)


def firstgen(stages: list[tuple[str, bool]], workflows: dict[str, list[str]]) -> model.Pipeline:
    """A FirstGen pipeline of (workflow, parallel with previous) stages; each workflow one phase of
    steps written as `BARRIER id [timeoutMillis]` or a step name."""
    from barrierlint.project import Settings, build

    def step(text: str) -> dict:
        parts = text.split()
        if parts[0] != "BARRIER":
            return {"type": "SHELL_SCRIPT", "name": text}
        properties = {"identifier": parts[1], **({"timeoutMillis": int(parts[2])} if len(parts) > 2 else {})}
        return {"type": "BARRIER", "name": f"{parts[1]}-{len(text)}", "properties": properties}

    docs = [
        source.load(f"App/Workflows/{name}.yaml", json.dumps({"harnessApiVersion": "1.0", "type": "CANARY", "phases": [
            {"type": "KUBERNETES", "name": "Phase 1", "phaseSteps": [{"type": "K8S_PHASE_STEP", "name": "Deploy", "steps": [step(s) for s in steps]}]}
        ]}).encode())
        for name, steps in workflows.items()
    ]
    pipeline = [{"type": "ENV_STATE", "name": f"{name}{i}", "parallel": parallel, "workflowName": name} for i, (name, parallel) in enumerate(stages)]
    docs.append(source.load("App/Pipelines/Release.yaml", json.dumps({"harnessApiVersion": "1.0", "type": "PIPELINE", "pipelineStages": pipeline}).encode()))
    return next(p for p in build(docs, Settings()).pipelines if p.syntax == "firstgen")


def test_firstgen_barriers_are_scoped_to_a_group_of_parallel_workflows():
    p = firstgen([("A", False), ("B", True), ("C", False)], {"A": ["work", "BARRIER x"], "B": ["BARRIER x"], "C": ["BARRIER x"]})
    run = simulate(p)
    assert run.status == "SUCCEEDED"
    waits = {n.label: (n.started, n.ended) for n in run.nodes if n.label.endswith(("x-9",))}
    assert waits["B1.Phase 1.Deploy.x-9"] == (0, 60)  # waits for A's arrival after its work
    assert waits["C2.Phase 1.Deploy.x-9"][0] == waits["C2.Phase 1.Deploy.x-9"][1]  # alone in its group: passes at once


def test_firstgen_expiry_abandons_the_barrier_and_a_repeated_identifier_refuses_the_trigger():
    p = firstgen([("A", False), ("B", True)], {"A": ["BARRIER x 60000", "BARRIER y"], "B": ["BARRIER y", "BARRIER x"]})
    run = simulate(p)
    assert run.ended == 60 and {i.state for i in run.instances.values()} == {"ENDURE"}  # FirstGen has no timed-out state
    failed = [n for n in run.nodes if n.status == "FAILED" and isinstance(n.element, model.Step)]
    assert failed and all(n.message.startswith("The barrier endures") for n in failed)
    default = simulate(firstgen([("A", False), ("B", True)], {"A": ["BARRIER x", "BARRIER y"], "B": ["BARRIER y", "BARRIER x"]}))
    assert default.ended == 600  # timeoutMillis defaults to 10 minutes
    refused = simulate(firstgen([("A", False), ("B", True)], {"A": ["BARRIER x", "BARRIER x"], "B": ["BARRIER x"]}))
    assert refused.status == "ERRORED" and refused.rejected.startswith("Barriers are not running concurrently.")
