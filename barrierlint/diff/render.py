"""The synchronisation changelog as text, as Markdown for a pull-request comment, and as JSON.

Names come from the pipelines under review, so Markdown escapes them: inline code spans and
fences are longer than any run of backticks inside, and nothing else is taken as markup.
"""

from __future__ import annotations

import json
import os
import re

from ..finding import Finding
from ..report import printable
from . import Diff, PipelineChange

FORMATS = ("text", "markdown", "json")


def render(diff: Diff, fmt: str) -> str:
    return {"text": text, "markdown": markdown, "json": as_json}[fmt](diff)


def _where(change: PipelineChange) -> str:
    return f"pipeline '{printable(change.label)}'" + ("" if change.file == "." else f" ({printable(change.file)})")


def _place(finding: Finding, root: str) -> str:
    span = finding.span
    path = os.path.relpath(os.path.abspath(finding.path), root) if root else finding.path
    if path == ".":
        path = os.path.basename(finding.path)
    return f"{printable(path)}:{span.line}:{span.column}"


def _participants(wheres) -> str:
    return ", ".join(f"'{printable(w)}'" for w in wheres) or "none"


def text(diff: Diff) -> str:
    lines = [f"barrierlint diff: {printable(diff.old)} -> {printable(diff.new)}"]
    if diff.empty:
        return "\n".join(lines + ["No change to barriers, orderings or findings."]) + "\n"
    for change in diff.pipelines:
        lines += ["", f"{_where(change)}: {change.status}"]
        lines += [f"  + barrier '{printable(ref)}' (participants: {_participants(wheres)})" for ref, wheres in change.barriers_added]
        lines += [f"  - barrier '{printable(ref)}' (participants: {_participants(wheres)})" for ref, wheres in change.barriers_removed]
        lines += [f"  + '{printable(where)}' joined barrier '{printable(ref)}'" for ref, where in change.joined]
        lines += [f"  - '{printable(where)}' left barrier '{printable(ref)}'" for ref, where in change.left]
        lines += [f"  note: {note}" for note in change.notes]
        lines += [f"  + a failure of '{printable(a)}' can now fail '{printable(b)}'" for a, b in change.coupling_added]
        lines += [f"  - a failure of '{printable(a)}' can no longer fail '{printable(b)}'" for a, b in change.coupling_removed]
        lines += [f"  + ordering: {printable(a)} -> {printable(b)}" for a, b in change.orderings_added]
        lines += [f"  - ordering: {printable(a)} -> {printable(b)}" for a, b in change.orderings_removed]
        lines += [f"  + cycle (they wait for each other): {printable(c)}" for c in change.cycles_added]
        lines += [f"  - cycle (they wait for each other): {printable(c)}" for c in change.cycles_removed]
    for title, findings, root in (("introduced", diff.introduced, diff.new_root), ("fixed", diff.fixed, diff.old_root)):
        if findings:
            lines += ["", f"findings {title} ({len(findings)}):"]
            lines += [f"  {_place(f, root)}: {f.code} [{f.severity}] {printable(f.message)}" for f in findings]
    return "\n".join(lines) + "\n"


def _code(content: str) -> str:
    """An inline code span that holds `content` whatever backticks it has."""
    content = printable(content).replace("\n", " ")
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", content)), default=0) + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def _plain(content: str) -> str:
    """Text that Markdown shows as written (no links, emphasis, HTML or tables)."""
    return re.sub(r"([\\`*_\[\]|<>~&])", r"\\\1", printable(content).replace("\n", " "))


def _point(label: str) -> str:
    """An ordering point ("end of 'eu'") with its names as code."""
    return re.sub(r"'([^']*)'", lambda m: _code(m.group(1)), _plain_words(label))


def _plain_words(label: str) -> str:
    parts = re.split(r"('[^']*')", label)
    return "".join(part if part.startswith("'") else _plain(part) for part in parts)


