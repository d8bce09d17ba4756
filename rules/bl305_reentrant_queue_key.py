from __future__ import annotations

from barrierlint.finding import Related, Severity
from barrierlint.rule import Rule


class ReentrantQueueKey(Rule):
    """A Queue key held for the whole execution, asked for again by another holder of the same run.

    ## What goes wrong
    A Queue step with `scope: Pipeline` holds its key until the execution ends. Harness lets
    the same holder ask again without waiting, but it compares holders exactly: the execution
    for `scope: Pipeline`, the stage run for `scope: Stage`. A Stage-scoped Queue step on the
    same key in the same run, or any Queue step on it in a chained child pipeline (a separate
    execution), is another holder: it queues behind the execution, which cannot end while one
    of its stages waits.

    ## At run time
    The second Queue step waits until its own timeout and fails its stage ("must" when the key
    is already held when it asks; "may" when the two are in parallel branches and the
    Pipeline-scoped step wins the race).

    ## How to fix
    Use the same scope for every Queue step on the key in the pipeline and its children, drop
    the second Queue step (the execution already holds the key), or use another key.

    ## Why this is an error
    The docs say only that the key is released when the Pipeline (or Stage) completes ("Control
    resource usage with Queue steps"). The engine source decides the rest: a Queue step asks for
    1 permit in acquire mode ENSURE, and the permits it already holds are counted only for the
    same holder type and id (`ResourceRestraintInstanceService.getAllCurrentlyAcquiredPermits`
    filters on `releaseEntityType`, `releaseEntityId` and the key; the id is the plan execution
    for Pipeline scope and the stage run for Stage scope, `ResourceRestraintUtils`). A chained
    child pipeline has its own plan execution. The constraint has capacity 1, FIFO.
    """

    code = "BL305"
    name = "reentrant-queue-key"
    severity = Severity.ERROR
    tags = ("correctness", "deadlock")

    def check_pipeline(self, pipeline, project):
        from barrierlint.locks import reentries

        for found in reentries(pipeline, project):
            when = "this hangs on every run" if found.verdict == "must" else (
                f"this hangs on runs where {found.held.at} takes the key first (they run in parallel)"
            )
            yield self.finding(
                found.asks.origin,
                f"{found.asks.at} asks for {found.held.name}, which {found.held.at} holds for the whole execution: "
                f"{'a chained child runs as its own execution' if found.asks.chained is not None else 'a Stage-scoped request is another holder'} "
                f"and waits for that execution to end; {when}",
                related=[Related(found.held.origin, f"{found.held.name} is taken here until the execution ends")],
                witness=[found.line],
                fix=f"give the Queue step '{found.asks.step.label}' scope Pipeline (the execution already holds the key), drop it, or use another key",
                key=found.held.key[1],
                verdict=found.verdict,
                lock=found.held.name,
                order=[found.held.stage.label, found.asks.stage.label] if found.verdict == "may" else None,
            )

