"""`barrierlint server` through the protocol: a real client (pygls's) drives the server process
over stdio, as an editor does: open, edit, save, code actions, definition, references, hover,
symbols, shutdown."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as t  # noqa: E402

import projects  # noqa: E402
from lspclient import Editor  # noqa: E402

FIXTURES = Path(__file__).parent.parent / "fixtures"


def session(root: Path, scenario) -> None:
    """Start a server in `root`, run the scenario against it, shut it down cleanly."""

    async def main() -> None:
        editor = Editor(root)
        await editor.start()
        try:
            await scenario(editor)
        finally:
            code = await editor.stop()
        assert code == 0, "the server left without a clean shutdown"

    asyncio.run(main())


def codes(diagnostics: list[t.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def lines(text: str, needle: str) -> list[int]:
    """0-based numbers of the lines holding `needle`."""
    return [number for number, line in enumerate(text.splitlines()) if needle in line]


def apply(text: str, edits: list[t.TextEdit]) -> str:
    rows = text.splitlines(keepends=True)
    starts = [0]
    for row in rows:
        starts.append(starts[-1] + len(row))

    def offset(p: t.Position) -> int:
        return starts[p.line] + p.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


@pytest.fixture
def deadlock(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "BL302" / "two_party.yaml", tmp_path / "pipeline.yaml")
    return tmp_path


def test_deadlock_gets_bl302_with_every_participant_related(deadlock):
    text = (deadlock / "pipeline.yaml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open("pipeline.yaml")
        found = await editor.diagnostics("pipeline.yaml")
        assert codes(found) == ["BL102", "BL302"]
        cycle = next(d for d in found if d.code == "BL302")
        assert cycle.severity == t.DiagnosticSeverity.Error
        assert cycle.source == "barrierlint"
        assert cycle.code_description.href.endswith("/docs/rules/BL302.md")
        assert "waits at" in cycle.message  # the witness, line by line
        related = {(r.location.uri, r.location.range.start.line) for r in cycle.related_information}
        participants = {(editor.uri("pipeline.yaml"), line) for line in lines(text, "type: Barrier")}
        assert len(participants) == 4 and participants <= related
        unused = next(d for d in found if d.code == "BL102")
        assert unused.severity == t.DiagnosticSeverity.Warning
        assert list(unused.tags) == [t.DiagnosticTag.Unnecessary]
        assert unused.range.start.line == lines(text, "identifier: z")[0]

    session(deadlock, scenario)


def test_code_action_fixes_bl102_and_save_keeps_it_fixed(deadlock):
    text = (deadlock / "pipeline.yaml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open("pipeline.yaml")
        unused = next(d for d in await editor.diagnostics("pipeline.yaml") if d.code == "BL102")
        actions = await editor.client.text_document_code_action_async(
            t.CodeActionParams(
                text_document=t.TextDocumentIdentifier(uri=editor.uri("pipeline.yaml")),
                range=unused.range,
                context=t.CodeActionContext(diagnostics=[unused]),
            )
        )
        fix = actions[0]
        assert fix.is_preferred and fix.title.startswith("Fix BL102") and fix.kind == t.CodeActionKind.QuickFix
        assert any(a.title.startswith("Ignore BL102") for a in actions)
        edits = fix.edit.changes[editor.uri("pipeline.yaml")]
        fixed = apply(text, edits)
        assert "identifier: z" not in fixed
        seen = len(editor.published)
        editor.edit("pipeline.yaml", edits)
        after = await editor.diagnostics("pipeline.yaml", after=seen)
        assert codes(after) == ["BL302"]
        (deadlock / "pipeline.yaml").write_text(fixed, encoding="utf-8")
        seen = len(editor.published)
        editor.save("pipeline.yaml")
        assert codes(await editor.diagnostics("pipeline.yaml", after=seen)) == ["BL302"]

    session(deadlock, scenario)


def test_a_fix_that_check_fix_would_refuse_is_not_offered(deadlock):
    """With every rule on, exchanging the crossed steps makes another finding: `check --fix`
    keeps no BL302 fix, and neither does the editor (the log says why)."""

    async def scenario(editor: Editor) -> None:
        editor.open("pipeline.yaml")
        cycle = next(d for d in await editor.diagnostics("pipeline.yaml") if d.code == "BL302")
        actions = await editor.client.text_document_code_action_async(
            t.CodeActionParams(
                text_document=t.TextDocumentIdentifier(uri=editor.uri("pipeline.yaml")),
                range=cycle.range,
                context=t.CodeActionContext(diagnostics=[cycle]),
            )
        )
        assert [a.title for a in actions] == ["Ignore BL302 here (suppression comment)"]
        assert any("no fix offered for BL302" in line and "new finding" in line for line in editor.logs)

    session(deadlock, scenario)


def test_ignore_this_finding_here_writes_a_suppression_that_suppresses(deadlock):
    """Under a configuration selecting BL102 and BL302 (read as the CLI reads it), the exchange
    of the crossed steps passes verification: offered, as unsafe, beside the suppression."""
    (deadlock / ".barrierlint.yaml").write_text("select: [BL102, BL302]\n", encoding="utf-8")
    text = (deadlock / "pipeline.yaml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open("pipeline.yaml")
        cycle = next(d for d in await editor.diagnostics("pipeline.yaml") if d.code == "BL302")
        actions = await editor.client.text_document_code_action_async(
            t.CodeActionParams(
                text_document=t.TextDocumentIdentifier(uri=editor.uri("pipeline.yaml")),
                range=cycle.range,
                context=t.CodeActionContext(diagnostics=[cycle]),
            )
        )
        unsafe = next(a for a in actions if a.title.startswith("Fix BL302"))
        assert not unsafe.is_preferred and "unsafe" in unsafe.title
        ignore = next(a for a in actions if a.title.startswith("Ignore BL302"))
        edits = ignore.edit.changes[editor.uri("pipeline.yaml")]
        assert "# barrierlint: ignore[BL302]" in apply(text, edits)
        seen = len(editor.published)
        editor.edit("pipeline.yaml", edits)
        assert codes(await editor.diagnostics("pipeline.yaml", after=seen)) == ["BL102"]  # no BL900: the comment is used

    session(deadlock, scenario)


def test_broken_yaml_mid_edit_gives_bl001_and_recovers(deadlock):
    text = (deadlock / "pipeline.yaml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open("pipeline.yaml")
        await editor.diagnostics("pipeline.yaml", lambda d: "BL302" in codes(d))
        for broken in (text.replace("stages:", "stages: [", 1), "pipeline: {" * 5000, text[: len(text) // 2] + "\t:"):
            seen = len(editor.published)
            editor.replace("pipeline.yaml", broken)
            assert codes(await editor.diagnostics("pipeline.yaml", after=seen)) == ["BL001"]
        seen = len(editor.published)
        editor.replace("pipeline.yaml", "\0\xff")  # no YAML at all: said in one diagnostic
        (unchecked,) = await editor.diagnostics("pipeline.yaml", after=seen)
        assert unchecked.message.startswith("not checked:") and "NUL bytes" in unchecked.message
        seen = len(editor.published)
        editor.replace("pipeline.yaml", text)
        assert codes(await editor.diagnostics("pipeline.yaml", after=seen)) == ["BL102", "BL302"]

    session(deadlock, scenario)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    return projects.make(tmp_path)


def test_definition_references_hover_and_symbols_across_a_template(repository):
    template, pipeline = projects.TEMPLATE, projects.PIPELINE

    async def scenario(editor: Editor) -> None:
        editor.open(template)
        editor.open(pipeline)
        await editor.diagnostics(pipeline)
        at_ref = t.TextDocumentPositionParams(
            text_document=t.TextDocumentIdentifier(uri=editor.uri(template)), position=editor.position(template, "barrierRef: ready", offset=13)
        )
        declaration = editor.position(pipeline, "identifier: ready")
        found = await editor.client.text_document_definition_async(t.DefinitionParams(**vars_of(at_ref)))
        assert [(d.uri, d.range.start.line) for d in found] == [(editor.uri(pipeline), declaration.line)]

        refs = await editor.client.text_document_references_async(
            t.ReferenceParams(
                text_document=t.TextDocumentIdentifier(uri=editor.uri(pipeline)),
                position=editor.position(pipeline, "identifier: ready", offset=13),
                context=t.ReferenceContext(include_declaration=True),
            )
        )
        reference = editor.position(template, "barrierRef: ready", offset=12)
        assert sorted((r.uri, r.range.start.line, r.range.start.character) for r in refs) == sorted(
            [(editor.uri(pipeline), declaration.line, declaration.character + 12), (editor.uri(template), reference.line, reference.character)]
        )

        shown = await editor.client.text_document_hover_async(t.HoverParams(**vars_of(at_ref)))
        assert "2 participants" in shown.contents.value
        assert shown.contents.value.index("`eu` step `wait`") < shown.contents.value.index("`us` step `wait`")
        assert "timeout 10m" in shown.contents.value

        symbols = await editor.client.text_document_document_symbol_async(
            t.DocumentSymbolParams(text_document=t.TextDocumentIdentifier(uri=editor.uri(pipeline)))
        )
        (release,) = symbols
        assert release.name == "release"
        assert [(s.name, s.kind) for s in release.children] == [("ready", t.SymbolKind.Event), ("eu", t.SymbolKind.Class), ("us", t.SymbolKind.Class)]

    session(repository, scenario)


def vars_of(params: t.TextDocumentPositionParams) -> dict:
    return {"text_document": params.text_document, "position": params.position}


def test_an_edit_republishes_the_linked_files(repository):
    """Renaming the declaration in the pipeline buffer (unsaved) leaves the template's reference
    undeclared: the template, linked to the pipeline, gets its BL101; renaming back clears it."""
    template, pipeline = projects.TEMPLATE, projects.PIPELINE
    text = (repository / pipeline).read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open(pipeline)
        assert codes(await editor.diagnostics(pipeline)) == []
        seen = len(editor.published)
        editor.replace(pipeline, text.replace("identifier: ready", "identifier: go"))
        undeclared = await editor.diagnostics(template, lambda d: "BL101" in codes(d), after=seen)
        assert undeclared[0].range.start.line == editor.position(template, "barrierRef: ready").line
        seen = len(editor.published)
        editor.replace(pipeline, text)
        assert codes(await editor.diagnostics(template, after=seen)) == []

    session(repository, scenario)


def test_without_pygls_the_server_command_says_what_to_install(tmp_path):
    """The extra is optional: without it, one line and exit code 2, no traceback."""
    run = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['pygls'] = None; sys.argv = ['barrierlint', 'server']; from barrierlint.console import main; main()"],
        capture_output=True, text=True, cwd=tmp_path, stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == ["barrierlint: error: the language server needs pygls: pip install 'barrierlint[server]'"]


def test_references_of_a_firstgen_barrier_reach_every_workflow_of_the_group(repository):
    """A FirstGen identifier is declared nowhere: its references are the BARRIER steps of the
    workflows the pipeline runs in parallel, across files."""
    workflow, other = projects.WORKFLOW, f"{projects.APP}/Workflows/Deploy API.yaml"

    async def scenario(editor: Editor) -> None:
        editor.open(workflow)
        await editor.diagnostics(workflow)
        refs = await editor.client.text_document_references_async(
            t.ReferenceParams(
                text_document=t.TextDocumentIdentifier(uri=editor.uri(workflow)),
                position=editor.position(workflow, "identifier: ready", offset=13),
                context=t.ReferenceContext(include_declaration=True),
            )
        )
        assert sorted(r.uri for r in refs) == sorted([editor.uri(workflow), editor.uri(other)])
        shown = await editor.client.text_document_hover_async(
            t.HoverParams(text_document=t.TextDocumentIdentifier(uri=editor.uri(workflow)), position=editor.position(workflow, "identifier: ready", offset=13))
        )
        assert "2 participants" in shown.contents.value and "timeout 10m" in shown.contents.value

    session(repository, scenario)


def test_a_burst_of_changes_is_analysed_once(deadlock):
    """Changes closer together than the debounce pause give one analysis, of the last text."""
    text = (deadlock / "pipeline.yaml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open("pipeline.yaml")
        await editor.diagnostics("pipeline.yaml")
        seen = len(editor.published)
        for number in range(10):
            editor.replace("pipeline.yaml", text.replace("identifier: z", f"identifier: z{number}"))
        last = await editor.diagnostics("pipeline.yaml", after=seen)
        assert any("'z9'" in d.message for d in last)
        await asyncio.sleep(0.5)
        assert len(editor.published) == seen + 1

    session(deadlock, scenario)


def test_unsaved_buffers_are_left_alone_and_closing_clears_diagnostics(deadlock):
    text = (deadlock / "pipeline.yaml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.client.text_document_did_open(
            t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(uri="untitled:Untitled-1", language_id="yaml", version=1, text=text))
        )
        hovered = await editor.client.text_document_hover_async(
            t.HoverParams(text_document=t.TextDocumentIdentifier(uri="untitled:Untitled-1"), position=t.Position(line=10, character=30))
        )
        assert hovered is None
        editor.open("pipeline.yaml")
        assert codes(await editor.diagnostics("pipeline.yaml")) == ["BL102", "BL302"]
        seen = len(editor.published)
        editor.client.text_document_did_close(t.DidCloseTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=editor.uri("pipeline.yaml"))))
        assert list(await editor.diagnostics("pipeline.yaml", after=seen)) == []
        assert all(params.uri != "untitled:Untitled-1" for _, params in editor.published)

    session(deadlock, scenario)
