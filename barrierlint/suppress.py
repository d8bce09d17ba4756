"""What a user has accepted: suppression comments, per-file ignores, severities, the baseline.

Applied once, after the rules and before the reporters (`engine.check`). Suppressed findings
are kept aside, not dropped: SARIF reports them with `suppressions`. Comments:

    # barrierlint: ignore[BL103, lone-barrier] reason   in the node the finding points at, alone
                                                       on the line above it or above a key or list
                                                       item holding it, or after that key or item
    # barrierlint: ignore-file[BL1] reason              the whole file

in any case (`# BARRIERLINT: IGNORE[...]` too). A comment that suppresses nothing, or cannot be
read, is reported as BL900 (unused-suppression).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from .config import Config
from .errors import UsageError
from .finding import Finding
from .model import Origin
from .rule import Rule, lookup
from .source import Comment, Document, Span, comments, repository_path
from .writing import open_input, write_text

# any case, as ruff reads `# NOQA`: a comment written `# BARRIERLINT: IGNORE[...]` is not lost
_DIRECTIVE = re.compile(r"#\s*barrierlint\s*:\s*(.*)$", re.IGNORECASE)
_IGNORE = re.compile(r"(ignore-file|ignore)\[([^\]]*)\]\s*(.*)$", re.IGNORECASE)
_MENTION = re.compile("barrierlint", re.IGNORECASE)
BASELINE_VERSION = 1


@dataclass(frozen=True)
class Policy:
    """How one run treats findings beyond the rules themselves."""

    config: Config = field(default_factory=Config)
    baseline: str | None = None  # a baseline file: its findings are not reported again
    write_baseline: bool = False  # write the current findings to `baseline` first
    use_ignores: bool = True  # False (`--no-ignores`) audits: comments and per-file ignores are off


@dataclass
class Directive:
    """One `# barrierlint: ignore[...]` comment."""

    doc: Document
    comment: Comment
    file_level: bool
    selectors: dict[str, frozenset[str]]  # as written -> the rule codes it names
    reason: str
    used: set[str] = field(default_factory=set)


def apply(findings: Iterable[Finding], documents: Iterable[Document], rules: Sequence[type[Rule]], policy: Policy) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (reported, suppressed), adding BL900 findings for unused comments."""
    kept, problems, suppressed = read_comments(findings, documents, rules, policy)
    return settle(kept + problems, suppressed, policy)


