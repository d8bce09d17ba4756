"""Helpers for the hostile-input tests: run the command in-process as `barrierlint` would,
analyse bytes in memory, and build the inputs (a pipeline using every field the model reads,
alias bombs, deep nesting)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from barrierlint import engine
from barrierlint.cli import app
from barrierlint.project import Settings
from barrierlint import report
from barrierlint.rule import select

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"  # shared/ beside the clone
if not CORPUS.is_dir():  # a worktree of the workplace
    CORPUS = Path("/work/shared/corpus/real")
CORPUS_FILES = sorted(CORPUS.glob("*.yaml"))


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_cli(*args: str, stdin: bytes | None = None) -> Outcome:
    """`barrierlint ARGS` in-process. An exception other than SystemExit is what main() turns
    into exit 3 ("internal error"): it is re-raised so the test shows the traceback."""
    result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_process(*args: str, cwd: str | None = None, timeout: float = 120, memory: int | None = None) -> Outcome:
    """`barrierlint ARGS` as a real process (a crash in C or a hang is visible only there),
    within `timeout` seconds and, if given, `memory` bytes of address space (past it, Python
    raises MemoryError and the command ends with exit 3)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("BARRIERLINT_DEBUG", None)

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    done = subprocess.run(
        [sys.executable, "-m", "barrierlint", *args], capture_output=True, cwd=cwd, env=env, timeout=timeout,
        preexec_fn=cap if memory else None,
    )
    out, err = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in out + err, err
    assert done.returncode in (0, 1, 2), f"exit {done.returncode}: {err}"
    return Outcome(done.returncode, out, err)


def analyse(data: bytes, path: str = "input.yaml", explicit: bool = True) -> tuple[list, list[str]]:
    """Every stage of a check on bytes in memory, every rule, the reporters: (findings, errors).
    Oracles: values from the YAML and the file name never break a line or reach the terminal
    raw, and no output starts a CI command it should not (`assert_log_safe`)."""
    result = engine.analyse([engine.Input(path, data, explicit)], select(), Settings(), engine.Result())
    text = report.render("text", result)
    for line in text.split("\n"):
        assert line.replace("\t", " ").isprintable(), line
    assert_log_safe(text, report.render("github", result), report.render("json", result))
    return result.findings, result.errors


def commands(output: str) -> list[str]:
    """The lines of `output` GitHub's runner would take as workflow commands, split as it splits
    them: starting with `::` after blanks, or holding `##[` (or Azure's `##vso[`) anywhere."""
    return [line for line in re.split(r"\r\n|\r|\n", output) if line.lstrip().startswith("::") or "##[" in line or "##vso[" in line.lower()]


_OWN_ANNOTATION = re.compile(r"::(error|warning|notice) file=[^:,]*,line=\d+(,col=\d+)?,endLine=\d+(,endColumn=\d+)?,title=BL\d{3} [a-z-]+::[^\x00-\x1f\x7f]*")


def assert_log_safe(text: str, github: str, json_text: str = "") -> None:
    """The CI-log oracle: text and JSON start no command; GitHub annotations are exactly one
    command of our own per line, with no control character."""
    assert commands(text) == [], commands(text)
    assert commands(json_text) == [], commands(json_text)
    lines = github.split("\n")
    assert lines[-1] == "" and all(_OWN_ANNOTATION.fullmatch(line) for line in lines[:-1]), github


