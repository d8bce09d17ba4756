"""barrierlint's benchmark: every figure side by side with its reference, in one run.

    .venv/bin/python bench/run.py           # 2,000 files, 1k-10k stages, single runs (a few minutes)
    .venv/bin/python bench/run.py --full    # adds 100,000 stages (about 9 GiB) and repeats every run
    .venv/bin/python bench/run.py --quick   # 400 files

It generates its inputs deterministically under bench/.work/ (a tree of 2,000 pipeline files:
the real corpus plus synthetic pipelines; single pipelines of 1k, 10k and 100k stages), then:

  (a) `barrierlint check` over the tree against composing the same files with PyYAML's C loader,
      in one warm process and as whole processes;
  (b) time against pipeline size, as a growth exponent (1.0 is linear);
  (c) cold start of `barrierlint check FILE` against `python -c "import yaml"` and `yamllint FILE`;
  (d) the reference runtime on a 10,000-stage pipeline, when `barrierlint.runtime` exists;
  (e) `--jobs 2` against `--jobs 1` on the tree, and whether their outputs are identical;
  (f) peak memory (largest resident set of the process tree) for each;
  (h) what pre-commit runs: `check FILE` for one changed file of the tree made a git repository,
      the file checked in its project (2,000 files), with the project index built and cached.

Every measurement runs in a fresh process; times are medians. Verdicts use CPU time (user +
system), which other load on a shared machine barely changes; wall time and the load average are
printed beside it. (e) is judged by the critical path in CPU time (the main process plus the
busiest worker: the wall time on two idle cores) next to the measured wall-time ratio.

barrierlint runs from a regular, compiled install in bench/.work/venv (its dependencies are
this environment's), as users install it: the editable install of a working tree adds an import
hook to every start-up, and PYTHONDONTWRITEBYTECODE would leave its modules uncompiled. The
parse-only, `import yaml` and yamllint commands run with the same interpreter.
Results are also written to bench/.work/results.json.
"""

from __future__ import annotations

import argparse
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
TREE_FILES = 2000
SIZES = (1_000, 10_000, 100_000)
RUNTIME_STAGES = 10_000
WORK = str(HERE / ".work")


# -- running things ---------------------------------------------------------------------------


def install(work: Path) -> str:
    """barrierlint from this tree installed as a user installs it: a wheel, compiled, in a virtual
    environment that finds the other packages in this one. The interpreter's path."""
    venv = work / "venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "_bench_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    print("installing barrierlint into", venv, "...", flush=True)
    pip = [PYTHON, "-m", "pip", "install", "-q", "--no-deps", "--upgrade", "--target", str(site), str(REPO)]
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


def measure(*args: str, python: str = PYTHON) -> dict:
    """A task of bench/measure.py in a fresh process, with that process's peak memory."""
    wall, cpu, rss, output, code = once([python, str(HERE / "measure.py"), *args], peak=True)
    if code != 0:
        raise SystemExit(f"bench/measure.py {' '.join(args)} failed with exit code {code}")
    return {**json.loads(output), "rss_kib": rss, "process_wall": wall}


# -- inputs -----------------------------------------------------------------------------------


def corpus(explicit: str | None) -> Path | None:
    candidates = [Path(explicit)] if explicit else [REPO.parent / "shared/corpus/real", REPO.parent.parent / "shared/corpus/real"]
    return next((path for path in candidates if path.is_dir()), None)


