"""Synthetic Harness pipelines for the benchmark, the same bytes on every run.

A pipeline is a list of units: a single stage, or a parallel group of stages that often meet
at a barrier. Stages hold steps, step groups (nested up to three levels), step-level parallel
blocks, rollback steps, looping strategies (matrix, repeat, parallelism), `when` conditions and
failure strategies, in the proportions a real repository shows. Every barrier is declared and
used by the stages of one parallel group, so the pipelines are correct; `mistakes=True` adds an
undeclared reference and an unused declaration, so reporters have something to print.

The text is written directly (not through yaml.dump) so a 100,000-stage pipeline takes seconds.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

STAGE_TYPES = ("Custom", "Deployment", "CI")


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + text)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _shell(w: _Writer, indent: int, ident: str, rng: random.Random) -> None:
    w.add(indent, "- step:")
    w.add(indent + 4, f"identifier: {ident}")
    w.add(indent + 4, f"name: {ident}")
    w.add(indent + 4, "type: ShellScript")
    w.add(indent + 4, f"timeout: {rng.choice((5, 10, 30))}m")
    w.add(indent + 4, "spec:")
    w.add(indent + 6, "shell: Bash")
    w.add(indent + 6, "source:")
    w.add(indent + 8, "type: Inline")
    w.add(indent + 8, "spec:")
    w.add(indent + 10, f"script: echo {ident}")
    if rng.random() < 0.1:
        w.add(indent + 4, "when: {stageStatus: Success, condition: <+pipeline.variables.run_extra> == true}")


def _barrier(w: _Writer, indent: int, ident: str, ref: str) -> None:
    w.add(indent, "- step:")
    w.add(indent + 4, f"identifier: {ident}")
    w.add(indent + 4, f"name: wait for {ref}")
    w.add(indent + 4, "type: Barrier")
    w.add(indent + 4, "timeout: 1h")
    w.add(indent + 4, "spec:")
    w.add(indent + 6, f"barrierRef: {ref}")


def _steps(w: _Writer, indent: int, prefix: str, rng: random.Random, refs: list[str], depth: int = 0) -> None:
    """A step list; the barrier references `refs` are placed in order among the other items."""
    count = rng.choice((1, 1, 2, 3))
    slots = sorted(rng.randrange(count + 1) for _ in refs)
    ref_iter = iter(zip(slots, refs))
    pending = next(ref_iter, None)
    for index in range(count + 1):
        while pending is not None and pending[0] == index:
            _barrier(w, indent, f"{prefix}_wait_{pending[1]}", pending[1])
            pending = next(ref_iter, None)
        if index == count:
            break
        ident = f"{prefix}_{index}"
        roll = rng.random()
        if roll < 0.12 and depth < 3:
            w.add(indent, "- stepGroup:")
            w.add(indent + 4, f"identifier: {ident}")
            w.add(indent + 4, f"name: {ident}")
            if rng.random() < 0.2:
                w.add(indent + 4, "strategy:")
                w.add(indent + 6, "repeat:")
                w.add(indent + 8, f"times: {rng.randint(2, 4)}")
            w.add(indent + 4, "steps:")
            _steps(w, indent + 6, ident, rng, [], depth + 1)
        elif roll < 0.2:
            w.add(indent, "- parallel:")
            for branch in range(rng.randint(2, 3)):
                _shell(w, indent + 4, f"{ident}_p{branch}", rng)
        else:
            _shell(w, indent, ident, rng)


def _stage(w: _Writer, indent: int, ident: str, rng: random.Random, refs: list[str]) -> None:
    stage_type = rng.choice(STAGE_TYPES[:2] if refs else STAGE_TYPES)  # CI stages have no Barrier steps
    w.add(indent, "- stage:")
    i = indent + 4
    w.add(i, f"identifier: {ident}")
    w.add(i, f"name: {ident.replace('_', ' ')}")
    w.add(i, f"type: {stage_type}")
    w.add(i, "spec:")
    if stage_type == "Deployment":
        w.add(i + 2, "deploymentType: Kubernetes")
        w.add(i + 2, "service:")
        w.add(i + 4, "serviceRef: svc")
        w.add(i + 2, "environment:")
        w.add(i + 4, "environmentRef: env")
    elif stage_type == "CI":
        w.add(i + 2, "cloneCodebase: true")
    w.add(i + 2, "execution:")
    w.add(i + 4, "steps:")
    _steps(w, i + 6, ident, rng, refs)
    if stage_type == "Deployment" and rng.random() < 0.5:
        w.add(i + 4, "rollbackSteps:")
        _shell(w, i + 6, f"{ident}_rollback", rng)
    if not refs and rng.random() < 0.15:  # loops stay away from barriers: no starvation by design
        w.add(i, "strategy:")
        kind = rng.choice(("matrix", "repeat", "parallelism"))
        if kind == "matrix":
            w.add(i + 2, "matrix:")
            w.add(i + 4, "region: [eu, us, ap]")
            w.add(i + 4, "tier: [web, api]")
            w.add(i + 4, "maxConcurrency: 2")
        elif kind == "repeat":
            w.add(i + 2, "repeat:")
            w.add(i + 4, "items: [a, b, c]")
        else:
            w.add(i + 2, f"parallelism: {rng.randint(2, 5)}")
    if rng.random() < 0.2:
        w.add(i, "failureStrategies:")
        w.add(i + 2, "- onFailure:")
        w.add(i + 6, "errors: [AllErrors]")
        w.add(i + 6, "action:")
        w.add(i + 8, "type: StageRollback")
    if rng.random() < 0.1:
        w.add(i, "when:")
        w.add(i + 2, "pipelineStatus: Success")


def pipeline(stages: int, seed: int = 0, *, barriers: bool = True, mistakes: bool = False) -> str:
    """A Harness v0 pipeline of about `stages` stages (exactly, counting every parallel branch)."""
    rng = random.Random(f"{seed}:{stages}:{barriers}:{mistakes}")
    units: list[tuple[int, list[str]]] = []  # (stages in the unit, barriers its stages meet at)
    left = stages
    declared: list[str] = []
    while left > 0:
        if left >= 2 and rng.random() < 0.35:
            width = min(left, rng.randint(2, 4))
            refs = []
            if barriers and rng.random() < 0.6:
                refs = [f"sync_{len(declared) + k}" for k in range(rng.choice((1, 1, 2)))]
                declared.extend(refs)
            units.append((width, refs))
            left -= width
        else:
            units.append((1, []))
            left -= 1
    w = _header(f"synthetic {stages} {seed}", f"synthetic_{stages}_{seed}")
    unused = f"sync_unused_{seed}" if mistakes and barriers else None
    if declared or unused:
        w.add(2, "flowControl:")
        w.add(4, "barriers:")
        for ref in declared + ([unused] if unused else []):
            w.add(6, f"- identifier: {ref}")
            w.add(8, f"name: {ref.replace('_', ' ')}")
    w.add(2, "stages:")
    number = 0
    typo_done = not (mistakes and barriers)
    for width, refs in units:
        if width == 1:
            _stage(w, 4, f"s{number}", rng, [])
            number += 1
            continue
        w.add(4, "- parallel:")
        for _ in range(width):
            stage_refs = refs
            if not typo_done and refs:
                stage_refs = [refs[0] + "x"] + refs[1:]  # a typo: BL101
                typo_done = True
            _stage(w, 8, f"s{number}", rng, stage_refs)
            number += 1
    w.add(2, "variables:")
    w.add(4, "- name: run_extra")
    w.add(6, "type: String")
    w.add(6, "value: <+input>.default(false)")
    return w.text()


def _header(name: str, identifier: str) -> "_Writer":
    """A writer holding the first lines of a generated pipeline, up to its flowControl."""
    w = _Writer()
    w.add(0, "pipeline:")
    w.add(2, f"name: {name}")
    w.add(2, f"identifier: {identifier}")
    w.add(2, "projectIdentifier: bench")
    w.add(2, "orgIdentifier: default")
    w.add(2, "tags: {}")
    return w


def sized(stages: int) -> str:
    """The single large pipeline of `stages` stages that the bench measures (its stages-N.yaml):
    `pipeline` seeded with its size, so the 3,000 and 10,000-stage inputs are the same everywhere."""
    return pipeline(stages, seed=stages)


def _flow_step(ident: str, kind: str, spec: str, timeout: str = "10m") -> str:
    return f"- {{step: {{identifier: {ident}, name: {ident}, type: {kind}, timeout: {timeout}, spec: {spec}}}}}"


def parallel_pairs(pairs: int = 1500) -> str:
    """A Harness v0 pipeline of `pairs` parallel pairs of stages (2 x `pairs` stages), each pair
    meeting at its own barrier, every step written in YAML flow style (`- {step: {...}}`), as
    pipelines exported from the Harness UI often are. Both stages of a pair build, wait at the
    pair's barrier, then deploy; every third pair's stages also hold a step-level parallel block.
    Correct by construction: every barrier is declared once and used by the two stages of its pair.
    """
    w = _header(f"parallel pairs {pairs}", f"parallel_pairs_{pairs}")
    w.add(2, "flowControl:")
    w.add(4, "barriers:")
    for pair in range(pairs):
        w.add(6, f"- {{identifier: pair_{pair}, name: pair {pair}}}")
    w.add(2, "stages:")
    shell = "{{shell: Bash, source: {{type: Inline, spec: {{script: echo {0}}}}}}}"
    for pair in range(pairs):
        w.add(4, "- parallel:")
        for side in "ab":
            ident = f"p{pair}{side}"
            w.add(8, "- stage:")
            w.add(12, f"identifier: {ident}")
            w.add(12, f"name: {ident}")
            w.add(12, "type: Custom")
            w.add(12, "spec:")
            w.add(14, "execution:")
            w.add(16, "steps:")
            w.add(18, _flow_step("build", "ShellScript", shell.format(ident)))
            if pair % 3 == 0:
                w.add(18, "- parallel:")
                w.add(22, _flow_step("lint", "ShellScript", shell.format("lint")))
                w.add(22, _flow_step("test", "ShellScript", shell.format("test")))
            w.add(18, _flow_step("sync", "Barrier", f"{{barrierRef: pair_{pair}}}", timeout="1h"))
            w.add(18, _flow_step("deploy", "ShellScript", shell.format(ident)))
    return w.text()


def tree(root: Path, files: int, real_corpus: Path | None = None, seed: int = 1) -> list[Path]:
    """A repository-like tree of `files` pipeline files: the real corpus (when given) first, then
    synthetic pipelines of 5 to 60 stages, spread over project folders; every 25th has mistakes."""
    if root.exists():
        shutil.rmtree(root)
    written: list[Path] = []
    if real_corpus is not None:
        target = root / "real"
        target.mkdir(parents=True)
        for path in sorted(real_corpus.glob("*.y*ml"))[:files]:
            shutil.copyfile(path, target / path.name)
            written.append(target / path.name)
    rng = random.Random(seed)
    number = 0
    while len(written) < files:
        folder = root / f"project_{number % 40:02d}" / ".harness"
        folder.mkdir(parents=True, exist_ok=True)
        size = rng.choice((5, 8, 12, 20, 30, 60))
        path = folder / f"pipeline_{number:05d}.yaml"
        path.write_text(pipeline(size, seed=number, mistakes=number % 25 == 0), encoding="utf-8")
        written.append(path)
        number += 1
    return written


if __name__ == "__main__":  # python bench/generate.py STAGES [SEED] > file.yaml
    import sys  # python bench/generate.py sized STAGES | pairs [PAIRS] > file.yaml

    if sys.argv[1] == "sized":
        sys.stdout.write(sized(int(sys.argv[2])))
    elif sys.argv[1] == "pairs":
        sys.stdout.write(parallel_pairs(*map(int, sys.argv[2:3])))
    else:
        sys.stdout.write(pipeline(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
