"""`barrierlint diff`: the synchronisation changelog between two versions of a project.

Each version is checked by the engine as `check` would; then, per pipeline (matched by file path
relative to the version's root and pipeline name): the barriers added and removed, the
participants that joined or left each barrier, which stages' failures can fail which others
(the blast radius of `impact`), the orderings between stage starts and ends and barrier
releases that appeared or disappeared (the happens-before graph of `graph.structure` reduced to
those points and transitively reduced, cycles listed on their own), and the findings
introduced and fixed (matched by fingerprint, the path taken relative to each root).
`git.revision` reads an old version from git; `render` writes text, Markdown and JSON.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from .. import engine
from ..finding import Finding
from ..impact import MAX_PAIRS, coupling
from ..model import Stage


@dataclass
class Version:
    """One side of the comparison: what the engine found under `root`."""

    label: str  # as the user named it: a path, or a git revision
    root: str
    result: engine.Result

    def relative(self, path: str) -> str:
        return os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")

    def fingerprints(self) -> Counter:
        return Counter(f.fingerprint_for(self.relative(f.path)) for f in self.result.findings)


@dataclass
class Sync:
    """The synchronisation of one pipeline: barrier -> participants, and its orderings."""

    file: str
    label: str
    barriers: dict[str, tuple[str, ...]]
    orderings: frozenset[tuple[str, str]]
    cycles: frozenset[str]  # points that wait for each other (a deadlock), as one line
    coupling: frozenset[tuple[str, str]] | None  # (stage, stage its failure can fail); None: too many to list
    picture: str = ""  # the Mermaid diagram of the pipeline


@dataclass
class PipelineChange:
    file: str
    label: str
    status: str  # added | removed | changed
    barriers_added: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    barriers_removed: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    joined: list[tuple[str, str]] = field(default_factory=list)  # (barrier, participant)
    left: list[tuple[str, str]] = field(default_factory=list)
    orderings_added: list[tuple[str, str]] = field(default_factory=list)
    orderings_removed: list[tuple[str, str]] = field(default_factory=list)
    cycles_added: list[str] = field(default_factory=list)
    cycles_removed: list[str] = field(default_factory=list)
    coupling_added: list[tuple[str, str]] = field(default_factory=list)  # (stage, stage its failure now fails)
    coupling_removed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    picture: str = ""  # Mermaid of the version after (empty for a removed pipeline)


@dataclass
class Diff:
    old: str
    new: str
    pipelines: list[PipelineChange]
    introduced: list[Finding]
    fixed: list[Finding]
    new_root: str = ""
    old_root: str = ""

    @property
    def empty(self) -> bool:
        return not (self.pipelines or self.introduced or self.fixed)


def check_version(label: str, root: str, paths: Iterable[str], *, settings, select_rules=(), ignore_rules=(), exclude=(), isolated=False) -> Version:
    """Run the engine on one version; unreadable files are a one-line error."""
    result = engine.check(list(paths), select_rules=select_rules, ignore_rules=ignore_rules, exclude=exclude, settings=settings, isolated=isolated, cache=False)
    if result.errors:
        from ..errors import UsageError

        raise UsageError(f"{label}: {result.errors[0]}")
    return Version(label, root, result)


def synchronisation(version: Version) -> dict[tuple[str, str], Sync]:
    """Every pipeline written under the version's root, by (file, pipeline label)."""
    project = version.result.project
    found: dict[tuple[str, str], Sync] = {}
    if project is None:
        return found
    for pipeline in project.pipelines:
        file = version.relative(pipeline.origin.doc.path)
        if file.startswith("../"):
            continue  # a template library or context folder outside the compared tree
        barriers: dict[str, list[str]] = {d.identifier: [] for d in pipeline.barriers if d.identifier}
        for occurrence in project.occurrences(pipeline):
            if occurrence.ref is not None:
                barriers.setdefault(str(occurrence.ref), []).append(occurrence.where)
        found[(file, pipeline.label)] = Sync(
            file, pipeline.label, {ref: tuple(dict.fromkeys(wheres)) for ref, wheres in barriers.items()}, *orderings(pipeline, project),
            coupling(pipeline, project), _picture(pipeline, project),
        )
    return found


def orderings(pipeline, project) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
    """The happens-before edges between stage starts, stage ends and barrier releases (every other
    node of the graph walked through), transitively reduced: an edge stays when no longer path
    implies it, taken over the graph with each cycle contracted; edges inside a cycle all stay.
    And the cycles (deadlocks), each as one line."""
    import networkx as nx

    from ..graph import structure

    graph = structure(pipeline, project)
    label = {}
    for node, (kind, item) in enumerate(zip(graph.kind, graph.item)):
        if kind in ("entry", "exit") and isinstance(item, Stage):
            label[node] = f"{'start' if kind == 'entry' else 'end'} of '{item.label}'"
        elif kind == "barrier":
            label[node] = f"barrier '{item}'"
    points = nx.DiGraph()
    points.add_nodes_from(label)
    for point in label:
        seen, stack = set(), list(graph.succ[point])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in label:
                points.add_edge(point, node)
            else:
                stack.extend(graph.succ[node])
    condensed = nx.condensation(points)
    component = condensed.graph["mapping"]
    kept = set(nx.transitive_reduction(condensed).edges)
    edges = frozenset(
        (label[u], label[v]) for u, v in points.edges
        if label[u] != label[v] and (component[u] == component[v] or (component[u], component[v]) in kept)
    )
    cycles = frozenset(" ⇄ ".join(sorted({label[n] for n in members})) for _, members in condensed.nodes(data="members") if len(members) > 1)
    return edges, cycles


