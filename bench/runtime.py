"""Benchmark of the reference runtime (not a test): simulate a 10,000-stage pipeline.

    .venv/bin/python bench/runtime.py [STAGES]

The pipeline alternates parallel pairs of stages that meet at a barrier with single stages of
two work steps, so every barrier has participants, positions and an evaluation. Prints the CPU
time (user + system, so other processes on the machine do not count) to build the model and to
simulate, and the events processed.
"""

from __future__ import annotations

import gc
import sys
import time

from barrierlint import model, source
from barrierlint.runtime import Scenario, simulate


def pipeline_text(stages: int) -> str:
    lines = ["pipeline:", "  identifier: big", "  name: big", "  flowControl:", "    barriers:"]
    pairs = stages // 3
    lines += [f"      - {{identifier: b{i}, name: b{i}}}" for i in range(pairs)]
    lines.append("  stages:")
    for i in range(pairs):
        lines.append("    - parallel:")
        for side in ("a", "b"):
            lines += [
                f"        - stage: {{identifier: s{i}{side}, name: s{i}{side}, type: Custom, spec: {{execution: {{steps: [",
                f"            {{step: {{identifier: w, name: w, type: ShellScript, timeout: 10m, spec: {{}}}}}},",
                f"            {{step: {{identifier: x, name: x, type: Barrier, timeout: 10m, spec: {{barrierRef: b{i}}}}}}}]}}}}}}",
            ]
        lines.append(
            f"    - stage: {{identifier: t{i}, name: t{i}, type: Custom, spec: {{execution: {{steps: ["
            "{step: {identifier: u, name: u, type: ShellScript, timeout: 10m, spec: {}}}, "
            "{step: {identifier: v, name: v, type: ShellScript, timeout: 10m, spec: {}}}]}}}"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Times are CPU seconds of this process (robust to other load on the machine); the
    collector is off, as in the console script."""
    gc.disable()
    stages = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    text = pipeline_text(stages)
    start = time.process_time()
    pipeline = model.build(source.load("big.yaml", text.encode()))[0]
    built = time.process_time()
    run = simulate(pipeline, Scenario())
    done = time.process_time()
    count = len(list(model.stages(pipeline)))
    print(f"{count} stages, {len(run.nodes)} nodes, {len(run.events)} events, {len(run.instances)} barriers: {run.status}")
    print(f"CPU time: load + model {built - start:.3f} s, simulate {done - built:.3f} s")


if __name__ == "__main__":
    main()
