"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers, built with sarif-om.

GitHub reads only a result's first location, so the primary location is the step a user must
edit; the other participants are relatedLocations, and ordering findings carry one threadFlow
per participant. The fingerprint is barrierlint's own (YAML paths, not lines); GitHub's upload
computes `primaryLocationLineHash` itself. sarif-om's usual serializer drops every value equal
to its schema default, which turns a result's `level: warning` into "the rule's default level";
`_plain` writes every level explicitly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

from .. import __version__
from ..finding import Finding, Severity
from ..model import Origin
from ..rule import Rule, all_rules
from ..source import Span, repository_root, within
from . import autofix_line, unicode_values

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "barrierlint/v1"
BASE_ID = "%SRCROOT%"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub code scanning rejects a run above these (docs: "SARIF results exceed hard limit").
MAX_RESULTS, MAX_RELATED, MAX_FLOW_LOCATIONS = 25_000, 999, 10_000  # 1,000 locations with the primary one
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}


def render(findings: Iterable[Finding], suppressed: Iterable[Finding] = (), *, category: str | None = None) -> str:
    """One SARIF log with one run: every installed rule, the findings, and the suppressed
    findings marked with `suppressions`. `automationDetails` only with a category: upload-sarif
    keeps an id the file has and ignores its own `category` input then."""
    import sarif_om as om

    from ..ruledocs import HOMEPAGE

    results = [*findings, *suppressed]
    dropped = len(results) - MAX_RESULTS
    if dropped > 0:  # keep the most severe, as GitHub would show them
        results = sorted(results, key=lambda f: (f.properties.get("suppression") is not None, -f.severity))[:MAX_RESULTS]
    rules = list(all_rules())
    known = {rule.code for rule in rules}
    rules += sorted({f.code: _unregistered(f) for f in results if f.code not in known}.values(), key=lambda r: r.code)
    index = {rule.code: number for number, rule in enumerate(rules)}
    root = repository_root(os.getcwd()) or os.getcwd()
    driver = om.ToolComponent(
        name="barrierlint",
        version=__version__,
        semantic_version=__version__,
        information_uri=HOMEPAGE,
        rules=[_descriptor(om, rule) for rule in rules],
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        automation_details=om.RunAutomationDetails(id=f"{category.rstrip('/')}/") if category else None,
        original_uri_base_ids={BASE_ID: om.ArtifactLocation(uri=Path(root).as_uri() + "/")},
        column_kind="unicodeCodePoints",
        results=[_result(om, finding, index[finding.code], root) for finding in results],
        invocations=[_left_out(om, dropped)] if dropped > 0 else None,
    )
    log = om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])
    return json.dumps(unicode_values(_plain(log)), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _left_out(om, dropped: int) -> Any:
    text = f"{dropped} less severe result{'s' if dropped != 1 else ''} left out: GitHub code scanning accepts {MAX_RESULTS:,} per run"
    return om.Invocation(execution_successful=True, tool_execution_notifications=[om.Notification(message=om.Message(text=text), level="warning")])


def _unregistered(finding: Finding) -> type[Rule]:
    """A stand-in descriptor for findings of a code no installed rule declares."""
    return type(finding.name, (Rule,), {"__doc__": finding.name, "code": finding.code, "name": finding.name, "severity": finding.severity})


def _descriptor(om, rule: type[Rule]) -> Any:
    from ..ruledocs import full_description, help_uri, page

    properties = _bag(om, list(rule.tags) or None, **{"problem.severity": PROBLEM_SEVERITY[rule.severity]})
    return om.ReportingDescriptor(
        id=rule.code,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=rule.summary()),
        full_description=om.MultiformatMessageString(text=full_description(rule)),
        help=om.MultiformatMessageString(text=rule.doc(), markdown=page(rule)),
        help_uri=help_uri(rule),
        default_configuration=om.ReportingConfiguration(level=LEVEL[rule.severity]),
        properties=properties,
    )


