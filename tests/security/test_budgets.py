"""Every phase has a budget (issue 21, item 3): time and memory grow at most as N log N in the
size of a file, in every command, whatever the file holds. Each hostile input that used to cost
more (suppression comments x findings, thousands of barriers in one deadlock, rollback stalls,
a billion loop copies, thousands of findings to verify, thousands of undeclared references) is
run at two sizes, one twice the other, in a fresh process; what the larger one costs beyond an
empty run must stay within GROWTH times what the smaller one does (N log N doubles to a little
over 2; the quadratic costs these inputs had quadruple, and the unbounded ones never ended)."""

from __future__ import annotations

import pytest

from security.growth import KINDS, cost, write

GROWTH = 3.0  # generous: a loaded 2-core machine makes CPU times noisy
SLACK_BYTES = 30 << 20  # allocator and import noise in peak memory
TIMEOUT = 90  # seconds of wall time for one process; the quadratic versions took minutes at these sizes

EMPTY = "pipeline:\n  identifier: p\n  name: p\n  stages: []\n"

# (kind, command, smaller size): the command runs on the kind's input at that size and twice it
CASES = [
    ("suppressions", ["check"], 2000),
    ("crossed-barriers", ["check"], 1500),
    ("rollback-stalls", ["check"], 1000),
    ("undeclared", ["check"], 2500),
    ("lone-barriers", ["check", "--verify"], 1000),
    ("endless-loops", ["check", "--verify"], 2),
    ("endless-loops", ["run"], 2),
    ("crossed-barriers", ["run"], 1500),
    ("crossed-barriers", ["graph"], 1000),
    ("parallel-pairs", ["graph"], 1500),
    ("queue-keys", ["check"], 1000),
    ("shared-infrastructure", ["check"], 1000),
    ("queue-keys", ["check", "--verify"], 400),
]


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """The cost of a run with nothing in it, per command (startup and imports)."""
    folder = tmp_path_factory.mktemp("empty")
    path = write(str(folder), "p.yaml", EMPTY)
    commands = {"check": ["check"], "verify": ["check", "--verify"], "run": ["run"], "graph": ["graph"]}
    return {name: cost([*args, path], str(folder)) for name, args in commands.items()}


def _args(command: list[str], path: str) -> list[str]:
    if command[0] == "check":
        return [*command, "--max-file-size", "20MB", "--format", "json", path]
    return [*command, path]


@pytest.mark.parametrize("kind, command, size", CASES, ids=[f"{k}-{'-'.join(c).replace('--', '')}" for k, c, _ in CASES])
def test_cost_grows_at_most_as_n_log_n(tmp_path, empty, kind, command, size):
    base = empty["verify" if "--verify" in command else command[0]]
    measured = []
    for n in (size, 2 * size):
        path = write(str(tmp_path), f"{kind}-{n}.yaml", KINDS[kind](n))
        result = cost(_args(command, path), str(tmp_path), timeout=TIMEOUT)
        assert result.code in (0, 1), result.err
        assert "Traceback" not in result.err
        measured.append(result)
    small, large = measured
    cpu_small = max(small.cpu - base.cpu, 0.05)
    assert large.cpu - base.cpu <= GROWTH * cpu_small, (kind, command, small.cpu, large.cpu, base.cpu)
    memory_small = max(small.peak - base.peak, 0)
    assert large.peak - base.peak <= GROWTH * memory_small + SLACK_BYTES, (kind, command, small.peak, large.peak, base.peak)


def test_a_billion_loop_copies_stop_at_the_budget_with_a_note():
    from barrierlint import model, source
    from barrierlint.runtime import report, simulate, simulator

    pipeline = model.build(source.load("p.yaml", KINDS["endless-loops"](1).encode()))[0]
    run = simulate(pipeline)
    assert run.status == "RUNNING" and run.spent <= simulator.BUDGET_FLOOR + simulator.BUDGET_PER_ELEMENT * simulator.element_count(pipeline) + 1
    assert run.limit.startswith("simulation limit reached at ")
    assert report.render(run).splitlines()[:2] == [f"pipeline p: RUNNING at {simulator.clock_text(run.ended)}", f"  {run.limit}"]
    assert run.recorded[-2][1] == "limit"


