from __future__ import annotations

from barrierlint.rules._ordering import LateLoopRule


class MaxConcurrencyWithBarrier(LateLoopRule):
    """A barrier inside a loop that starts fewer copies at once than it has.

    ## What goes wrong
    Only the copies of a matrix, repeat or parallelism loop that start immediately become
    participants of the barriers inside it: `min(copies, maxConcurrency)`, and never more than
    the account edition allows at once (20 Free, 50 Team, 100 Enterprise). The other copies start
    only when a running copy finishes, which is after the barrier has released.

    ## At run time
    The late copies arrive at a barrier that has already released. Depending on the engine they
    wait there until their own timeout (10h engine default when none is set), so the loop never
    completes and the documents call the pipeline "stuck"; or they pass at once without
    synchronizing with anything (engine profile `late_arrival`).

    ## How to fix
    Remove `maxConcurrency` (or raise it to the number of copies, within the edition cap), or
    move the barrier out of the loop.

    ## Fix
    `--unsafe-fixes` raises `maxConcurrency` to the number of copies, when that number is known
    and within the edition cap. Unsafe: all copies then run at once, which changes the load the
    loop puts on its targets.

    ## Example
    ```yaml
    strategy:
      matrix:
        region: [eu, us, ap, sa]
        maxConcurrency: 2      # BL401: copies 3-4 miss the barrier
    ```
    """

    code = "BL401"
    name = "max-concurrency-with-barrier"
    tags = ("correctness", "deadlock")
    serial_deployment = False

    def fix_hint(self, loop):
        if loop.limit.startswith("maxConcurrency") and (loop.copies or 0) > (loop.started or 0):
            return f"remove maxConcurrency or set it to {loop.copies}, or move the barrier out of the loop"
        return "split the loop so every copy starts at once, or move the barrier out of the loop"

    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.edits import replace_scalar

        copies = finding.properties.get("copies")
        if finding.origin.route[-1] != "maxConcurrency" or not copies or copies > project.settings.edition_cap:
            return None
        return Fix(f"set maxConcurrency to {copies}, the number of copies", False, finding.origin.doc, (replace_scalar(finding.origin.doc, finding.origin.route, str(copies)),))
