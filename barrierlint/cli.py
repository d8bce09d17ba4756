"""The command line: `barrierlint check | rules | explain`.

Exit codes: 0 clean, 1 findings, 2 usage error or unreadable input, 3 internal error.

The commands are plain functions whose parameters typer reads from `Annotated` hints; under
`from __future__ import annotations` those hints are strings, so this module imports without
typer. `main` calls `check` directly when it is given nothing but paths (the pre-commit call):
the function's own defaults are the options' defaults, and typer's import (140 ms with typer
0.29, which validates parameters with pydantic) would cost more than checking a file. Every
other command line goes through the typer application.
"""

from __future__ import annotations

import sys
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, List, Optional

from .finding import Severity

if TYPE_CHECKING:
    import typer

HELP = "Find barrier synchronization mistakes in Harness pipelines before they run."

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def _split(values: Optional[List[str]]) -> list[str]:
    """`--select BL1,BL2 --select BL3` -> ['BL1', 'BL2', 'BL3']."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _size(text: str) -> int:
    """`5MB`, `500k`, `2MiB` or a number of bytes -> bytes."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(|b|k|kb|m|mb|g|gb|kib|mib|gib)\s*", text, re.IGNORECASE)
    if not match:
        import typer

        raise typer.BadParameter(f"'{text}' is not a size such as 5MB, 500k or 2000000")
    unit = match[2].lower().rstrip("b") or "b"
    return int(float(match[1]) * {"b": 1, "k": 1e3, "m": 1e6, "g": 1e9, "ki": 2**10, "mi": 2**20, "gi": 2**30}[unit])


def _echo(message: str) -> None:
    sys.stderr.write(message + "\n")


def _fail(message: str) -> None:
    _echo(f"barrierlint: error: {message}")
    raise SystemExit(EXIT_USAGE)


def check(
    paths: Annotated[List[str], typer.Argument(help="Files or folders to check; - reads standard input.")],
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    select: Annotated[Optional[List[str]], typer.Option("--select", help="Rule codes, prefixes or names to run (comma-separated).")] = None,
    ignore: Annotated[Optional[List[str]], typer.Option("--ignore", help="Rule codes, prefixes or names to skip.")] = None,
    exclude: Annotated[Optional[List[str]], typer.Option("--exclude", help="File or folder names or globs to skip in folder scans.")] = None,
    outputs: Annotated[Optional[List[str]], typer.Option("--output", "-o", metavar="FORMAT:PATH", help="Also write FORMAT (text, json, sarif, github) to PATH; repeatable.")] = None,
    fail_on: Annotated[Optional[FailOn], typer.Option("--fail-on", help="Exit 1 on findings at least this severe [default: info, i.e. any finding].")] = None,
    config_file: Annotated[Optional[str], typer.Option("--config", help="Configuration file [default: the nearest .barrierlint.yaml or pyproject.toml].")] = None,
    no_ignores: Annotated[bool, typer.Option("--no-ignores", help="Report what suppression comments and per-file-ignores hide.")] = False,
    baseline: Annotated[Optional[str], typer.Option("--baseline", metavar="FILE", help="Report only findings not recorded in this baseline.")] = None,
    write_baseline: Annotated[bool, typer.Option("--write-baseline", help="Record the current findings in the --baseline file.")] = False,
    sarif_category: Annotated[str, typer.Option("--sarif-category", help="SARIF automationDetails category.")] = "barrierlint",
    max_file_size: Annotated[Optional[str], typer.Option("--max-file-size", help="Refuse larger files (5MB, 500k, 2MiB or bytes) [default: 5MB].")] = None,
    inputs: Annotated[Optional[List[str]], typer.Option("--inputs", help="A Harness input set whose values replace <+input> fields.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes that load and build the files; the output does not depend on it.")] = 1,
) -> None:
    """Check pipelines and report barrier problems."""
    import dataclasses
    import os

    from . import config, engine, report, suppress

    try:
        targets = [report.parse_target(spec) for spec in outputs or ()]
        if write_baseline and not baseline:
            raise ValueError("--write-baseline needs --baseline FILE")
        configured = config.load(paths, config_file)
        settings = configured.settings
        if max_file_size is not None:
            settings = dataclasses.replace(settings, max_file_size=_size(max_file_size))
        result = engine.check(
            [path for path in paths if path == "-" or os.path.isdir(path) or not configured.excludes(path)],
            select_rules=_split(select) or configured.select,
            ignore_rules=[*configured.ignore, *_split(ignore)],
            exclude=[*configured.exclude, *_split(exclude)],
            settings=settings,
            inputs=inputs or (),
            jobs=jobs,
            policy=suppress.Policy(configured, baseline, write_baseline, use_ignores=not no_ignores),
        )
        for name, path in targets:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(report.render(name, result, category=sarif_category))
    except ValueError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"cannot write {error.filename}: {error.strerror}")
    sys.stdout.write(report.render(output_format.value, result, colour=sys.stdout.isatty(), category=sarif_category))
    for error in result.errors:
        _echo(f"barrierlint: error: {error}")
    if result.errors:
        raise SystemExit(EXIT_USAGE)
    threshold = (fail_on.value if fail_on else None) or configured.fail_on or "info"
    failing = threshold != "never" and any(f.severity >= Severity.parse(threshold) for f in result.findings)
    raise SystemExit(EXIT_FINDINGS if failing else EXIT_CLEAN)


