"""FirstGen behaviour of the foundation rules, on a model built by hand.

The FirstGen builder (workflows and pipelines from config-as-code YAML) translates a pipeline
into the shared model: a workflow is a Stage, workflows that run "in parallel with previous"
form a Parallel item, a `type: BARRIER` step is a Step of type "Barrier" whose barrier_ref is
`properties.identifier` and whose timeout is `timeoutMillis` as a duration (600000 -> 10m;
anything that is not a number stays as written). These tests pin what
the rules do with such a pipeline, so they hold once that builder lands.
"""

from __future__ import annotations

from barrierlint.model import Origin, Parallel, Pipeline, Stage, Step
from barrierlint.project import Project
from barrierlint.rule import all_rules
from barrierlint.source import load

DOC = load("firstgen.yaml", b"harnessApiVersion: '1.0'\ntype: PIPELINE\n")


def barrier(identifier: str, ref: str, timeout: str | None = None) -> Step:
    return Step(identifier, identifier, "Barrier", Origin(DOC, (0, identifier)), timeout=timeout, barrier_ref=ref)


def workflow(name: str, *steps: Step, rollback: tuple[Step, ...] = ()) -> Stage:
    return Stage(name, name, "ENV_STATE", Origin(DOC, (0, name)), steps=steps, rollback_steps=rollback)


def findings(code: str, pipeline: Pipeline) -> list[str]:
    rule = next(r for r in all_rules() if r.code == code)()
    return sorted(f"{f.code} {f.key}: {f.message}" for f in rule.check(Project([DOC], [pipeline])))


def pipeline(*stages) -> Pipeline:
    return Pipeline("fg", "fg", Origin(DOC, (0,)), stages=stages, syntax="firstgen")


def test_lone_barrier_counts_per_parallel_group_and_ignores_rollback():
    group = Parallel(
        (
            workflow("Deploy A", barrier("a1", "shared"), barrier("a2", "once"), rollback=(barrier("ra", "back"),)),
            workflow("Deploy B", barrier("b1", "shared"), rollback=(barrier("rb", "once"),)),
        ),
        Origin(DOC, (0, "group")),
    )
    later = workflow("Verify", barrier("c1", "shared"))  # a later group: the earlier one does not count
    found = findings("BL103", pipeline(group, later))
    assert [f.split(":")[0] for f in found] == ["BL103 once", "BL103 shared"]
    assert all("succeeds at once" in f for f in found)
    assert "workflow 'Verify'" in found[1]


def test_expression_identifiers_are_reported():
    found = findings("BL601", pipeline(workflow("Deploy", barrier("b", "${workflow.variables.sync}"), barrier("c", "plain"))))
    assert len(found) == 1 and "FirstGen barrier identifiers take no expressions" in found[0]


def test_only_unreadable_timeouts_are_reported():
    steps = (barrier("none", "x"), barrier("minutes", "x", "10m"), barrier("short", "x", "5s"), barrier("bad", "x", "ten"))
    found = findings("BL702", pipeline(workflow("Deploy", *steps)))
    assert len(found) == 1 and "timeoutMillis 'ten', which is not a number of milliseconds" in found[0]


def test_nextgen_only_rules_stay_silent():
    step = Step("s", "s", "Barrier", Origin(DOC, (0, "s")), barrier_ref="x")
    fg = pipeline(Stage("CI", "CI", "CI", Origin(DOC, (0, "CI")), steps=(step,)))
    assert findings("BL701", fg) == []