def _picture(pipeline, project) -> str:
    from ..graph import analysis
    from ..pictures import render_diagram
    from ..pictures.layout import layout

    if not project.occurrences(pipeline):
        return ""
    return render_diagram(layout(pipeline, analysis(pipeline, project)), "mermaid")


def compare(old: Version, new: Version) -> Diff:
    before, after = synchronisation(old), synchronisation(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        change = _change(key, was, now)
        if change is not None:
            changes.append(change)
    old_prints, new_prints = old.fingerprints(), new.fingerprints()
    return Diff(old.label, new.label, changes, _unmatched(new, old_prints), _unmatched(old, new_prints), new.root, old.root)


def _unmatched(version: Version, other: Counter) -> list[Finding]:
    """Findings of `version` that the other version does not have (as many as it has fewer)."""
    left = Counter(other)
    result = []
    for finding in sorted(version.result.findings, key=Finding.sort_key):
        print_ = finding.fingerprint_for(version.relative(finding.path))
        if left[print_] > 0:
            left[print_] -= 1
        else:
            result.append(finding)
    return result


def _change(key, was: Sync | None, now: Sync | None) -> PipelineChange | None:
    file, label = key
    old_barriers = was.barriers if was else {}
    new_barriers = now.barriers if now else {}
    change = PipelineChange(file, label, "added" if was is None else "removed" if now is None else "changed", picture=now.picture if now else "")
    change.barriers_added = [(ref, new_barriers[ref]) for ref in new_barriers if ref not in old_barriers]
    change.barriers_removed = [(ref, old_barriers[ref]) for ref in old_barriers if ref not in new_barriers]
    for ref in new_barriers.keys() & old_barriers.keys():
        change.joined += [(ref, where) for where in new_barriers[ref] if where not in old_barriers[ref]]
        change.left += [(ref, where) for where in old_barriers[ref] if where not in new_barriers[ref]]
    change.joined.sort()
    change.left.sort()
    old_order = was.orderings if was else frozenset()
    new_order = now.orderings if now else frozenset()
    change.orderings_added = sorted(new_order - old_order)
    change.orderings_removed = sorted(old_order - new_order)
    old_cycles = was.cycles if was else frozenset()
    new_cycles = now.cycles if now else frozenset()
    change.cycles_added, change.cycles_removed = sorted(new_cycles - old_cycles), sorted(old_cycles - new_cycles)
    old_coupling = was.coupling if was else frozenset()
    new_coupling = now.coupling if now else frozenset()
    if old_coupling is None or new_coupling is None:
        change.notes.append(f"the blast radius is not compared: more than {MAX_PAIRS:,} pairs of stages fail together")
    else:
        change.coupling_added, change.coupling_removed = sorted(new_coupling - old_coupling), sorted(old_coupling - new_coupling)
    moved = (
        change.barriers_added or change.barriers_removed or change.joined or change.left or change.orderings_added or change.orderings_removed
        or change.cycles_added or change.cycles_removed or change.coupling_added or change.coupling_removed
    )
    return change if moved else None


def new_findings(findings: list[Finding], paths: list[str], rev: str, *, settings, select_rules=(), ignore_rules=(), exclude=(), isolated=False) -> list[Finding]:
    """`check --new-from-rev REV`: the findings that the revision does not have yet, matched by
    fingerprint (as many of one fingerprint as it has fewer)."""
    from .git import revision

    local = [p for p in paths if p != "-"]
    if not local:
        return findings
    with revision(rev, local[0], settings.max_file_size) as (folder, top):
        old_paths = [os.path.join(folder, os.path.relpath(os.path.abspath(p), top)) for p in local]
        old = check_version(rev, folder, [p for p in old_paths if os.path.exists(p)], settings=settings, select_rules=select_rules,
                            ignore_rules=ignore_rules, exclude=exclude, isolated=isolated)
        known = old.fingerprints()
    kept = []
    for finding in findings:
        print_ = finding.fingerprint_for(os.path.relpath(os.path.abspath(finding.path), top).replace(os.sep, "/"))
        if known[print_] > 0:
            known[print_] -= 1
        else:
            kept.append(finding)
    return kept


def diff(old: str, new: str = ".", *, settings, select_rules=(), ignore_rules=(), exclude=()) -> Diff:
    """Two paths, or a git revision (`old` not a path) against the working tree at `new`."""
    if os.path.exists(old):
        before = check_version(old, _root(old), [old], settings=settings, select_rules=select_rules, ignore_rules=ignore_rules, exclude=exclude, isolated=True)
        after = check_version(new, _root(new), [new], settings=settings, select_rules=select_rules, ignore_rules=ignore_rules, exclude=exclude, isolated=True)
        return compare(before, after)
    from .git import revision

    if not os.path.exists(new):
        from ..errors import UsageError

        raise UsageError(f"{new}: no such file or folder")
    with revision(old, new, settings.max_file_size) as (folder, top):
        inside = os.path.relpath(os.path.abspath(new), top)
        old_path = os.path.normpath(os.path.join(folder, inside))
        before = check_version(old, _root(old_path), [old_path] if os.path.exists(old_path) else [], settings=settings,
                               select_rules=select_rules, ignore_rules=ignore_rules, exclude=exclude, isolated=True)
        after = check_version("working tree", _root(new), [new], settings=settings, select_rules=select_rules, ignore_rules=ignore_rules,
                              exclude=exclude, isolated=True)
        return compare(before, after)


def _root(path: str) -> str:
    """What file paths are taken relative to: the folder, or the file itself (then two files of
    other names still compare as one, their file shown as ".")."""
    return os.path.abspath(path)
