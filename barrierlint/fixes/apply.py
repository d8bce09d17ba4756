"""`check --fix`, `--unsafe-fixes` and `--diff`: fixes verified before anything is written.

A fix is kept only when, with its edits, the file still parses, the finding is gone, no finding
appears anywhere in the project that was not there before, and, for findings about what happens
at run time, the reference runtime runs the edited pipeline to completion in the scenario that
shows the finding. The fixes of one file are applied together and verified together, in up to
MAX_PASSES passes (a fix may reveal or unblock another); when the group fails, each fix is tried
alone and the ones that pass are kept. A file is written (atomically) only if it still holds the
bytes that were read.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

from .. import engine, source
from ..finding import Finding
from ..writing import atomic_write
from . import Fix, fix_for
from .edits import Unfixable, apply, overlaps

MAX_PASSES = 4


@dataclass
class Outcome:
    """What fixing did: the new text of each changed file, the fixes kept, the ones refused with
    the check that failed, and the analysis of the project as fixed."""

    originals: dict[str, bytes]
    texts: dict[str, str] = field(default_factory=dict)  # path -> fixed text (changed files only)
    applied: list[tuple[Finding, Fix]] = field(default_factory=list)
    failed: dict[tuple, str] = field(default_factory=dict)  # place(finding) -> why its fix was not kept
    result: engine.Result | None = None
    not_written: list[str] = field(default_factory=list)  # files changed on disk since they were read
    history: dict[str, list[tuple[str, list]]] = field(default_factory=dict)  # path -> (text, edits kept on it), pass by pass

    def data(self, path: str) -> bytes:
        return source.encode(self.texts[path], self.originals[path])


def identity(finding: Finding) -> tuple:
    """What counts as the same finding before and after an edit (lines and YAML paths move)."""
    return (finding.code, finding.path, finding.key)


def place(finding: Finding) -> tuple:
    return (*identity(finding), finding.route_text)


def fix_project(result: engine.Result, rules, settings, policy, input_sets=(), *, unsafe: bool) -> Outcome:
    """Find, verify and keep the fixes for the findings of `result` (a `check` run), in memory."""
    from ..rule import all_rules

    by_code = {rule.code: rule for rule in all_rules()}
    editable = {item.path for item in result.inputs} - {"<stdin>"}
    outcome = Outcome({item.path: item.data for item in (*result.inputs, *result.context)})
    fixer = _Verifier([*result.inputs, *result.context], rules, settings, policy, input_sets, outcome)
    current = fixer.latest = fixer.analyse({})
    for _ in range(MAX_PASSES):
        by_file: dict[str, list[tuple[Finding, Fix]]] = {}
        for finding in current.findings:
            if finding.path not in editable or place(finding) in outcome.failed:
                continue
            fix = fix_for(finding, current.project, by_code)
            if fix is not None and (fix.safe or unsafe):
                by_file.setdefault(finding.path, []).append((finding, fix))
        kept = False
        for path, pairs in by_file.items():
            kept |= fixer.settle(path, pairs, current)
            current = fixer.latest
        if not kept:
            break
    outcome.result = current
    return outcome


def verify_one(result: engine.Result, finding: Finding, rules, settings, policy) -> tuple[Fix, tuple] | str:
    """The fix of one finding of `result` and its edits, verified as `--fix` verifies them (the
    language server's code action), or why there is none."""
    from ..rule import all_rules

    fix = fix_for(finding, result.project, {rule.code: rule for rule in all_rules()})
    if fix is None:
        return "its rule offers no fix here"
    outcome = Outcome({item.path: item.data for item in (*result.inputs, *result.context)})
    verifier = _Verifier([*result.inputs, *result.context], rules, settings, policy, (), outcome)
    text = finding.origin.doc.text
    edits = verifier._choose(finding.path, text, finding, fix, result)  # alternatives are checked as they are chosen
    if edits is None:
        return outcome.failed[place(finding)]
    failure = None if fix.alternatives else verifier._check(finding.path, text, [(finding, fix, edits)], result)
    return failure or (fix, edits)


class _Verifier:
    def __init__(self, inputs, rules, settings, policy, input_sets, outcome: Outcome):
        self.inputs, self.rules, self.settings, self.policy, self.outcome = inputs, list(rules), settings, policy, outcome
        self.input_sets = list(input_sets)
        self.latest: engine.Result | None = None

    def analyse(self, texts: dict[str, str]) -> engine.Result:
        """The whole project (not only the checked files) with some files' text replaced."""
        inputs = [
            engine.Input(item.path, source.encode(texts[item.path], item.data), item.explicit) if item.path in texts else item
            for item in self.inputs
        ]
        return engine.analyse(inputs, self.rules, self.settings, engine.Result(), self.policy, self.input_sets)

    def settle(self, path: str, pairs: list[tuple[Finding, Fix]], before: engine.Result) -> bool:
        """Keep what can be kept of one file's fixes; True if something was."""
        self.latest = before
        text = self.outcome.texts.get(path, next(doc.text for doc in before.project.documents if doc.path == path))
        chosen: list[tuple[Finding, Fix, tuple]] = []
        for finding, fix in sorted(pairs, key=lambda pair: min((e.start for e in pair[1].choices()[0]), default=0)):
            edits = self._choose(path, text, finding, fix, before)
            if edits is not None and not any(overlaps(edits, other) for _, _, other in chosen):
                chosen.append((finding, fix, edits))  # an overlapping fix waits for the next pass
        if not chosen:
            return False
        failure = self._check(path, text, chosen, before)
        if failure is None:
            return self._keep(path, text, chosen)
        if len(chosen) == 1:
            self.outcome.failed[place(chosen[0][0])] = failure
            return False
        passing = []
        for one in chosen:
            alone = self._check(path, text, [one], before)
            if alone is None:
                passing.append(one)
            else:
                self.outcome.failed[place(one[0])] = alone
        if len(passing) > 1 and self._check(path, text, passing, before) is not None:
            passing = passing[:1]  # together they fail: one now, the others in the next pass
        return self._keep(path, text, passing) if passing else False

    def _choose(self, path, text, finding, fix, before) -> tuple | None:
        """The edits of a fix; of alternatives, the only one that passes the checks."""
        if not fix.alternatives:
            return tuple(fix.edits)
        passing = [choice for choice in fix.alternatives if self._check(path, text, [(finding, fix, choice)], before) is None]
        if len(passing) == 1:
            return passing[0]
        self.outcome.failed[place(finding)] = (
            f"{len(passing)} different edits remove it; the choice is the author's" if passing else "no edit of this kind removes it without a new finding"
        )
        return None

    def _keep(self, path, text, chosen) -> bool:
        edits = [edit for _, _, kept in chosen for edit in kept]
        self.outcome.history.setdefault(path, []).append((text, edits))
        self.outcome.texts[path] = apply(text, edits)
        self.outcome.applied += [(finding, fix) for finding, fix, _ in chosen]
        self.latest = self.analyse(self.outcome.texts)
        return True

    def _check(self, path: str, text: str, chosen, before: engine.Result) -> str | None:
        """None when the edits pass every check, else the check that failed."""
        try:
            edited = apply(text, [edit for _, _, edits in chosen for edit in edits])
        except Unfixable as error:
            return f"the edits cannot be applied: {error}"
        syntax = [p for p in source.load(path, source.encode(edited, self.outcome.originals[path])).problems if p.code == "BL001"]
        if syntax:
            return f"the edited file does not parse: {syntax[0].message}"
        after = self.analyse({**self.outcome.texts, path: edited})
        was, now = Counter(map(identity, before.findings)), Counter(map(identity, after.findings))
        fixed = Counter(identity(finding) for finding, _, _ in chosen)
        for key, count in fixed.items():
            if now[key] > was[key] - count:
                return "the finding is still reported after the edit"
        for finding in after.findings:
            key = identity(finding)
            if now[key] > was[key] - fixed[key]:
                span = finding.span
                return f"the edit brings a new finding: {os.path.basename(finding.path)}:{span.line}:{span.column}: {finding.code} {finding.message}"
        return self._runtime(chosen, before, after)

    def _runtime(self, chosen, before: engine.Result, after: engine.Result) -> str | None:
        from ..runtime import Profile
        from ..runtime.verify import FIXED_RUN, Runs, fixed_run

        profile = Profile.of(self.settings)
        located = Runs(before.project.pipelines, profile)
        for finding, _, _ in chosen:
            if finding.code not in FIXED_RUN:
                continue
            for old in located.pipelines_of(finding):
                new = next((p for p in after.project.pipelines if p.origin.doc.path == old.origin.doc.path and p.origin.route == old.origin.route), None)
                if new is None:
                    return "the edited pipeline is not found again"
                refs_before = {o.ref for o in before.project.occurrences(old)}
                barriers = set(finding.properties.get("barriers") or (finding.key,)) | {o.ref for o in after.project.occurrences(new)} - refs_before
                problem = fixed_run(finding, new, barriers, profile)
                if problem is not None:
                    return f"in the reference runtime, {problem}"
        return None


def diff(outcome: Outcome) -> str:
    """A unified diff of every changed file (`--diff`)."""
    import difflib

    chunks = []
    for path in sorted(outcome.texts):
        old = source.decode(outcome.originals[path]).splitlines(keepends=True)
        new = outcome.texts[path].splitlines(keepends=True)
        for line in difflib.unified_diff(old, new, path, path):
            chunks.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(chunks)


def write(outcome: Outcome) -> list[str]:
    """Write the changed files; a file whose bytes changed since they were read is left alone
    (listed in `outcome.not_written`). Returns the files written."""
    written = []
    for path in sorted(outcome.texts):
        try:
            with open(path, "rb") as handle:
                now = handle.read()
        except OSError:
            now = None
        if now != outcome.originals[path]:
            outcome.not_written.append(path)
            continue
        atomic_write(path, outcome.data(path), replace_input=True)
        written.append(path)
    return written