def read_comments(
    findings: Iterable[Finding], documents: Iterable[Document], rules: Sequence[type[Rule]], policy: Policy
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """The first half of `apply`, which needs the documents' text and nodes: (the findings no
    comment suppresses, in their order; BL900 findings about the comments; the suppressed).
    What it says about a file depends on that file alone, so parts of a run read their own
    comments and release the text and nodes (`parallel`)."""
    if not policy.use_ignores:
        return list(findings), [], []
    return _apply_comments(list(findings), documents, rules)


def settle(reported: list[Finding], suppressed: list[Finding], policy: Policy) -> tuple[list[Finding], list[Finding]]:
    """The second half of `apply`, over every finding of the run at once (a baseline counts
    fingerprints across files): per-file ignores, the baseline, severities, the order of reports."""
    suppressed = list(suppressed)
    if policy.use_ignores:
        kept = []
        for finding in reported:
            if policy.config.ignored_here(finding.path, finding.code):
                suppressed.append(_suppressed(finding, "external", f"per-file-ignores in {policy.config.path}", "per-file-ignores"))
            else:
                kept.append(finding)
        reported = kept
    if policy.baseline:
        if policy.write_baseline:
            write_baseline(policy.baseline, reported)
        known = read_baseline(policy.baseline)
        kept = []
        for finding in reported:
            if known[finding.fingerprint] > 0:
                known[finding.fingerprint] -= 1
                suppressed.append(_suppressed(finding, "external", f"in baseline {policy.baseline}", "baseline"))
            else:
                kept.append(finding)
        reported = kept
    severity = policy.config.severity
    if severity:
        reported, suppressed = ([replace(f, severity=severity.get(f.code, f.severity)) for f in group] for group in (reported, suppressed))
    reported.sort(key=Finding.sort_key)
    suppressed.sort(key=Finding.sort_key)
    return reported, suppressed


def _suppressed(finding: Finding, kind: str, justification: str, by: str) -> Finding:
    """`kind` and `justification` as SARIF names them; `by`: baseline, comment or per-file-ignores."""
    return finding.with_properties(suppression={"kind": kind, "justification": justification, "by": by})


def _apply_comments(findings: list[Finding], documents: Iterable[Document], rules: Sequence[type[Rule]]) -> tuple[list[Finding], list[Finding], list[Finding]]:
    from barrierlint.rules.bl900_unused_suppression import UnusedSuppression

    unused_rule = UnusedSuppression() if UnusedSuppression in rules else None
    directives: dict[int, list[Directive]] = {}
    problems: list[Finding] = []
    for doc in documents:
        if not _MENTION.search(doc.text):  # the common case: no comment to read
            continue
        for comment in comments(doc.text):
            match = _DIRECTIVE.match(comment.text)
            if not match:
                continue
            directive, problem = _parse(doc, comment, match.group(1))
            if directive is not None:
                directives.setdefault(id(doc), []).append(directive)
            if problem and unused_rule:
                problems.append(unused_rule.report(Origin(doc, ()), _span(comment), problem, comment.text))
    if not directives:
        return findings, problems, []
    indexes = {key: _Index(group) for key, group in directives.items()}
    keys: dict[int, dict] = {}  # id(mapping node) -> its key nodes by text, shared by every finding
    reported, suppressed = [], []
    for finding in findings:
        index = indexes.get(id(finding.origin.doc))
        found = index.first(finding, lambda: _starts(finding, keys)) if index is not None else None
        if found is None:
            reported.append(finding)
            continue
        directive, selector = found
        directive.used.add(selector)
        justification = directive.reason or f"suppressed by `{directive.comment.text}`"
        suppressed.append(_suppressed(finding, "inSource", justification, "comment"))
    if unused_rule:
        ran = {rule.code for rule in rules}
        for directive in (d for group in directives.values() for d in group):
            idle = [s for s, codes in directive.selectors.items() if s not in directive.used and codes <= ran]
            if idle:
                where = "in this file" if directive.file_level else "in the YAML node on or below this comment"
                message = f"suppression of {', '.join(idle)} suppresses nothing: no such finding {where}"
                problems.append(unused_rule.report(Origin(directive.doc, ()), _span(directive.comment), message, directive.comment.text))
    return reported, problems, suppressed


class _Index:
    """One file's directives by rule code and line, so that finding the comment that covers a
    finding costs a few lookups, not one test per comment (thousands of comments and findings
    stay linear)."""

    def __init__(self, directives: list[Directive]):
        self.file_level: dict[str, tuple[int, Directive, str]] = {}
        self.lines: dict[str, list[int]] = {}  # code -> lines of the comments naming it, ascending
        self.at: dict[str, dict[int, tuple[int, Directive, str]]] = {}  # code -> line -> (order, directive, selector)
        for order, directive in enumerate(directives):
            for code in sorted({c for codes in directive.selectors.values() for c in codes}):
                selector = next(s for s, codes in directive.selectors.items() if code in codes)
                entry = (order, directive, selector)
                if directive.file_level:
                    self.file_level.setdefault(code, entry)
                else:
                    self.lines.setdefault(code, []).append(directive.comment.line)
                    self.at.setdefault(code, {})[directive.comment.line] = entry

    def first(self, finding: Finding, starts) -> tuple[Directive, str] | None:
        """The first directive (in file order) that covers the finding, with its selector: one
        for the whole file, a comment inside the finding's node, alone on the line above the node
        or a key or list item that holds it, or after that key or item on its line (`starts()`:
        the lines those begin on)."""
        code, span = finding.code, finding.span
        candidates = [self.file_level[code]] if code in self.file_level else []
        at = self.at.get(code)
        if at:
            lines = self.lines[code]
            inside = bisect_left(lines, span.line)
            if inside < len(lines) and lines[inside] <= span.end_line:
                candidates.append(at[lines[inside]])
            for line in starts():
                for entry in (at.get(line - 1), at.get(line)):
                    if entry is not None and entry[1].comment.own_line == (entry[1].comment.line == line - 1):
                        candidates.append(entry)
        return min(candidates, key=lambda entry: entry[0])[1:] if candidates else None


def _starts(finding: Finding, keys: dict[int, dict]) -> frozenset[int]:
    """The lines where the finding's node begins, and each key or list item that holds it
    (`keys`: each mapping's key nodes by text, the last duplicate winning, built once)."""
    from yaml import MappingNode, ScalarNode, SequenceNode

    doc, route = finding.origin.doc, finding.origin.route
    lines = {finding.span.line}
    if not route or not isinstance(route[0], int) or not 0 <= route[0] < len(doc.roots):
        return frozenset(lines)
    node = doc.roots[route[0]]
    for step in route[1:]:
        if isinstance(node, MappingNode) and isinstance(step, str):
            known = keys.get(id(node))
            if known is None:
                known = keys[id(node)] = {key.value: (key, value) for key, value in node.value if isinstance(key, ScalarNode)}
            pair = known.get(step)
            if pair is None:
                break
            lines.add(pair[0].start_mark.line + 1)
            node = pair[1]
        elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            lines.add(node.start_mark.line + 1)
        else:
            break
    return frozenset(lines)


def _span(comment: Comment) -> Span:
    return Span(comment.line, comment.column, comment.line, comment.column + len(comment.text))


def _parse(doc: Document, comment: Comment, body: str) -> tuple[Directive | None, str | None]:
    """A directive, and what is wrong with the comment (if anything)."""
    match = _IGNORE.match(body)
    if not match:
        return None, f"unreadable suppression `{comment.text}`: write `# barrierlint: ignore[CODE, ...] reason` or `ignore-file[...]`"
    kind, listed, reason = match.groups()
    selectors: dict[str, frozenset[str]] = {}
    unknown = []
    for selector in (part.strip() for part in listed.split(",")):
        if not selector:
            continue
        codes = frozenset(rule.code for rule in lookup(selector))
        if codes:
            selectors[selector] = codes
        else:
            unknown.append(selector)
    if not selectors and not unknown:
        return None, f"suppression `{comment.text}` names no rule: write ignore[CODE, ...] with codes or names"
    problem = f"unknown rule {', '.join(repr(u) for u in unknown)} in suppression (see `barrierlint rules`)" if unknown else None
    directive = Directive(doc, comment, kind.lower() == "ignore-file", selectors, reason.strip()) if selectors else None
    return directive, problem


def write_baseline(path: str, findings: Iterable[Finding]) -> None:
    """Record findings by fingerprint (line numbers change; fingerprints survive unrelated edits)."""
    import json

    from .report import unicode_text

    entries = sorted(
        ({"fingerprint": f.fingerprint, "code": f.code, "path": unicode_text(repository_path(f.path)), "message": unicode_text(f.message)} for f in findings),
        key=lambda entry: (entry["path"], entry["code"], entry["fingerprint"]),
    )
    write_text(path, json.dumps({"barrierlint-baseline": BASELINE_VERSION, "findings": entries}, indent=2) + "\n")


def read_baseline(path: str) -> Counter:
    """How many findings of each fingerprint the baseline accepts."""
    import json

    try:
        with open_input(path, "r", encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise UsageError(f"baseline {path} not found (create it with --write-baseline)") from None
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read baseline {path}: {error}") from None
    except RecursionError:
        raise UsageError(f"cannot read baseline {path}: nested too deeply") from None
    if not isinstance(data, dict) or data.get("barrierlint-baseline") != BASELINE_VERSION or not isinstance(data.get("findings"), list):
        raise UsageError(f"{path} is not a barrierlint baseline (write one with --write-baseline)")
    for number, entry in enumerate(data["findings"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise UsageError(f"{path} is not a barrierlint baseline: findings[{number}] has no fingerprint string (write one with --write-baseline)")
    return Counter(entry["fingerprint"] for entry in data["findings"])
