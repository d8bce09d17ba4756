"""The pygls server: protocol messages in, `Session` analyses and navigation answers out.

Edits are analysed after a short pause (DEBOUNCE seconds without another change); open and
save at once. Whatever a buffer holds, a handler that fails logs the error to the client and the
server goes on.

The cyclic garbage collector stays off, as `console.main` leaves it: each analysis leaves tens of
thousands of cyclic objects (YAML nodes and their model), and a collection in the middle of one
would be paid by the diagnostics the user waits for. The server collects when the editor is
quiet (SWEEP seconds after the last analysis), and at the latest every SWEEP_EVERY analyses.
"""

from __future__ import annotations

import asyncio
import gc
import os
import traceback

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..finding import Finding
from ..source import Document
from . import lsp, navigation
from .analysis import Session

DEBOUNCE = 0.025  # seconds; the latency budget for a 200-stage pipeline is 150 ms (bench/server.py)
SWEEP = 0.1  # seconds of quiet before the garbage of past analyses is collected
SWEEP_EVERY = 5  # analyses without a quiet moment before it is collected anyway
SYMBOL_KINDS = {
    "pipeline": t.SymbolKind.Module,
    "stage": t.SymbolKind.Class,
    "step group": t.SymbolKind.Namespace,
    "barrier": t.SymbolKind.Event,
    "barrier step": t.SymbolKind.Event,
}


class BarrierServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("barrierlint", __version__)
        self.session = Session()
        self.published: dict[str, list[tuple[Finding, t.Diagnostic]]] = {}  # path -> what the client shows
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.shut_down = False  # the client asked first: leaving on `exit` is then a success
        self.sweep: asyncio.TimerHandle | None = None
        self.fixes: dict[int, tuple] = {}  # id(finding) -> (finding, its verified fix or why none)
        self.unswept = 0  # analyses since the last collection

    # -- diagnostics ------------------------------------------------------------------------

    def refresh(self, path: str, regroup: bool) -> None:
        """Analyse a file and the open files linked to it, then publish every file they reach."""
        reached: set[str] = set()
        self.fixes.clear()
        for name in self.session.affected(path):
            try:
                found = self.session.analyse(name, regroup=regroup and name == path)
            except Exception:  # a bug must not take the editor's linter down with it
                self.log(f"barrierlint: internal error analysing {name}:\n{traceback.format_exc()}")
                continue
            if found.error:
                self.log(f"barrierlint: {found.error}")
            reached.update({name, *found.group, *found.findings})
        for name in sorted(reached | set(self.published)):
            self.publish(name)
        self.unswept += 1
        if self.unswept >= SWEEP_EVERY:
            self.collect()
        else:
            self.quiet(self.collect)

    def collect(self) -> None:
        self.unswept = 0
        gc.collect()

    def quiet(self, then) -> None:
        """Run `then` after SWEEP seconds without another change (a change cancels it)."""
        self.cancel_sweep()
        self.sweep = asyncio.get_running_loop().call_later(SWEEP, then)

    def cancel_sweep(self) -> None:
        if self.sweep is not None:
            self.sweep.cancel()
            self.sweep = None

    def publish(self, path: str) -> None:
        """Send a file's diagnostics: always for an open file (an empty list says it is clean),
        for another file only when it has some or had some."""
        shown = [(finding, lsp.diagnostic(finding)) for finding in self.session.diagnostics(path)]
        found = self.session.analyses.get(path)
        problems = [lsp.unchecked(found.error)] if found is not None and found.error else []
        diagnostics = problems + [d for _, d in shown]
        if not diagnostics and path not in self.published and path not in self.session.buffers:
            return
        if diagnostics:
            self.published[path] = shown
        else:
            self.published.pop(path, None)
        self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=lsp.uri(path), diagnostics=diagnostics))

    def later(self, path: str) -> None:
        """Analyse after DEBOUNCE seconds without another change to the file."""
        waiting = self.pending.pop(path, None)
        if waiting is not None:
            waiting.cancel()
        self.cancel_sweep()

        def run() -> None:
            self.pending.pop(path, None)
            if path in self.session.buffers:
                self.refresh(path, regroup=False)

        self.pending[path] = asyncio.get_running_loop().call_later(DEBOUNCE, run)

    def log(self, message: str, kind: t.MessageType = t.MessageType.Error) -> None:
        self.window_log_message(t.LogMessageParams(type=kind, message=message))

    def verified(self, finding: Finding):
        """The finding's fix, verified once per analysis (editors ask for code actions on every
        move of the cursor)."""
        known = self.fixes.get(id(finding))
        if known is None or known[0] is not finding:
            known = self.fixes[id(finding)] = (finding, self.session.fix(finding))
        return known[1]

    # -- places -----------------------------------------------------------------------------

    def located(self, uri: str, where: t.Position):
        """The analysed project of an open file, the file's path, and the 1-based position."""
        path = self.path(uri)
        if path is None:
            return None
        found = self.session.analyses.get(path)
        if found is None and path in self.session.buffers:
            found = self.session.analyse(path)
        if found is None or found.project is None:
            return None
        doc = next((d for d in found.project.documents if d.path == path), None)
        if doc is None:
            return None
        return found.project, doc, path, lsp.character(doc, where)

    def path(self, uri: str) -> str | None:
        """The file behind a document; None for one that is no file (an unsaved `untitled:` buffer
        has no project, configuration or place to be checked in)."""
        path = self.workspace.get_text_document(uri).path if uri.startswith("file:") else None
        return os.path.abspath(path) if path else None


