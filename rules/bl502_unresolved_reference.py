from __future__ import annotations

from barrierlint.finding import Severity
from barrierlint.rule import Rule

class UnresolvedReference(Rule):
    """A template, FirstGen workflow or chained pipeline is not among the checked files.

    ## What goes wrong
    Barrier mistakes often span files: a stage template holds the Barrier steps, a FirstGen
    pipeline runs workflows kept in other files, a chained stage runs another pipeline. When
    the referenced file is not among the checked files, barrierlint cannot see what it adds.
    The same note marks a Barrier step in the provisioner of one environment of a
    multi-environment stage: it runs only in that environment's copies of the stage, which the
    analysis does not tell apart.

    ## At run time
    Nothing is wrong yet: this is a note that the analysis is incomplete at this place. Rules
    that count participants stay silent on incomplete pipelines rather than guess. It is
    reported once per missing reference and pipeline (at its first use, with the number of
    uses), and it does not fail a check unless `--fail-on info` asks for it. Templates kept in
    Harness (`external-templates`, by default every `account.` and `org.` template) are not
    reported.

    ## How to fix
    Check the file in its repository (`barrierlint check FILE` reads the files it refers to
    from its `.harness` folder, FirstGen application or git repository), point
    `template-paths` at a checkout of the template library, list templates that live only in
    Harness under `external-templates`, and name a `versionLabel` when several versions of a
    template exist.
    """

    code = "BL502"
    name = "unresolved-reference"
    severity = Severity.INFO
    tags = ("cross-file",)

    def check(self, project):
        uses: dict[tuple, dict[tuple, object]] = {}  # (file, document, what) -> distinct use sites
        for missing in project.missing:
            if missing.external:
                continue
            origin = missing.origin
            group = (id(origin.doc), origin.route[:1], missing.kind, missing.name, missing.detail)
            uses.setdefault(group, {}).setdefault((id(origin.doc), origin.route), missing)
        for sites in uses.values():
            first = min(sites.values(), key=lambda m: (m.origin.doc.span(m.origin.route).line, m.origin.doc.span(m.origin.route).column))
            count = len(sites)
            yield self.finding(
                first.origin,
                f"{first.kind} {first.name} (used {'once' if count == 1 else f'{count} times'} in this pipeline): {first.detail}",
                fix=first.fix,
                key=first.name,
            )
