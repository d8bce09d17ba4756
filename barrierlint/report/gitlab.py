"""GitLab Code Quality JSON (`artifacts:reports:codequality`): the merge request widget and,
on higher tiers, the diff view show each finding at its line.

GitLab matches findings between the source and target branch by `fingerprint`, and shows
only one of several that share one; barrierlint's fingerprint (rule, repository path, YAML
path, barrier) survives unrelated edits, and a repeat within one report gets a derived one.
Paths are relative to the repository root, as GitLab links them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Iterable

from ..finding import Finding, Severity
from ..source import repository_path
from . import details

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(findings: Iterable[Finding]) -> str:
    seen: set[str] = set()
    issues = []
    for finding in findings:
        fingerprint = finding.fingerprint
        while fingerprint in seen:
            fingerprint = hashlib.sha256(f"{fingerprint}+".encode()).hexdigest()[:32]
        seen.add(fingerprint)
        span = finding.span
        issues.append(
            {
                "type": "issue",
                "check_name": finding.code,
                "description": f"{finding.code} {finding.name}: {finding.message}",
                "content": {"body": "\n".join(details(finding))},
                "categories": ["Bug Risk"],
                "severity": SEVERITY[finding.severity],
                "fingerprint": fingerprint,
                "location": {"path": repository_path(finding.path), "lines": {"begin": span.line, "end": max(span.line, span.end_line)}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"
