"""The static verdict and the reference runtime agree on generated pipelines.

For every generated pipeline (NextGen, and FirstGen with its workflows), with every `when`
outcome fixed and random step durations, the set of Barrier steps that `graph.analyze` says
wait forever equals the set the simulator finds waiting at quiescence (a run the engine refuses
at start blocks nothing in both). A disagreement is a bug in one of the two.

CI runs a few hundred examples with a fixed seed. For a long run:

    BARRIERLINT_AGREEMENT_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_agreement.py -p no:cacheprovider
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, seed, settings

from barrierlint.runtime import Scenario, simulate
from pipelines import firstgen_pipelines, pipelines, runs

graph = pytest.importorskip("barrierlint.graph")

EXAMPLES = int(os.environ.get("BARRIERLINT_AGREEMENT_EXAMPLES", "300"))


def _agree(drawn) -> None:
    built, outcomes, durations = drawn.built, drawn.outcomes, drawn.durations
    static = graph.analyze(built.pipeline, outcomes=outcomes).blocked
    run = simulate(built.pipeline, Scenario(when=dict(outcomes), durations=dict(durations), stop_at_quiescence=True))
    simulated = run.blocked
    assert static == simulated, _explain(built, outcomes, static, simulated, run)


@seed(20261122)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize="BARRIERLINT_AGREEMENT_EXAMPLES" not in os.environ)
@given(runs())
def test_static_blocked_set_equals_simulated(drawn):
    _agree(drawn)


@seed(20261123)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize="BARRIERLINT_AGREEMENT_EXAMPLES" not in os.environ)
@given(runs(firstgen_pipelines()))
def test_static_blocked_set_equals_simulated_on_firstgen(drawn):
    _agree(drawn)


def _agree_on_locks(drawn) -> None:
    """Locks: the static blocked set ignores them, so verdicts are compared. A must BL304 hangs
    in the run with its lock (whatever order the durations give, which decides who holds and
    who is queued); a may BL304 hangs in the acquisition order it names, where it names; without a finding, the run with every lock blocks exactly
    where the run without locks does, unless a stage stuck in another hang holds a lock: then
    the stages queued behind it stop earlier, and the run with locks must hang too (a long run
    found that case: a stage waiting forever at a barrier it reuses keeps its Queue key). A
    finding is compared only on a run that hangs nowhere without locks: another hang can keep
    the lock's stages from ever starting."""
    from barrierlint.locks import holds
    from barrierlint.finding import route_text

    built, outcomes, durations = drawn.built, drawn.outcomes, drawn.durations
    pipeline, project = built.pipeline, built.project
    locks = holds(pipeline, project)
    found = graph.analyze(pipeline, project, outcomes=outcomes).hold_and_wait
    scenario = Scenario(when=dict(outcomes), durations=dict(durations), stop_at_quiescence=True)
    plain = simulate(pipeline, scenario)
    if not found:
        locked = simulate(pipeline, scenario, locks)
        queued = locked.quiescence is not None and locked.quiescence.queued
        if queued:
            assert plain.blocked and locked.blocked, _explain(built, outcomes, locked.blocked, plain.blocked, locked)
        else:
            assert locked.blocked == plain.blocked, _explain(built, outcomes, locked.blocked, plain.blocked, locked)
        return
    for hold in found if not plain.blocked else ():
        name = hold.holder.name
        order = {name: [lock.stage.label for lock in hold.orders[0]]} if hold.orders else None
        run = simulate(pipeline, scenario, [lock for lock in locks if lock.name == name], order)
        queued = run.quiescence is not None and any(lock == name for lock, _, _ in run.quiescence.queued)
        hangs = bool(run.blocked) if order is None else hold.waiting.step.origin.route in run.blocked  # must: the durations pick holder and waiter
        assert queued and hangs, (
            f"{hold.verdict} {hold.line}; {order}\n" + _explain(built, outcomes, {hold.waiting.step.origin.route}, run.blocked, run)
        )


