"""The blast radius of a failure (the fate-sharing map, research/analysis-anchors.md §3.5 R7).

A participant that fails before arriving at barrier X rejects X: every other participant of X
fails (waiting there, or on arrival), and a stage that fails misses every barrier after that
point, which fails their participants in turn. For each stage and each barrier it reaches,
`blast_radius` follows that cascade on the happens-before graph (within a stage only along its
own steps; never to the stages that come after a failed one, which do not start at all) and
lists the other stages that fail. `confirm` injects the failure into the reference runtime and compares
the stages that end failed with the prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UsageError
from .model import Occurrence, Parallel, Pipeline, Stage, Step, children

_WITHIN = frozenset({"po", "fork", "join"})  # edges that stay on one stage's own steps
_STRUCTURE = _WITHIN | {"seq", "dependsOn", "slot", "skip"}  # what runs after what, barriers aside
MAX_PAIRS = 200_000  # (failing stage, stage it fails) pairs listed per pipeline; the map is quadratic


class TooLarge(UsageError):
    """The fate-sharing map of a pipeline has more pairs than MAX_PAIRS."""


@dataclass(frozen=True, slots=True, eq=False)
class Blast:
    """What fails when `occurrence.stage` fails just before its Barrier step `occurrence`."""

    occurrence: Occurrence
    fails: tuple[Stage, ...]  # other stages, in the order the cascade reaches them
    because: tuple[str, ...]  # one line per stage reached: through which barrier

    @property
    def stage(self) -> Stage:
        return self.occurrence.stage

    @property
    def barrier(self) -> str:
        return str(self.occurrence.ref)


def blast_radius(pipeline: Pipeline, project) -> list[Blast]:
    """One entry per normal-flow Barrier step of the pipeline, in document order."""
    from .graph import analysis

    result = analysis(pipeline, project)
    if result.graph is None:
        return []
    graph = result.graph
    passes, arrivals, exits = {}, {}, {}
    for node, (kind, item) in enumerate(zip(graph.kind, graph.item)):
        if kind == "pass":
            passes[id(item.step)] = node
        elif kind == "occ":
            arrivals[id(item.step)] = node
        elif kind == "exit" and isinstance(item, Stage):
            exits[id(item)] = node
    occurrences = [o for o in result.occurrences if not o.in_rollback and id(o.step) in passes]
    by_ref: dict[str, list[Occurrence]] = {}
    for o in occurrences:
        by_ref.setdefault(o.ref, []).append(o)
    later_cache: dict[int, list] = {}  # id(step) -> later occurrences; id(stage) -> nodes after it

    def later(o: Occurrence) -> list[Occurrence]:
        """`o` and the Barrier steps its stage reaches after it along its own steps."""
        if id(o.step) not in later_cache:
            found, seen, stack = [o], set(), list(graph.succ[passes[id(o.step)]])
            while stack:
                node = stack.pop()
                if node in seen:
                    continue
                seen.add(node)
                item = graph.item[node]
                if graph.kind[node] == "occ" and not item.in_rollback:
                    found.append(item)
                    stack.extend(graph.succ[passes[id(item.step)]] if id(item.step) in passes else ())
                    continue
                stack.extend(v for v in graph.succ[node] if graph.edge_kind[node, v] in _WITHIN)
            later_cache[id(o.step)] = found
        return later_cache[id(o.step)]

    def stopped(stage: Stage) -> set[int]:
        """The nodes that come after the stage ends: they never run once it has failed."""
        if id(stage) not in later_cache:
            seen, stack = set(), [exits[id(stage)]] if id(stage) in exits else []
            while stack:
                node = stack.pop()
                for nxt in graph.succ[node]:
                    if nxt not in seen and graph.edge_kind[node, nxt] in _STRUCTURE:
                        seen.add(nxt)
                        stack.append(nxt)
            later_cache[id(stage)] = seen
        return later_cache[id(stage)]

    blasts, pairs = [], 0
    for start in occurrences:
        failed = {id(start.stage)}
        never = set(stopped(start.stage))  # stages after a failed one are not started
        order, because = [], []
        missed = list(later(start))
        done: set = set()  # barriers whose participants have all failed already
        while missed:
            o = missed.pop(0)
            if o.ref in done:
                continue
            done.add(o.ref)
            for other in by_ref.get(o.ref, ()):
                if id(other.stage) in failed or arrivals[id(other.step)] in never:
                    continue
                failed.add(id(other.stage))
                never |= stopped(other.stage)
                order.append(other.stage)
                pairs += 1
                if pairs > MAX_PAIRS:
                    raise TooLarge(f"pipeline '{pipeline.label}': more than {MAX_PAIRS:,} pairs of stages fail together: too many to list")
                because.append(f"'{other.stage.label}' fails at '{other.ref}', which '{o.stage.label}' never reaches")
                missed.extend(later(other))
        blasts.append(Blast(start, tuple(order), tuple(because)))
    return blasts


def coupling(pipeline: Pipeline, project) -> frozenset[tuple[str, str]] | None:
    """(stage, other stage) for every failure of the first that can fail the second; None when
    there are too many pairs to list."""
    try:
        return frozenset((b.stage.label, t.label) for b in blast_radius(pipeline, project) for t in b.fails)
    except TooLarge:
        return None


def confirm(blast: Blast, pipeline: Pipeline, profile) -> tuple[str, str]:
    """Inject the failure into the reference runtime: the nearest step before the Barrier step
    in its stage fails. CONFIRMED when exactly the predicted other stages end failed."""
    from .runtime import Scenario, simulate
    from .runtime.scenario import Failure
    from .runtime.simulator import clock_text, place
    from .runtime.status import NEGATIVE
    from .model import stages as all_stages

    step = _step_before(blast.occurrence)
    if step is None:
        return "INCONCLUSIVE", f"no step runs before '{blast.occurrence.step.label}' in '{blast.stage.label}' that could fail"
    run = simulate(pipeline, Scenario(profile=profile, failures={place(step): Failure()}))
    if run.rejected:
        return "INCONCLUSIVE", f"the run is rejected at start: {run.rejected}"
    stages = {id(s) for s in all_stages(pipeline)}
    failed = {}
    for node in run.nodes:
        if node.parent is None and id(node.element) in stages and node.status in NEGATIVE and node.element is not blast.stage:
            failed.setdefault(node.element.label, node)
    predicted = {s.label for s in blast.fails}
    shown = ", ".join(f"{label} ({node.status} at {clock_text(node.ended)})" for label, node in failed.items()) or "no other stage"
    how = f"with '{step.label}' failing in '{blast.stage.label}': "
    if set(failed) == predicted:
        return "CONFIRMED", how + f"{shown} failed"
    return "NOT REPRODUCED", how + f"{shown} failed; predicted: {', '.join(sorted(predicted)) or 'none'}"


def _step_before(occurrence: Occurrence) -> Step | None:
    """The nearest work step before the Barrier step on its way through its stage, with no other
    Barrier step in between (the failure must happen before the stage arrives), or None."""
    inner = occurrence.step
    for container in reversed(occurrence.path):
        items = [sub for sub, rollback in children(container) if not rollback]
        if isinstance(container, Parallel) or inner not in items:
            inner = container
            continue
        for item in reversed(items[: items.index(inner)]):
            if isinstance(item, Step) and not item.is_barrier:
                return item
            return None  # a Barrier step, a step group or a parallel block: not one step that fails alone
        if isinstance(container, Stage):
            return None
        inner = container
    return None


# -- output ---------------------------------------------------------------------------------

FORMATS = ("text", "mermaid", "json")


def render(pipeline: Pipeline, blasts: list[Blast], fmt: str, verdicts: dict | None = None) -> str:
    """The fate-sharing map as a table (text), a picture (Mermaid flowchart: an arrow from each
    stage to the stages its failure fails, labelled with the barrier) or JSON; `verdicts` maps
    id(blast) to the runtime's (status, evidence)."""
    verdicts = verdicts or {}
    if fmt == "json":
        import json

        rows = [
            {
                "stage": b.stage.label, "fails_before": b.barrier, "step": b.occurrence.step.label,
                "fails": [s.label for s in b.fails], "because": list(b.because),
                **({"verification": dict(zip(("status", "evidence"), verdicts[id(b)]))} if id(b) in verdicts else {}),
            }
            for b in blasts
        ]
        return json.dumps({"pipeline": pipeline.label, "blast_radius": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "mermaid":
        from .pictures.mermaid import _text

        ids = {}
        lines = [f"%% barrierlint impact: {_text(pipeline.label)}", "flowchart LR"]
        for b in blasts:
            for stage in (b.stage, *b.fails):
                if id(stage) not in ids:
                    ids[id(stage)] = f"s{len(ids)}"
                    lines.append(f'  {ids[id(stage)]}["{_text(stage.label)}"]')
        edges: dict[tuple[str, str], list[str]] = {}
        for b in blasts:
            for stage in b.fails:
                edges.setdefault((ids[id(b.stage)], ids[id(stage)]), []).append(b.barrier)
        for (source, target), barriers in edges.items():
            lines.append(f'  {source} -- "{_text("fails before " + ", ".join(dict.fromkeys(barriers)))}" --> {target}')
        return "\n".join(lines) + "\n"
    from .report import printable

    header = ("stage", "fails before", "then these stages fail too")
    rows = [(b.stage.label, b.barrier, ", ".join(s.label for s in b.fails) or "none") for b in blasts]
    widths = [max(len(printable(r[i])) for r in [header, *rows]) for i in range(2)]
    lines = [f"blast radius of pipeline '{printable(pipeline.label)}': who fails when a stage fails before one of its barriers", ""]
    lines.append(f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]}")
    for b, (stage, barrier, fails) in zip(blasts, rows):
        lines.append(f"{printable(stage):<{widths[0]}}  {printable(barrier):<{widths[1]}}  {printable(fails)}")
        if id(b) in verdicts:
            status, evidence = verdicts[id(b)]
            lines.append(f"{'':<{widths[0]}}  {'':<{widths[1]}}  runtime: {status}: {printable(evidence)}")
    if not blasts:
        lines.append("(no Barrier step: no stage's failure reaches another)")
    return "\n".join(lines) + "\n"
