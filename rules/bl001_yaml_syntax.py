from __future__ import annotations

from barrierlint.model import Origin
from barrierlint.rule import Rule


class InputProblems(Rule):
    """Reports the problems the loader and the model builder recorded on documents (no `code`
    here: only the subclasses below are rules)."""

    def check(self, project):
        for doc in project.documents:
            for problem in doc.problems:
                if problem.code == self.code:
                    yield self.finding(Origin(doc, problem.route or ()), problem.message, span=problem.span)


class YamlSyntax(InputProblems):
    """A file is not valid YAML, so nothing in it can be checked.

    ## What goes wrong
    A syntax error (a tab used for indentation, an unclosed bracket or quote, a bad indent, an
    undefined alias, a character YAML forbids) or a file nested so deeply that reading it would
    exhaust the stack.

    ## At run time
    Harness refuses to save or import the pipeline; a pipeline stored in Git fails when the
    remote file is fetched, so nothing runs.

    ## How to fix
    Correct the YAML at the reported line and column (an editor with a YAML mode shows it).
    """

    code = "BL001"
    name = "yaml-syntax"
    tags = ("correctness",)
