"""barrierlint's benchmark: every figure of issue 18 beside its target, in one run.

    .venv/bin/python bench/run.py                # everything: a few minutes
    .venv/bin/python bench/run.py --only a,f,g   # some sections
    .venv/bin/python bench/run.py --source /work/main   # measure another checkout with this bench
    .venv/bin/python bench/run.py --full         # adds 100,000 stages (about 9 GiB), repeats every run

It generates its inputs once, deterministically (bench/generate.py), in a folder outside any git
repository (so that a single file is checked on its own, not in this repository's project): a
tree of 2,000 pipeline files (the real corpus plus synthetic pipelines), 40-stage files with and
without Barrier steps, pipelines of 1,000, 3,000 and 10,000 stages and one of 1,500 parallel
pairs of stages with flow-style steps. Then, each figure as a ratio to composing the same YAML
with PyYAML's C loader with the garbage collector off (the floor), unless the row says otherwise:

  (a) `check` over the tree in one warm process, and as whole processes (`--jobs 1`);
  (b) `check` on each large pipeline in a warm process, and growth with size (exponent);
  (c) cold start of `check FILE` against `python -c "import yaml"`;
  (d) the reference runtime on a 10,000-stage pipeline (bench/runtime.py);
  (e) `check` with no --jobs option (the default) and with `--jobs 2` against `--jobs 1`;
  (f) peak memory: the tree with `--jobs 1` and per process with `--jobs 2`, one 10,000-stage pipeline;
  (g) `check --verify` and `graph -o x.svg` on each large pipeline in a warm process;
  (h) what pre-commit runs: `check FILE` for one changed file of the tree made a git repository.

Verdicts use CPU time (user + system), which other load on a shared machine barely changes;
wall times and the load average are printed beside them. (e) is judged by the critical path in
CPU time (the main process plus the busiest worker: the wall time on idle cores). Peak memory is
the largest resident set of a process (/usr/bin/time %M; per process for --jobs, see
bench/measure.py); targets in MB are 10^6 bytes. Single runs by default, medians with --full;
cold starts are medians of 7 runs.

barrierlint runs from a regular, compiled install in WORK/venv (its dependencies are this
environment's), as users install it: the editable install of a working tree adds an import hook
to every start-up, and PYTHONDONTWRITEBYTECODE would leave its modules uncompiled. The floor,
`import yaml` and yamllint run with the same interpreter. Results also go to WORK/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/ is not a package)

PYTHON = sys.executable
SECTIONS = "abcdefgh"
TREE_FILES = 2000
GROWTH = (1_000, 3_000, 10_000)  # stages of the existing shape; 3,000 and 10,000 are also (b)/(g) inputs
PAIRS = 1_500
RUNTIME_STAGES = 10_000
KIB_PER_MB = 1_000_000 / 1024
UNLIMITED = ["--max-file-size", "100MB"]  # the 5 MB default would refuse the 10,000-stage pipeline
WORK = str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "barrierlint-bench")


# -- running things ---------------------------------------------------------------------------


def install(source: Path, work: Path) -> str:
    """barrierlint from `source` installed as a user installs it: a wheel, compiled, in a
    virtual environment that finds the other packages in this one. The interpreter's path.
    pip builds from a copy of the files git knows there (tracked or not ignored, as they are on
    disk), so that the build writes nothing into the source tree."""
    venv = work / "venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "_bench_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    print("installing barrierlint from", source, "into", venv, "...", flush=True)
    listed = subprocess.run(["git", "-C", str(source), "ls-files", "-z", "--cached", "--others", "--exclude-standard"], capture_output=True)
    if listed.returncode != 0:
        raise SystemExit(f"{source} is not a git checkout of barrierlint")
    copy = work / "source"
    shutil.rmtree(copy, ignore_errors=True)
    for name in listed.stdout.decode().split("\0"):
        if name and (source / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, copy / name)
    pip = [PYTHON, "-m", "pip", "install", "-q", "--no-deps", "--upgrade", "--target", str(site), str(copy)]
    subprocess.run(pip, check=True, stdout=subprocess.DEVNULL)
    return str(venv / "bin" / "python")


def yamllint(python: str) -> list[str] | None:
    return [python, "-m", "yamllint"] if importlib.util.find_spec("yamllint") else None


TIME = "/usr/bin/time"  # peak memory of its own child: a child of this (larger) process would
# inherit this process's peak, which Linux keeps across exec


def once(command: list[str], peak: bool = False) -> tuple[float, float, int | None, bytes, int]:
    """Run a command in the work folder (not the source tree, whose `barrierlint` folder would
    shadow the install): wall seconds, CPU seconds (user + system of its process tree), the
    peak RSS in KiB when `peak` (through /usr/bin/time, whose own CPU figures have 10 ms steps),
    its output and exit code."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as usage:
        wrapped = [TIME, "-f", "%M", "-o", usage.name, *command] if peak and os.path.exists(TIME) else command
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=WORK)
        _, status, rusage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        fields = usage.read().split()
        rss = int(fields[-1]) if wrapped is not command and fields and fields[-1].isdigit() else (rusage.ru_maxrss if peak else None)
        return wall, rusage.ru_utime + rusage.ru_stime, rss, out.read(), os.waitstatus_to_exitcode(status)


