from __future__ import annotations

from barrierlint.model import Origin
from barrierlint.rule import Rule


class YamlSyntax(Rule):
    """A file is not valid YAML.

    ## What goes wrong
    A bad indent, a tab, an unclosed quote or bracket, or a stray character makes the file
    unreadable as YAML. The loader reports the position where parsing stopped.

    ## At run time
    Harness refuses to save or import the file (a Git-synced pipeline shows as invalid), so the
    pipeline cannot run at all. barrierlint checks nothing after the error either: documents
    that come after it in the file are not analysed.

    ## How to fix
    Correct the YAML at the reported line and column; the line before it is often the culprit
    (an unclosed quote or bracket, or a wrong indent).

    ## Example
    ```yaml
    spec:
      barrierRef: "db_ready   # BL001: the quote is never closed
    ```
    """

    code = "BL001"
    name = "yaml-syntax"
    tags = ("input",)

    def check(self, project):
        for doc, problem in self.problems(project):
            yield self.finding(
                Origin(doc, problem.route or ()),
                f"{problem.message}; Harness cannot load this file, and nothing after this point was checked",
                fix="correct the YAML here (an unclosed quote or bracket, or a wrong indent, is often on the line before)",
                span=problem.span,
            )
