"""`check --jobs N`: the files are checked in N processes, and the report is the one a single
process writes.

The files are cut into contiguous parts. A worker loads, builds and checks each part as a project
of its own and sends back its findings, with every line and column a report shows already
looked up (the YAML nodes stay in the worker), and what each file offers other files and wants
from them (`project.links`). Files whose findings depend on a file of another part (a template
and the pipelines using it, a chained pipeline and its parent, a barrier declared in another
pipeline) are checked again together in this process. Suppressions, the baseline and
severities are applied once, to everything, as in a single process. SIGTERM or SIGINT (CI
cancellation, `timeout`, Ctrl-C) stops the workers before this process ends by the same signal.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator

from . import suppress
from .engine import Input, Result, build_project, load_documents, run_rules
from .finding import Finding
from .memory import collector_paused
from .project import Settings, links
from .rule import Rule
from .source import Document

PARTS_PER_JOB = 4  # smaller parts even out the work of workers whose files differ in size


@dataclass
class _Part:
    errors: list[str]
    files: int
    findings: list[Finding]
    documents: list[Document]  # without their nodes
    offers: dict[str, set]
    wants: dict[str, set]


def analyse(inputs: list[Input], rules: list[type[Rule]], settings: Settings, result: Result, policy: suppress.Policy, jobs: int) -> Result:
    """`engine.analyse` in `jobs` processes (forked where the system can, so nothing is imported twice)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else None)
    with _workers_stopped_on_signals(), ProcessPoolExecutor(jobs, mp_context=context) as pool:
        parts = list(pool.map(_check, [(part, rules, settings) for part in _cut(inputs, jobs * PARTS_PER_JOB)]))
    together = _entangled(parts)
    findings, documents = [], []
    for part in parts:
        result.errors += part.errors
        result.files += part.files
        findings += [f for f in part.findings if f.path not in together]
        documents += [d for d in part.documents if d.path not in together]
    if together:
        with collector_paused():
            again = load_documents([item for item in inputs if item.path in together], Result())
            findings += run_rules(build_project(again, settings), rules)
        documents += again
    findings.sort(key=Finding.sort_key)
    result.findings, result.suppressed = suppress.apply(findings, documents, rules, policy)
    return result


@contextmanager
def _workers_stopped_on_signals() -> Iterator[None]:
    """While workers run, SIGTERM and SIGINT terminate them, then end this process by the same
    signal (its exit status tells the caller what happened, as `timeout` and CI expect). A
    forked worker inherits the handler: it has no workers of its own and just ends."""
    import multiprocessing
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():  # the Python API in a thread: signals are not ours
        yield
        return

    def stop(signum, _frame) -> None:
        for worker in multiprocessing.active_children():
            worker.terminate()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _cut(inputs: list[Input], count: int) -> list[list[Input]]:
    """Contiguous parts of about equal size in bytes (files of one folder, which tend to refer
    to each other, stay together)."""
    total = sum(len(item.data) for item in inputs) or 1
    parts: list[list[Input]] = [[]]
    done = 0
    for item in inputs:
        if parts[-1] and done >= total * len(parts) / count:
            parts.append([])
        parts[-1].append(item)
        done += len(item.data)
    return parts


def _check(work: tuple[list[Input], list[type[Rule]], Settings]) -> _Part:
    """In a worker: one part checked as a project of its own."""
    inputs, rules, settings = work
    result = Result()
    with collector_paused():
        documents = load_documents(inputs, result)
        project = build_project(documents, settings)
        findings = run_rules(project, rules)
        for finding in findings:
            _resolve(finding)
        offers, wants = links(project)
    return _Part(result.errors, len(documents), findings, documents, offers, wants)


def _resolve(finding: Finding) -> None:
    """Look up every span a report shows while the nodes are here (documents remember them)."""
    finding.span
    for related in (*finding.related, *(r for flow in finding.flows for r in flow)):
        related.span


def _entangled(parts: Iterable[_Part]) -> set[str]:
    """The paths of files whose findings depend, through a chain of wants and offers, on a file
    checked in another part."""
    parts = list(parts)
    offered: dict[object, list[str]] = defaultdict(list)
    where: dict[str, set[int]] = defaultdict(set)
    for number, part in enumerate(parts):
        for path, keys in part.offers.items():
            where[path].add(number)
            for key in keys:
                offered[key].append(path)
    leader = {path: path for path in where}

    def find(path: str) -> str:
        while leader[path] != path:
            leader[path] = leader[leader[path]]
            path = leader[path]
        return path

    for part in parts:
        for path, keys in part.wants.items():
            for key in keys:
                for other in offered.get(key, ()):
                    leader[find(other)] = find(path)
    spread: dict[str, set[int]] = defaultdict(set)
    for path in where:
        spread[find(path)] |= where[path]
    return {path for path in where if len(spread[find(path)]) > 1}
