"""A real LSP client (pygls's) driving `barrierlint server` in its own process over stdio.

Used by the protocol tests and by bench/server.py. Diagnostics arrive as notifications; each
`publishDiagnostics` is kept, with the time it arrived, so a test can wait for the one it expects.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

TIMEOUT = 30.0


class Editor:
    """One server process and the documents opened in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.client = LanguageClient("barrierlint-tests", "1")
        self.published: list[tuple[float, t.PublishDiagnosticsParams]] = []
        self.logs: list[str] = []
        self.versions: dict[str, int] = {}
        self.arrived = asyncio.Event()

        @self.client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: t.PublishDiagnosticsParams) -> None:
            self.published.append((time.perf_counter(), params))
            self.arrived.set()

        @self.client.feature(t.WINDOW_LOG_MESSAGE)
        def logged(params: t.LogMessageParams) -> None:
            self.logs.append(params.message)

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "barrierlint", "server", cwd=str(self.root))
        await self.client.initialize_async(
            t.InitializeParams(
                process_id=None,
                root_uri=from_fs_path(str(self.root)),
                workspace_folders=[t.WorkspaceFolder(uri=from_fs_path(str(self.root)), name="project")],
                capabilities=t.ClientCapabilities(),
            )
        )
        self.client.initialized(t.InitializedParams())

    async def stop(self) -> int | None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)
        return self.client._server.returncode

    def uri(self, name: str) -> str:
        return from_fs_path(str(self.root / name))

    def open(self, name: str, text: str | None = None) -> None:
        text = (self.root / name).read_text(encoding="utf-8") if text is None else text
        self.versions[name] = 1
        self.client.text_document_did_open(
            t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(uri=self.uri(name), language_id="yaml", version=1, text=text))
        )

    def replace(self, name: str, text: str) -> float:
        """Replace the whole text (a full-document change); the time the change was sent."""
        self.versions[name] += 1
        sent = time.perf_counter()
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=self.uri(name), version=self.versions[name]),
                content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return sent

    def edit(self, name: str, edits: list[t.TextEdit]) -> None:
        """Apply edits as incremental changes, last first (as an editor applies a WorkspaceEdit)."""
        self.versions[name] += 1
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=self.uri(name), version=self.versions[name]),
                content_changes=[t.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered],
            )
        )

    def save(self, name: str) -> None:
        self.client.text_document_did_save(t.DidSaveTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=self.uri(name))))

    async def diagnostics(self, name: str, wanted=lambda diagnostics: True, after: int = 0) -> list[t.Diagnostic]:
        """The first diagnostics for `name` published after the `after`-th notification that
        `wanted` accepts; fails after TIMEOUT seconds."""
        deadline = time.perf_counter() + TIMEOUT
        seen = after
        while True:
            for _, params in self.published[seen:]:
                seen += 1
                if params.uri == self.uri(name) and wanted(params.diagnostics):
                    return params.diagnostics
            remaining = deadline - time.perf_counter()
            assert remaining > 0, f"no matching diagnostics for {name}; logs: {self.logs[-3:]}"
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def position(self, name: str, needle: str, nth: int = 0, offset: int = 0) -> t.Position:
        """Where the nth occurrence of `needle` starts in the file on disk (plus `offset` characters)."""
        text = (self.root / name).read_text(encoding="utf-8")
        index = -1
        for _ in range(nth + 1):
            index = text.index(needle, index + 1)
        line = text.count("\n", 0, index)
        return t.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1) + offset)
