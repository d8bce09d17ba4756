"""The console script, and `barrierlint check` as a plain function.

`barrierlint check` (what pre-commit and CI run) is served without typer: typer 0.29 validates
its parameters with pydantic, and importing it costs more than checking a file. The console
parses `check`'s paths and the options in CHECK_OPTIONS as click would; any other command line
(another command, --help, another option, a value it would have to question) goes to the typer
application in `cli`, whose `check` calls the same `check` here with what it parsed, so help
and usage errors have one source.

Exit codes: 0 clean, 1 findings, 2 usage error or unreadable input, 3 internal error.
"""

from __future__ import annotations

import sys
from typing import Callable, Iterable, NoReturn
from .errors import UsageError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
DEFAULT_FAIL_ON = "warning"  # info findings (notes such as BL502) are shown and fail only with --fail-on info


def main() -> NoReturn:
    """One bounded run. The cyclic garbage collector stays off: what a run builds lives until it
    ends, and each collection would walk all of it again (it doubled the CPU time of a check over
    400 files). At the end the process leaves without freeing that memory object by object."""
    import gc

    gc.disable()
    args = sys.argv[1:]
    try:
        arguments = _check_arguments(args[1:]) if args[:1] == ["check"] else None
        if arguments is not None:
            guarded(lambda: check(**arguments))
        from .cli import app

        guarded(app)
    except SystemExit as exit:
        _leave(exit.code)


# `check`'s options that the console parses itself: option -> (parameter of `check`, what it
# takes: "flag", one "value" (the last one given counts) or a "list" (repeatable)). The test
# suite holds them to what typer parses (tests/test_console.py).
CHECK_OPTIONS = {
    "--format": ("output_format", "value"),
    "-f": ("output_format", "value"),
    "--select": ("select", "list"),
    "--ignore": ("ignore", "list"),
    "--exclude": ("exclude", "list"),
    "--output": ("outputs", "list"),
    "-o": ("outputs", "list"),
    "--fail-on": ("fail_on", "value"),
    "--config": ("config_file", "value"),
    "--no-ignores": ("no_ignores", "flag"),
    "--baseline": ("baseline", "value"),
    "--write-baseline": ("write_baseline", "flag"),
    "--sarif-category": ("sarif_category", "value"),
    "--inputs": ("inputs", "list"),
    "--verify": ("verify", "flag"),
    "--isolated": ("isolated", "flag"),
    "--no-cache": ("no_cache", "flag"),
    "--template-paths": ("template_paths", "list"),
    "--fix": ("fix", "flag"),
    "--unsafe-fixes": ("unsafe_fixes", "flag"),
    "--diff": ("diff", "flag"),
    "--new-from-rev": ("new_from_rev", "value"),
}


def _check_arguments(args: list[str]) -> dict | None:
    """The keyword arguments of `check` for `check ARGS`, parsed as click parses them, or None
    when typer must answer: an option not in CHECK_OPTIONS, a flag given a value, a value
    missing, looking like an option or not among the choices, no path. As for click, options
    and paths mix, `--opt=value` is `--opt value`, and `--` ends the options (pre-commit passes
    file names after it: `--config=quiet.yaml` is then a file)."""
    found: dict = {"paths": []}
    position = 0
    while position < len(args):
        arg = args[position]
        position += 1
        if arg == "--":
            found["paths"] += args[position:]
            break
        if arg == "-" or not arg.startswith("-"):
            found["paths"].append(arg)
            continue
        option, equals, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if option not in CHECK_OPTIONS:
            return None
        parameter, takes = CHECK_OPTIONS[option]
        if takes == "flag":
            if equals:
                return None
            found[parameter] = True
            continue
        if not equals:
            if position == len(args) or args[position].startswith("-"):
                return None
            value = args[position]
            position += 1
        choices = _choices(parameter)
        if choices is not None and value not in choices:
            return None
        if takes == "list":
            found.setdefault(parameter, []).append(value)
        else:
            found[parameter] = value
    return found if found["paths"] else None


