"""One measurement, run in a fresh process by bench/run.py, which reads its peak memory.

    python bench/measure.py parse PATH                 # whole process: read + compose a file or every file of a folder
    python bench/measure.py inprocess TREE REPEAT      # check vs parse-only, in one warm process
    python bench/measure.py command REPEAT WARM FILE ARGS...
                                                       # `barrierlint ARGS FILE` vs parse-only of FILE, in one warm process
    python bench/measure.py jobs TREE N|default        # `barrierlint check [--jobs N] TREE`: CPU and peak memory of each process

Prints one JSON object. Only `yaml` is imported before `parse` runs, so that task is the
honest whole-process floor: the interpreter, PyYAML and the C loader, nothing of barrierlint.
The cyclic garbage collector is off in every task, as in barrierlint's console script.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

SUFFIXES = (".yaml", ".yml")
POLL = 0.02  # seconds between two looks at the processes of a `jobs` run


def files(root: str) -> list[str]:
    """A file, or every YAML file under a folder in a stable order (what `barrierlint check` would read)."""
    if os.path.isfile(root):
        return [root]
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


def clock(function, repeat: int, warmup: bool = True) -> dict:
    """Median and best wall and CPU seconds over `repeat` calls (after one warm-up call). What
    earlier calls left is collected before each call, off the clock: with the collector off,
    their cycles would stay, and each call would run beside the heaps of all earlier ones."""
    if warmup:
        function()
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
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
    if task == "jobs":
        return jobs(target, argv[2])
    if task == "command":
        return command(int(argv[1]), argv[2], argv[3], argv[4:])
    if task == "inprocess":
        from barrierlint import engine
        from barrierlint.project import Settings

        unlimited = Settings(max_file_size=1 << 30)  # the 5 MB default would refuse the largest pipelines
        repeat = int(argv[2])
        paths = files(target)
        findings = len(engine.check([target], settings=unlimited, jobs=1, keep_project=False).findings)  # the warm-up
        return {
            "files": len(paths),
            "findings": findings,
            "check": clock(lambda: engine.check([target], settings=unlimited, jobs=1, keep_project=False), repeat, warmup=False),
            "parse": clock(lambda: parse(paths), repeat, warmup=False),  # the files were just read
        }
    raise SystemExit(f"unknown task {task!r}")


def command(repeat: int, warm: str, target: str, args: list[str]) -> dict:
    """The command line `barrierlint ARGS TARGET` run in this process through the typer
    application, after one run on the small file `warm` (lazy imports and rule discovery are
    paid before the clock starts), against composing TARGET in the same process. Standard output
    goes to /dev/null while barrierlint runs; a run that fails (exit code above 1) is reported
    with the first line barrierlint wrote on standard error."""
    from barrierlint.cli import app

    def run(path: str) -> int:
        try:
            code = app([*args, path], prog_name="barrierlint", standalone_mode=False)
        except SystemExit as exit:
            code = exit.code
        return code or 0

    saved = os.dup(1), os.dup(2)
    errors = tempfile.TemporaryFile()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(errors.fileno(), 2)
    try:
        run(warm)
        codes = []
        timing = clock(lambda: codes.append(run(target)), repeat, warmup=False)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
    failed = next((code for code in codes if code not in (0, 1)), None)
    if failed is not None:
        errors.seek(0)
        return {"exit": failed, "error": errors.read().decode(errors="replace").strip().splitlines()[-1:]}
    paths = [target]
    return {"barrierlint": timing, "parse": clock(lambda: parse(paths), repeat, warmup=False), "exit": codes[0]}


def jobs(tree: str, count: str) -> dict:
    """`barrierlint check [--jobs N] TREE` as a process of its own (`default`: no --jobs option),
    with the CPU time and peak resident set of each of its processes.

    The workers are found and read from /proc every POLL seconds (a worker's last POLL seconds
    can be missed: its figures are at most that stale). `largest_kib` is exact: the ru_maxrss
    that wait4 reports, the peak of the largest process of the run (main or worker). This
    process stays small (no yaml, no barrierlint), since Linux lets a child's ru_maxrss start
    from its parent's. The main process's CPU is the run's total less its workers'."""
    command = [sys.executable, "-m", "barrierlint", "check", *([] if count == "default" else ["--jobs", count]), tree]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    output = bytearray()
    os.set_blocking(process.stdout.fileno(), False)
    family = {process.pid}
    seen: set[int] = set()
    last: dict[int, tuple[float, int]] = {}  # pid -> (CPU seconds, VmHWM KiB) when last read
    ticks = os.sysconf("SC_CLK_TCK")
    while True:
        chunk = _drain(process.stdout)
        output += chunk
        waited, status, usage = os.wait4(process.pid, os.WNOHANG)
        if waited:
            break
        for pid in _pids() - seen:
            seen.add(pid)
            parent = _stat(pid)
            if parent and int(parent[1]) in family:
                family.add(pid)
        for pid in family:
            stat, peak = _stat(pid), _peak(pid)
            if stat and peak is not None:
                last[pid] = ((int(stat[11]) + int(stat[12])) / ticks, peak)
        time.sleep(POLL)
    wall = time.perf_counter() - start
    output += process.stdout.read() or b""
    workers = [last[pid] for pid in sorted(family - {process.pid}) if pid in last]
    total = usage.ru_utime + usage.ru_stime
    return {
        "command": command[3:],
        "wall": wall,
        "total_cpu": total,
        "main_cpu": total - sum(cpu for cpu, _ in workers),
        "main_kib": last.get(process.pid, (0, 0))[1],
        "workers": [{"cpu": cpu, "peak_kib": peak} for cpu, peak in workers],
        "largest_kib": usage.ru_maxrss,
        "exit": os.waitstatus_to_exitcode(status),
        "output_sha256": hashlib.sha256(output).hexdigest(),
    }


def _drain(stream) -> bytes:
    try:
        return stream.read() or b""
    except BlockingIOError:
        return b""


def _pids() -> set[int]:
    return {int(name) for name in os.listdir("/proc") if name.isdigit()}


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: [0] state, [1] parent, [11] utime, [12] stime."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rpartition(")")[2].split()
    except OSError:
        return None


def _peak(pid: int) -> int | None:
    """VmHWM of /proc/PID/status: the process's peak resident set, in KiB."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next((int(line.split()[1]) for line in handle if line.startswith("VmHWM:")), None)
    except OSError:
        return None


if __name__ == "__main__":
    gc.disable()
    json.dump(main(sys.argv[1:]), sys.stdout)
    sys.stdout.write("\n")
