"""Machine-readable output; the schema is documented in README.md ("JSON output")."""

from __future__ import annotations

import json
from typing import Iterable

from .. import __version__
from ..finding import Finding, Related
from . import unicode_values


def _place(related: Related) -> dict:
    span = related.origin.doc.span(related.origin.route)
    return {"path": related.origin.doc.path, "line": span.line, "column": span.column, "message": related.message}


def finding_dict(finding: Finding) -> dict:
    span = finding.span
    properties = {k: v for k, v in finding.properties.items() if k != "span"}
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": str(finding.severity),
        "message": finding.message,
        "path": finding.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "yaml_path": finding.route_text,
        "related": [_place(r) for r in finding.related],
        "witness": list(finding.witness),
        "flows": [[_place(r) for r in flow] for flow in finding.flows],
        "fix": finding.fix,
        "fingerprint": finding.fingerprint,
        "properties": properties,
    }


def render(findings: Iterable[Finding], files: int) -> str:
    findings = list(findings)
    document = {
        "tool": "barrierlint",
        "version": __version__,
        "files": files,
        "findings": [finding_dict(f) for f in findings],
    }
    return json.dumps(unicode_values(document), indent=2, sort_keys=False, default=str) + "\n"
