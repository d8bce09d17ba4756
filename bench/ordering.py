"""Time the ordering analysis on a generated 10,000-stage pipeline (a script, not a test).

    .venv/bin/python bench/ordering.py [STAGES]

The pipeline is deterministic: waves of 4 parallel stages; each stage crosses three barriers
of its wave in one order (some inside step groups and step-level parallel blocks, every tenth
wave looped), every fiftieth wave holds a cross-barrier inversion, so the analysis has real
deadlocks to explain. Prints the time to load, build the model, and analyse (graph + rules).
"""

from __future__ import annotations

import sys
import time

from barrierlint import engine, model, source
from barrierlint.graph import analyze


def barrier(identifier: str, ref: str, indent: str) -> str:
    return f"{indent}- step: {{identifier: {identifier}, name: {identifier}, type: Barrier, timeout: 10m, spec: {{barrierRef: {ref}}}}}\n"


def generate(stages: int) -> str:
    waves = stages // 4
    out = ["pipeline:\n  identifier: bench\n  name: bench\n  flowControl:\n    barriers:\n"]
    out += [f"      - {{identifier: w{w}_{k}, name: w{w}_{k}}}\n" for w in range(waves) for k in range(3)]
    out.append("  stages:\n")
    for w in range(waves):
        out.append("    - parallel:\n")
        for s in range(4):
            order = [0, 1, 2] if not (w % 50 == 49 and s == 3) else [2, 1, 0]
            refs = [f"w{w}_{k}" for k in order]
            out.append(f"        - stage:\n            identifier: s{w}_{s}\n            name: s{w}_{s}\n            type: Custom\n")
            if w % 10 == 0:
                out.append("            strategy:\n              matrix:\n                region: [eu, us]\n")
            out.append("            spec:\n              execution:\n                steps:\n")
            out.append("                  - step: {identifier: work, name: work, type: ShellScript, timeout: 10m, spec: {}}\n")
            out.append(barrier("a", refs[0], "                  "))
            out.append("                  - stepGroup:\n                      identifier: g\n                      name: g\n                      steps:\n")
            out.append(barrier("b", refs[1], "                        "))
            out.append("                  - parallel:\n")
            out.append(barrier("c", refs[2], "                      "))
            out.append("                      - step: {identifier: d, name: d, type: ShellScript, timeout: 10m, spec: {}}\n")
    return "".join(out)


def main() -> None:
    stages = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    text = generate(stages)
    start = time.perf_counter()
    doc = source.load("bench.yaml", text.encode())
    loaded = time.perf_counter()
    (pipeline,) = model.build(doc)
    built = time.perf_counter()
    result = analyze(pipeline)
    analysed = time.perf_counter()
    project = engine.build_project([doc], engine.Settings())
    findings = engine.run_rules(project, engine.select(["BL201", "BL301", "BL302", "BL303", "BL401", "BL402"]))
    ruled = time.perf_counter()
    print(f"{stages} stages, {len(text) / 1e6:.1f} MB YAML, {len(result.occurrences)} barrier occurrences, "
          f"graph {result.graph.number_of_nodes()} nodes / {result.graph.number_of_edges()} edges")
    print(f"load {loaded - start:.2f} s, model {built - loaded:.2f} s, analyse {analysed - built:.2f} s, "
          f"model + analyse + rules again {ruled - analysed:.2f} s")
    print(f"{len(result.deadlocks)} deadlocks, {len(findings)} findings")


if __name__ == "__main__":
    main()