class RulesFormat(str, Enum):
    text = "text"
    markdown = "markdown"


def rules(
    output_format: Annotated[RulesFormat, typer.Option("--format", "-f", help="text, or a markdown table (README).")] = RulesFormat.text,
) -> None:
    """List every rule with its code, name, default severity and summary."""
    from .rule import all_rules

    if output_format is RulesFormat.markdown:
        from .report import rule_table

        sys.stdout.write(rule_table.render(all_rules()))
        return
    for rule in all_rules():
        print(f"{rule.code}  {rule.name:<32} {str(rule.severity):<8} {rule.summary()}")


def explain(rule: Annotated[str, typer.Argument(help="A rule code or name, e.g. BL101 or undeclared-barrier.")]) -> None:
    """Show a rule's documentation: the mistake, what happens at run time, and the fix."""
    from .rule import all_rules

    matches = [r for r in all_rules() if rule.upper() == r.code or rule == r.name]
    if not matches:
        _fail(f"no rule '{rule}' (see `barrierlint rules`)")
    found = matches[0]
    from .ruledocs import help_uri

    print(f"{found.code} {found.name} ({found.severity})\n\n{found.doc()}\n\n{help_uri(found)}")


def main() -> None:
    for stream in (sys.stdout, sys.stderr):  # undecodable file names print escaped, never crash
        stream.reconfigure(errors="backslashreplace")
    import gc

    gc.disable()  # one bounded run: the engine pauses the collector anyway, and exit needs no collection
    args = sys.argv[1:]
    try:
        if len(args) > 1 and args[0] == "check" and all(arg == "-" or not arg.startswith("-") for arg in args[1:]):
            check(args[1:])  # nothing but paths: no option to parse, so no typer
        application()()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # a bug in barrierlint: one line, the traceback on request
        import os

        if os.environ.get("BARRIERLINT_DEBUG"):
            raise
        _echo(f"barrierlint: internal error: {type(error).__name__}: {error} (set BARRIERLINT_DEBUG=1 for details)")
        sys.exit(EXIT_INTERNAL)


@lru_cache(maxsize=1)
def application() -> "typer.Typer":
    """The typer application, built on first use."""
    global typer
    import typer

    app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=HELP)
    for command in (check, rules, explain):
        app.command()(command)
    return app


def __getattr__(name: str):
    if name == "app":  # `from barrierlint.cli import app` (typer's CliRunner in the tests)
        return application()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