def timed(command: list[str], runs: int, warmup: int = 1) -> dict:
    """Median wall and CPU time, the output of the first run, and peak memory (of a warm-up run)."""
    rss = once(command, peak=True)[2]
    for _ in range(warmup - 1):
        once(command)
    results = [once(command) for _ in range(runs)]
    if results[0][4] not in (0, 1):  # 0 clean, 1 findings: anything else measured a failure
        raise SystemExit(f"{' '.join(command)} failed with exit code {results[0][4]}")
    walls = sorted(r[0] for r in results)
    cpus = sorted(r[1] for r in results)
    return {
        "wall": walls[len(walls) // 2],
        "wall_min": walls[0],
        "cpu": cpus[len(cpus) // 2],
        "rss_kib": rss,
        "output": results[0][3],
        "exit": results[0][4],
    }


def measure(python: str, *args: str) -> dict:
    """A task of bench/measure.py in a fresh process, with that process's peak memory."""
    wall, cpu, rss, output, code = once([python, str(HERE / "measure.py"), *args], peak=True)
    if code != 0:
        raise SystemExit(f"bench/measure.py {' '.join(args)} failed with exit code {code}")
    return {**json.loads(output), "rss_kib": rss, "process_wall": wall, "process_cpu": cpu}


# -- inputs -----------------------------------------------------------------------------------


def corpus(explicit: str | None) -> Path | None:
    candidates = [Path(explicit)] if explicit else [REPO.parent / "shared/corpus/real", REPO.parent.parent / "shared/corpus/real"]
    return next((path for path in candidates if path.is_dir()), None)


def prepare(work: Path, real: Path | None, sizes: tuple[int, ...]) -> dict[str, Path]:
    """Write every input once; the generator is deterministic, so existing files are reused."""
    work.mkdir(parents=True, exist_ok=True)
    stamp = work / "inputs.json"
    wanted = {"tree_files": TREE_FILES, "real": str(real), "sizes": list(sizes), "pairs": PAIRS, "generator": _fingerprint()}
    inputs = {"tree": work / "tree", "plain": work / "one-plain.yaml", "barriers": work / "one-barriers.yaml"}
    inputs.update({f"stages-{n}": work / f"stages-{n}.yaml" for n in sizes})
    inputs[f"pairs-{PAIRS}"] = work / f"pairs-{PAIRS}.yaml"
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and all(p.exists() for p in inputs.values()):
        return inputs
    print("generating inputs under", work, "...", flush=True)
    generate.tree(inputs["tree"], TREE_FILES, real)
    inputs["plain"].write_text(generate.pipeline(40, seed=7, barriers=False), encoding="utf-8")
    inputs["barriers"].write_text(generate.pipeline(40, seed=7), encoding="utf-8")
    for n in sizes:
        inputs[f"stages-{n}"].write_text(generate.sized(n), encoding="utf-8")
    inputs[f"pairs-{PAIRS}"].write_text(generate.parallel_pairs(PAIRS), encoding="utf-8")
    stamp.write_text(json.dumps(wanted))
    return inputs


def repository(tree: Path, folder: Path) -> Path:
    """A fresh git repository holding a copy of the tree, with no index cache yet, and the file
    pre-commit would name: the first NextGen pipeline outside a `.harness` folder, whose project
    is then the whole repository."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(tree, folder)
    git = ["git", "-C", str(folder), "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bench tree"], check=True)
    files = sorted(folder.rglob("*.y*ml"))
    alone = (path for path in files if ".harness" not in path.parts and path.read_bytes().startswith(b"pipeline:"))
    return next(alone, files[0])


def in_repository(folder: Path) -> Path | None:
    """The git repository holding `folder`, if any (barrierlint would check its files in it)."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def revision(source: Path) -> str:
    """` (commit abc1234)` of a git checkout, `+ changes` when its tracked files differ; else ``."""
    git = ["git", "-C", str(source)]
    found = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if found.returncode != 0:
        return ""
    changed = subprocess.run([*git, "diff", "--quiet", "HEAD"], capture_output=True).returncode != 0
    return f" (commit {found.stdout.strip()}{' + changes' if changed else ''})"


def _fingerprint() -> str:
    return hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:16]


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024**2 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    import yaml

    libyaml = "with libyaml" if getattr(yaml, "__with_libyaml__", False) else "WITHOUT libyaml"
    return (
        f"{model}, {os.cpu_count()} cores, {memory} GiB; {platform.platform()}; "
        f"CPython {platform.python_version()}; PyYAML {yaml.__version__} {libyaml}"
    )


# -- reporting --------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def mb(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / KIB_PER_MB:,.0f} MB"


def times(ratio: float) -> str:
    return f"{ratio:.2f}x"


class Table:
    """Rows of figure, measured, floor, ratio, target, verdict; a target's row says MET or NOT MET."""

    HEADER = ("", "measured", "floor", "ratio", "target", "")

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.verdicts: list[tuple[str, bool]] = []

    def section(self, title: str) -> None:
        self.rows.append((title,))

    def info(self, figure: str, measured: str, floor: str = "", ratio: str = "") -> None:
        self.rows.append((figure, measured, floor, ratio, "", ""))

    def note(self, text: str) -> None:
        """A line of its own under the rows (what a figure was made of, why a command failed)."""
        self.rows.append(("", text))

    def judge(self, figure: str, measured: str, floor: str, ratio: str, target: str, met: bool) -> None:
        self.verdicts.append((figure, met))
        self.rows.append((figure, measured, floor, ratio, target, "MET" if met else "NOT MET"))

    def render(self) -> str:
        cells = [self.HEADER] + [r for r in self.rows if len(r) == len(self.HEADER)]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.HEADER))]
        lines = ["  " + "  ".join(f"{c:>{widths[i]}}" if 0 < i < 4 else f"{c:<{widths[i]}}" for i, c in enumerate(self.HEADER)).rstrip()]
        for r in self.rows:
            if len(r) == 1:
                lines += ["", r[0]]
            elif len(r) == 2:
                lines.append(f"    {r[1]}")
            else:
                lines.append("  " + "  ".join(f"{c:>{widths[i]}}" if 0 < i < 4 else f"{c:<{widths[i]}}" for i, c in enumerate(r)).rstrip())
        return "\n".join(lines)


