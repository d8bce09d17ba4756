from __future__ import annotations

from barrierlint.finding import Related, Severity
from barrierlint.rule import Rule
from barrierlint.rules._ordering import ordering, verdict_text


class HoldAndWait(Rule):
    """A lock held across a barrier wait that another participant needs before it can arrive.

    ## What goes wrong
    A Queue step holds its key until the end of its scope (the stage, or the whole execution),
    and a Deploy stage holds a resource constraint on its service, environment and
    infrastructure until the stage ends, unless the infrastructure allows simultaneous
    deployments. Both are one account-wide lock of capacity 1, first come first served. When a
    participant of barrier X takes the lock before X and another participant of X must take the
    same lock before it reaches X, the first waits at X for the second, which waits in the queue
    for the first to finish: "S1 is waiting for S2 to reach the barrier but S2 never starts".
    The same holds for copies of one looped stage that start together, and for cycles that mix
    a lock and several barriers (found by adding a may-wait edge from each lock's release to the
    next contender's acquisition in the ordering graph).

    ## At run time
    The holder's Barrier step expires after its timeout (10h engine default) and the barrier
    times out for every participant; the queued stage then gets the lock. "must" means every
    acquisition order hangs; "may" names the orders (or the `when` conditions) that hang.

    ## How to fix
    Take the lock after the barrier (move the Queue step below the Barrier step), use
    different keys, or allow simultaneous deployments on the shared infrastructure.

    ## What the analysis assumes, and why
    - Queue steps and deployment resource constraints are permits of one resource constraint,
      `Queuing`, of capacity 1, FIFO, one per account (harness-core `ResourceRestraintInitializer`,
      `QueueSpecParameters`: 1 permit, acquire mode ENSURE). Docs: "Control resource usage with
      Queue steps" (developer.harness.io).
    - A Deploy stage takes its resource constraint after the infrastructure section (and its
      provisioner) and before its execution, with holding scope STAGE: the current engine
      releases it when the stage ends (harness-core `InfrastructurePmsPlanCreator`,
      `ResourceConstraintUtility`; an older version held it for the whole execution, PLAN).
    - The key is the infrastructure key `<+INFRA_KEY>`: a SHA-1 of the service identifier, the
      environment identifier and the infrastructure's own key fields (connector and namespace
      for Kubernetes, and so on: `InfrastructureKey`, `getInfrastructureKeyValues`). barrierlint
      compares those fields when the infrastructure definition file is checked with the
      pipeline, else the infrastructure identifier (two identifiers with the same connector and
      namespace share one key in Harness; barrierlint then stays silent). The docs describe the
      key as "service Id + environment Id + connector Id + infrastructure Id", scoped to the
      account ("Controlling resource usage with Barriers, Resource Constraints, and Queue steps").
      A project-scoped queue setting adds the project to the key; stages of one pipeline share it.
    - No constraint is taken when the infrastructure allows simultaneous deployments
      (`allowSimultaneousDeployments`, default false in `ResourceConstraintUtility`). It is read
      from the stage (older layout) or the infrastructure definition file; when neither is
      checked, the profile setting `simultaneous_deployments` (default false, as Harness) decides.
      Custom stages take none (docs).
    - A holder asking again does not wait: the engine subtracts the permits the same holder
      already holds (the stage run for Stage scope, the execution for Pipeline scope;
      `ResourceRestraintStep`, `ResourceRestraintUtils.getReleaseEntityId`). Copies of a looped
      stage are separate stage runs, so they contend; copies of a step group are one stage.
    - Every search for a lock cycle stays between the locks it is about, and all of them together
      visit a bounded number of nodes per node of the pipeline: past that budget the keys left
      are reported once, as "analysis limit reached" (property `analysis_limit`).
    - The hang: "S1 is waiting for S2 to reach the barrier but S2 never starts"
      (discuss.harness.io t/12562).
    """

    code = "BL304"
    name = "hold-and-wait"
    severity = Severity.ERROR
    tags = ("correctness", "deadlock")

    def check_pipeline(self, pipeline, project):
        result = ordering(pipeline, project)
        if result is None:
            return
        from barrierlint.finding import route_text
        from barrierlint.graph import timeout_text

        for found in result.hold_and_wait:
            holder, waiter = found.holder, found.waiter
            lock = holder.name
            if found.verdict == "may" and found.orders:
                order = found.orders[0]
                when = f"this hangs when {' then '.join(repr(o.where) for o in order)} take {lock} in that order ({len(found.orders)} of {found.tried} acquisition orders hang)"
            else:
                when = verdict_text(found.verdict, found.conditions)
            if found.copies is not None:
                head = f"the {found.copies} copies of '{holder.stage.label}' each take {lock} and then wait for one another at '{found.barrier}'"
            else:
                there = f"'{found.barrier}'" if found.missing.ref == found.barrier else f"'{found.missing.ref}', a barrier '{found.barrier}' waits on"
                head = f"'{holder.where}' holds {lock} across its wait at '{found.barrier}', and '{waiter.where}' must take the same lock before it reaches {there}"
            yield self.finding(
                holder.origin,
                f"{head}: they wait for each other; {when}; the Barrier step '{found.waiting.step.label}' expires after {timeout_text(found.waiting)}",
                related=[
                    Related(found.waiting.step.origin, f"'{found.waiting.where}' waits here holding {lock}"),
                    *([] if waiter is holder else [Related(waiter.origin, f"'{waiter.where}' is queued on {lock} here")]),
                ],
                witness=[found.line],
                flows=[[Related(holder.origin, f"'{holder.where}' takes {lock}"), Related(found.waiting.step.origin, f"and waits at '{found.barrier}'")]],
                fix=f"take {lock} after the barrier '{found.barrier}', use different keys, or let the deployments run simultaneously",
                key="/".join(holder.key) + "@" + found.barrier,
                verdict=found.verdict,
                barriers=[found.barrier],
                lock=lock,
                order=[o.stage.label for o in found.orders[0]] if found.orders else None,
                waiting=[route_text(found.waiting.step.origin.route)],
            )
        limit = result.lock_limit
        if limit is not None:
            yield self.finding(
                limit.first.origin,
                f"analysis limit reached: {limit.keys - limit.examined} of the {limit.keys} lock keys of this pipeline, from {limit.first.name} "
                f"({limit.first.at}) on, were not examined for hold-and-wait",
                fix="split the pipeline, or check the keys from here on in a smaller one",
                key="/".join(limit.first.key) + "@limit",
                verdict="may",
                analysis_limit=True,
            )
