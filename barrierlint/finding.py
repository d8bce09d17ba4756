"""Findings: what a rule reports, pointing at YAML routes; resolved to lines in one place."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import UsageError
from .model import Origin
from .source import Span, repository_path


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise UsageError(f"unknown severity '{text}' (use error, warning or info)") from None


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that takes part in a finding (a participant, a declaration)."""

    origin: Origin
    message: str

    @property
    def span(self) -> Span:
        return self.origin.doc.span(self.origin.route)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    origin: Origin  # the primary location: what a user must edit
    related: tuple[Related, ...] = ()
    witness: tuple[str, ...] = ()  # for ordering rules: who waits where for whom, line by line
    flows: tuple[tuple[Related, ...], ...] = ()  # one ordered list of steps per participant
    fix: str | None = None  # a one-line hint
    properties: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    key: str = ""  # what distinguishes findings of one rule at one place (a barrier name)

    @property
    def path(self) -> str:
        return self.origin.doc.path

    @property
    def span(self) -> Span:
        explicit = self.properties.get("span")
        return explicit if explicit is not None else self.origin.doc.span(self.origin.route)

    @property
    def route_text(self) -> str:
        """The YAML path of the primary location, e.g. `pipeline.stages[0].stage.spec`."""
        return route_text(self.origin.route)

    @property
    def fingerprint(self) -> str:
        """Stable across unrelated edits and machines: built from the rule, the file's path in its
        repository, the YAML path and the key, never from line numbers."""
        return self.fingerprint_for(repository_path(self.path))

    def fingerprint_for(self, path: str) -> str:
        """The fingerprint with the file's path given: relative to the root of a version that is
        not a repository (an old revision read into a temporary folder by `diff`)."""
        import hashlib

        digest = hashlib.sha256("\x1f".join((self.code, path, self.route_text, self.key)).encode("utf-8", "surrogateescape"))
        return digest.hexdigest()[:32]

    def sort_key(self) -> tuple:
        span = self.span
        return (self.path, span.line, span.column, self.code, self.message)

    def with_properties(self, **extra: Any) -> "Finding":
        return replace(self, properties={**self.properties, **extra})


def route_text(route: tuple) -> str:
    """`(0, 'pipeline', 'stages', 1)` -> `pipeline.stages[1]` (the document index is dropped
    for the first document and shown as a `[n]` prefix otherwise)."""
    if not route:
        return ""
    parts = [] if route[0] == 0 else [f"[{route[0]}]"]
    for step in route[1:]:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(("." if parts else "") + step)
    return "".join(parts)