def markdown(diff: Diff) -> str:
    lines = [f"### barrierlint: synchronisation changes ({_code(diff.old)} → {_code(diff.new)})", ""]
    if diff.empty:
        return "\n".join(lines + ["No change to barriers, orderings or findings.", ""])
    for change in diff.pipelines:
        file = "" if change.file == "." else f" in {_code(change.file)}"
        lines += [f"#### Pipeline {_code(change.label)}{file} ({change.status})", ""]
        barriers = [f"- ➕ barrier {_code(ref)} added, participants {', '.join(_code(w) for w in wheres) or 'none'}" for ref, wheres in change.barriers_added]
        barriers += [f"- ➖ barrier {_code(ref)} removed (participants were {', '.join(_code(w) for w in wheres) or 'none'})" for ref, wheres in change.barriers_removed]
        barriers += [f"- ➕ {_code(where)} joined barrier {_code(ref)}" for ref, where in change.joined]
        barriers += [f"- ➖ {_code(where)} left barrier {_code(ref)}" for ref, where in change.left]
        if barriers:
            lines += ["**Barriers**", "", *barriers, ""]
        fates = [f"- ➕ a failure of {_code(a)} can now fail {_code(b)}" for a, b in change.coupling_added]
        fates += [f"- ➖ a failure of {_code(a)} can no longer fail {_code(b)}" for a, b in change.coupling_removed]
        fates += [f"- {_plain(note)}" for note in change.notes]
        if fates:
            lines += ["**Blast radius** (a stage that fails before a barrier fails every stage waiting there)", "", *fates, ""]
        orderings = [f"- ➕ {_point(a)} → {_point(b)}" for a, b in change.orderings_added]
        orderings += [f"- ➖ {_point(a)} → {_point(b)}" for a, b in change.orderings_removed]
        orderings += [f"- ➕ cycle, they wait for each other: {_point(c)}" for c in change.cycles_added]
        orderings += [f"- ➖ cycle, they wait for each other: {_point(c)}" for c in change.cycles_removed]
        if orderings:
            lines += ["**Orderings** (happens-before, transitively reduced: A → B means B cannot happen before A)", "", *orderings, ""]
        if change.picture:
            fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", change.picture)), default=0) + 1)
            lines += ["<details><summary>Synchronisation after the change</summary>", "", f"{fence}mermaid", change.picture.rstrip("\n"), fence, "", "</details>", ""]
    for title, mark, findings, root in (("introduced", "🆕", diff.introduced, diff.new_root), ("fixed", "✅", diff.fixed, diff.old_root)):
        if findings:
            lines += [f"**Findings {title}** ({len(findings)})", ""]
            lines += [f"- {mark} {_code(_place(f, root))} **{f.code}** {f.severity}: {_plain(f.message)}" for f in findings]
            lines += [""]
    return "\n".join(lines)


def as_json(diff: Diff) -> str:
    def finding(f: Finding, root: str) -> dict:
        return {"code": f.code, "name": f.name, "severity": str(f.severity), "location": _place(f, root), "message": f.message,
                "fingerprint": f.fingerprint_for(os.path.relpath(os.path.abspath(f.path), root).replace(os.sep, "/"))}

    data = {
        "old": diff.old,
        "new": diff.new,
        "pipelines": [
            {
                "file": c.file,
                "pipeline": c.label,
                "status": c.status,
                "barriers_added": [{"barrier": r, "participants": list(w)} for r, w in c.barriers_added],
                "barriers_removed": [{"barrier": r, "participants": list(w)} for r, w in c.barriers_removed],
                "joined": [{"barrier": r, "participant": w} for r, w in c.joined],
                "left": [{"barrier": r, "participant": w} for r, w in c.left],
                "orderings_added": [list(pair) for pair in c.orderings_added],
                "orderings_removed": [list(pair) for pair in c.orderings_removed],
                "cycles_added": c.cycles_added,
                "cycles_removed": c.cycles_removed,
                "coupling_added": [{"failing": a, "fails": b} for a, b in c.coupling_added],
                "coupling_removed": [{"failing": a, "fails": b} for a, b in c.coupling_removed],
                "notes": c.notes,
            }
            for c in diff.pipelines
        ],
        "introduced": [finding(f, diff.new_root) for f in diff.introduced],
        "fixed": [finding(f, diff.old_root) for f in diff.fixed],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
