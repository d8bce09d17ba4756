"""Locks: Queue steps and Deploy stage resource constraints in the model, the reference runtime
and `check --verify` (BL304, BL305)."""

from __future__ import annotations

from barrierlint import engine, source
from barrierlint.config import parse
from barrierlint.locks import holds
from barrierlint.project import Settings, build
from barrierlint.runtime import Scenario, simulate
from barrierlint.runtime.verify import verify

from expectations import ROOT

FIXTURES = ROOT / "fixtures"


def _project(path, settings=Settings()):
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*.yaml"))
    return build([source.load(str(f), f.read_bytes()) for f in files], settings)


def _run(name, order=None):
    project = _project(FIXTURES / "BL304" / name)
    pipeline = project.pipelines[0]
    return simulate(pipeline, Scenario(stop_at_quiescence=True), holds(pipeline, project), order)


def test_runtime_reports_held_locks_and_queued_stages_at_quiescence():
    run = _run("queue_across_barrier.yaml")
    assert run.quiescence.held == [("Queue key 'db'", "api.lock", 0.0)]
    assert run.quiescence.queued == [("Queue key 'db'", "worker.lock", "api.lock")]
    assert [w.node.label for w in run.quiescence.waits] == ["api.wait"]


def test_deploy_stage_waits_for_the_resource_of_its_infrastructure():
    run = _run("shared_infrastructure.yaml")
    assert run.quiescence.queued == [("the deployment resource 'web/prod/k8s'", "green", "blue")]


def test_a_forced_acquisition_order_decides_an_order_dependent_hang():
    assert _run("order_dependent.yaml").status == "SUCCEEDED"  # 'a' asks first: no hang
    hung = _run("order_dependent.yaml", {"Queue key 'db'": ["b", "a"]})
    assert hung.quiescence.queued == [("Queue key 'db'", "a.lock", "b.lock")]


def test_correct_lock_use_runs_to_the_end_and_the_holder_asking_again_does_not_wait():
    run = _run("correct_lock_use.yaml")
    assert run.status == "SUCCEEDED"
    assert any(event == "lock-held" and fields["node"] == "twice.again" for _, event, fields in run.recorded)


def test_queue_step_times_out_in_the_queue():
    project = _project(FIXTURES / "BL305" / "same_execution.yaml")
    pipeline = project.pipelines[0]
    run = simulate(pipeline, Scenario(), holds(pipeline, project))
    waiting = next(n for n in run.nodes if n.label == "migrate.lock")
    assert waiting.status == "EXPIRED" and waiting.ended == 3600.0


def test_verify_confirms_every_lock_finding():
    for folder in ("BL304", "BL305"):
        result = engine.check([str(FIXTURES / folder)], select_rules=["BL304", "BL305"])
        assert len(result.findings) >= 2
        for finding in verify(result.findings, result.project):
            assert finding.properties["verification"]["status"] == "CONFIRMED", (finding.message, finding.properties["verification"])


def test_simultaneous_deployments_setting_lets_unknown_infrastructures_deploy_together():
    path = str(FIXTURES / "BL304" / "shared_infrastructure.yaml")
    assert engine.check([path], select_rules=["BL304"]).findings
    allowed = parse({"simultaneous-deployments": True}, str(ROOT / ".barrierlint.yaml")).settings
    assert not engine.check([path], select_rules=["BL304"], settings=allowed).findings


def test_infrastructure_definition_files_are_read_not_reported():
    doc = source.load("infra.yaml", b"infrastructureDefinition: {identifier: k, environmentRef: prod, type: KubernetesDirect, spec: {connectorRef: c, namespace: n}}\n")
    assert doc.kinds == [source.Kind.INFRASTRUCTURE]
    project = build([doc], Settings())
    found = project.index.infrastructure("prod", "k")
    assert found.key_values == ("KubernetesDirect", "c", "n") and found.simultaneous is False


def test_a_queued_holder_granted_the_key_takes_its_parallel_requests_with_it(tmp_path):
    """Two copies of a looped stage each ask for one key from two parallel Queue steps: the
    second copy queues twice behind the first, and when the key comes to it both its requests
    pass (the holder asking again does not wait; a long agreement run found the second left
    queued until its timeout)."""
    path = tmp_path / "p.yaml"
    queue = "{step: {identifier: %s, name: %s, type: Queue, timeout: 1d, spec: {key: q, scope: Stage}}}"
    path.write_text(
        "pipeline:\n  identifier: p\n  name: p\n  stages:\n"
        "    - stage: {identifier: st, name: st, type: Custom, strategy: {matrix: {region: [r0, r1]}}, spec: {execution: {steps: "
        f"[{{parallel: [{queue % ('a', 'a')}, {queue % ('b', 'b')}]}}]}}}}}}\n"
    )
    project = _project(path)
    pipeline = project.pipelines[0]
    run = simulate(pipeline, Scenario(), holds(pipeline, project))
    assert run.status == "SUCCEEDED" and run.ended == 0.0
    assert any(event == "lock-held" and fields["node"] == "st[1].b" for _, event, fields in run.recorded)