# A pipeline that uses every field the model reads, with one barrier mistake (an undeclared
# reference) so that a run has something to report.
EVERY_FIELD = """\
pipeline:
  identifier: every_field
  name: every field
  orgIdentifier: default
  projectIdentifier: demo
  flowControl:
    barriers:
      - identifier: ready
        name: ready
      - identifier: done
        name: done
  stages:
    - stage:
        identifier: build
        name: build
        type: Custom
        timeout: 1h
        when:
          pipelineStatus: Success
          condition: <+pipeline.variables.go> == "yes"
        failureStrategies:
          - onFailure:
              errors: [AllErrors]
              action:
                type: Retry
                spec:
                  retryCount: 2
                  retryIntervals: [10s]
                  onRetryFailure:
                    action:
                      type: MarkAsFailure
        strategy:
          matrix:
            region: [eu, us, ap]
            size: [small, large]
            exclude:
              - region: ap
                size: large
            maxConcurrency: 2
        spec:
          execution:
            steps:
              - step:
                  identifier: wait_ready
                  name: wait ready
                  type: Barrier
                  timeout: 10m
                  when:
                    stageStatus: Success
                  spec:
                    barrierRef: ready
              - parallel:
                  - step:
                      identifier: shell
                      name: shell
                      type: ShellScript
                      timeout: 5m
                      strategy:
                        repeat:
                          items: [a, b]
                          maxConcurrency: 1
                      spec:
                        shell: Bash
                        source:
                          type: Inline
                          spec:
                            script: echo hi
                  - stepGroup:
                      identifier: group
                      name: group
                      when:
                        stageStatus: All
                      strategy:
                        parallelism: 2
                      failureStrategies:
                        - onFailure:
                            errors: [Timeout]
                            action:
                              type: Ignore
                      steps:
                        - step:
                            identifier: wait_done
                            name: wait done
                            type: Barrier
                            timeout: 10m
                            spec:
                              barrierRef: done
                      rollbackSteps:
                        - step:
                            identifier: undo
                            name: undo
                            type: ShellScript
                            spec: {}
              - insert:
                  steps:
                    - step:
                        identifier: from_template
                        name: from template
                        template:
                          templateRef: account.barrier_step
                          versionLabel: v1
                          templateInputs:
                            type: Barrier
                            spec:
                              barrierRef: typo_ready
            rollbackSteps:
              - step:
                  identifier: rollback_wait
                  name: rollback wait
                  type: Barrier
                  timeout: 10m
                  spec:
                    barrierRef: done
    - parallel:
        - stage:
            identifier: deploy
            name: deploy
            type: Deployment
            dependsOn: [build]
            spec:
              services:
                values:
                  - serviceRef: api
                  - serviceRef: web
                metadata:
                  parallel: false
              environments:
                values:
                  - environmentRef: prod
                    infrastructureDefinitions:
                      - identifier: k8s_eu
                      - identifier: k8s_us
                metadata:
                  parallel: true
              execution:
                steps:
                  - step:
                      identifier: wait_ready
                      name: wait ready
                      type: Barrier
                      timeout: 10m
                      spec:
                        barrierRef: ready
        - stage:
            identifier: legacy
            name: legacy
            type: Custom
            spec:
              executions:
                - steps:
                    - step:
                        identifier: wait_done
                        name: wait done
                        type: Barrier
                        timeout: 10m
                        spec:
                          barrierRef: done
    - stage:
        identifier: child
        name: child
        type: Pipeline
        spec:
          org: default
          project: demo
          pipeline: child_pipeline
          inputs:
            identifier: child_pipeline
            stages:
              - stage:
                  identifier: inner
                  type: Custom
                  spec:
                    execution:
                      steps:
                        - step:
                            identifier: join
                            type: Barrier
                            spec:
                              barrierRef: parent.ready
    - stage:
        identifier: templated
        name: templated
        template:
          templateRef: org.deploy_stage
          versionLabel: "2"
    - stage:
        identifier: env_group
        name: env group
        type: Deployment
        spec:
          environmentGroup:
            envGroupRef: all
            metadata:
              parallel: false
          execution:
            steps: []
    - insert:
        stages:
          - stage:
              identifier: inserted
              name: inserted
              type: Custom
              strategy:
                repeat:
                  times: 3
              spec:
                execution:
                  steps: []
"""


def laughs(levels: int, width: int, leaf: str, wrap: str = "{}") -> str:
    """Anchors `l0..l{levels}` under a key `x{n}` each (indented for `pipeline:`): `l{n}` is a
    list of `width` items, each `wrap` around an alias to `l{n-1}`, and `l0` is `leaf`. The last
    one stands for width**levels leaves while the text stays tiny."""
    lines = [f"  x0: &l0 {leaf}"]
    for level in range(1, levels + 1):
        item = wrap.format(f"*l{level - 1}")
        lines.append(f"  x{level}: &l{level} [{', '.join([item] * width)}]")
    return "\n".join(lines) + "\n"


