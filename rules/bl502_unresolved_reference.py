from __future__ import annotations

from barrierlint.finding import Severity
from barrierlint.rule import Rule

class UnresolvedReference(Rule):
    """A template, FirstGen workflow or chained pipeline is not among the checked files.

    ## What goes wrong
    Barrier mistakes often span files: a stage template holds the Barrier steps, a FirstGen
    pipeline runs workflows kept in other files, a chained stage runs another pipeline. When
    the referenced file is not among the checked files, barrierlint cannot see what it adds.

    ## At run time
    Nothing is wrong yet: this is a note that the analysis is incomplete at this place. Rules
    that count participants stay silent on incomplete pipelines rather than guess.

    ## How to fix
    Check the whole repository (`barrierlint check .`), including the folders that hold the
    templates, workflows and child pipelines; name a `versionLabel` when several versions of a
    template exist.
    """

    code = "BL502"
    name = "unresolved-reference"
    severity = Severity.INFO
    tags = ("cross-file",)

    def check(self, project):
        for missing in project.missing:
            yield self.finding(
                missing.origin,
                f"{missing.kind} {missing.name}: {missing.detail}",
                fix="check the files that define it together with this one",
                key=missing.name,
            )
