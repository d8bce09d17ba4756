"""The project: every document that was given, the pipelines built from them, and settings.

Rules see a project, not a file, because barrier mistakes often span files (templates, child
pipelines, FirstGen workflows). Cross-file resolution belongs here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Pipeline, Stage, StepGroup, Step, children, is_expression, occurrences, stages
from .source import Document


@dataclass(frozen=True)
class Settings:
    """Analysis settings that change verdicts (from configuration or the command line)."""

    edition_cap: int = 100  # account edition concurrency cap: FREE 20, TEAM 50, ENTERPRISE 100
    late_arrival: str = "wait"  # engine profile: a copy arriving after release waits ("wait") or passes ("pass")


@dataclass
class Project:
    documents: list[Document]
    pipelines: list[Pipeline]
    settings: Settings = field(default_factory=Settings)
    _cache: dict[tuple[str, int], Any] = field(default_factory=dict, repr=False)

    def occurrences(self, pipeline: Pipeline):
        """The Barrier steps of a pipeline (cached: several rules ask)."""
        key = ("occurrences", id(pipeline))
        if key not in self._cache:
            self._cache[key] = occurrences(pipeline)
        return self._cache[key]

    def incomplete(self, pipeline: Pipeline) -> bool:
        """True when parts of the pipeline are invisible to the analysis: templates that were not
        resolved, or barrier references only known at run time."""
        key = ("incomplete", id(pipeline))
        if key not in self._cache:
            children = [s.child.inputs for s in stages(pipeline) if s.child is not None and s.child.inputs is not None]
            self._cache[key] = pipeline.template is not None or _uses_template(pipeline) or any(
                o.ref is not None and (is_expression(o.ref) or "${" in o.ref)
                for unit in [pipeline, *children]
                for o in occurrences(unit)
            )
        return self._cache[key]

    def child_references(self, pipeline: Pipeline) -> set[str]:
        """Barriers of this pipeline that its chained child pipelines join (`parent.X` -> X)."""
        refs = set()
        for stage in stages(pipeline):
            if stage.child is not None and stage.child.inputs is not None:
                for occurrence in occurrences(stage.child.inputs):
                    if occurrence.ref and occurrence.ref.startswith("parent."):
                        refs.add(occurrence.ref.split(".", 1)[1])
        return refs


def _uses_template(pipeline: Pipeline) -> bool:
    stack = list(pipeline.stages)
    while stack:
        item = stack.pop()
        if isinstance(item, (Stage, StepGroup, Step)) and item.template is not None:
            return True
        stack.extend(sub for sub, _ in children(item))
    return False