def prepare(work: Path, real: Path | None, sizes: tuple[int, ...]) -> dict[str, Path]:
    """Write every input once; the generator is deterministic, so existing files are reused."""
    work.mkdir(parents=True, exist_ok=True)
    stamp = work / "inputs.json"
    wanted = {"tree_files": TREE_FILES, "real": str(real), "sizes": list(sizes), "generator": _fingerprint()}
    inputs = {"tree": work / "tree", "plain": work / "one-plain.yaml", "barriers": work / "one-barriers.yaml"}
    inputs.update({f"size{n}": work / f"stages-{n}.yaml" for n in sizes})
    inputs["runtime"] = work / f"stages-{RUNTIME_STAGES}.yaml"
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and all(p.exists() for p in inputs.values()):
        return inputs
    print("generating inputs under", work, "...", flush=True)
    generate.tree(inputs["tree"], TREE_FILES, real)
    inputs["plain"].write_text(generate.pipeline(40, seed=7, barriers=False), encoding="utf-8")
    inputs["barriers"].write_text(generate.pipeline(40, seed=7), encoding="utf-8")
    for n in set(sizes) | {RUNTIME_STAGES}:
        (work / f"stages-{n}.yaml").write_text(generate.pipeline(n, seed=n), encoding="utf-8")
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


def _fingerprint() -> str:
    import hashlib

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


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.verdicts: list[tuple[str, bool | None]] = []

    def row(self, *cells: str) -> None:
        self.rows.append(tuple(cells))

    def section(self, title: str) -> None:
        self.rows.append((title,))

    def target(self, name: str, met: bool | None, text: str) -> None:
        self.verdicts.append((name, met))
        mark = {True: "MET", False: "NOT MET", None: "n/a"}[met]
        self.rows.append(("", f"target {text}: {mark}"))

    def render(self) -> str:
        widths = [max(len(r[i]) for r in self.rows if len(r) > 1 and i < len(r)) for i in range(4)]
        lines = []
        for r in self.rows:
            if len(r) == 1:
                lines += ["", r[0]]
            elif len(r) == 2:
                lines.append(f"  {r[0]:<{widths[0]}}  {r[1]}")
            else:
                lines.append("  " + "  ".join(f"{c:<{widths[i]}}" if i < 4 else c for i, c in enumerate(r)))
        return "\n".join(lines)


