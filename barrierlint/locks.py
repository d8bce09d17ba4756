"""Locks a pipeline takes: Queue steps and the resource constraints of Deploy stages.

Both are permits of one account-wide FIFO resource constraint of capacity 1 (Harness's
`Queuing` constraint, `ResourceRestraintInitializer`): a Queue step takes `spec.key` until the
end of its `spec.scope` (the stage or the whole execution); a Deploy stage takes the key Harness
builds from its service, environment and infrastructure until the stage ends
(`ResourceConstraintUtility`, holding scope STAGE), unless the infrastructure allows
simultaneous deployments. A holder asking again for a key it holds does not wait (acquire mode
ENSURE counts the permits held by the same holder: the execution for Pipeline scope, the stage
run for Stage scope; `ResourceRestraintStep`). Sources: docs/rules/BL304.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Occurrence, Origin, Parallel, Pipeline, Sequence, Stage, Step, children, is_expression, occurrences, stages

if TYPE_CHECKING:
    from .project import Project


@dataclass(frozen=True, slots=True, eq=False)
class Lock:
    """One acquisition: a Queue step, or a Deploy stage's resource constraint (`step` None)."""

    kind: str  # queue | resource
    key: tuple  # what the engine compares: ("queue", key) or ("resource", service, environment, infrastructure...)
    scope: str  # Pipeline | Stage
    stage: Stage
    origin: Origin
    occurrence: Occurrence | None = None  # the Queue step in its context

    @property
    def step(self) -> Step | None:
        return self.occurrence.step if self.occurrence is not None else None

    @property
    def name(self) -> str:
        if self.kind == "queue":
            return f"Queue key '{self.key[1]}'"
        return f"the deployment resource '{'/'.join(self.key[1:])}'"

    @property
    def where(self) -> str:
        """Who takes it: the stage (after a chained stage's label when it runs in a child) and step groups."""
        return self.occurrence.where if self.occurrence is not None else self.stage.label

    @property
    def chained(self) -> Stage | None:
        """The chained stage whose child execution takes this lock (another holder than the parent's)."""
        return self.occurrence.chained if self.occurrence is not None else None

    @property
    def at(self) -> str:
        if self.occurrence is not None:
            return f"Queue step '{self.occurrence.step.label}' of '{self.where}'"
        return f"the start of '{self.stage.label}'"


def holds(pipeline: Pipeline, project: "Project") -> list[Lock]:
    """Every lock of a pipeline whose key the YAML fixes, in document order: Queue steps with a
    literal key and scope, then Deploy stages that do not allow simultaneous deployments."""
    key = ("locks", id(pipeline))
    if key in project._cache:
        return project._cache[key]
    found = []
    for occurrence in occurrences(pipeline, lambda step: step.is_queue):
        step = occurrence.step
        scope = (step.queue_scope or "").strip().capitalize()
        if not step.queue_key or is_expression(step.queue_key) or scope not in ("Pipeline", "Stage"):
            continue
        found.append(Lock("queue", ("queue", step.queue_key), scope, occurrence.stage, step.origin, occurrence))
    for stage in stages(pipeline):
        resource = _resource(stage, project)
        if resource is not None:
            found.append(Lock("resource", resource, "Stage", stage, stage.target.origin))
    project._cache[key] = found
    return found


def _resource(stage: Stage, project: "Project") -> tuple | None:
    """The resource key a Deploy stage holds while it runs, or None when it holds none or the
    pipeline does not fix it (an expression, a runtime input, a part left out)."""
    target = stage.target
    if target is None or stage.child is not None:
        return None
    parts = (target.service, target.environment, target.infrastructure)
    if any(not part or is_expression(part) for part in parts):
        return None
    found = project.index.infrastructure(target.environment, target.infrastructure) if project.index is not None else None
    simultaneous = target.simultaneous
    if simultaneous is None:
        simultaneous = found.simultaneous if found is not None else project.settings.simultaneous_deployments
    if simultaneous:
        return None
    infrastructure = ":".join(found.key_values) if found is not None and found.key_values else target.infrastructure
    return ("resource", target.service, target.environment, infrastructure)


@dataclass(frozen=True, slots=True, eq=False)
class Reentry:
    """A key held for a whole execution (`held`, scope Pipeline) that another holder of the same
    run asks for (`asks`): a Stage-scoped Queue step of the same execution, or any Queue step of
    a chained child (its own execution). The asker waits for the execution to end, and the
    execution cannot end while it waits."""

    held: Lock
    asks: Lock
    verdict: str  # must: the key is held when the other asks; may: only if the Pipeline-scoped step takes it first

    @property
    def line(self) -> str:
        who = f"the chained child of '{self.asks.chained.label}'" if self.asks.chained is not None else f"'{self.asks.where}'"
        return (
            f"{self.held.at} holds {self.held.name} until the execution ends; {who} asks for it again at {self.asks.at} "
            f"as another holder ({'its own execution' if self.asks.chained is not None else 'a Stage-scoped request'}), "
            f"so it waits for an execution that cannot end while it waits"
        )


def reentries(pipeline: Pipeline, project: "Project") -> list[Reentry]:
    """Pipeline-scoped Queue keys asked for again by another holder of the same run (BL305)."""
    found = holds(pipeline, project)
    held = [lock for lock in found if lock.kind == "queue" and lock.scope == "Pipeline" and lock.chained is None]
    by_key: dict[tuple, list[Lock]] = {}
    for lock in found:
        by_key.setdefault(lock.key, []).append(lock)
    result = []
    for lock in held:
        for other in by_key[lock.key]:
            if other is lock or other.key != lock.key or (other.scope == "Pipeline" and other.chained is None):
                continue  # the execution asking again for its own key does not wait
            order = _order(pipeline, lock, other)
            if order == "before" or (order == "after" and other.chained is None and other.stage in lock.occurrence.path):
                result.append(Reentry(lock, other, "must"))
            elif order == "concurrent":
                result.append(Reentry(lock, other, "may"))
    return result


def _order(pipeline: Pipeline, first: Lock, second: Lock) -> str:
    """How two acquisitions are ordered by the structure: before, after or concurrent (parallel
    branches, `dependsOn` stages)."""
    a, b = _position(pipeline, first), _position(pipeline, second)
    for (item_a, index_a, parent), (item_b, index_b, _) in zip(a, b):
        if item_a is item_b:
            continue
        if isinstance(parent, Parallel) or any(isinstance(i, Stage) and i.depends_on is not None for i in (item_a, item_b)):
            return "concurrent"
        return "before" if index_a < index_b else "after"
    return "before" if len(a) <= len(b) else "after"


def _position(pipeline: Pipeline, lock: Lock) -> list[tuple]:
    """(item, index in its container, container) from the pipeline down to the lock's step."""
    chain = [*(lock.occurrence.path if lock.occurrence is not None else (lock.stage,)), *([lock.step] if lock.step is not None else [])]
    if lock.occurrence is None:
        chain = _path_to(pipeline, lock.stage)
    result, container = [], pipeline
    for item in chain:
        siblings = list(container.stages) if container is pipeline else [sub for sub, _ in children(container)]
        index = next((i for i, sub in enumerate(siblings) if sub is item), 0)
        result.append((item, index, container))
        container = item
    return result


def _path_to(pipeline: Pipeline, stage: Stage) -> list:
    stack = [(item, [item]) for item in pipeline.stages]
    while stack:
        item, path = stack.pop()
        if item is stage:
            return path
        if isinstance(item, (Parallel, Sequence)):
            stack.extend((sub, path + [sub]) for sub, _ in children(item))
    return [stage]
