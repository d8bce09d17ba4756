"""`barrierlint keys`: the inventory of Queue keys and deployment resources across a project."""

from __future__ import annotations

import json

from helpers import run


def _pipeline(identifier: str, stages: str) -> str:
    return (
        f"pipeline:\n  identifier: {identifier}\n  name: {identifier}\n  flowControl:\n    barriers:\n      - {{identifier: ready, name: ready}}\n"
        f"  stages:\n{stages}"
    )


def _stage(identifier: str, steps: str, kind: str = "Custom", extra: str = "") -> str:
    return f"    - stage: {{identifier: {identifier}, name: {identifier}, type: {kind}, spec: {{{extra}execution: {{steps: [{steps}]}}}}}}\n"


QUEUE = "{step: {identifier: lock, name: lock, type: Queue, timeout: 1h, spec: {key: db, scope: %s}}}"
BARRIER = "{step: {identifier: wait, name: wait, type: Barrier, timeout: 10m, spec: {barrierRef: ready}}}"
DEPLOY = "deploymentType: Kubernetes, service: {serviceRef: web}, environment: {environmentRef: prod, infrastructureDefinitions: [{identifier: k8s}]}, "


def _project(tmp_path):
    (tmp_path / "release.yaml").write_text(_pipeline("release", _stage("migrate", f"{QUEUE % 'Stage'}, {BARRIER}") + _stage("deploy", BARRIER, "Deployment", DEPLOY)))
    (tmp_path / "hotfix.yaml").write_text(_pipeline("hotfix", _stage("patch", f"{BARRIER}, {QUEUE % 'Pipeline'}")))
    return tmp_path


def test_keys_lists_holders_scopes_and_barriers_held_across_and_marks_shared_keys(tmp_path):
    result = run("keys", "--format", "json", _project(tmp_path))
    assert result.exit_code == 0, result.output
    keys = {entry["name"]: entry for entry in json.loads(result.stdout)["keys"]}
    assert set(keys) == {"Queue key 'db'", "the deployment resource 'web/prod/k8s'"}
    db = keys["Queue key 'db'"]
    assert db["shared"] is True and sorted(db["pipelines"]) == ["hotfix", "release"]
    holders = {(h["pipeline"], h["stage"]): h for h in db["holders"]}
    assert holders["release", "migrate"]["scope"] == "Stage" and holders["release", "migrate"]["across"] == ["ready"]
    assert holders["hotfix", "patch"]["scope"] == "Pipeline" and holders["hotfix", "patch"]["across"] == []  # taken after its barrier
    deploy = keys["the deployment resource 'web/prod/k8s'"]
    assert deploy["shared"] is False and [(h["stage"], h["across"]) for h in deploy["holders"]] == [("deploy", ["ready"])]


def test_keys_as_text(tmp_path):
    result = run("keys", _project(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Queue key 'db' (account-wide, 2 holders; shared by 2 pipelines: their executions wait for each other here)"
    assert any(line.endswith("pipeline 'release', 'migrate', scope Stage, at Queue step 'lock' of 'migrate'; held across 'ready'") for line in lines)
    assert any(line.endswith("pipeline 'hotfix', 'patch', scope Pipeline, at Queue step 'lock' of 'patch'; no barrier while held") for line in lines)


def test_keys_without_locks_and_on_a_missing_path(tmp_path):
    (tmp_path / "plain.yaml").write_text(_pipeline("plain", _stage("a", BARRIER)))
    assert run("keys", tmp_path).stdout == "no Queue keys or deployment resources\n"
    missing = run("keys", tmp_path / "nothing.yaml")
    assert missing.exit_code == 2 and "Traceback" not in missing.output
