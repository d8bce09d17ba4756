from __future__ import annotations

from barrierlint.finding import Severity
from barrierlint.model import is_expression, parse_duration
from barrierlint.rule import Rule

MINIMUM = 10  # seconds: the Pipeline Studio refuses shorter Barrier step timeouts
ENGINE_DEFAULT = 10 * 3600  # seconds a NextGen step without `timeout` may run


class BarrierTimeout(Rule):
    """A Barrier step has no timeout (a 10-hour hang), an unreadable one, or one below 10s.

    ## What goes wrong
    A Barrier step waits until every participant arrives or its own `timeout` ends; there is
    no barrier-level timeout. Without `timeout`, the NextGen engine applies its default of 10
    hours (the Pipeline Studio pre-fills 10m, but YAML written by hand often drops it). A
    timeout that is not a Harness duration (`10m`, `1h 30m`, `1d`) or is below the 10s minimum
    is a typo or a misunderstanding of the unit.

    ## At run time
    When one participant fails to arrive (its stage is stuck on an approval, a queue, a
    resource constraint, or waits at another barrier), every waiting participant hangs until
    its timeout: 10 hours by default, holding delegates and blocking the release. An
    unreadable timeout is rejected when the pipeline is saved. A timeout below 10s times the
    barrier out for everyone unless all participants arrive within it.

    ## How to fix
    Give every Barrier step an explicit `timeout` a little above the longest expected arrival
    skew between the participants (for example `15m`), or a runtime input (`<+input>`).

    ## Example
    ```yaml
    - step:
        identifier: wait_db
        type: Barrier
        spec: {barrierRef: db_ready}   # BL702: no timeout, 10h by default
    ```

    ## Fix
    `--unsafe-fixes` writes `timeout: 15m` (the `fix-timeout` option of the configuration) on
    the step, or in place of an unreadable or too short one. Unsafe: a participant that is late
    by more than that now fails the barrier for everyone instead of being waited for.

    FirstGen barrier steps default to 10 minutes (`timeoutMillis: 600000`), so only
    unreadable FirstGen timeouts (not a number of milliseconds) are reported.
    """

    code = "BL702"
    name = "barrier-timeout"
    severity = Severity.WARNING
    tags = ("reliability",)

    def check_pipeline(self, pipeline, project):
        firstgen = pipeline.syntax == "firstgen"
        for occurrence in project.occurrences(pipeline):
            if occurrence.chained:
                continue  # a child pipeline's step: checked with the child, or only partly visible in inputs
            found = _problem(occurrence, firstgen, pipeline.template is not None)
            if found is None:
                continue
            key, problem, fix = found
            step = occurrence.step
            barrier = f" (barrier '{occurrence.ref}')" if occurrence.ref else ""
            yield self.finding(
                step.origin.at(*key),
                f"Barrier step '{step.label}'{barrier} in stage '{occurrence.where}' {problem}",
                fix=fix,
                key=step.label,
            )

    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.barriers import occurrence_at
        from barrierlint.fixes.edits import insert_key, replace_scalar

        pipeline, occurrence = occurrence_at(finding, project)
        if pipeline.syntax == "firstgen":
            return None
        doc, route, timeout = finding.origin.doc, occurrence.step.origin.route, project.settings.fix_timeout
        edit = replace_scalar(doc, route + ("timeout",), timeout) if finding.origin.route[-1] == "timeout" else insert_key(doc, route, "timeout", timeout)
        return Fix(f"set the Barrier step's timeout to {timeout}", False, doc, (edit,))


def _problem(occurrence, firstgen: bool, templated: bool) -> tuple[tuple[str, ...], str, str] | None:
    """(where to point, what is wrong and what follows, the fix), or None for a good timeout."""
    step, timeout = occurrence.step, occurrence.step.timeout
    if timeout is None:
        if firstgen or templated or occurrence.through_template:
            return None  # FirstGen defaults to 10 minutes; the template (unseen) may set it
        if step.origin.doc.node_at(step.origin.route + ("timeout",)):
            return None  # written, but not as text: BL002's
        return (
            ("identifier",),
            "has no timeout: the engine default of 10h applies, so if another participant never arrives this step waits "
            f"10 hours before it fails{_stage_bound(occurrence.stage)}",
            "add an explicit timeout, e.g. `timeout: 15m`",
        )
    if is_expression(timeout):
        return None  # a runtime input or expression: known only when the run starts
    seconds = parse_duration(timeout)
    if seconds is None and firstgen:
        return (
            ("properties", "timeoutMillis"),
            f"has timeoutMillis '{timeout}', which is not a number of milliseconds, the only form FirstGen reads",
            "write the timeout in milliseconds, e.g. `timeoutMillis: 900000` (15 minutes)",
        )
    if seconds is None:
        return (
            ("timeout",),
            f"has timeout '{timeout}', which is not a Harness duration (such as 10m, 1h 30m, 1d): Harness rejects it when "
            "the pipeline is saved",
            "write the timeout as a duration with units, e.g. `15m`",
        )
    if seconds < MINIMUM and not firstgen:
        return (
            ("timeout",),
            f"has timeout '{timeout}', below the 10s minimum the Pipeline Studio enforces: the barrier times out for every "
            f"participant unless all of them arrive within {timeout}",
            "use a timeout of at least 10s, a little above the expected arrival skew, e.g. `15m`",
        )
    return None


def _stage_bound(stage) -> str:
    """The stage's own timeout ends the wait earlier when it is shorter than 10 hours."""
    seconds = parse_duration(stage.timeout)
    if seconds is not None and seconds < ENGINE_DEFAULT:
        return f" (or until the stage timeout '{stage.timeout}' of stage '{stage.label}' ends it)"
    return ""
