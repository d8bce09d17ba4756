"""`check` part by part, in this process or in `--jobs` worker processes, with the report one
project of every file would give, and memory that follows the largest part or linked group of
files instead of the number of files.

The files are read as they are found and cut into contiguous parts of about PART_BYTES. Each part
is loaded, built and checked as a project of its own (in a worker with `--jobs`), its suppression
comments read, every line and column a report shows looked up, and then released: what stays is
its findings, pointing at small stand-ins for their files (`_Located`), and what each file
offers other files and wants from them (`project.links`). Files whose findings depend on a file
of another part (a template and the pipelines using it, a chained pipeline and its parent, a
barrier declared in another pipeline) are read again and checked once more, each linked group
of them as a project of its own. The baseline, per-file ignores and severities are applied
once, to everything, as in a single project. SIGTERM or SIGINT (CI cancellation, `timeout`,
Ctrl-C) stops the workers before this process ends by the same signal.
"""

from __future__ import annotations

import os
from collections import defaultdict, deque
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import chain
from typing import Callable, Iterable, Iterator

from . import suppress
from .engine import Input, Result, build_project, load_documents, read_again, run_rules
from .finding import Finding
from .memory import collector_paused
from .project import Settings, links
from .rule import Rule
from .source import Document, InputError, Route, Span
from .terminal import printable

PART_BYTES = 1 << 20  # of YAML per part: its nodes and model take about 25 times as much memory
WORKERS_PAY_FROM = 4 << 20  # bytes of YAML from which `--jobs` by default starts workers (see jobs_for)
AHEAD_PER_JOB = 2  # parts read and sent ahead of the workers: enough to keep them busy, few enough to keep memory flat
CHANGED = "could not be read again (changed or removed while it was checked): check again"


@dataclass
class _Part:
    errors: list[str]  # files that could not be loaded
    warnings: list[str]  # named files that are no Harness YAML
    files: int
    kept: list[Finding]  # not suppressed by a comment, in the order of reports
    problems: list[Finding]  # BL900: comments that cannot be read or suppress nothing
    suppressed: list[Finding]  # by comments
    offers: dict[str, set]
    wants: dict[str, set]


def jobs_for(size: int) -> int:
    """`--jobs` by default: the cores this process may use when the files hold at least
    WORKERS_PAY_FROM bytes (`size`: of the first files read, up to that much), else 1. Below
    that, starting the workers and sending them the files costs more than they save."""
    if size < WORKERS_PAY_FROM:
        return 1
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return max(1, len(cores))


def analyse(inputs: Iterable[Input], rules: list[type[Rule]], settings: Settings, result: Result, policy: suppress.Policy, jobs: int | None) -> Result:
    """`engine.analyse` part by part (`jobs`: processes; None: `jobs_for`). `inputs` may be read
    while this runs: each file is read once, and parts go to the workers a few at a time."""
    inputs = iter(inputs)
    head, size = [], 0
    for item in inputs:  # the first files tell whether workers pay
        head.append(item)
        size += len(item.data)
        if size >= WORKERS_PAY_FROM:
            break
    rest = next(inputs, None)
    if rest is None and len(list(_cut(head))) == 1:  # one part (small files, or one large file): workers cannot help
        jobs = 1
    head += [rest] if rest is not None else []
    jobs = jobs or jobs_for(size)
    later: list[Input] = []  # each file as it will be read again: by its path, or with its bytes if it has none
    work = ((part, rules, settings, policy.use_ignores) for part in _cut(_remembered(chain(head, inputs), later)))
    with _checker(jobs) as check:
        del head
        parts = list(check(work))
        groups = _entangled(parts)
        again = {path for group in groups for path in group}
        kept, problems, suppressed, errors, warnings = [], [], [], [], []
        for part in parts:
            errors += part.errors
            warnings += part.warnings
            result.files += part.files
            _gather(part, again, kept, problems, suppressed)
        del parts
        result.checked_again = len(again)
        grouped = [[item for item in later if item.path in group] for group in groups]
        for part in check((group, rules, settings, policy.use_ignores) for group in grouped):
            errors += [error for error in part.errors if error.endswith(CHANGED)]  # the others were reported the first time
            _gather(part, set(), kept, problems, suppressed)
    result.errors += errors
    result.warnings += warnings
    kept.sort(key=Finding.sort_key)
    result.findings, result.suppressed = suppress.settle(kept + problems, suppressed, policy)
    return result


def _gather(part: _Part, skipped: set[str], kept: list[Finding], problems: list[Finding], suppressed: list[Finding]) -> None:
    """A part's findings, without those of the files in `skipped` (checked again with their group)."""
    for found, into in ((part.kept, kept), (part.problems, problems), (part.suppressed, suppressed)):
        into += found if not skipped else [f for f in found if f.path not in skipped]