def test_thousands_of_barriers_crossed_in_one_cycle_are_one_finding_marked_as_limited(tmp_path):
    import json
    import subprocess
    import sys

    path = write(str(tmp_path), "p.yaml", KINDS["crossed-barriers"](3000))
    done = subprocess.run([sys.executable, "-m", "barrierlint", "check", "--format", "json", path], capture_output=True, timeout=TIMEOUT)
    findings = json.loads(done.stdout)["findings"]
    deadlocks = [f for f in findings if f["code"] in ("BL201", "BL301", "BL302")]
    assert [f["code"] for f in deadlocks] == ["BL302"]
    assert deadlocks[0]["properties"]["analysis_limit"] is True
    assert "analysis limit reached" in deadlocks[0]["message"]


def test_a_small_cycle_is_explained_without_the_limit(tmp_path):
    import json
    import subprocess
    import sys

    path = write(str(tmp_path), "p.yaml", KINDS["crossed-barriers"](3))
    done = subprocess.run([sys.executable, "-m", "barrierlint", "check", "--format", "json", path], capture_output=True, timeout=TIMEOUT)
    [finding] = [f for f in json.loads(done.stdout)["findings"] if f["code"] == "BL302"]
    assert "analysis_limit" not in finding["properties"] and "analysis limit" not in finding["message"]


def test_runs_for_single_findings_stop_at_the_verification_budget(tmp_path, monkeypatch):
    from barrierlint import engine
    from barrierlint.runtime import verify

    path = write(str(tmp_path), "p.yaml", KINDS["rollback-stalls"](3))
    monkeypatch.setattr(verify, "ALONE_PER_ELEMENT", 0)
    verdicts = {}
    for floor in (10**6, 0):
        monkeypatch.setattr(verify, "ALONE_FLOOR", floor)
        result = engine.check([path], isolated=True)
        verdicts[floor] = [f.properties["verification"] for f in verify.verify(result.findings, result.project) if f.code == "BL303"]
    assert len(verdicts[0]) == 3 and all(v["status"] == "CONFIRMED" for v in verdicts[10**6])
    assert all(v["status"] == "INCONCLUSIVE" and v["evidence"].startswith("verification limit reached") for v in verdicts[0])


def test_a_verdict_on_a_run_stopped_by_the_simulation_limit_is_inconclusive(tmp_path, monkeypatch):
    from barrierlint import engine
    from barrierlint.runtime import simulator, verify

    path = write(str(tmp_path), "p.yaml", KINDS["crossed-barriers"](3))
    result = engine.check([path], isolated=True)
    [confirmed] = [f.properties["verification"] for f in verify.verify(result.findings, result.project) if f.code == "BL302"]
    assert confirmed["status"] == "CONFIRMED"
    monkeypatch.setattr(simulator, "BUDGET_FLOOR", 5)
    monkeypatch.setattr(simulator, "BUDGET_PER_ELEMENT", 0)
    [limited] = [f.properties["verification"] for f in verify.verify(result.findings, result.project) if f.code == "BL302"]
    assert limited["status"] == "INCONCLUSIVE" and limited["evidence"].startswith("simulation limit reached at 00:00:00: 5 events")


def test_lock_keys_past_the_search_budget_are_reported_once_as_limited(tmp_path, monkeypatch):
    from barrierlint import engine, graph

    path = write(str(tmp_path), "p.yaml", KINDS["queue-keys"](30))
    every = [f for f in engine.check([path], isolated=True, select_rules=["BL304"]).findings]
    assert len(every) == 30 and not any(f.properties.get("analysis_limit") for f in every)
    monkeypatch.setattr(graph, "SEARCH_FLOOR", 0)
    monkeypatch.setattr(graph, "SEARCH_PER_NODE", 1)
    limited = engine.check([path], isolated=True, select_rules=["BL304"]).findings
    [note] = [f for f in limited if f.properties.get("analysis_limit")]
    assert 0 < len(limited) - 1 < 30
    assert note.message.startswith(f"analysis limit reached: {31 - len(limited)} of the 30 lock keys of this pipeline, from Queue key 'k{len(limited) - 1}'")
