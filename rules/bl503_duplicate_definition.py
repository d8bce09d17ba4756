from __future__ import annotations

from barrierlint.finding import Related, Severity
from barrierlint.rule import Rule


class DuplicateDefinition(Rule):
    """A pipeline, template version or FirstGen workflow that a reference names is defined twice.

    ## What goes wrong
    Harness holds one pipeline per identifier in a project, one template per identifier and
    `versionLabel` (the label uniquely identifies a version), and one workflow per name in a
    FirstGen application. Two files in the repository that define the same one (a copy left
    behind, a file renamed from `.yml` to `.yaml` without deleting the old one) leave it open
    which of them Harness has (for a pipeline or template: the one imported or synced last).
    References resolve by these names, so the steps a pipeline runs depend on that accident.
    A name defined twice that nothing among the checked files refers to is not reported: one
    repository may hold pipelines of several Harness projects, which may reuse identifiers.

    ## At run time
    Whichever copy Harness holds runs; the other one is dead text that reviewers still read.
    barrierlint analyses with the first definition by path, whatever the order of the files
    on the command line, and reports each other one here. This is a rule of its own, beside
    BL502: that one is a reference that resolves to nothing, this one a name that resolves to
    two; neither is the shape of one file (BL002).

    ## How to fix
    Delete the copy, or give it an identifier (or `versionLabel`) of its own and point the
    references that mean it there.

    ## Example
    ```yaml
    # .harness/templates/deploy.yaml and .harness/templates/deploy-old.yaml both say:
    template:
      identifier: deploy   # BL503 in deploy.yaml: also defined in deploy-old.yaml
      versionLabel: v1
    ```
    """

    code = "BL503"
    name = "duplicate-definition"
    severity = Severity.WARNING
    tags = ("correctness", "cross-file")

    def check(self, project):
        for duplicate in project.index.duplicates:
            if duplicate.key not in project.index.looked_up:
                continue  # a copy nothing refers to changes no analysis (projects may reuse identifiers)
            first = duplicate.first.doc.path
            yield self.finding(
                duplicate.again,
                f"{duplicate.kind} {duplicate.name} is also defined in {first}: Harness holds only one of them; "
                f"barrierlint analyses the one in {first} (the first by path)",
                related=[Related(duplicate.first, f"{duplicate.kind} {duplicate.name} is defined here")],
                fix="delete one copy, or give it an identifier or versionLabel of its own",
                key=f"{duplicate.kind} {duplicate.name}",
            )