@seed(20261207)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize="BARRIERLINT_AGREEMENT_EXAMPLES" not in os.environ)
@given(runs(pipelines(locks=True)))
def test_lock_verdicts_agree_with_runs_with_locks(drawn):
    _agree_on_locks(drawn)


# pipelines on which the two disagreed (found by long runs or by reading), with the outcomes of
# their `when`s
REGRESSIONS = {
    # `${...}` is no NextGen expression: the engine registers a barrier of that literal name
    "a FirstGen-style reference is a literal barrier": (
        """
        pipeline:
          identifier: p
          name: p
          stages:
            - stage: {identifier: a, name: a, type: Custom, spec: {execution: {steps: [{step: {identifier: w, name: w, type: Barrier, timeout: 1d, spec: {barrierRef: "${x}"}}}]}}}
            - stage: {identifier: b, name: b, type: Custom, spec: {execution: {steps: [{step: {identifier: w, name: w, type: Barrier, timeout: 1d, spec: {barrierRef: "${x}"}}}]}}}
        """,
        {},
    ),
    # a late loop copy waits at the barrier in one branch of a parallel block: the Barrier step
    # after the block is not one it reaches first
    "late copy stops inside a parallel block": (
        """
        pipeline:
          identifier: p
          name: p
          flowControl: {barriers: [{identifier: x, name: x}, {identifier: y, name: y}]}
          stages:
            - stage:
                identifier: st1
                name: st1
                type: Custom
                strategy: {matrix: {region: [r0, r1], maxConcurrency: 1}}
                spec:
                  execution:
                    steps:
                      - parallel:
                          - step: {identifier: s2, name: s2, type: Barrier, timeout: 1d, spec: {barrierRef: x}, when: {stageStatus: Success, condition: <+pipeline.variables.go> == 'yes'}}
                          - step: {identifier: s3, name: s3, type: Barrier, timeout: 1d, spec: {barrierRef: x}}
                      - step: {identifier: s4, name: s4, type: Barrier, timeout: 1d, spec: {barrierRef: y}}
        """,
        {"pipeline.stages[0].stage.spec.execution.steps[0].parallel[0].step": False},
    ),
}


@pytest.mark.parametrize("name", REGRESSIONS)
def test_regressions_agree(name):
    import textwrap

    from barrierlint import model, source
    from barrierlint.finding import route_text

    text, outcomes = REGRESSIONS[name]
    pipeline = model.build(source.load("regression.yaml", textwrap.dedent(text).encode()))[0]
    decided = {_route(pipeline, path): runs for path, runs in outcomes.items()}
    static = graph.analyze(pipeline, outcomes=decided).blocked
    run = simulate(pipeline, Scenario(when=decided, stop_at_quiescence=True))
    assert static == run.blocked and static, (sorted(map(route_text, static)), sorted(map(route_text, run.blocked)))


def _route(pipeline, path: str) -> tuple:
    """The route of the element a YAML path such as `pipeline.stages[0].stage` names."""
    from barrierlint.finding import route_text

    found = [item for item in _elements(pipeline) if route_text(item.origin.route) == path]
    return found[0].origin.route


def _elements(pipeline):
    from barrierlint import model

    stack = list(pipeline.stages)
    while stack:
        item = stack.pop()
        yield item
        stack.extend(sub for sub, _ in model.children(item))


def _explain(built, outcomes, static, simulated, run) -> str:
    import json

    import yaml

    from barrierlint.finding import route_text
    from barrierlint.runtime.report import blocked_lines

    def show(routes):
        return sorted(route_text(r) for r in routes)

    return "\n".join(
        [
            f"static only:    {show(static - simulated)}",
            f"simulated only: {show(simulated - static)}",
            f"outcomes: { {route_text(k): v for k, v in outcomes.items()} }",
            *blocked_lines(run),
            yaml.safe_dump(json.loads(built.text), sort_keys=False, default_flow_style=None, width=160),
        ]
    )
