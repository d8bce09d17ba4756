from __future__ import annotations

from barrierlint.rule import Rule
from barrierlint.finding import Severity


class UnusedBarrier(Rule):
    """A barrier is declared in `flowControl.barriers` but no Barrier step references it.

    ## What goes wrong
    The declaration is left over from a removed step, or the steps that should use it reference
    another name. Either way nothing synchronizes on it.

    ## At run time
    Nothing happens: an unused barrier has no participants. The danger is the intent behind it:
    stages the author meant to synchronize run unsynchronized.

    ## How to fix
    Add Barrier steps that reference it where the stages must meet, or delete the declaration.

    ## Fix
    `--fix` deletes the declaration: safe, because a barrier no step joins does nothing at run
    time.
    """

    code = "BL102"
    name = "unused-barrier"
    severity = Severity.WARNING
    tags = ("hygiene",)

    def check_pipeline(self, pipeline, project):
        if project.incomplete(pipeline):
            return  # a template or runtime input we cannot see may reference it
        used = set()
        for occurrence in project.occurrences(pipeline):
            if occurrence.ref is not None:
                used.add(occurrence.ref)
        for child_ref in project.child_references(pipeline):
            used.add(child_ref)
        for decl in pipeline.barriers:
            if decl.identifier and decl.identifier not in used:
                yield self.finding(
                    decl.origin.at("identifier"),
                    f"barrier '{decl.identifier}' is declared in pipeline '{pipeline.label}' but no Barrier step references it: "
                    "nothing synchronizes on it",
                    fix=f"reference '{decl.identifier}' from the Barrier steps that must meet, or delete the declaration",
                    key=decl.identifier,
                )

    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.edits import remove

        entry = finding.origin.route[:-1]  # the list item holding the `identifier` key
        return Fix(f"delete the declaration of '{finding.key}'", True, finding.origin.doc, (remove(finding.origin.doc, entry),))