def _stage(i: int, ref: str = "ready", extra: str = "") -> str:
    """One stage list item on one line: a Custom stage with one Barrier step."""
    step = f"{{step: {{identifier: w, name: w, type: Barrier, timeout: 1m, spec: {{barrierRef: {ref}}}}}}}"
    return f"{{stage: {{identifier: s{i}, name: s{i}, type: Custom, {extra}spec: {{execution: {{steps: [{step}]}}}}}}}}"


def _many(size: int, item) -> list[str]:
    """item(0), item(1), ... until their text reaches `size` characters."""
    items, total = [], 0
    while total < size:
        items.append(item(len(items)))
        total += len(items[-1]) + 1
    return items


_HEAD = "pipeline:\n  identifier: p\n  name: p\n  flowControl:\n    barriers:\n      - {identifier: ready, name: ready}\n"
_PARALLEL = "  stages:\n    - parallel:\n"

# name -> a pipeline of about `size` characters that is pathological in one way
PATHOLOGICAL = {
    "deep": lambda size: "# pipeline:\n" + "[" * (size // 2) + "]" * (size // 2),
    "wide-list": lambda size: "pipeline:\n  identifier: p\n  name: p\n  stages: [" + ", ".join(["1"] * (size // 3)) + "]\n",
    "wide-mapping": lambda size: _HEAD + "  x:\n" + "".join(_many(size, lambda i: f"    k{i}: 1\n")) + "  stages:\n    - " + _stage(0) + "\n",
    "wide-stages": lambda size: _HEAD + _PARALLEL + "".join(f"        - {s}\n" for s in _many(size, _stage)),
    "many-aliases": lambda size: _HEAD + "  a: &a {step: {identifier: w, name: w, type: Barrier, timeout: 1m, spec: {barrierRef: ready}}}\n"
    + "  stages: [{stage: {identifier: s, name: s, type: Custom, spec: {execution: {steps: [" + ", ".join(["*a"] * (size // 4)) + "]}}}}]\n",
    "huge-scalar": lambda size: _HEAD + "  stages:\n    - " + _stage(0, ref="r" * size) + "\n",
    "aliased-huge-scalar": lambda size: _HEAD + f"  x: &n {'n' * (size // 2)}\n" + _PARALLEL
    + "".join(f"        - {_stage(i, ref='*n')}\n" for i in range(1000)),
    "huge-script": lambda size: _HEAD + "  stages:\n    - " + _stage(0) + "\n    - stage:\n        identifier: t\n        name: t\n"
    "        type: Custom\n        spec:\n          execution:\n            steps:\n              - step:\n                  identifier: run\n"
    "                  name: run\n                  type: ShellScript\n                  spec:\n                    script: |\n"
    + "                      echo hello world\n" * (size // 40),
    "huge-loop-counts": lambda size: _HEAD + _PARALLEL
    + "".join(f"        - {s}\n" for s in _many(size, lambda i: _stage(i, extra="strategy: {repeat: {times: 2147483647}}, "))),
    "huge-matrix": lambda size: _HEAD + "  stages:\n    - "
    + _stage(0, extra="strategy: {matrix: {" + ", ".join(f"{axis}: [{', '.join(map(str, range(size // 40)))}]" for axis in "abcd") + "}}, ") + "\n",
    "thousands-of-barriers": lambda size: "pipeline:\n  identifier: p\n  name: p\n  flowControl:\n    barriers:\n"
    + "".join(f"      - {{identifier: b{i}, name: b{i}}}\n" for i in range(size // 420)) + _PARALLEL
    + "".join(f"        - {_stage(i, ref=f'b{i // 2}')}\n" for i in range(2 * (size // 420))),
    "one-giant-line": lambda size: "{pipeline: {identifier: p, name: p, flowControl: {barriers: [{identifier: ready, name: ready}]}, stages: [{parallel: ["
    + ", ".join(_many(size, lambda i: _stage(i, ref=f"nope{i}"))) + "]}]}}\n",
}
