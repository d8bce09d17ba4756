"""A small repository as teams keep one: a NextGen pipeline with its stage template in
`.harness/`, and a FirstGen application whose pipeline runs two workflows in parallel. Every
barrier is right; tests break one file and see what `check FILE` says."""

from __future__ import annotations

from pathlib import Path

PIPELINE = ".harness/release.yaml"
TEMPLATE = ".harness/templates/deploy.yaml"
APP = "Setup/Applications/Shop"
FIRSTGEN_PIPELINE = f"{APP}/Pipelines/Release.yaml"
WORKFLOW = f"{APP}/Workflows/Deploy Web.yaml"

FILES = {
    PIPELINE: """\
pipeline:
  identifier: release
  name: release
  flowControl:
    barriers:
      - identifier: ready
        name: ready
  stages:
    - parallel:
        - stage:
            identifier: eu
            name: eu
            template:
              templateRef: deploy
              versionLabel: v1
        - stage:
            identifier: us
            name: us
            template:
              templateRef: deploy
              versionLabel: v1
""",
    TEMPLATE: """\
template:
  identifier: deploy
  name: deploy
  versionLabel: v1
  type: Stage
  spec:
    type: Deployment
    spec:
      execution:
        steps:
          - step:
              identifier: wait
              name: wait
              type: Barrier
              timeout: 10m
              spec:
                barrierRef: ready
          - step: {identifier: smoke, name: smoke, type: ShellScript, timeout: 10m, spec: {}}
""",
    FIRSTGEN_PIPELINE: """\
harnessApiVersion: '1.0'
type: PIPELINE
pipelineStages:
- type: ENV_STATE
  name: Deploy API
  parallel: false
  workflowName: Deploy API
- type: ENV_STATE
  name: Deploy Web
  parallel: true
  workflowName: Deploy Web
""",
    **{
        f"{APP}/Workflows/Deploy {name}.yaml": """\
harnessApiVersion: '1.0'
type: BASIC
preDeploymentSteps:
- type: BARRIER
  name: Ready
  properties:
    identifier: ready
    timeoutMillis: 600000
"""
        for name in ("API", "Web")
    },
}


def make(root: Path) -> Path:
    """Write the repository's files under `root` (git is the caller's business)."""
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
