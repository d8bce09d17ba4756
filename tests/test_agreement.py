"""The static verdict and the reference runtime agree on generated pipelines.

For every generated pipeline, with every `when` outcome fixed and random step durations, the set
of Barrier steps that `graph.analyze` says wait forever equals the set the simulator finds
waiting at quiescence. A disagreement is a bug in one of the two.

CI runs a few hundred examples with a fixed seed. For a long run:

    BARRIERLINT_AGREEMENT_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_agreement.py -p no:cacheprovider
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, seed, settings

from barrierlint.runtime import Scenario, simulate
from pipelines import runs

graph = pytest.importorskip("barrierlint.graph")

EXAMPLES = int(os.environ.get("BARRIERLINT_AGREEMENT_EXAMPLES", "300"))


@seed(20261122)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize="BARRIERLINT_AGREEMENT_EXAMPLES" not in os.environ)
@given(runs())
def test_static_blocked_set_equals_simulated(drawn):
    built, outcomes, durations = drawn.built, drawn.outcomes, drawn.durations
    static = graph.analyze(built.pipeline, outcomes=outcomes).blocked
    run = simulate(built.pipeline, Scenario(when=dict(outcomes), durations=dict(durations), stop_at_quiescence=True))
    assert run.rejected is None, run.rejected
    simulated = run.blocked
    assert static == simulated, _explain(built, outcomes, static, simulated, run)


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