def _result(om, finding: Finding, rule_index: int, root: str) -> Any:
    lines = [finding.message, *(f"witness: {line}" for line in finding.witness)]
    if finding.fix:
        lines.append(f"fix: {finding.fix}")
    autofix = finding.properties.get("autofix")
    if autofix:
        lines.append(autofix_line(finding))
    verification = finding.properties.get("verification")
    if verification:
        lines.append(f"runtime: {verification['status']}: {verification['evidence']}")
    suppression = finding.properties.get("suppression")
    related = finding.related[:MAX_RELATED]
    if len(finding.related) > MAX_RELATED:
        lines.append(f"({len(finding.related) - MAX_RELATED} more participants left out: GitHub code scanning accepts 1,000 locations per result)")
    flows, room = [], MAX_FLOW_LOCATIONS
    for flow in finding.flows:
        if len(flow) > room:
            break
        flows.append(flow)
        room -= len(flow)
    return om.Result(
        rule_id=finding.code,
        rule_index=rule_index,
        level=LEVEL[finding.severity],
        message=om.Message(text=_message_text("\n".join(lines))),
        locations=[_location(om, root, finding.origin, finding.span)],
        related_locations=[
            _location(om, root, r.origin, r.span, r.message, number) for number, r in enumerate(related, start=1)
        ]
        or None,
        code_flows=[
            om.CodeFlow(
                thread_flows=[
                    om.ThreadFlow(locations=[om.ThreadFlowLocation(location=_location(om, root, r.origin, r.span, r.message)) for r in flow])
                    for flow in flows
                ]
            )
        ]
        if flows
        else None,
        partial_fingerprints={FINGERPRINT: finding.fingerprint},
        suppressions=[om.Suppression(kind=suppression["kind"], justification=suppression["justification"])] if suppression else None,
        fixes=_fixes(om, autofix, _artifact(om, root, finding.origin.doc.path)) if autofix else None,
        properties=_bag(
            om,
            yamlPath=finding.route_text,
            **({"verification": verification} if verification else {}),
            **({"fixApplicability": autofix["applicability"]} if autofix else {}),
        )
        if finding.route_text or verification or autofix
        else None,
    )


def _fixes(om, autofix: dict, artifact) -> list | None:
    """One SARIF fix per alternative: replacements in the finding's file (`artifact`; fixes edit
    only that file), as line and column regions (an insertion deletes an empty region)."""
    return [
        om.Fix(
            description=om.Message(text=f"{autofix['description']} ({autofix['applicability']})"),
            artifact_changes=[
                om.ArtifactChange(
                    artifact_location=artifact,
                    replacements=[
                        om.Replacement(
                            deleted_region=om.Region(start_line=e["line"], start_column=e["column"], end_line=e["end_line"], end_column=e["end_column"]),
                            inserted_content=om.ArtifactContent(text=e["text"]) if e["text"] else None,
                        )
                        for e in edits
                    ],
                )
            ],
        )
        for edits in autofix["alternatives"]
        if edits
    ] or None


def _bag(om, tags: list[str] | None = None, **entries: Any) -> Any:
    """A property bag; sarif-om knows only `tags`, other entries are set as attributes."""
    bag = om.PropertyBag(tags=tags)
    for name, value in entries.items():
        setattr(bag, name, value)
    return bag


def _message_text(text: str) -> str:
    """A plain-text SARIF message that holds no embedded link (SARIF 2.1.0 §3.11.6): `[`, `]`
    and `\\` are escaped with a backslash, so `[text](url)` in pipeline text stays text."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _artifact(om, root: str, path: str) -> Any:
    """Where a file is: relative to %SRCROOT% (the working directory's repository, or the working
    directory) when it lies inside, as GitHub code scanning resolves every relative URI against
    the analysed repository (a nested repository's files included); an absolute file: URI when
    it lies outside, never a `../` that escapes %SRCROOT%. Bytes are percent-encoded, so file
    names that are not UTF-8 keep them."""
    if path.startswith("<"):  # <stdin>
        return om.ArtifactLocation(uri=quote(path), uri_base_id=BASE_ID)
    absolute = os.path.abspath(path)
    if not within(absolute, root):
        return om.ArtifactLocation(uri=Path(absolute).as_uri())
    relative = os.path.relpath(absolute, root).replace(os.sep, "/")
    return om.ArtifactLocation(uri=quote(os.fsencode(relative)), uri_base_id=BASE_ID)


def _location(om, root: str, origin: Origin, span: Span, message: str | None = None, number: int | None = None) -> Any:
    return om.Location(
        id=number,
        message=om.Message(text=_message_text(message)) if message else None,
        physical_location=om.PhysicalLocation(
            artifact_location=_artifact(om, root, origin.doc.path),
            region=om.Region(start_line=span.line, start_column=span.column, end_line=span.end_line, end_column=span.end_column),
        ),
    )


def _plain(value: Any) -> Any:
    """sarif-om objects as JSON values, under their SARIF names: values left at None and
    attributes equal to their schema default are left out, except `level`, always written."""
    import attr

    if attr.has(type(value)):
        fields = {f.name: f for f in attr.fields(type(value))}
        out = {}
        for name, item in vars(value).items():
            spec = fields.get(name)  # None for extra property-bag entries
            if item is None:
                continue
            if spec is not None:
                default = spec.default.factory() if isinstance(spec.default, attr.Factory) else spec.default
                if item == default and name != "level":
                    continue
                name = spec.metadata.get("schema_property_name", name)
            out[name] = _plain(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
