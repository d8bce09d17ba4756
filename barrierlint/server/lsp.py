"""Findings, fixes and places as Language Server Protocol values.

barrierlint counts lines and columns from 1 in characters; the protocol counts from 0 in UTF-16
code units (its default position encoding), so every position is converted on its line's text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from ..finding import Finding, Related, Severity
from ..fixes.edits import newline
from ..model import Origin
from ..source import Document, Span

if TYPE_CHECKING:
    from ..fixes import Fix

SOURCE = "barrierlint"
SEVERITY = {  # as SARIF levels them: error, warning, note
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
UNNECESSARY = {"BL102", "BL105", "BL900"}  # a declaration, a barrier or a comment that does nothing
UNSUPPRESSIBLE = {"BL001"}  # a file that does not parse has no place for a comment to apply to
IGNORE_REASON = "TODO: say why"


def uri(path: str) -> str:
    return from_fs_path(path) or path


def position(doc: Document, line: int, column: int) -> lsp.Position:
    """A 1-based character position as the protocol's 0-based UTF-16 one."""
    text = doc.line(line)
    before = text[: column - 1]
    extra = max(0, column - 1 - len(before))  # past the end of the line (a line break)
    return lsp.Position(line=max(0, line - 1), character=len(before.encode("utf-16-le")) // 2 + extra)


def character(doc: Document, where: lsp.Position) -> tuple[int, int]:
    """The protocol's position as barrierlint's 1-based line and character column."""
    text = doc.line(where.line + 1)
    units = 0
    for index, char in enumerate(text):
        if units >= where.character:
            return where.line + 1, index + 1
        units += 2 if ord(char) > 0xFFFF else 1
    return where.line + 1, len(text) + 1 + max(0, where.character - units)


def span_range(doc: Document, span: Span) -> lsp.Range:
    return lsp.Range(start=position(doc, span.line, span.column), end=position(doc, span.end_line, span.end_column))


def location(origin: Origin) -> lsp.Location:
    return lsp.Location(uri=uri(origin.doc.path), range=span_range(origin.doc, origin.doc.span(origin.route)))


@lru_cache(maxsize=None)
def help_uri(code: str) -> str | None:
    from ..rule import all_rules
    from ..ruledocs import help_uri as page

    rule = next((rule for rule in all_rules() if rule.code == code), None)
    return page(rule) if rule is not None else None


def participants(finding: Finding) -> list[Related]:
    """Every place the finding names: its related places and each participant's steps, once."""
    seen: set[tuple] = set()
    out = []
    for related in (*finding.related, *(step for flow in finding.flows for step in flow)):
        key = (related.origin.doc.path, related.origin.route)
        if key not in seen:
            seen.add(key)
            out.append(related)
    return out


def diagnostic(finding: Finding) -> lsp.Diagnostic:
    doc = finding.origin.doc
    href = help_uri(finding.code)
    related = [lsp.DiagnosticRelatedInformation(location=location(r.origin), message=r.message) for r in participants(finding)]
    message = "\n".join([finding.message, *finding.witness])
    return lsp.Diagnostic(
        range=span_range(doc, finding.span),
        message=message,
        severity=SEVERITY[finding.severity],
        code=finding.code,
        code_description=lsp.CodeDescription(href=href) if href else None,
        source=SOURCE,
        related_information=related or None,
        tags=[lsp.DiagnosticTag.Unnecessary] if finding.code in UNNECESSARY else None,
        data={"fingerprint": finding.fingerprint},
    )


def unchecked(reason: str) -> lsp.Diagnostic:
    """Why a file was not checked (binary, too large, a configuration that cannot be used), at
    its start: the editor shows it where the findings would be."""
    start = lsp.Position(line=0, character=0)
    return lsp.Diagnostic(range=lsp.Range(start=start, end=start), message=f"not checked: {reason}", severity=lsp.DiagnosticSeverity.Error, source=SOURCE)


def fix_action(finding: Finding, diagnostic: lsp.Diagnostic, fix: "Fix", edits) -> lsp.CodeAction:
    """A verified `check --fix` repair as a code action: preferred when safe."""
    doc = fix.doc
    changes = [
        lsp.TextEdit(range=lsp.Range(start=position(doc, *doc.position(edit.start)), end=position(doc, *doc.position(edit.end))), new_text=edit.text)
        for edit in edits
    ]
    return lsp.CodeAction(
        title=f"Fix {finding.code}: {fix.description}" + ("" if fix.safe else " (unsafe: changes what the pipeline does)"),
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=fix.safe,
        edit=lsp.WorkspaceEdit(changes={uri(doc.path): changes}),
    )


def ignore_action(finding: Finding, diagnostic: lsp.Diagnostic) -> lsp.CodeAction | None:
    """"Ignore this finding here": a suppression comment alone on the line above the finding's
    line, indented as that line (where `suppress` reads it)."""
    if finding.code in UNSUPPRESSIBLE:
        return None
    doc = finding.origin.doc
    line = finding.span.line
    text = doc.line(line)
    indent = text[: len(text) - len(text.lstrip(" "))]
    comment = f"{indent}# barrierlint: ignore[{finding.code}] {IGNORE_REASON}{newline(doc.text)}"
    start = lsp.Position(line=line - 1, character=0)
    return lsp.CodeAction(
        title=f"Ignore {finding.code} here (suppression comment)",
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=lsp.WorkspaceEdit(changes={uri(doc.path): [lsp.TextEdit(range=lsp.Range(start=start, end=start), new_text=comment)]}),
    )
