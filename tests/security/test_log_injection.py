"""Pipeline text and file names never reach a terminal or a CI log raw: no escape sequence, no
line break, and no line that GitHub's runner reads as a workflow command (a line starting with
`::` after blanks, or `##[` anywhere: actions/runner ActionCommand.TryParseV2 / TryParse)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from barrierlint.terminal import guard, guard_json, printable

from hostile import commands, run_cli

EVIL = Path(__file__).with_name("log_injection.yaml")  # identifiers holding newlines, `::error`, `##[`, ESC


def assert_inert(output: str) -> None:
    assert commands(output) == []
    assert "\x1b" not in output and "\x07" not in output


@pytest.mark.parametrize("verify", [False, True])
def test_text_findings_and_runtime_lines_start_no_command(verify):
    result = run_cli("check", *(["--verify"] if verify else []), str(EVIL))
    assert result.code == 1 and "BL101" in result.out
    assert ("= runtime: CONFIRMED" in result.out) is verify
    assert_inert(result.out + result.err)


def test_the_run_table_and_its_notes_start_no_command(tmp_path):
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(EVIL.read_text() + """\
      - stage:
          identifier: c
          name: c
          template: {templateRef: "x\\n::error::t"}
""")
    result = run_cli("run", str(pipeline))
    assert_inert(run_cli("run", str(pipeline), "--trace", "-").out)
    assert "pipeline rel\\n::error title=pipe::owned" in result.out
    assert "note: template 'x\\n::error::t'" in result.err
    assert_inert(result.out + result.err)


def test_a_file_name_starts_no_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(EVIL, tmp_path / "::error title=x::.yaml")
    shutil.copy(EVIL, tmp_path / "##[add-mask]x.yaml")
    for output_format in ("text", "github", "json"):
        result = run_cli("check", "--isolated", "-f", output_format, "::error title=x::.yaml", "##[add-mask]x.yaml")
        lines = result.out.splitlines()
        if output_format == "github":  # one command per finding, each of our own, and nothing else
            assert all(line.startswith(("::error file=", "::warning file=", "::notice file=")) for line in lines)
            assert all(re.match(r"::(error|warning) file=[^:]*,line=\d+,[^:]*,title=BL\d+ [a-z-]+::", line) for line in lines), lines
            assert "file=%3A%3Aerror title=x%3A%3A.yaml" in result.out and "file=#\\x23[add-mask]x.yaml" in result.out
        else:
            assert_inert(result.out + result.err)
    assert "\\x3a:error title=x::.yaml:23:35: BL103" in run_cli("check", "--isolated", "::error title=x::.yaml").out


def test_github_annotations_carry_no_escape_sequence_nor_line_break():
    result = run_cli("check", "-f", "github", str(EVIL))
    lines = result.out.split("\n")[:-1]
    assert len(lines) == 3 and all(line.startswith(("::error ", "::warning ")) for line in lines)
    assert "\x1b" not in result.out and "\r" not in result.out
    assert "\\x1b[2J" in result.out and "secret#\\x23[warning]x" in result.out


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_json_says_it_with_its_own_escape(output_format):
    result = run_cli("check", "-f", output_format, str(EVIL))
    assert_inert(result.out)
    assert "\u202e" not in result.out and "\x85" not in result.out  # SARIF is not ASCII-only: no raw controls
    decoded = json.dumps(json.loads(result.out), ensure_ascii=False)
    if output_format == "json":
        assert "#\\u0023[warning]" in result.out
        assert "secret##[warning]x" in decoded  # the same text, decoded
    else:  # SARIF's message text escapes brackets (an embedded link is `[text](url)`), which also breaks `##[`
        assert "secret##\\\\[warning\\\\]x" in decoded


def test_errors_and_warnings_on_standard_error(tmp_path):
    named = tmp_path / "x\n::error::named\x1b[31m.yaml"
    named.write_text("not: harness\n")
    result = run_cli("check", str(named), str(tmp_path / "missing\n::add-mask::m.yaml"))
    assert "cannot read" in result.err and "not a Harness pipeline" in result.err
    assert_inert(result.err)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("::error::x", "\\x3a:error::x"),
        ("  \t::warning::x", "  \t\\x3a:warning::x"),
        ("\x1b[1m::error::x\x1b[0m", "\x1b[1m\\x3a:error::x\x1b[0m"),  # our colours, then a command
        ("ok\n ::add-mask::x", "ok\n \\x3a:add-mask::x"),
        ("a\r::error::x", "a\\r::error::x"),
        ("a ##[error]b ##vso[task.setvariable]c", "a #\\x23[error]b #\\x23vso[task.setvariable]c"),
        ("a :: b ## c", "a :: b ## c"),
    ],
)
def test_guard(text, shown):
    assert guard(text) == shown == guard(shown)


def test_printable_escapes_every_character_a_terminal_acts_on():
    for char in ["\x1b", "\x07", "\x9b", "\u202e", "\u2028", "\x85", "\x00", "\udce9"]:
        assert printable(f"a{char}b").isprintable()
    assert guard_json('{"m": "a##[error]b"}') == '{"m": "a#\\u0023[error]b"}'