def exponent(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(time) against log(size): 1.0 is linear, 2.0 quadratic."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


# -- the sections -----------------------------------------------------------------------------


class Bench:
    """The sections (a) to (h); a measurement two sections need is taken once."""

    def __init__(self, python: str, inputs: dict[str, Path], work: Path, runs: int, cold_runs: int, sizes: tuple[int, ...]) -> None:
        self.python, self.inputs, self.work = python, inputs, work
        self.runs, self.cold_runs, self.sizes = runs, cold_runs, sizes
        self.tree = str(inputs["tree"])
        self.check = [python, "-m", "barrierlint", "check"]
        self.table = Table()
        self.results: dict = {}
        self._taken: dict = {}

    def _take(self, key, take):
        if key not in self._taken:
            self._taken[key] = take()
        return self._taken[key]

    def large(self) -> dict[str, Path]:
        """The large single pipelines of (b) and (g)."""
        names = [f"stages-{n}" for n in self.sizes if n >= 3_000] + [f"pairs-{PAIRS}"]
        return {name: self.inputs[name] for name in names}

    def whole_jobs1(self) -> dict:
        return self._take("jobs1", lambda: timed(self.check + ["--jobs", "1", self.tree], self.runs))

    def parse_tree(self) -> dict:
        return self._take("parse-tree", lambda: timed([self.python, str(HERE / "measure.py"), "parse", self.tree], self.runs))

    def jobs(self, count: str) -> dict:
        return self._take(f"jobs-{count}", lambda: measure(self.python, "jobs", self.tree, count))

    def command(self, args: list[str], path: Path) -> dict:
        """`barrierlint ARGS PATH` in a warm process against composing PATH there (bench/measure.py)."""
        warm = str(self.inputs["barriers"])
        return self._take((*args, path), lambda: measure(self.python, "command", str(self.runs), warm, str(path), *args))

    def a(self) -> None:
        t = self.table
        t.section(f"(a) check over the {TREE_FILES:,}-file tree; floor: composing the same files")
        warm = measure(self.python, "inprocess", self.tree, str(self.runs))
        self.results["a"] = {"inprocess": warm}
        check, parse = warm["check"], warm["parse"]
        ratio = check["cpu"] / parse["cpu"]
        t.judge("in one process, CPU", ms(check["cpu"]), ms(parse["cpu"]), times(ratio), "<= 1.30x", ratio <= 1.3)
        t.info("in one process, wall", ms(check["wall"]), ms(parse["wall"]), times(check["wall"] / parse["wall"]))
        files = warm["files"]
        t.info("in one process, CPU per file", f"{check['cpu'] / files * 1000:.2f} ms", f"{parse['cpu'] / files * 1000:.2f} ms")
        t.note(f"{files:,} files, {warm['findings']:,} findings")
        whole, floor = self.whole_jobs1(), self.parse_tree()
        self.results["a"].update(jobs1=whole, parse=floor)
        ratio = whole["cpu"] / floor["cpu"]
        t.judge("whole processes (--jobs 1), CPU", ms(whole["cpu"]), ms(floor["cpu"]), times(ratio), "<= 1.50x", ratio <= 1.5)
        t.info("whole processes (--jobs 1), wall", ms(whole["wall"]), ms(floor["wall"]), times(whole["wall"] / floor["wall"]))

    def b(self) -> None:
        t = self.table
        t.section("(b) check on one large pipeline, in a warm process; floor: composing it")
        for name, path in self.large().items():
            taken = self.command(["check", *UNLIMITED], path)
            self.results.setdefault("b", {})[name] = taken
            if "error" in taken:
                t.judge(f"{name}, CPU", f"exit {taken['exit']}", "", "", "<= 2.00x", False)
                t.note("".join(taken["error"]))
                continue
            ratio = taken["barrierlint"]["cpu"] / taken["parse"]["cpu"]
            label = f"{name} ({path.stat().st_size / 1e6:.1f} MB), CPU"
            t.judge(label, ms(taken["barrierlint"]["cpu"]), ms(taken["parse"]["cpu"]), times(ratio), "<= 2.00x", ratio <= 2.0)
        points = []
        for n in GROWTH + tuple(n for n in self.sizes if n not in GROWTH):
            taken = self.command(["check", *UNLIMITED], self.inputs[f"stages-{n}"])
            if "error" not in taken:
                points.append((n, taken["barrierlint"]["cpu"]))
        if len(points) < 2:
            t.judge("growth exponent (1.0 is linear), CPU", "fewer than 2 sizes checked", "", "", "2x size <= 2.20x", False)
            return
        k = exponent(points)
        self.results.setdefault("b", {})["exponent"] = k
        sizes = ", ".join(f"{n:,}: {ms(cpu)}" for n, cpu in points)
        t.note(f"CPU by stages: {sizes}")
        t.judge("growth exponent (1.0 is linear), CPU", f"{k:.3f}", "1.000", f"2x size: {2 ** k:.2f}x", "2x size <= 2.20x", 2**k <= 2.2)

    def c(self) -> None:
        t = self.table
        t.section(f'(c) cold start, one 40-stage file; floor: python -c "import yaml" (medians of {self.cold_runs})')
        commands = {
            "plain": self.check + [str(self.inputs["plain"])],
            "barriers": self.check + [str(self.inputs["barriers"])],
            "import yaml": [self.python, "-c", "import yaml"],
            "pass": [self.python, "-c", "pass"],
        }
        lint = yamllint(self.python)
        if lint:
            commands["yamllint plain"] = lint + ["-f", "parsable", str(self.inputs["plain"])]
            commands["yamllint barriers"] = lint + ["-f", "parsable", str(self.inputs["barriers"])]
        taken = {name: timed(command, self.cold_runs, warmup=3) for name, command in commands.items()}
        self.results["c"] = taken
        floor = taken["import yaml"]
        for name, label, limit in (("plain", "check, no Barrier steps, CPU", 2.2), ("barriers", "check, Barrier steps, CPU", 3.75)):
            ratio = taken[name]["cpu"] / floor["cpu"]
            t.judge(label, ms(taken[name]["cpu"]), ms(floor["cpu"]), times(ratio), f"<= {limit:.2f}x", ratio <= limit)
            t.info(f"{label[:-5]}, wall / peak memory", f"{ms(taken[name]['wall'])} / {mb(taken[name]['rss_kib'])}", f"{ms(floor['wall'])} / {mb(floor['rss_kib'])}")
        t.info('python -c "pass", CPU', ms(taken["pass"]["cpu"]))
        if lint:
            t.info("yamllint, no Barrier steps / Barrier steps, CPU", f"{ms(taken['yamllint plain']['cpu'])} / {ms(taken['yamllint barriers']['cpu'])}")
        else:
            t.note("yamllint: not installed (`.venv/bin/pip install yamllint` to compare)")

    def d(self) -> None:
        t = self.table
        t.section(f"(d) reference runtime on a {RUNTIME_STAGES:,}-stage pipeline (bench/runtime.py)")
        run = timed([self.python, str(HERE / "runtime.py"), str(RUNTIME_STAGES)], max(3, self.runs))
        printed = run["output"].decode()
        found = re.search(r"load \+ model:? ([\d.]+) s,?\s+simulate:? ([\d.]+) s", printed)
        if run["exit"] != 0 or not found:
            t.judge("simulate, CPU", f"failed (exit {run['exit']})", "", "", "< 1 s", False)
            return
        model_cpu, simulate_cpu = float(found[1]), float(found[2])
        self.results["d"] = {**run, "model_cpu": model_cpu, "simulate_cpu": simulate_cpu}
        t.judge("simulate, CPU", ms(simulate_cpu), "", "", "< 1 s", simulate_cpu < 1.0)
        t.info("load + model before the run, CPU / peak memory", f"{ms(model_cpu)} / {mb(run['rss_kib'])}")
        t.note(printed.splitlines()[0])

    def e(self) -> None:
        t = self.table
        t.section(f"(e) check over the {TREE_FILES:,}-file tree in several processes; floor: --jobs 1, CPU (ratio: speed-up)")
        one = self.whole_jobs1()
        identity = hashlib.sha256(one["output"]).hexdigest()
        self.results["e"] = {"jobs1": one}
        for count, label in (("default", "no --jobs option"), ("2", "--jobs 2")):
            taken = self.jobs(count)
            self.results["e"][count] = taken
            busiest = max((w["cpu"] for w in taken["workers"]), default=0.0)
            path = taken["main_cpu"] + busiest
            speedup = one["cpu"] / path
            same = taken["output_sha256"] == identity and taken["exit"] == one["exit"]
            figure = f"{label}, critical path CPU"
            if count == "default":
                t.judge(figure, ms(path), ms(one["cpu"]), times(speedup), ">= 1.80x, same output", speedup >= 1.8 and same)
            else:
                t.info(figure, ms(path), ms(one["cpu"]), times(speedup))
            t.info(f"  {label}, wall", ms(taken["wall"]), ms(one["wall"]), times(one["wall"] / taken["wall"]))
            workers = len(taken["workers"])
            t.note(f"{label}: {workers} worker process{'es' if workers != 1 else ''} on {os.cpu_count()} cores; output {'identical to' if same else 'DIFFERS from'} --jobs 1")

    def f(self) -> None:
        t = self.table
        t.section("(f) peak memory (largest resident set of a process); floor: the composing process")
        whole, floor = self.whole_jobs1(), self.parse_tree()
        kib = whole["rss_kib"]
        t.judge(f"{TREE_FILES:,}-file tree, --jobs 1", mb(kib), mb(floor["rss_kib"]), times(kib / floor["rss_kib"]), "< 150 MB", kib < 150 * KIB_PER_MB)
        two = self.jobs("2")
        worker = max((w["peak_kib"] for w in two["workers"]), default=None)
        figure = f"{TREE_FILES:,}-file tree, --jobs 2, largest worker"
        if worker is None:
            t.judge(figure, "no worker seen", "", "", "< 150 MB each", False)
        else:
            t.judge(figure, mb(worker), mb(floor["rss_kib"]), times(worker / floor["rss_kib"]), "< 150 MB each", worker < 150 * KIB_PER_MB)
        t.info("  --jobs 2: each worker / main process", f"{', '.join(mb(w['peak_kib']) for w in two['workers']) or '-'} / {mb(two['main_kib'])}")
        t.info("  --jobs 2: largest process (exact)", mb(two["largest_kib"]), mb(floor["rss_kib"]), times(two["largest_kib"] / floor["rss_kib"]))
        default = self.jobs("default")
        t.info("  no --jobs option: largest process", mb(default["largest_kib"]), mb(floor["rss_kib"]), times(default["largest_kib"] / floor["rss_kib"]))
        path = self.inputs[f"stages-{RUNTIME_STAGES}"]
        big = once(self.check + [*UNLIMITED, str(path)], peak=True)
        parsed = once([self.python, str(HERE / "measure.py"), "parse", str(path)], peak=True)
        self.results["f"] = {"jobs1_kib": kib, "jobs2": two, "default": default, "large_kib": big[2], "large_parse_kib": parsed[2], "large_exit": big[4]}
        label = f"one {RUNTIME_STAGES:,}-stage pipeline ({path.stat().st_size / 1e6:.1f} MB), check"
        if big[4] not in (0, 1):
            t.judge(label, f"failed (exit {big[4]})", mb(parsed[2]), "", "< 300 MB", False)
        else:
            t.judge(label, mb(big[2]), mb(parsed[2]), times(big[2] / parsed[2]), "< 300 MB", big[2] < 300 * KIB_PER_MB)

    def g(self) -> None:
        t = self.table
        t.section("(g) check --verify and graph -o x.svg on one large pipeline, in a warm process; floor: composing it")
        picture = str(self.work / "graph.svg")
        for name, path in self.large().items():
            for label, args in (("check --verify", ["check", "--verify", *UNLIMITED]), ("graph -o x.svg", ["graph", *UNLIMITED, "-o", picture])):
                taken = self.command(args, path)
                self.results.setdefault("g", {})[f"{name} {label}"] = taken
                if "error" in taken:
                    t.judge(f"{name}, {label}, CPU", f"exit {taken['exit']}", "", "", "<= 3.00x", False)
                    t.note("".join(taken["error"]))
                    continue
                ratio = taken["barrierlint"]["cpu"] / taken["parse"]["cpu"]
                t.judge(f"{name}, {label}, CPU", ms(taken["barrierlint"]["cpu"]), ms(taken["parse"]["cpu"]), times(ratio), "<= 3.00x", ratio <= 3.0)

    def h(self) -> None:
        t = self.table
        t.section(f"(h) check FILE: one changed file in a git repository of {TREE_FILES:,} files (pre-commit)")
        changed = repository(self.inputs["tree"], self.work / "repository")
        built = once(self.check + [str(changed)], peak=True)
        with changed.open("a", encoding="utf-8") as handle:
            handle.write("# edited\n")
        edited = once(self.check + [str(changed)], peak=True)
        isolated = once(self.check + ["--isolated", str(changed)], peak=True)
        self.results["h"] = {name: {"wall": r[0], "cpu": r[1], "rss_kib": r[2]} for name, r in (("built", built), ("edited", edited), ("isolated", isolated))}
        t.judge("index cached, the file edited, CPU", ms(edited[1]), "", "", "< 0.5 s", edited[1] < 0.5)
        t.info("index built (first run), CPU / peak memory", f"{ms(built[1])} / {mb(built[2])}")
        t.info("--isolated (the file alone), CPU / peak memory", f"{ms(isolated[1])} / {mb(isolated[2])}")


def main() -> int:
    global WORK, TREE_FILES
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", default=SECTIONS, help="sections to run, e.g. a,f,g (default: all)")
    parser.add_argument("--source", default=str(REPO), help="the barrierlint tree to install and measure (default: this one)")
    parser.add_argument("--quick", action="store_true", help="400 files")
    parser.add_argument("--full", action="store_true", help="adds 100,000 stages (about 9 GiB), medians of 5 runs (20 cold)")
    parser.add_argument("--corpus", help="folder of real pipelines (default: shared/corpus/real beside the repository)")
    parser.add_argument("--files", type=int, help="files in the tree (default 2,000; 400 with --quick)")
    parser.add_argument("--work", default=WORK, help=f"where inputs are generated and commands run (default {WORK})")
    options = parser.parse_args()
    only = [letter for letter in options.only.replace(",", "") if letter in SECTIONS]
    if not only or len(only) != len(options.only.replace(",", "")):
        parser.error(f"--only takes letters among {','.join(SECTIONS)}")
    WORK = options.work
    TREE_FILES = options.files or (400 if options.quick else TREE_FILES)
    sizes = GROWTH + ((100_000,) if options.full else ())
    runs, cold_runs = (5, 20) if options.full else (1, 7)
    work = Path(options.work)
    real = corpus(options.corpus)
    inputs = prepare(work, real, sizes)
    python = install(Path(options.source), work)
    bench = Bench(python, inputs, work, runs, cold_runs, sizes)
    load_before = os.getloadavg()
    started = time.perf_counter()
    for letter in sorted(only):
        print(f"measuring ({letter}) ...", flush=True)
        getattr(bench, letter)()
    load_after = os.getloadavg()
    results = {"machine": machine(), "source": options.source + revision(Path(options.source)), "load_before": load_before, "load_after": load_after, **bench.results}
    print(f"\nmachine: {results['machine']}")
    print(f"measured: barrierlint from {options.source}{revision(Path(options.source))}; inputs in {work}", end="")
    print(f" (INSIDE the git repository {in_repository(work)}: single files are checked in its project)" if in_repository(work) else "")
    print(f"tree: {TREE_FILES:,} files ({'the real corpus + ' if real else 'NO real corpus, only '}synthetic pipelines)")
    print(f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} (cores: {os.cpu_count()}; above that, wall times include waiting)")
    print(bench.table.render())
    met = sum(1 for _, ok in bench.table.verdicts if ok)
    print(f"\n{met} of {len(bench.table.verdicts)} targets met in {time.perf_counter() - started:,.0f} s; figures in {work / 'results.json'}")
    (work / "results.json").write_text(json.dumps(_without_output(results), indent=2))
    return 0


def _without_output(value):
    if isinstance(value, dict):
        return {str(k): _without_output(v) for k, v in value.items() if k != "output"}
    return value


if __name__ == "__main__":
    sys.exit(main())
