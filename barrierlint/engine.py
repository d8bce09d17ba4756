"""One run of `barrierlint check`: find files, load them, build the project, run the rules.

Data flows one way: bytes -> documents -> pipelines -> project -> rules -> findings. This
module owns that flow and nothing else; formats belong to reporters, semantics to rules.
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import model, source
from .finding import Finding
from .project import Project, Settings
from .rule import Rule, select

YAML_SUFFIXES = (".yaml", ".yml")
SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}
HARNESS_MARKERS = ("pipeline:", "template:", "harnessApiVersion", "inputSet:")


@dataclass
class Input:
    path: str  # as shown to the user
    data: bytes
    explicit: bool  # named on the command line (not found by a directory scan)


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    errors: list[str] = field(default_factory=list)  # inputs that could not be read at all


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[tuple[str, bool]]:
    """Files to check: named files as they are, folders scanned for YAML (hidden ones skipped,
    `.harness` kept); `exclude` holds folder or file names and glob patterns."""
    from fnmatch import fnmatch

    patterns = list(exclude)

    def excluded(path: str) -> bool:
        name = os.path.basename(path)
        return any(fnmatch(name, p) or fnmatch(path, p) for p in patterns)

    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path, True
            continue
        seen: set[tuple[int, int]] = set()
        for folder, dirs, files in os.walk(path, followlinks=True):
            stat = os.stat(folder)
            if (stat.st_dev, stat.st_ino) in seen:  # a symlink loop
                dirs[:] = []
                continue
            seen.add((stat.st_dev, stat.st_ino))
            dirs[:] = sorted(
                d for d in dirs if d not in SKIPPED_DIRS and (not d.startswith(".") or d == ".harness") and not excluded(os.path.join(folder, d))
            )
            for name in sorted(files):
                full = os.path.join(folder, name)
                if name.endswith(YAML_SUFFIXES) and not excluded(full):
                    yield full, False


def read_inputs(paths: Iterable[str], exclude: Iterable[str], result: Result) -> list[Input]:
    inputs = []
    for path, explicit in discover(paths, exclude):
        try:
            data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        except OSError as error:
            result.errors.append(f"{path}: cannot read: {error.strerror or error}")
            continue
        inputs.append(Input("<stdin>" if path == "-" else os.path.normpath(path), data, explicit))
    return inputs


def load_documents(inputs: list[Input], result: Result) -> list[source.Document]:
    documents = []
    for item in inputs:
        if not item.explicit and not any(marker.encode() in item.data for marker in HARNESS_MARKERS):
            continue  # other YAML in a scanned folder is none of our business
        try:
            doc = source.load(item.path, item.data)
        except UnicodeDecodeError:
            result.errors.append(f"{item.path}: not UTF-8 text")
            continue
        if not item.explicit and not doc.problems and all(kind is source.Kind.OTHER for kind in doc.kinds):
            continue
        documents.append(doc)
    return documents


def build_project(documents: list[source.Document], settings: Settings) -> Project:
    pipelines = []
    for doc in documents:
        pipelines.extend(model.build(doc))
    return Project(documents, pipelines, settings)


def run_rules(project: Project, rules: Iterable[type[Rule]]) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple] = set()
    for rule_class in rules:
        for finding in rule_class().check(project):
            identity = (finding.code, finding.path, finding.origin.route, finding.key, finding.message)
            if identity not in seen:
                seen.add(identity)
                findings.append(finding)
    findings.sort(key=Finding.sort_key)
    return findings


def check(
    paths: Iterable[str],
    *,
    select_rules: Iterable[str] = (),
    ignore_rules: Iterable[str] = (),
    exclude: Iterable[str] = (),
    settings: Settings | None = None,
) -> Result:
    """Check files and folders; the Python API behind `barrierlint check`."""
    rules = select(select_rules, ignore_rules)
    result = Result()
    with collector_paused():
        inputs = read_inputs(paths, exclude, result)
        documents = load_documents(inputs, result)
        result.files = len(documents)
        project = build_project(documents, settings or Settings())
        result.findings = run_rules(project, rules)
    return result


@contextmanager
def collector_paused():
    """A run allocates millions of YAML nodes and model elements that all live until it ends.
    The cyclic collector would traverse them again and again (10 times the stages cost 17 times
    the time); reference counting still frees everything, and the collector resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
