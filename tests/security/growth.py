"""Hostile inputs that grow with a parameter `n`, one per way a command's cost used to grow
faster than its input (issue 21, item 3), and a probe that runs a command in a fresh process and
reports its CPU time and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import signal
import tempfile
from dataclasses import dataclass


def _step(identifier: str, ref: str, comment: str = "") -> str:
    return f"{{step: {{identifier: {identifier}, name: {identifier}, type: Barrier, timeout: 1m, spec: {{barrierRef: {ref}}}}}}}{comment}"


def _stage(identifier: str, steps: list[str], extra: str = "") -> str:
    return f"{{stage: {{identifier: {identifier}, name: {identifier}, type: Custom, {extra}spec: {{execution: {{steps: [{', '.join(steps)}]}}}}}}}}"


def _pipeline(barriers: list[str], stage_lines: list[str]) -> str:
    declared = "".join(f"      - {{identifier: {b}, name: {b}}}\n" for b in barriers)
    return (
        "pipeline:\n  identifier: p\n  name: p\n  flowControl:\n    barriers:\n" + declared
        + "  stages:\n    - parallel:\n" + "".join(f"        - {line}\n" for line in stage_lines)
    )


def suppressions(n: int) -> str:
    """n lone barriers (a BL103 finding each) and n suppression comments that name other rules,
    one above each stage: every comment is read and matched against the findings near it."""
    barriers = [f"b{i}" for i in range(n)]
    lines = []
    for i in range(n):
        lines.append(f"# barrierlint: ignore[BL301] not this one\n        - {_stage(f's{i}', [_step('w', f'b{i}')])}")
    declared = "".join(f"      - {{identifier: {b}, name: {b}}}\n" for b in barriers)
    return (
        "pipeline:\n  identifier: p\n  name: p\n  flowControl:\n    barriers:\n" + declared
        + "  stages:\n    - parallel:\n" + "".join(f"        {line}\n" for line in lines)
    )


def crossed_barriers(n: int) -> str:
    """n barriers crossed in one order by one stage and in the opposite order by another: one
    wait-for cycle through every barrier (a single strongly connected component of size ~n)."""
    barriers = [f"b{i}" for i in range(n)]
    forward = _stage("up", [_step(f"u{i}", b) for i, b in enumerate(barriers)])
    backward = _stage("down", [_step(f"d{i}", b) for i, b in enumerate(reversed(barriers))])
    return _pipeline(barriers, [forward, backward])


def reused_barriers(n: int) -> str:
    """n barriers each crossed twice in a row by one stage and once by another: n reused barriers
    in one component, each of which the ordering analysis explains."""
    barriers = [f"b{i}" for i in range(n)]
    twice = _stage("twice", [_step(f"t{i}_{k}", b) for i, b in enumerate(barriers) for k in (0, 1)])
    once = _stage("once", [_step(f"o{i}", b) for i, b in enumerate(barriers)])
    return _pipeline(barriers, [twice, once])


def lone_barriers(n: int) -> str:
    """n barriers with one participant each (n BL103 findings to verify)."""
    barriers = [f"b{i}" for i in range(n)]
    return _pipeline(barriers, [_stage(f"s{i}", [_step("w", b)]) for i, b in enumerate(barriers)])


def undeclared(n: int) -> str:
    """n references to barriers that are not declared, among n declared ones (n BL101 findings,
    each with a suggestion)."""
    barriers = [f"barrier_{i:06d}" for i in range(n)]
    steps = [_step(f"s{i}", f"barier_{i:06d}x") for i in range(n)]
    return _pipeline(barriers, [_stage("s", steps)])


def rollback_stalls(n: int) -> str:
    """n stages holding a barrier each in their rollbackSteps, beside one stage that crosses all
    n barriers in its normal flow (n BL303 findings)."""
    barriers = [f"b{i}" for i in range(n)]
    owners = [
        f"{{stage: {{identifier: r{i}, name: r{i}, type: Custom, spec: {{execution: {{steps: [{{step: {{identifier: work, name: work, type: ShellScript, "
        f"timeout: 10m, spec: {{}}}}}}], rollbackSteps: [{_step('undo', b)}]}}}}}}}}"
        for i, b in enumerate(barriers)
    ]
    return _pipeline(barriers, [*owners, _stage("normal", [_step(f"n{i}", b) for i, b in enumerate(barriers)])])


def endless_loops(n: int) -> str:
    """n stages each repeating a step a billion times (the run must stop at its budget)."""
    return _pipeline(["ready"], [
        _stage(f"s{i}", [_step("w", "ready"), "{step: {identifier: work, name: work, type: ShellScript, timeout: 10m, spec: {}}}"],
               extra="strategy: {repeat: {times: 1000000000, maxConcurrency: 1}}, ")
        for i in range(n)
    ])


def _queue(identifier: str, key: str) -> str:
    return f"{{step: {{identifier: {identifier}, name: {identifier}, type: Queue, timeout: 1h, spec: {{key: {key}, scope: Stage}}}}}}"


def queue_keys(n: int) -> str:
    """n Queue keys, each taken by two parallel stages before the barrier they share (n BL304
    findings, each with its own key and two contenders)."""
    barriers = [f"b{i}" for i in range(n)]
    return _pipeline(barriers, [
        _stage(f"s{i}_{side}", [_queue("lock", f"k{i}"), _step("w", b)]) for i, b in enumerate(barriers) for side in (0, 1)
    ])


def shared_infrastructure(n: int) -> str:
    """n parallel Deploy stages of one service on one environment and infrastructure (one
    resource constraint with n contenders), met in pairs at n/2 barriers."""
    barriers = [f"b{i}" for i in range(max(n // 2, 1))]
    deploy = (
        "type: Deployment, spec: {{deploymentType: Kubernetes, service: {{serviceRef: web}}, environment: {{environmentRef: prod, "
        "infrastructureDefinitions: [{{identifier: k8s}}]}}, execution: {{steps: [{step}]}}}}"
    )
    return _pipeline(barriers, [
        f"{{stage: {{identifier: d{i}, name: d{i}, {deploy.format(step=_step('w', barriers[i // 2 % len(barriers)]))}}}}}" for i in range(n)
    ])


def parallel_pairs(n: int) -> str:
    """n parallel groups in a row, two stages each that meet at their own barrier (n frames in
    the diagram, each wrapping two of 2n stage lanes)."""
    barriers = [f"b{i}" for i in range(n)]
    declared = "".join(f"      - {{identifier: {b}, name: {b}}}\n" for b in barriers)
    groups = "".join(
        "    - parallel:\n" + "".join(f"        - {_stage(f's{i}{side}', [_step('w', b)])}\n" for side in 'ab') for i, b in enumerate(barriers)
    )
    return "pipeline:\n  identifier: p\n  name: p\n  flowControl:\n    barriers:\n" + declared + "  stages:\n" + groups


KINDS = {
    "suppressions": suppressions,
    "crossed-barriers": crossed_barriers,
    "reused-barriers": reused_barriers,
    "rollback-stalls": rollback_stalls,
    "lone-barriers": lone_barriers,
    "undeclared": undeclared,
    "endless-loops": endless_loops,
    "queue-keys": queue_keys,
    "shared-infrastructure": shared_infrastructure,
    "parallel-pairs": parallel_pairs,
}


@dataclass
class Cost:
    cpu: float  # seconds, user + system, of the command's process
    peak: int  # bytes, the process's peak resident set
    code: int
    err: str


# Runs the command as its own child and reports what that cost. Measured from this small
# launcher, not from the test process: on Linux a child's peak resident set counts what it
# inherited at fork, so a child of a large pytest process would seem as large as pytest.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write(f"\\nCOST {os.waitstatus_to_exitcode(status)} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss * 1024}\\n")
"""


