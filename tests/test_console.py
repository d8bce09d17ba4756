"""The console script parses `check PATHS` and the common options of `check` without typer;
anything else goes to typer. Both must parse alike, print the same and exit the same."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barrierlint import console
from expectations import FIXTURES


def barrierlint(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "barrierlint", *args], input=stdin, capture_output=True, timeout=120)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


CLEAN = b"pipeline:\n  identifier: p\n  name: p\n  stages: []\n"


@pytest.mark.parametrize(
    "paths",
    [
        [str(FIXTURES / "BL101")],  # findings: exit 1
        [str(FIXTURES / "BL101"), "no-such-file.yaml"],  # an unreadable input: exit 2
        ["-"],  # standard input, clean: exit 0
    ],
)
def test_fast_path_matches_the_typer_command(paths):
    fast = barrierlint("check", *paths, stdin=CLEAN)
    parsed = barrierlint("check", "-ftext", *paths, stdin=CLEAN)  # click reads -ftext as -f text; the console leaves it to typer
    assert fast == parsed
    assert fast[0] in (0, 1, 2) and (fast[1] or fast[2])


def typer_arguments(args: list[str], monkeypatch) -> dict:
    """The keyword arguments typer's `check` passes to `console.check` for `check ARGS`."""
    from typer.testing import CliRunner

    from barrierlint import cli

    seen = {}
    monkeypatch.setattr(console, "check", lambda paths, output_format, **options: seen.update(paths=paths, output_format=output_format, **options))
    result = CliRunner().invoke(cli.app, ["check", *args])
    assert result.exit_code == 0, result.output
    return seen


COMMAND_LINES = [
    ["a.yaml"],
    ["--", "--config=quiet.yaml", "-", "b.yaml"],
    ["--format", "json", "a.yaml", "-f", "sarif", "b.yaml"],  # the last value counts; options and paths mix
    ["--format=github", "--select", "BL1,BL3", "--select=BL702", "--ignore", "BL702", "a.yaml"],
    ["-o", "sarif:out.sarif", "--output=json:out.json", "--exclude", "*.lock.yaml", "--exclude=legacy", "."],
    ["--fail-on", "never", "--config", "team.yaml", "--baseline", "base.json", "--write-baseline", "."],
    ["--no-ignores", "--isolated", "--no-cache", "--verify", "--sarif-category=ci", "--new-from-rev", "HEAD~1", "a.yaml"],
    ["--inputs", "in.yaml", "--template-paths", "lib", "--template-paths=lib2", "--fix", "--unsafe-fixes", "a.yaml"],
    ["--diff", "--select=", "a.yaml", "--", "--fix"],
]


@pytest.mark.parametrize("args", COMMAND_LINES)
def test_the_console_parses_check_as_typer_does(args, monkeypatch):
    defaults = {name: parameter.default for name, parameter in inspect.signature(console.check).parameters.items()}
    parsed = typer_arguments(args, monkeypatch)
    fast = console._check_arguments(args)
    assert fast is not None
    assert {**defaults, **fast} == {**defaults, **parsed}


TOKENS = [*console.CHECK_OPTIONS, "--format=json", "--fail-on=error", "--select=", "--output=sarif:x", "--fix=1", "--jobs", "-ftext", "--", "-", "a.yaml", "b", "json", "sarif", "error", "BL1", "-x", "=", "--=x", ""]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(TOKENS), max_size=8))
def test_what_the_console_parses_typer_parses_alike(args):
    """Any command line the console takes, typer takes too, with the same arguments."""
    fast = console._check_arguments(args)
    if fast is None:
        return
    defaults = {name: parameter.default for name, parameter in inspect.signature(console.check).parameters.items()}
    with pytest.MonkeyPatch.context() as monkeypatch:
        parsed = typer_arguments(args, monkeypatch)
    assert {**defaults, **fast} == {**defaults, **parsed}


@pytest.mark.parametrize(
    "args",
    [
        [],  # no path: typer says what is missing
        ["--help"],
        ["a.yaml", "-h"],
        ["--jobs", "2", "a.yaml"],  # not parsed here: typer checks the number
        ["--max-file-size", "5MB", "a.yaml"],
        ["--format", "xml", "a.yaml"],  # not a choice
        ["--fail-on=sometimes", "a.yaml"],
        ["a.yaml", "--select"],  # a value missing
        ["--select", "--fix", "a.yaml"],  # click would take --fix as the value: typer decides
        ["--fix=yes", "a.yaml"],  # a flag takes no value
        ["-fjson", "a.yaml"],
        ["-o=json:x", "a.yaml"],
        ["--formats", "json", "a.yaml"],
        ["--", ],
    ],
)
def test_anything_else_goes_to_typer(args):
    assert console._check_arguments(args) is None


def test_the_options_parsed_here_are_typers():
    """Each option in CHECK_OPTIONS is one of typer's `check` options, with the same parameter,
    flag or not, repeatable or not, and the same choices; an option typer's `check` has and this
    table does not is one the console leaves to typer on purpose."""
    import typer.main

    from barrierlint import cli, config, report

    command = typer.main.get_command(cli.app).commands["check"]
    options = {opt: parameter for parameter in command.params for opt in parameter.opts if opt.startswith("-")}
    for opt, (name, takes) in console.CHECK_OPTIONS.items():
        parameter = options[opt]
        assert (parameter.name, parameter.is_flag, parameter.multiple) == (name, takes == "flag", takes == "list"), opt
    assert set(options) - set(console.CHECK_OPTIONS) == {"--jobs", "-j", "--max-file-size"}
    assert report.FORMATS == tuple(item.value for item in cli.Format)
    assert config.FAIL_ON == tuple(item.value for item in cli.FailOn)
