from __future__ import annotations

from barrierlint.finding import Severity
from barrierlint.model import Origin
from barrierlint.rule import Rule
from barrierlint.source import Span


class UnusedSuppression(Rule):
    """A `# barrierlint: ignore[...]` comment suppresses nothing, or cannot be read.

    ## What goes wrong
    A suppression comment names rules that report nothing where it stands: the mistake was
    fixed, the comment sits outside the YAML node the finding points at, or it names a rule
    that does not exist (`BL1O1`, `unused-barriers`). A comment that cannot be read
    (`# barrierlint: ignore BL101`, without brackets) suppresses nothing either.

    ## At run time
    Nothing changes in the pipeline. The comment does harm later: it silently hides the next
    finding of that rule at that place, and readers believe a problem is known and accepted
    when it is not.

    ## How to fix
    Delete the comment, or move it into the node the finding points at (or onto the line
    directly above it), and name the rule by code or name. Run with `--no-ignores` to see
    every finding that comments hide.

    ## Example
    ```yaml
    flowControl:
      barriers:
        # barrierlint: ignore[BL102] kept for the next release
        - identifier: db_ready   # BL900 when every stage now uses db_ready
          name: db ready
    ```
    """

    code = "BL900"
    name = "unused-suppression"
    severity = Severity.WARNING
    tags = ("suppression",)

    def check(self, project):
        return ()  # reported by barrierlint.suppress, which sees the findings of the other rules

    def report(self, origin: Origin, span: Span, message: str, key: str):
        return self.finding(origin, message, key=key, span=span, fix="delete the comment or correct its rule list")
