"""How a run looks to a person: the trace as JSON lines, a status table, and the blocked set."""

from __future__ import annotations

import json

from ..terminal import guard, guard_json, printable
from .simulator import Run, clock_text


def trace_lines(run: Run) -> str:
    """The trace as JSON lines (`--trace -` prints them: escaped by the terminal rule for JSON)."""
    return guard_json("".join(json.dumps(event, default=str) + "\n" for event in run.events))


def render(run: Run) -> str:
    """The run for a person, in a terminal or a CI log: pipeline text escaped (`terminal`)."""
    out = [f"pipeline {run.pipeline.label}: {run.status} at {clock_text(run.ended)}"]
    if run.limit:
        out.append(f"  {run.limit}")
    if run.rejected:
        out.append(f"  rejected at start: {run.rejected}")
        return _shown(out)
    rows = [("  " * _depth(node) + printable(node.label), node) for node in _tree_order(run.nodes)]
    if rows:
        width = max(len(label) for label, _ in rows)
        out.append("")
        out.append(f"  {'stage / step':<{width}}  {'status':<20} {'start':>10} {'end':>10}")
        for label, node in rows:
            end = clock_text(node.ended) if node.ended is not None else "-"
            line = f"  {label:<{width}}  {node.status:<20} {clock_text(node.started):>10} {end:>10}"
            out.append(line + (f"  {node.message}" if node.message else ""))
    quiescence = run.quiescence
    if quiescence is not None and (quiescence.waits or quiescence.interventions):
        out.append("")
        out.append(f"quiescent at {clock_text(quiescence.time)}: nothing can move except timeouts")
        out.extend("  " + line for line in blocked_lines(run))
        out.extend(f"  {holder} holds {lock} since {clock_text(since)}" for lock, holder, since in quiescence.held)
        out.extend(f"  {waiter} is queued on {lock} behind {holder}" for lock, waiter, holder in quiescence.queued)
    released = [i for i in run.instances.values() if i.late]
    for instance in released:
        for node, time in instance.late:
            out.append(f"  late: {node.label} arrived at {instance.ref} at {clock_text(time)}, after it was {instance.state} at {clock_text(instance.resolved_at)}")
    return _shown(out)


def _shown(lines: list[str]) -> str:
    return guard("".join(printable(line) + "\n" for line in lines))


def blocked_lines(run: Run) -> list[str]:
    """`deploy_eu waits at X since 00:02:00 for deploy_us, which waits at Y`, one per step."""
    quiescence = run.quiescence
    if quiescence is None:
        return []
    lines = []
    for wait in quiescence.waits:
        head = f"{wait.node.label} waits at {wait.barrier} since {clock_text(wait.since)}"
        if wait.late:
            instance = run.instances[wait.barrier]
            lines.append(f"{head}: it arrived after the barrier was {instance.state} and waits for its own timeout")
        else:
            lines.append(f"{head} for " + ("; ".join(wait.missing) or "nobody (it will be released at the next evaluation)"))
    lines.extend(f"{node.label} waits for a manual intervention since {clock_text(node.started)}" for node in quiescence.interventions)
    if quiescence.not_started:
        lines.append("never started: " + ", ".join(quiescence.not_started))
    return lines



def _depth(node) -> int:
    depth = 0
    while node.parent is not None:
        node, depth = node.parent, depth + 1
    return depth


def _tree_order(nodes: list) -> list:
    """Stages in start order, each followed by its own steps in start order."""
    children: dict[int, list] = {}
    roots = []
    for node in nodes:
        (children.setdefault(id(node.parent), []) if node.parent is not None else roots).append(node)
    ordered, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(id(node), ())))
    return ordered
