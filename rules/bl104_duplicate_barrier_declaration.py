from __future__ import annotations

from barrierlint.finding import Related
from barrierlint.rule import Rule


class DuplicateBarrierDeclaration(Rule):
    """The same barrier identifier is declared twice in `flowControl.barriers`.

    ## What goes wrong
    Two entries of `flowControl.barriers` carry the same `identifier`, usually after copying an
    entry and forgetting to rename it, or after merging two branches.

    ## At run time
    The engine keeps the first entry and drops the other without a word; the Pipeline Studio
    marks the identifier as a duplicate. If the copy was meant to be a second barrier, the steps
    that use "both" now share one barrier and wait for each other.

    ## How to fix
    Delete the duplicate, or give the second barrier its own identifier and update the Barrier
    steps that should use it.

    ## Fix
    `--fix` deletes the duplicate entry: safe, because the engine ignores it already.
    """

    code = "BL104"
    name = "duplicate-barrier-declaration"
    tags = ("correctness",)

    def check_pipeline(self, pipeline, project):
        first = {}
        for decl in pipeline.barriers:
            if decl.identifier is None:
                continue
            if decl.identifier in first:
                yield self.finding(
                    decl.origin.at("identifier"),
                    f"barrier '{decl.identifier}' is declared twice in pipeline '{pipeline.label}'; the engine keeps the first "
                    "declaration and ignores this one",
                    related=[Related(first[decl.identifier].origin.at("identifier"), "first declared here")],
                    fix="delete this entry or give it a new identifier",
                    key=decl.identifier,
                )
            else:
                first[decl.identifier] = decl

    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.edits import remove

        entry = finding.origin.route[:-1]  # the list item holding the `identifier` key
        return Fix(f"delete the duplicate declaration of '{finding.key}'", True, finding.origin.doc, (remove(finding.origin.doc, entry),))