def _remembered(inputs: Iterable[Input], later: list[Input]) -> Iterator[Input]:
    """The inputs, each also noted in `later` without its bytes when it can be read again."""
    for item in inputs:
        later.append(item if item.again is None else replace(item, data=b""))
        yield item


def _cut(inputs: Iterable[Input]) -> Iterator[list[Input]]:
    """Contiguous parts of about PART_BYTES (files of one folder, which tend to refer to each
    other, mostly stay together)."""
    part, size = [], 0
    for item in inputs:
        if part and size + len(item.data) > PART_BYTES:
            yield part
            part, size = [], 0
        part.append(item)
        size += len(item.data)
    if part:
        yield part


@contextmanager
def _checker(jobs: int) -> Iterator[Callable[[Iterable[tuple]], Iterator[_Part]]]:
    """A function that checks works and yields their parts in order: here, or in `jobs` workers
    (forked where the system can, so nothing is imported twice) with only a few parts ahead."""
    if jobs == 1:
        yield lambda works: (_check(work) for work in works)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if fork else None)

    def check(works: Iterable[tuple]) -> Iterator[_Part]:
        pending = deque()
        for work in works:
            pending.append(pool.submit(_check, work))
            if len(pending) > jobs * AHEAD_PER_JOB:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    with _workers_stopped_on_signals(), ProcessPoolExecutor(jobs, mp_context=context) as pool:
        yield check


@contextmanager
def _workers_stopped_on_signals() -> Iterator[None]:
    """While workers run, SIGTERM and SIGINT terminate them, then end this process by the same
    signal (its exit status tells the caller what happened, as `timeout` and CI expect). A
    forked worker inherits the handler: it has no workers of its own and just ends."""
    import multiprocessing
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


def _check(work: tuple[list[Input], list[type[Rule]], Settings, bool]) -> _Part:
    """One part checked as a project of its own (in a worker with `--jobs`), then released:
    the findings that stay point at `_Located` stand-ins, not at the text and nodes."""
    given, rules, settings, use_ignores = work
    result = Result()
    inputs = []
    for item in given:
        if not item.data and item.again is not None:  # checked a second time, with its linked group
            try:
                item = replace(item, data=read_again(item, settings.max_file_size))
            except (OSError, InputError):
                result.errors.append(f"{printable(item.path)}: {CHANGED}")
                continue
        inputs.append(item)
    with collector_paused():
        documents = load_documents(inputs, result)
        project = build_project(documents, settings)
        findings = run_rules(project, rules)
        offers, wants = links(project)
        kept, problems, suppressed = suppress.read_comments(findings, documents, rules, suppress.Policy(use_ignores=use_ignores))
        located = _StandIns()
        kept, problems, suppressed = ([located.finding(f) for f in found] for found in (kept, problems, suppressed))
    return _Part(result.errors, result.warnings, len(documents), kept, problems, suppressed, offers, wants)


class _Located(Document):
    """A checked file as reports read it after its part is released: its path, the spans looked
    up for its findings and the source lines the text report quotes; no text, no nodes. A span
    nobody looked up has no answer here: asking for one is a bug (KeyError), never a silent 1:1."""

    def __init__(self, doc: Document):
        super().__init__(doc.path, "")
        self._spans = doc._spans
        self.quoted: dict[int, str] = {}

    def span(self, route: Route | None) -> Span:
        return self._spans[route]

    def line(self, number: int) -> str:
        return self.quoted.get(number, "")


class _StandIns:
    """Findings moved onto `_Located` stand-ins of their files, one per file."""

    def __init__(self) -> None:
        self.documents: dict[int, _Located] = {}

    def finding(self, finding: Finding) -> Finding:
        span = finding.span  # looked up while the nodes are here
        origin = self.origin(finding.origin)
        origin.doc.quoted[span.line] = finding.origin.doc.line(span.line)
        related = tuple(self.related(r) for r in finding.related)
        flows = tuple(tuple(self.related(r) for r in flow) for flow in finding.flows)
        return replace(finding, origin=origin, related=related, flows=flows)

    def related(self, related):
        related.span
        return replace(related, origin=self.origin(related.origin))

    def origin(self, origin):
        doc = self.documents.get(id(origin.doc))
        if doc is None:
            doc = self.documents[id(origin.doc)] = _Located(origin.doc)
        return replace(origin, doc=doc)


def _entangled(parts: Iterable[_Part]) -> list[set[str]]:
    """The groups of files to check again: files whose findings depend, through a chain of wants
    and offers, on a file checked in another part, each group with everything linked to it."""
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
    groups: dict[str, set[str]] = defaultdict(set)
    for path in where:
        if len(spread[find(path)]) > 1:
            groups[find(path)].add(path)
    return list(groups.values())
