"""The inventory of locks across a project (`barrierlint keys`): which pipelines and stages take
which Queue key or deployment resource, in what scope, and across which barriers they hold it.

Queue keys and resource constraints are account-wide (`barrierlint.locks`), so a key taken by
several pipelines is where waits between executions begin: those keys are marked `shared`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .locks import Lock, holds
from .model import Pipeline, occurrences

MAX_BARRIERS = 10  # barrier names listed per holder (the count is always given)


@dataclass(frozen=True, slots=True, eq=False)
class Holder:
    """One acquisition of a key, with the barriers its holder waits at while holding it."""

    pipeline: Pipeline
    lock: Lock
    across: tuple[str, ...]  # barrier references, first use first


def inventory(project) -> dict[tuple, list[Holder]]:
    """Every key the project's pipelines take (templates count where they are used), with its
    holders in document order; keys in the order they are first taken."""
    found: dict[tuple, list[Holder]] = {}
    for pipeline in project.pipelines:
        if pipeline.template_kind is not None:
            continue
        for lock, across in _spans(pipeline, holds(pipeline, project)):
            found.setdefault(lock.key, []).append(Holder(pipeline, lock, across))
    return found


def _spans(pipeline: Pipeline, locks: list[Lock]):
    """(lock, barriers held across): the normal-flow Barrier steps after a Queue step in its
    stage (scope Stage) or in the pipeline (scope Pipeline), or in a Deploy stage that holds its
    resource constraint (taken before the execution). One pass over the steps in document order."""
    steps = occurrences(pipeline, lambda step: step.is_barrier or step.is_queue)
    place = {id(o.step): i for i, o in enumerate(steps)}
    barriers = [(i, o) for i, o in enumerate(steps) if o.step.is_barrier and not o.in_rollback and o.ref]
    for lock in locks:
        start = place.get(id(lock.step), -1) if lock.step is not None else -1
        refs = (o.ref for i, o in barriers if i > start and (lock.scope == "Pipeline" or o.stage is lock.stage))
        yield lock, tuple(dict.fromkeys(refs))


def render(found: dict[tuple, list[Holder]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"keys": [_entry(key, holders) for key, holders in found.items()]}, indent=2) + "\n"
    if not found:
        return "no Queue keys or deployment resources\n"
    lines = []
    for key, holders in found.items():
        entry = _entry(key, holders)
        pipelines = entry["pipelines"]
        shared = f"; shared by {len(pipelines)} pipelines: their executions wait for each other here" if entry["shared"] else ""
        lines.append(f"{holders[0].lock.name} (account-wide, {len(holders)} holder{'s' if len(holders) > 1 else ''}{shared})")
        for holder in entry["holders"]:
            across = holder["across"]
            held = f"held across {', '.join(repr(b) for b in across[:MAX_BARRIERS])}" if across else "no barrier while held"
            more = f" and {len(across) - MAX_BARRIERS} more" if len(across) > MAX_BARRIERS else ""
            lines.append(
                f"  {holder['file']}:{holder['line']}: pipeline '{holder['pipeline']}', '{holder['stage']}', scope {holder['scope']}, "
                f"at {holder['at']}; {held}{more}"
            )
    from .report import printable

    return "\n".join(printable(line) for line in lines) + "\n"


def _entry(key: tuple, holders: list[Holder]) -> dict:
    pipelines = list({id(h.pipeline): h.pipeline.label for h in holders}.values())  # one per pipeline, even if two share a name
    return {
        "kind": key[0],
        "key": list(key[1:]),
        "name": holders[0].lock.name,
        "pipelines": pipelines,
        "shared": len(pipelines) > 1,
        "holders": [
            {
                "file": h.lock.origin.doc.path,
                "line": h.lock.origin.doc.span(h.lock.origin.route).line,
                "pipeline": h.pipeline.label,
                "stage": h.lock.where,
                "scope": h.lock.scope,
                "at": h.lock.at,
                "across": list(h.across),
            }
            for h in holders
        ],
    }