def _choices(parameter: str) -> tuple[str, ...] | None:
    """The values of the options that take one of a few, imported only when such an option is
    given (the configuration module brings the model: `check --help` needs none of it)."""
    if parameter == "output_format":
        from .report import FORMATS

        return FORMATS
    if parameter == "fail_on":
        from .config import FAIL_ON

        return FAIL_ON
    return None


def _leave(code: int | str | None) -> NoReturn:
    """`sys.exit(code)` without the interpreter's teardown (as mypy does)."""
    import os

    if code is not None and not isinstance(code, int):
        echo(str(code))
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    os._exit(code or 0)


def guarded(command: Callable[[], object]) -> NoReturn:
    """Run a command line: a bug is one line on standard error (the traceback on request), a
    closed standard output ends the run quietly as click does (exit 1)."""
    for stream in (sys.stdout, sys.stderr):  # undecodable file names print escaped, never crash
        stream.reconfigure(errors="backslashreplace")
    try:
        command()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        sys.exit(1)
    except Exception as error:
        import os

        if os.environ.get("BARRIERLINT_DEBUG"):
            raise
        echo(f"barrierlint: internal error: {type(error).__name__}: {error} (set BARRIERLINT_DEBUG=1 for details)")
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_CLEAN)


def echo(message: str) -> None:
    """One line on standard error, escaped by the terminal rule (messages quote file names and
    pipeline text)."""
    from .terminal import guard, printable

    sys.stderr.write(guard(printable(message)) + "\n")
    sys.stderr.flush()


def fail(message: str) -> NoReturn:
    echo(f"barrierlint: error: {message}")
    sys.exit(EXIT_USAGE)


def colour() -> bool:
    """Colours as CPython 3.13 decides them: NO_COLOR (non-empty) turns them off, FORCE_COLOR
    (non-empty) on even through a pipe (CI logs), otherwise a terminal that is not TERM=dumb."""
    import os

    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return os.environ.get("TERM") != "dumb" and sys.stdout.isatty()


