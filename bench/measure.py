"""One measurement, run in a fresh process by bench/run.py, which reads its peak memory.

    python bench/measure.py parse TREE            # whole process: read + compose every file
    python bench/measure.py inprocess TREE REPEAT # check vs parse-only, in one warm process
    python bench/measure.py size FILE REPEAT WARM # barrierlint on one (large) pipeline
    python bench/measure.py jobs TREE N           # check --jobs N: CPU of this process and of each worker

Prints one JSON object. Only `yaml` is imported before `parse` runs, so that task is the
honest whole-process floor: the interpreter, PyYAML and the C loader, nothing of barrierlint.
The cyclic garbage collector is off in every task, as in barrierlint's console script.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections import defaultdict

SUFFIXES = (".yaml", ".yml")


def files(root: str) -> list[str]:
    """Every YAML file under a folder, in a stable order (what `barrierlint check` would read)."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        found += [os.path.join(folder, name) for name in sorted(names) if name.endswith(SUFFIXES)]
    return found


def parse(paths: list[str]) -> int:
    """Read and compose every document with PyYAML's C loader: nodes with positions, no objects."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    nodes = 0
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            nodes += sum(1 for _ in yaml.compose_all(data, Loader=loader))
        except yaml.YAMLError:
            pass  # a broken file costs its parse all the same
    return nodes


def clock(function, repeat: int) -> dict:
    """Best and median wall and CPU seconds over `repeat` calls (after one warm-up call)."""
    function()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    walls.sort()
    cpus.sort()
    return {"wall": walls[len(walls) // 2], "wall_min": walls[0], "cpu": cpus[len(cpus) // 2], "cpu_min": cpus[0]}


def main(argv: list[str]) -> dict:
    task, target = argv[0], argv[1]
    if task == "parse":
        paths = files(target)
        return {"documents": parse(paths), "files": len(paths)}
    from barrierlint import engine
    from barrierlint.project import Settings

    unlimited = Settings(max_file_size=1 << 30)  # the 5 MB default would refuse the largest pipelines

    repeat = int(argv[2]) if len(argv) > 2 else 3
    if task == "inprocess":
        paths = files(target)
        findings = len(engine.check([target], settings=unlimited).findings)
        return {
            "files": len(paths),
            "findings": findings,
            "check": clock(lambda: engine.check([target], settings=unlimited), repeat),
            "parse": clock(lambda: parse(paths), repeat),
        }
    if task == "jobs":
        return jobs(target, int(argv[2]))
    if task == "size":  # argv: size FILE REPEAT WARM-UP-FILE (a small pipeline of the same kind)
        engine.check([argv[3]], settings=unlimited)  # rule discovery and lazy imports are paid before the clock starts
        timings = []
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            result = engine.check([target], settings=unlimited)
            timings.append((time.process_time() - cpu, time.perf_counter() - wall))
        cpu, wall = sorted(timings)[len(timings) // 2]
        return {"findings": len(result.findings), "errors": result.errors, "cpu": cpu, "wall": wall}
    raise SystemExit(f"unknown task {task!r}")


def jobs(tree: str, count: int) -> dict:
    """What the console script does for `check --jobs N TREE`, with the CPU time of this process
    and of each worker process (summed over the parts it checked)."""
    from barrierlint import engine, parallel, report

    workers: dict[int, float] = defaultdict(float)
    entangled = parallel._entangled

    def collect(parts):
        parts = list(parts)
        for part in parts:
            workers[part.cpu[0]] += part.cpu[1]
        return entangled(parts)

    global _CHECK
    _CHECK, parallel._check, parallel._entangled = parallel._check, _timed, collect
    result = engine.check([tree], jobs=count, settings=engine.Settings(max_file_size=1 << 30))
    report.render("text", result, colour=False, category="barrierlint")
    return {"main": time.process_time(), "workers": sorted(workers.values()), "findings": len(result.findings)}


_CHECK = None  # the worker's own function, wrapped by _timed (workers are forked: they see it)


def _timed(work):
    """A part checked in a worker, with how much CPU time it took and in which process."""
    start = time.process_time()
    part = _CHECK(work)
    part.cpu = (os.getpid(), time.process_time() - start)
    return part


if __name__ == "__main__":
    gc.disable()
    json.dump(main(sys.argv[1:]), sys.stdout)
    sys.stdout.write("\n")
