from __future__ import annotations

from barrierlint.rules._ordering import LateLoopRule


class SerialMultiDeployment(LateLoopRule):
    """A barrier inside a multi-service or multi-environment stage that deploys serially.

    ## What goes wrong
    A Deployment stage with several services, environments, infrastructures or an environment
    group runs one copy per target. With `metadata.parallel: false` the copies run one after
    another (an absent flag counts as parallel), and only the copies that start immediately are
    participants of the barriers in the stage.

    ## At run time
    The later copies arrive after the barrier released: they wait until their own timeout (10h
    engine default when none is set), so the stage never completes, or they pass at once without
    synchronizing (engine profile `late_arrival`). Harness's documents say: enable "Deploy
    services in parallel".

    ## How to fix
    Set `metadata.parallel: true` (or remove it), or move the barrier to a stage that is not
    multi-deployed.

    ## Fix
    `--unsafe-fixes` sets `metadata.parallel: true`. Unsafe: the targets are then deployed at
    the same time.
    """

    code = "BL402"
    name = "serial-multi-deployment"
    tags = ("correctness", "deadlock")
    serial_deployment = True

    def fix_hint(self, loop):
        return "set metadata.parallel: true so every deployment target starts at once, or move the barrier out of this stage"

    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.edits import replace_scalar

        if finding.origin.route[-1] != "parallel":
            return None
        return Fix("set metadata.parallel: true", False, finding.origin.doc, (replace_scalar(finding.origin.doc, finding.origin.route, "true"),))
