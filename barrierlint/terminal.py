"""Text for a terminal or a CI log: the one escaping rule every writer of such text uses.

Pipeline text and file names may come from an attacker, and what reads our output obeys some
of it: a terminal acts on escape sequences, and GitHub's runner acts on workflow commands in
the lines a step prints. It takes a line whose text, after leading blanks, starts with `::`
as a command (`::error ...::`, `::add-mask::`, `::stop-commands::`), and its older form
`##[command]` anywhere in a line (actions/runner, ActionCommand.TryParseV2 and TryParse);
Azure Pipelines reads `##vso[` the same way. So:

- every piece of such text is shown with its characters that are not printable escaped
  (`printable`: `\\n`, `\\x1b`, `\\u202e`), so it never breaks a line nor moves the cursor;
- every finished text goes through `guard`: a line that would start a command has its first
  colon shown as `\\x3a`, and `##[` / `##vso[` anywhere become `#\\x23[` / `#\\x23vso[`;
- other formats printed to a terminal say the same with their own escapes for `:` and `#`
  (`guard`'s arguments): JSON and SARIF `\\u003a` / `\\u0023` (`guard_json`, which also writes
  characters that are not printable as `\\uXXXX`), SVG and HTML `&#58;` / `&#35;`, Mermaid
  `#58;` / `#35;`, DOT `&#35;`; each decodes to the same text. GitHub annotations show each
  text as `inline` does, then escape it as the runner unescapes it (`report.github`).
"""

from __future__ import annotations

import re

# a line that, after blanks (and colour codes, which a log viewer hides), starts with `::`
_COMMAND_LINE = re.compile(r"^((?:[^\S\n]|\x1b\[[0-9;]*m)*):(?=:)", re.MULTILINE)
_OLD_COMMAND = re.compile(r"##(?=\[|vso\[)", re.IGNORECASE)


def printable(text: str, keep: str = "") -> str:
    """Text from a pipeline or a file name, safe inside a terminal line: line breaks, escape
    sequences, format characters and undecodable bytes are shown escaped (`\\n`, `\\x1b`,
    `\\u202e`, `\\udce9`); characters in `keep` (a tab in a code frame) stay."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


def guard(output: str, colon: str = "\\x3a", sharp: str = "\\x23") -> str:
    """Finished terminal or log text (one line or many) that starts no CI command. `colon` and
    `sharp` are how the output's format writes a `:` and a `#` that are text (JSON `\\u003a`,
    XML `&#58;`): a line starting with `::` gets its first colon so, `##[` its second hash."""
    output = output.replace("\r", "\\r")  # a line break for the runner, never written on purpose
    if "::" in output:
        output = _COMMAND_LINE.sub(lambda m: m.group(1) + colon, output)
    return _OLD_COMMAND.sub(lambda m: "#" + sharp, output) if "##" in output else output


def inline(text: str) -> str:
    """A piece of text inside a line that is a command on purpose (a GitHub annotation)."""
    return _OLD_COMMAND.sub(lambda m: "#\\x23", printable(text))


def guard_json(output: str) -> str:
    """JSON text that starts no CI command and moves no cursor: `#`, `:` and characters that are
    not printable only occur as text inside strings, where `\\u0023`, `\\u003a` and `\\uXXXX` are
    the same characters (SARIF is written with `ensure_ascii=False`: C1 controls and
    bidirectional marks would reach a terminal raw)."""
    if not output.replace("\n", "").isprintable():
        output = "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in output)
    return guard(output, "\\u003a", "\\u0023")


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