def cost(args: list[str], cwd: str, timeout: float = 120) -> Cost:
    """Run `barrierlint ARGS` in a fresh process: its exit code, CPU time and peak memory."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    with tempfile.TemporaryFile() as err:
        launcher = subprocess.Popen([sys.executable, "-c", _LAUNCHER, sys.executable, "-m", "barrierlint", *args],
                                    stdout=subprocess.DEVNULL, stderr=err, cwd=cwd, env=env, start_new_session=True)
        try:
            launcher.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)  # the launcher and the command it runs
            launcher.wait()
            raise TimeoutError(f"barrierlint {' '.join(args)} ran longer than {timeout} s") from None
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    head, _, tail = text.rpartition("\nCOST ")
    code, cpu, peak = tail.split()
    return Cost(float(cpu), int(peak), int(code), head)


def write(folder: str, name: str, text: str) -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


if __name__ == "__main__":  # a quick look: python tests/security/growth.py KIND N [COMMAND...]
    kind, n, *command = sys.argv[1:]
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, "p.yaml", KINDS[kind](int(n)))
        measured = cost([*(command or ["check"]), "--max-file-size", "50MB", path] if (command or ["check"])[0] == "check" else [*command, path], folder, timeout=3600)
        print(json.dumps({"kind": kind, "n": int(n), "bytes": os.path.getsize(path), "cpu": measured.cpu, "peak_mb": measured.peak >> 20, "code": measured.code}))
        print(measured.err[-600:])
