"""What the editor's buffers mean: each open file checked as `check FILE` checks it, in memory.

A file is analysed with its linked files (`workspace.context`: its templates, chained children
and parents, FirstGen application), under the configuration the CLI would load for it; an open
buffer replaces the file on disk wherever it is read. The linked group is found again on open
and save, or when the file's references change; between those, an edit re-reads only the group.
Diagnostics of a file are the findings located in it, from every analysis that reached it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .. import config, engine, suppress, workspace
from ..errors import UsageError
from ..finding import Finding
from ..project import Project
from ..rule import select
from ..source import InputError


@dataclass
class Analysis:
    """One `check FILE` on the buffers: the findings by the file they are located in."""

    path: str
    group: tuple[str, ...] = ()  # the file, then its linked files (absolute paths)
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    result: engine.Result | None = None  # what the engine said (its project, for navigation)
    run: tuple = ()  # (rules, settings, policy) of the analysis: fixes are verified under them
    error: str | None = None  # the configuration could not be used, or the file not read
    wants: tuple = ()  # what the file refers to, when its group was found

    @property
    def project(self) -> Project | None:
        return self.result.project if self.result is not None else None


class Session:
    """The open buffers and the latest analysis of each."""

    def __init__(self) -> None:
        self.buffers: dict[str, str] = {}
        self.analyses: dict[str, Analysis] = {}

    def open(self, path: str, text: str) -> None:
        self.buffers[path] = text

    def close(self, path: str) -> list[str]:
        """Forget a buffer; the files whose diagnostics must be published again."""
        self.buffers.pop(path, None)
        gone = self.analyses.pop(path, None)
        return sorted({path, *(gone.findings if gone else ())})

    def affected(self, path: str) -> list[str]:
        """The open files to analyse again after `path` changed: itself, then every open file
        whose group holds it."""
        others = [name for name, found in self.analyses.items() if name != path and path in found.group and name in self.buffers]
        return [path, *sorted(others)]

    def analyse(self, path: str, regroup: bool = True) -> Analysis:
        """Check an open file in its project; `regroup=False` keeps its linked files unless what
        it refers to changed. Returns the analysis, also kept for `diagnostics`."""
        previous = self.analyses.get(path)
        data = self.buffers[path].encode("utf-8")
        found = Analysis(path)
        try:
            configured = config.load([path])
            rules = select(configured.select, configured.ignore)
            policy = suppress.Policy(configured)
            if configured.excludes(path):
                self.analyses[path] = found
                return found
            named = engine.Input(path, data, True)
            regroup = regroup or previous is None or not previous.group
            inputs, result = self._check(named, previous, regroup, configured, rules, policy)
            found.wants = _wants(result, path) or (previous.wants if previous is not None else ())
            if not regroup and found.wants != previous.wants:  # a reference added or changed: new linked files
                inputs, result = self._check(named, previous, True, configured, rules, policy)
        except UsageError as error:
            found.error = str(error)
            self.analyses[path] = found
            return found
        found.group = tuple(item.path for item in inputs)
        result.inputs, result.context = inputs[:1], inputs[1:]
        found.result, found.run = result, (rules, configured.settings, policy)
        for finding in result.findings:
            found.findings.setdefault(finding.path, []).append(finding)
        for error in result.errors[:1]:
            found.error = error
        self.analyses[path] = found
        return found

    def fix(self, finding: Finding):
        """The verified fix of a finding of one of the latest analyses: (Fix, edits) or why not."""
        from ..fixes.apply import verify_one

        found = next((a for a in self.analyses.values() if any(f is finding for f in a.findings.get(finding.path, ()))), None)
        if found is None or found.result is None:
            return "the file changed since it was analysed"
        return verify_one(found.result, finding, *found.run)

    def _check(self, named: engine.Input, previous: Analysis | None, regroup: bool, configured: config.Config, rules, policy) -> tuple[list[engine.Input], engine.Result]:
        """The engine's analysis of a file with its linked files (found again, or as before)."""
        if regroup:
            around = workspace.context([named], settings=configured.settings, exclude=configured.exclude)
            linked = [os.path.abspath(item.path) for item in around]
        else:
            linked = list(previous.group[1:])
        limit = configured.settings.max_file_size
        inputs = [named, *(item for item in (self._read(name, limit) for name in linked) if item is not None)]
        result = engine.Result()
        engine.analyse(inputs, rules, configured.settings, result, policy)
        return inputs, result

    def _read(self, path: str, limit: int) -> engine.Input | None:
        """A linked file: its open buffer, else its bytes on disk (None when it is gone)."""
        if path in self.buffers:
            return engine.Input(path, self.buffers[path].encode("utf-8"), False)
        try:
            return engine.Input(path, engine._read(path, limit), False)
        except (OSError, InputError):
            return None

    def diagnostics(self, path: str) -> list[Finding]:
        """The findings located in a file, from every analysis that read it, each once."""
        seen: set[tuple] = set()
        out = []
        for found in self.analyses.values():
            for finding in found.findings.get(path, ()):
                identity = (finding.code, finding.span, finding.message)
                if identity not in seen:
                    seen.add(identity)
                    out.append(finding)
        return sorted(out, key=Finding.sort_key)


def _wants(result: engine.Result, path: str) -> tuple | None:
    """What the analysed file refers to (templates, chained pipelines, barriers of others);
    None while it does not parse (mid-edit: its links are those it had)."""
    doc = next((doc for doc in result.project.documents if doc.path == path), None) if result.project else None
    if doc is None or not doc.roots or any(problem.code == "BL001" for problem in doc.problems):
        return None
    return tuple(workspace.summary_of(doc).at(path).wants)