def build() -> BarrierServer:
    server = BarrierServer()

    @server.feature(t.SHUTDOWN)
    def shutdown(ls: BarrierServer, params: None) -> None:
        for waiting in ls.pending.values():
            waiting.cancel()
        ls.pending.clear()
        ls.cancel_sweep()
        ls.shut_down = True

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def opened(ls: BarrierServer, params: t.DidOpenTextDocumentParams) -> None:
        path = ls.path(params.text_document.uri)
        if path is None:
            return
        ls.session.open(path, params.text_document.text)
        ls.refresh(path, regroup=True)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def changed(ls: BarrierServer, params: t.DidChangeTextDocumentParams) -> None:
        path = ls.path(params.text_document.uri)
        if path is None:
            return
        ls.session.open(path, ls.workspace.get_text_document(params.text_document.uri).source)
        ls.later(path)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def saved(ls: BarrierServer, params: t.DidSaveTextDocumentParams) -> None:
        path = ls.path(params.text_document.uri)
        if path in ls.session.buffers:
            ls.refresh(path, regroup=True)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def closed(ls: BarrierServer, params: t.DidCloseTextDocumentParams) -> None:
        path = ls.path(params.text_document.uri)
        for name in ls.session.close(path) if path else ():
            ls.publish(name)

    @server.feature(
        t.TEXT_DOCUMENT_CODE_ACTION,
        t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]),
    )
    def actions(ls: BarrierServer, params: t.CodeActionParams) -> list[t.CodeAction]:
        path = ls.path(params.text_document.uri)
        fixes, ignores = [], []
        for finding, diagnostic in ls.published.get(path, ()):
            if not _overlap(diagnostic.range, params.range):
                continue
            if "autofix" in finding.properties:
                verified = ls.verified(finding)
                if isinstance(verified, str):
                    ls.log(f"barrierlint: no fix offered for {finding.code} at {finding.route_text}: {verified}", t.MessageType.Info)
                else:
                    fixes.append(lsp.fix_action(finding, diagnostic, *verified))
            ignore = lsp.ignore_action(finding, diagnostic)
            if ignore is not None:
                ignores.append(ignore)
        return sorted(fixes, key=lambda action: not action.is_preferred) + ignores

    @server.feature(t.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: BarrierServer, params: t.DefinitionParams) -> list[t.Location] | None:
        here = ls.located(params.text_document.uri, params.position)
        if here is None:
            return None
        project, _, path, (line, column) = here
        return [lsp.location(o) for o in navigation.definitions(navigation.barriers_at(project, path, line, column))] or None

    @server.feature(t.TEXT_DOCUMENT_REFERENCES)
    def references(ls: BarrierServer, params: t.ReferenceParams) -> list[t.Location] | None:
        here = ls.located(params.text_document.uri, params.position)
        if here is None:
            return None
        project, _, path, (line, column) = here
        found = navigation.barriers_at(project, path, line, column)
        return [lsp.location(o) for o in navigation.references(found, params.context.include_declaration)] or None

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    def hover(ls: BarrierServer, params: t.HoverParams) -> t.Hover | None:
        here = ls.located(params.text_document.uri, params.position)
        if here is None:
            return None
        project, _, path, (line, column) = here
        found = navigation.barriers_at(project, path, line, column)
        if not found:
            return None
        findings = [f for name in ls.session.analyses[path].findings.values() for f in name]
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=navigation.hover(found, findings)))

    @server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: BarrierServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol]:
        here = ls.located(params.text_document.uri, t.Position(line=0, character=0))
        if here is None:
            return []
        project, doc, path, _ = here
        return [_symbol(doc, symbol) for symbol in navigation.symbols(project, path)]

    return server


def _symbol(doc: Document, symbol: navigation.Symbol) -> t.DocumentSymbol:
    where = lsp.span_range(doc, symbol.span)
    return t.DocumentSymbol(
        name=symbol.name, detail=symbol.kind, kind=SYMBOL_KINDS.get(symbol.kind, t.SymbolKind.Module), range=where, selection_range=where,
        children=[_symbol(doc, child) for child in symbol.children] or None,
    )


def _overlap(one: t.Range, other: t.Range) -> bool:
    def key(p: t.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(one.start) <= key(other.end) and key(other.start) <= key(one.end)
