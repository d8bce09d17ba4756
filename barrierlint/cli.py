"""The command line: `barrierlint check | rules | explain`.

Exit codes: 0 clean, 1 findings, 2 usage error or unreadable input, 3 internal error.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Find barrier synchronization mistakes in Harness pipelines before they run.",
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class Format(str, Enum):
    text = "text"
    json = "json"


def _split(values: Optional[List[str]]) -> list[str]:
    """`--select BL1,BL2 --select BL3` -> ['BL1', 'BL2', 'BL3']."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _fail(message: str) -> None:
    typer.echo(f"barrierlint: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


@app.command()
def check(
    paths: List[str] = typer.Argument(..., help="Files or folders to check; - reads standard input."),
    output_format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Rule codes, prefixes or names to run (comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Rule codes, prefixes or names to skip."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help="File or folder names or globs to skip in folder scans."),
) -> None:
    """Check pipelines and report barrier problems."""
    from . import engine

    try:
        result = engine.check(paths, select_rules=_split(select), ignore_rules=_split(ignore), exclude=_split(exclude))
    except ValueError as error:
        _fail(str(error))
    if output_format is Format.json:
        from .report import json as reporter

        sys.stdout.write(reporter.render(result.findings, result.files))
    else:
        from .report import text as reporter

        sys.stdout.write(reporter.render(result.findings, result.files, colour=sys.stdout.isatty()))
    for error in result.errors:
        typer.echo(f"barrierlint: error: {error}", err=True)
    if result.errors:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FINDINGS if result.findings else EXIT_CLEAN)


class RulesFormat(str, Enum):
    text = "text"
    markdown = "markdown"


@app.command()
def rules(
    output_format: RulesFormat = typer.Option(RulesFormat.text, "--format", "-f", help="text, or a markdown table (README)."),
) -> None:
    """List every rule with its code, name, default severity and summary."""
    from .rule import all_rules

    if output_format is RulesFormat.markdown:
        from .report import rule_table

        sys.stdout.write(rule_table.render(all_rules()))
        return
    for rule in all_rules():
        typer.echo(f"{rule.code}  {rule.name:<32} {str(rule.severity):<8} {rule.summary()}")


@app.command()
def explain(rule: str = typer.Argument(..., help="A rule code or name, e.g. BL101 or undeclared-barrier.")) -> None:
    """Show a rule's documentation: the mistake, what happens at run time, and the fix."""
    from .rule import all_rules

    matches = [r for r in all_rules() if rule.upper() == r.code or rule == r.name]
    if not matches:
        _fail(f"no rule '{rule}' (see `barrierlint rules`)")
    found = matches[0]
    typer.echo(f"{found.code} {found.name} ({found.severity})\n\n{found.doc()}")


def main() -> None:
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # a bug in barrierlint: one line, the traceback on request
        import os

        if os.environ.get("BARRIERLINT_DEBUG"):
            raise
        typer.echo(
            f"barrierlint: internal error: {type(error).__name__}: {error} (set BARRIERLINT_DEBUG=1 for details)", err=True
        )
        sys.exit(EXIT_INTERNAL)