def exponent(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(time) against log(size): 1.0 is linear, 2.0 quadratic."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="400 files")
    parser.add_argument("--full", action="store_true", help="sizes up to 100,000 stages (about 9 GiB), medians of 5 runs")
    parser.add_argument("--corpus", help="folder of real pipelines (default: shared/corpus/real beside the repository)")
    parser.add_argument("--files", type=int, help="files in the tree (default 2,000; 400 with --quick)")
    parser.add_argument("--work", default=str(HERE / ".work"), help="where generated inputs go")
    options = parser.parse_args()
    global WORK
    WORK = options.work
    global TREE_FILES
    if options.quick:
        TREE_FILES = 400
    TREE_FILES = options.files or TREE_FILES
    sizes = SIZES if options.full else (1_000, 2_000, 10_000)
    runs, cold_runs = (5, 20) if options.full else (1, 7)
    real = corpus(options.corpus)
    inputs = prepare(Path(options.work), real, sizes)
    tree = str(inputs["tree"])
    python = install(Path(options.work))
    load_before = os.getloadavg()
    results: dict = {"machine": machine(), "load_before": load_before}
    table = Table()
    check = [python, "-m", "barrierlint", "check"]

    # (a) check against parse-only
    table.section(f"(a) check over {TREE_FILES} files ({'real corpus + ' if real else 'NO real corpus, '}synthetic) against PyYAML C-loader compose")
    table.row("", "barrierlint", "parse only", "ratio")
    warm = measure("inprocess", tree, str(runs), python=python)
    results["inprocess"] = warm
    ratio_cpu = warm["check"]["cpu"] / warm["parse"]["cpu"]
    ratio_wall = warm["check"]["wall"] / warm["parse"]["wall"]
    table.row("in-process, CPU", ms(warm["check"]["cpu"]), ms(warm["parse"]["cpu"]), f"{ratio_cpu:.2f}x")
    table.row("in-process, wall", ms(warm["check"]["wall"]), ms(warm["parse"]["wall"]), f"{ratio_wall:.2f}x")
    per_file = warm["check"]["cpu"] / warm["files"] * 1000
    table.row("per file, CPU", f"{per_file:.3f} ms", f"{warm['parse']['cpu'] / warm['files'] * 1000:.3f} ms", f"({warm['findings']} findings)")
    table.target("(a) in-process", ratio_cpu <= 1.5, f"<= 1.5x parse-only (CPU {ratio_cpu:.2f}x)")
    whole = timed(check + ["--jobs", "1", tree], runs)
    parse = timed([python, str(HERE / "measure.py"), "parse", tree], runs)
    results["whole"] = {"jobs1": whole, "parse": parse}
    whole_ratio = whole["cpu"] / parse["cpu"]
    table.row("whole process, CPU", ms(whole["cpu"]), ms(parse["cpu"]), f"{whole_ratio:.2f}x")
    table.row("whole process, wall", ms(whole["wall"]), ms(parse["wall"]), f"{whole['wall'] / parse['wall']:.2f}x")
    table.row("peak memory", mib(whole["rss_kib"]), mib(parse["rss_kib"]), "")
    table.row("in-process measurement, peak memory", mib(warm["rss_kib"]), "", "")
    table.target("(a) whole process", whole_ratio <= 2.0, f"<= 2x parse-only process (CPU {whole_ratio:.2f}x)")

    # (b) growth with pipeline size
    table.section("(b) one pipeline of N stages, in a warm process")
    table.row("stages", "CPU", "wall", "peak memory")
    points_cpu, points_wall = [], []
    for n in sizes:
        size = measure("size", str(inputs[f"size{n}"]), "1" if n >= 100_000 else "3", str(inputs["plain"]), python=python)
        results[f"size{n}"] = size
        points_cpu.append((n, size["cpu"]))
        points_wall.append((n, size["wall"]))
        table.row(f"{n:,}", ms(size["cpu"]), ms(size["wall"]), mib(size["rss_kib"]))
    k_cpu, k_wall = exponent(points_cpu), exponent(points_wall)
    results["exponent"] = {"cpu": k_cpu, "wall": k_wall}
    table.row("growth exponent", f"{k_cpu:.3f}", f"{k_wall:.3f}", f"doubling costs {2 ** k_cpu:.2f}x (CPU), {2 ** k_wall:.2f}x (wall)")
    table.target("(b)", 2**k_cpu <= 2.2, "linear: doubling the size at most 2.2x the time (CPU)")

    # (c) cold start
    table.section("(c) cold start, one file of 40 stages")
    table.row("command", "CPU", "wall", "peak memory")
    lint = yamllint(python)
    cold = {
        "barrierlint check (no barrier steps)": check + [str(inputs["plain"])],
        "barrierlint check (barriers)": check + [str(inputs["barriers"])],
        'python -c "import yaml"': [python, "-c", "import yaml"],
        'python -c "pass"': [python, "-c", "pass"],
    }
    if lint:
        cold["yamllint (no barrier steps file)"] = lint + ["-f", "parsable", str(inputs["plain"])]
        cold["yamllint (barriers file)"] = lint + ["-f", "parsable", str(inputs["barriers"])]
    cold_results = {name: timed(command, cold_runs, warmup=3) for name, command in cold.items()}
    results["cold"] = cold_results
    for name, value in cold_results.items():
        table.row(name, ms(value["cpu"]), ms(value["wall"]), mib(value["rss_kib"]))
    if not lint:
        table.row("yamllint", "not installed: `.venv/bin/pip install yamllint` to compare", "", "")
    plain = cold_results["barrierlint check (no barrier steps)"]["cpu"]
    with_barriers = cold_results["barrierlint check (barriers)"]["cpu"]
    table.target("(c) no barrier steps", plain < 0.080, f"< 80 ms (CPU {ms(plain)})")
    table.target("(c) barriers", with_barriers < 0.300, f"< 300 ms (CPU {ms(with_barriers)})")
    if lint:
        faster = plain < cold_results["yamllint (no barrier steps file)"]["cpu"] and with_barriers < cold_results["yamllint (barriers file)"]["cpu"]
        table.target("(c) against yamllint", faster, "faster than yamllint on the same file (CPU)")
    else:
        table.target("(c) against yamllint", None, "faster than yamllint (yamllint not installed)")

    # (d) reference runtime
    table.section(f"(d) reference runtime on a {RUNTIME_STAGES:,}-stage pipeline (bench/runtime.py)")
    table.row("", "CPU", "", "peak memory")
    run = timed([python, str(HERE / "runtime.py"), str(RUNTIME_STAGES)], max(3, runs // 2))
    printed = run["output"].decode()
    found = re.search(r"load \+ model:? ([\d.]+) s,?\s+simulate:? ([\d.]+) s", printed)
    if run["exit"] != 0 or not found:
        table.row("runtime", f"failed (exit {run['exit']})")
        table.target("(d)", False, "under one second")
    else:
        model_cpu, simulate_cpu = float(found[1]), float(found[2])
        results["runtime"] = {**run, "model_cpu": model_cpu, "simulate_cpu": simulate_cpu}
        table.row("simulate", ms(simulate_cpu), printed.splitlines()[0].split(": ")[-1], mib(run["rss_kib"]))
        table.row("load + model (before the run)", ms(model_cpu), "", "")
        table.target("(d)", simulate_cpu < 1.0, f"the run under one second (CPU {ms(simulate_cpu)})")

    # (e) both cores
    table.section(f"(e) --jobs 2 against --jobs 1 over the {TREE_FILES}-file tree")
    table.row("", "CPU: total / critical path", "wall", "peak memory")
    two = timed(check + ["--jobs", "2", tree], runs)
    split = {jobs: measure("jobs", tree, str(jobs), python=python) for jobs in (1, 2)}
    results["jobs2"] = {**two, "split": split}
    path = {jobs: value["main"] + max(value["workers"], default=0) for jobs, value in split.items()}
    table.row("--jobs 1", f"{ms(whole['cpu'])} / {ms(path[1])}", ms(whole["wall"]), mib(whole["rss_kib"]))
    table.row("--jobs 2", f"{ms(two['cpu'])} / {ms(path[2])}", ms(two["wall"]), mib(two["rss_kib"]))
    speedup = path[1] / path[2]
    identical = two["output"] == whole["output"] and two["exit"] == whole["exit"]
    table.row("speedup", f"{speedup:.2f}x (critical path)", f"{whole['wall'] / two['wall']:.2f}x", "output identical" if identical else "OUTPUT DIFFERS")
    table.target("(e)", speedup >= 1.6 and identical, f">= 1.6x faster with identical output (critical path {speedup:.2f}x)")

    # (h) one changed file in its repository
    table.section(f"(h) check FILE: one changed file in a git repository of {TREE_FILES} files (pre-commit)")
    table.row("", "CPU", "wall", "peak memory")
    changed = repository(inputs["tree"], Path(options.work) / "repository")
    built = once(check + [str(changed)], peak=True)
    with changed.open("a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    edited = once(check + [str(changed)], peak=True)
    isolated = once(check + ["--isolated", str(changed)], peak=True)
    for name, (wall, cpu, rss, _, _) in {"index built (first run)": built, "index cached, the file edited": edited, "--isolated (the file alone)": isolated}.items():
        results.setdefault("changed", {})[name] = {"wall": wall, "cpu": cpu, "rss_kib": rss}
        table.row(name, ms(cpu), ms(wall), mib(rss))
    table.target("(h)", edited[1] < 0.5, f"well under a second with the index cached (CPU {ms(edited[1])})")

    load_after = os.getloadavg()
    results["load_after"] = load_after
    print(f"machine: {results['machine']}")
    print(f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} (cores: {os.cpu_count()}; above that, wall times include waiting)")
    print(table.render())
    met = sum(1 for _, ok in table.verdicts if ok)
    print(f"\n{met} of {len(table.verdicts)} targets met; figures in {Path(options.work) / 'results.json'}")
    (Path(options.work) / "results.json").write_text(json.dumps(_without_output(results), indent=2))
    return 0


def _without_output(value):
    if isinstance(value, dict):
        return {k: _without_output(v) for k, v in value.items() if k != "output"}
    return value


if __name__ == "__main__":
    sys.exit(main())