def split(values: Iterable[str] | None) -> list[str]:
    """`--select BL1,BL2 --select BL3` -> ['BL1', 'BL2', 'BL3']."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def check(
    paths: list[str],
    output_format: str = "text",
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    exclude: list[str] | None = None,
    outputs: list[str] | None = None,
    fail_on: str | None = None,
    config_file: str | None = None,
    no_ignores: bool = False,
    baseline: str | None = None,
    write_baseline: bool = False,
    sarif_category: str | None = None,
    max_file_size: int | None = None,
    inputs: list[str] | None = None,
    verify: bool = False,
    jobs: int | None = None,
    isolated: bool = False,
    no_cache: bool = False,
    template_paths: list[str] | None = None,
    fix: bool = False,
    unsafe_fixes: bool = False,
    diff: bool = False,
    new_from_rev: str | None = None,
) -> NoReturn:
    """`barrierlint check`, its options already parsed (the defaults are the options' defaults)."""
    import dataclasses
    import os

    from . import config, engine, report, suppress
    from .finding import Severity
    from .writing import write_text

    try:
        targets = [report.parse_target(spec) for spec in outputs or ()]
        if write_baseline and not baseline:
            raise UsageError("--write-baseline needs --baseline FILE")
        fixing = fix or diff
        if unsafe_fixes and not fixing:
            raise UsageError("--unsafe-fixes works with --fix or --diff")
        if fixing and ("-" in paths or write_baseline):
            raise UsageError(f"--{'fix' if fix else 'diff'} cannot be combined with {'standard input (-)' if '-' in paths else '--write-baseline'}")
        configured = config.load(paths, config_file)
        settings = configured.settings
        if max_file_size is not None:
            settings = dataclasses.replace(settings, max_file_size=max_file_size)
        if template_paths:
            settings = dataclasses.replace(settings, template_paths=(*settings.template_paths, *(os.path.abspath(p) for p in split(template_paths))))
        policy = suppress.Policy(configured, baseline, write_baseline, use_ignores=not no_ignores)

        def run() -> engine.Result:
            return engine.check(
                [path for path in paths if path == "-" or os.path.isdir(path) or not configured.excludes(path)],
                select_rules=split(select) or configured.select,
                ignore_rules=[*configured.ignore, *split(ignore)],
                exclude=[*configured.exclude, *split(exclude)],
                settings=settings,
                inputs=inputs or (),
                policy=policy,
                jobs=1 if verify or fixing else jobs,  # --verify and fixes replay findings in the whole project, which one process keeps
                keep_project=verify or fixing,
                isolated=isolated,
                cache=not no_cache,
            )

        result = run()
        if fixing:
            from .rule import select as chosen

            rules = chosen(split(select) or configured.select, [*configured.ignore, *split(ignore)])
            result = _fix(result, run, rules, settings, policy, engine.read_input_sets(inputs or ()), unsafe=unsafe_fixes, write=fix)
        if new_from_rev:
            from .diff import new_findings

            result.findings = new_findings(
                result.findings, paths, new_from_rev, settings=settings, select_rules=split(select) or configured.select,
                ignore_rules=[*configured.ignore, *split(ignore)], exclude=[*configured.exclude, *split(exclude)], isolated=isolated,
            )
        if verify:
            from .runtime.verify import verify as confirm

            result.findings = confirm(result.findings, result.project)
        rendered = [(path, report.render(name, result, category=sarif_category)) for name, path in targets]
        for path, content in rendered:  # all rendered first: a failing render leaves every old file
            write_text(path, content)
    except UsageError as error:
        fail(str(error))
    if not diff:
        sys.stdout.write(report.render(output_format, result, colour=colour(), category=sarif_category))
        sys.stdout.flush()
    if write_baseline:  # else the run reads "All clear" and nothing says the baseline was written
        recorded = sum(suppress.read_baseline(baseline).values())
        echo(f"barrierlint: recorded {recorded} finding{'s' if recorded != 1 else ''} in {baseline}")
    for warning in result.warnings:
        echo(f"barrierlint: warning: {warning}")
    for error in result.errors:
        echo(f"barrierlint: error: {error}")
    if result.errors:
        sys.exit(EXIT_USAGE)
    if not result.files and all(os.path.isdir(path) for path in paths):  # as ruff: the wrong folder?
        echo("barrierlint: warning: no Harness pipeline found in the given folders")
    if diff:
        sys.exit(EXIT_FINDINGS if result.fixed else EXIT_CLEAN)
    threshold = fail_on or configured.fail_on or DEFAULT_FAIL_ON
    failing = threshold != "never" and any(f.severity >= Severity.parse(threshold) for f in result.findings)
    sys.exit(EXIT_FINDINGS if failing else EXIT_CLEAN)


def _fix(result, run, rules, settings, policy, input_sets, *, unsafe: bool, write: bool):
    """`--fix` (write the verified fixes, then check again: the findings shown are those left)
    or `--diff` (print them); either way each fix not kept is reported with the check it failed."""
    from .fixes.apply import diff as unified, fix_project, place, write as save

    outcome = fix_project(result, rules, settings, policy, input_sets, unsafe=unsafe)
    for (code, path, _, route), reason in sorted(outcome.failed.items()):
        echo(f"barrierlint: {code} fix not applied in {path} at {route}: {reason}")
    fixed = len(outcome.applied)
    if not write:
        sys.stdout.write(unified(outcome))
        if fixed:
            echo(f"barrierlint: would fix {fixed} problem{'s' if fixed != 1 else ''} in {len(outcome.texts)} file{'s' if len(outcome.texts) != 1 else ''}")
        result.fixed = fixed
        return result
    written = save(outcome)
    for path in outcome.not_written:
        echo(f"barrierlint: warning: {path} changed since it was read: its fixes were not written")
    if written:
        count = sum(1 for finding, _ in outcome.applied if finding.path in written)
        echo(f"barrierlint: fixed {count} problem{'s' if count != 1 else ''} in {len(written)} file{'s' if len(written) != 1 else ''}")
        result = run()
    result.findings = [
        f.with_properties(autofix={**f.properties["autofix"], "failed": outcome.failed[place(f)]}) if place(f) in outcome.failed and "autofix" in f.properties else f
        for f in result.findings
    ]
    return result
