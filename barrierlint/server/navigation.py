"""Barrier navigation over an analysed project: definition, references, hover, symbols.

A barrier is an identifier in one pipeline's execution. The project already says who takes
part: a template's Barrier step is inlined in every pipeline that uses it, and a chained
child's `parent.X` step is joined to its parent's X (`project.chain`), so the participants of
a barrier are the occurrences of its pipeline that name it, wherever they are written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..finding import Finding
from ..graph import timeout_text
from ..model import BarrierDecl, Occurrence, Origin, Parallel, Pipeline, Stage, StepGroup, children
from ..project import Project
from ..source import Span


@dataclass(frozen=True)
class Barrier:
    """One barrier of one pipeline, found under the cursor."""

    pipeline: Pipeline
    name: str  # the identifier as its pipeline declares it
    declarations: tuple[BarrierDecl, ...]
    participants: tuple[Occurrence, ...]


def _inside(origin: Origin | None, path: str, line: int, column: int) -> bool:
    if origin is None or origin.doc.path != path:
        return False
    span = origin.doc.span(origin.route)
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def barriers_at(project: Project, path: str, line: int, column: int) -> list[Barrier]:
    """The barriers a `barrierRef` or a declaration at this place names, one per pipeline that
    runs it (a template's step names a barrier of each pipeline using the template)."""
    found: dict[tuple, Barrier] = {}
    for pipeline in project.pipelines:
        refs = [d.identifier for d in pipeline.barriers if d.identifier and _inside(d.origin, path, line, column)]
        refs += [o.ref for o in project.occurrences(pipeline) if o.ref and _inside(o.step.barrier_ref_origin, path, line, column)]
        for ref in refs:
            key = getattr(ref, "key", ref)  # a FirstGen identifier's key is (its parallel group, the name): declared nowhere
            name = key if isinstance(key, str) else str(ref)
            if (id(pipeline), key) not in found:
                found[(id(pipeline), key)] = Barrier(
                    pipeline,
                    name,
                    tuple(d for d in pipeline.barriers if d.identifier == key),
                    tuple(o for o in project.occurrences(pipeline) if o.ref == ref),
                )
    return list(found.values())


def declaration_origin(decl: BarrierDecl) -> Origin:
    """The identifier of a declaration, where it is written, else the entry."""
    named = decl.origin.at("identifier")
    return named if decl.origin.doc.node_at(named.route) is not None else decl.origin


def definitions(found: list[Barrier]) -> list[Origin]:
    return _unique(declaration_origin(d) for barrier in found for d in barrier.declarations)


def references(found: list[Barrier], declarations: bool) -> list[Origin]:
    places = [o.step.barrier_ref_origin for barrier in found for o in barrier.participants if o.step.barrier_ref_origin is not None]
    return _unique([*(definitions(found) if declarations else ()), *places])


def _unique(origins) -> list[Origin]:
    seen: set[tuple] = set()
    out = []
    for origin in origins:
        key = (origin.doc.path, origin.route)
        if key not in seen:
            seen.add(key)
            out.append(origin)
    return out


def hover(found: list[Barrier], findings: list[Finding]) -> str:
    """Markdown: each pipeline's participants in the order the pipeline lists them (a
    participant in a parallel block runs beside its neighbours), their timeouts, and the witness
    of every finding about the barrier."""
    lines: list[str] = []
    for barrier in found:
        lines.append(f"**barrier `{barrier.name}`** in pipeline `{barrier.pipeline.label}`: {len(barrier.participants)} participant{'s' if len(barrier.participants) != 1 else ''}")
        lines.append("")
        for number, occurrence in enumerate(barrier.participants, 1):
            parallel = " (in parallel)" if any(isinstance(item, Parallel) for item in occurrence.path) else ""
            rollback = " (rollback)" if occurrence.in_rollback else ""
            lines.append(f"{number}. `{occurrence.where}` step `{occurrence.step.label}`{parallel}{rollback}: timeout {timeout_text(occurrence)}")
        places = {(o.step.origin.doc.path, o.step.origin.route) for o in barrier.participants}
        for finding in findings:
            if finding.witness and (finding.key == barrier.name or _about(finding, places)):
                lines.append("")
                lines.append(f"{finding.code} {finding.name}: {finding.message}")
                lines.extend(f"- {line}" for line in finding.witness)
        lines.append("")
    return "\n".join(lines).strip()


def _about(finding: Finding, places: set[tuple]) -> bool:
    """The finding names one of the steps (or a place inside one) as related."""
    related = [*finding.related, *(step for flow in finding.flows for step in flow)]
    return any(r.origin.doc.path == path and r.origin.route[: len(route)] == route for r in related for path, route in places)


@dataclass
class Symbol:
    name: str
    kind: str  # pipeline, stage, step group, barrier, barrier step
    span: Span
    children: list["Symbol"]


def symbols(project: Project, path: str) -> list[Symbol]:
    """Pipelines written in the file, with their barrier declarations, stages, step groups and
    Barrier steps, as the file nests them (inlined templates are the template file's)."""
    out = []
    for pipeline in project.pipelines:
        if pipeline.origin.doc.path != path:
            continue
        inner = [Symbol(d.identifier or "?", "barrier", _span(d.origin), []) for d in pipeline.barriers if d.origin.doc.path == path]
        for item in pipeline.stages:
            inner.extend(_item_symbols(item, path))
        kind = f"{pipeline.template_kind.lower()} template" if pipeline.template_kind else "pipeline"
        out.append(Symbol(pipeline.label, kind, _span(pipeline.origin), inner))
    return out


def _item_symbols(item, path: str) -> list[Symbol]:
    inner = [symbol for sub, _ in children(item) for symbol in _item_symbols(sub, path)]
    written = item.origin.doc.path == path if hasattr(item, "origin") else False
    if isinstance(item, (Stage, StepGroup)) and written:
        return [Symbol(item.label, "stage" if isinstance(item, Stage) else "step group", _span(item.origin), inner)]
    if getattr(item, "is_barrier", False) and written:
        return [Symbol(f"{item.label} -> {item.barrier_ref}", "barrier step", _span(item.origin), [])]
    return inner


def _span(origin: Origin) -> Span:
    return origin.doc.span(origin.route)
