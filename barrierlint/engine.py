"""One run of `barrierlint check`: find files, load them, build the project, run the rules.

Data flows one way: bytes -> documents -> pipelines -> project -> rules -> findings. This
module owns that flow and nothing else; formats belong to reporters, semantics to rules.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import confine, model, source, suppress
from .errors import UsageError
from .finding import Finding
from .memory import collector_paused
from .project import Project, Settings, build as resolve
from .terminal import printable
from .rule import Rule, select
from .writing import open_input

YAML_SUFFIXES = (".yaml", ".yml")
SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}
HARNESS_MARKERS = ("pipeline:", "template:", "harnessApiVersion", "inputSet:", "infrastructureDefinition:")


@dataclass
class Input:
    path: str  # as shown to the user
    data: bytes
    explicit: bool  # named on the command line (not found by a directory scan)
    again: str | None = None  # where to read it again (checked part by part, its bytes are not kept); None: from memory


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    paths: list[str] = field(default_factory=list)  # the checked files, as named or found
    errors: list[str] = field(default_factory=list)  # inputs that could not be read at all
    suppressed: list[Finding] = field(default_factory=list)  # by comments, configuration or baseline
    warnings: list[str] = field(default_factory=list)  # named files that are no Harness YAML
    project: Project | None = None  # what the rules saw (templates inlined, chained children joined)
    inputs: list[Input] = field(default_factory=list)  # the checked files, as read
    context: list[Input] = field(default_factory=list)  # the files of their project read with them
    fixed: int = 0  # problems `--diff` would fix
    checked_again: int = 0  # files checked a second time with their linked group (part by part)


def discover(
    paths: Iterable[str], exclude: Iterable[str] = (), errors: list[str] | None = None, notes: list[str] | None = None, within: tuple[str, ...] = ()
) -> Iterator[tuple[str, bool]]:
    """Files to check: named files as they are, folders scanned for YAML (hidden ones skipped,
    `.harness` kept); `exclude` holds folder or file names and glob patterns. Folders that
    cannot be listed go to `errors`; symlink loops are walked once; only regular files are
    taken from folders (a FIFO named x.yaml would block the scan). Links found in a folder are
    followed only where they stay inside it or its repository (a committed `root -> /` must not
    turn a scan into a walk of the file system); the others are skipped, with a line in `notes`.
    `within` (resolved folders) replaces those limits for folders found by project discovery,
    which must then lie inside them too."""
    from fnmatch import fnmatch

    patterns = list(exclude)

    def excluded(path: str) -> bool:
        name = os.path.basename(path)
        return any(fnmatch(name, p) or fnmatch(path, p) or fnmatch(os.path.abspath(path), p) for p in patterns)

    def unlisted(error: OSError) -> None:
        if errors is not None:
            errors.append(f"{printable(error.filename or '?')}: cannot read folder: {error.strerror or error}")

    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path, True
            continue
        seen: set[tuple[int, int]] = set()
        limits = within or confine.boundaries(path)
        if within and not confine.inside(os.path.realpath(path), within):
            continue

        def stays(entry: str, root: str = path) -> bool:
            followed = confine.stays(entry, limits)
            if not followed and notes is not None:
                notes.append(f"{printable(entry)}: a symbolic link leading out of {printable(root)} and its repository; not followed")
            return followed

        for folder, dirs, files in os.walk(path, followlinks=True, onerror=unlisted):
            stat = os.stat(folder)
            if (stat.st_dev, stat.st_ino) in seen:  # a symlink loop
                dirs[:] = []
                continue
            seen.add((stat.st_dev, stat.st_ino))
            dirs[:] = sorted(
                d for d in dirs if d not in SKIPPED_DIRS and (not d.startswith(".") or d == ".harness") and not excluded(os.path.join(folder, d)) and stays(os.path.join(folder, d))
            )
            for name in sorted(files):
                full = os.path.join(folder, name)
                if name.endswith(YAML_SUFFIXES) and not excluded(full) and stays(full) and (os.path.isfile(full) or not os.path.exists(full)):
                    yield full, False  # a broken symlink is yielded: reading it reports the error


def read_inputs(paths: Iterable[str], exclude: Iterable[str], result: Result, max_size: int = Settings.max_file_size) -> list[Input]:
    return list(each_input(paths, exclude, result, max_size))


def each_input(paths: Iterable[str], exclude: Iterable[str], result: Result, max_size: int) -> Iterator[Input]:
    """The files to check, each read when it is reached; those that cannot be read go to
    `result.errors`."""
    for path, explicit in discover(paths, exclude, result.errors, result.warnings):
        name = "<stdin>" if path == "-" else os.path.normpath(path)
        try:
            data = _read(path, max_size)
        except OSError as error:
            result.errors.append(f"{printable(name)}: cannot read: {error.strerror or error}")
            continue
        except source.InputError as error:
            result.errors.append(f"{printable(name)}: {error}")
            continue
        yield Input(name, data, explicit, None if path == "-" else path)


def read_again(item: Input, max_size: int) -> bytes:
    """The bytes of a file checked again (part by part, `parallel`)."""
    return _read(item.again, max_size)


def _read(path: str, max_size: int) -> bytes:
    """At most max_size bytes of a file or of standard input; more is an InputError (a device
    such as /dev/zero never ends)."""
    if path == "-":
        data = sys.stdin.buffer.read(max_size + 1)
        size = None
    else:
        with open_input(path) as file:
            data = file.read(max_size + 1)
            size = os.fstat(file.fileno()).st_size or None
    if len(data) > max_size:
        actual = f"{_human(size)}, " if size else ""
        raise source.InputError(f"file too large ({actual}over the limit of {_human(max_size)}): not checked; raise the limit with --max-file-size")
    return data


def _human(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def load_documents(inputs: list[Input], result: Result) -> list[source.Document]:
    documents = []
    for item in inputs:
        try:
            named_binary = item.explicit and b"\0" in item.data  # source.load says what it is
            doc = source.load(item.path, item.data) if named_binary or _maybe_harness(item.data) else None
        except source.InputError as error:
            if item.explicit or b"\0" not in item.data:  # binary files in folder scans are not ours
                result.errors.append(f"{printable(item.path)}: {error}")
            continue
        if doc is None or (not doc.problems and all(kind is source.Kind.OTHER for kind in doc.kinds)):
            if item.explicit and b"harnessApiVersion" not in item.data and _holds_yaml(doc, item):  # say why a named file is not checked
                result.warnings.append(f"{printable(item.path)}: not a Harness pipeline, template, input set or FirstGen file; not checked")
            continue  # other YAML is none of our business, even when named (pre-commit names every YAML file)
        documents.append(doc)
    return documents


def _holds_yaml(doc: source.Document | None, item: Input) -> bool:
    """Whether a named file holds any YAML node: a file of comments has nothing to check."""
    try:
        roots = (doc or source.load(item.path, item.data)).roots
    except source.InputError:
        return True
    return any(root.tag != "tag:yaml.org,2002:null" for root in roots)


def _maybe_harness(data: bytes) -> bool:
    """Cheap test on a scanned file's bytes; files with a byte-order mark (UTF-16) are decoded first.
    Keys may be quoted (`"pipeline":`) or spaced (`pipeline :`); the plain markers are tried first."""
    return (
        any(marker.encode() in data for marker in HARNESS_MARKERS)
        or data.startswith((b"\xff\xfe", b"\xfe\xff", b"\0\0\xfe\xff"))
        or _QUOTED_MARKER.search(data) is not None
    )


_QUOTED_MARKER = re.compile(rb"(?:pipeline|template|inputSet)[\"']?[ \t]*:")


def build_project(documents: list[source.Document], settings: Settings, input_sets: list[source.Document] = ()) -> Project:
    return resolve(documents, settings, input_sets)


def read_input_sets(paths: Iterable[str]) -> list[source.Document]:
    """The `--inputs` files: Harness input sets whose values replace `<+input>` fields."""
    documents = []
    for path in paths:
        try:
            with open_input(path) as handle:
                doc = source.load(path, handle.read())
        except (OSError, source.InputError) as error:
            raise UsageError(f"{path}: cannot read the input set: {getattr(error, 'strerror', None) or error}") from None
        if doc.problems:
            raise UsageError(f"{path}: {doc.problems[0].message}")
        documents.append(doc)
    return documents


def run_rules(project: Project, rules: Iterable[type[Rule]]) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple] = set()
    for rule_class in rules:
        for finding in rule_class().check(project):
            # one finding per place and subject: a step written once (in a template, a workflow, a
            # chained child) but run in several places is one thing to fix
            identity = (finding.code, finding.path, finding.origin.route, finding.key)
            if identity not in seen:
                seen.add(identity)
                findings.append(finding)
    findings.sort(key=Finding.sort_key)
    if findings:  # whether each one has a fix, and if it is safe (its rule decides)
        from .fixes import annotate

        findings = annotate(findings, project)
    return findings


def check(
    paths: Iterable[str],
    *,
    select_rules: Iterable[str] = (),
    ignore_rules: Iterable[str] = (),
    exclude: Iterable[str] = (),
    settings: Settings | None = None,
    policy: suppress.Policy | None = None,
    inputs: Iterable[str] = (),
    jobs: int | None = 1,
    isolated: bool = False,
    cache: bool = True,
    keep_project: bool = True,
) -> Result:
    """Check files and folders; the Python API behind `barrierlint check`. `keep_project` keeps
    every file and the project the rules saw (`Result.project`, `inputs`, `context`: what
    `--verify`, fixes, `keys` and `diff` read) in one process; otherwise, or with `jobs` other
    than 1, the files are read, checked and released part by part (`parallel`), in `jobs`
    processes (None: as many as pay, see `parallel.jobs_for`). The result does not depend on it.
    A named file is checked in its project (see `workspace`): the files it depends on and that
    depend on it are read too, and the findings reported are those located in the checked files
    or with a related place in them; `isolated` checks the named files alone. Templates of
    `template-paths` are always read."""
    rules = select(select_rules, ignore_rules)
    result = Result()
    settings = settings or Settings()
    input_sets = read_input_sets(inputs)
    paths = list(paths)
    by_parts = jobs != 1 or not keep_project
    if by_parts and not input_sets and not settings.template_paths and (isolated or all(path != "-" and os.path.isdir(path) for path in paths)):
        from . import parallel  # no project to find around named files: each file is read when its part is

        parallel.analyse(_noted(each_input(paths, exclude, result, settings.max_file_size), result.paths), list(rules), settings, result, policy or suppress.Policy(), jobs)
        return result
    checked = read_inputs(paths, exclude, result, settings.max_file_size)
    around: list[Input] = []
    if settings.template_paths or not isolated:
        from . import workspace

        around = workspace.context([] if isolated else [i for i in checked if i.explicit], settings=settings, exclude=exclude, cache=cache, among=checked)
    result.inputs, result.context = checked, around
    analyse(checked + around, rules, settings, result, policy, input_sets, jobs, keep_project)
    if around:
        shown = {os.path.normcase(os.path.abspath(item.path)) for item in checked}
        result.findings = [f for f in result.findings if _touches(f, shown)]
        result.suppressed = [f for f in result.suppressed if _touches(f, shown)]
        result.files -= len(around)
    result.paths = [item.path for item in checked]
    return result


def _noted(inputs: Iterable[Input], paths: list[str]) -> Iterator[Input]:
    """The inputs, each one's path noted in `paths` as it passes."""
    for item in inputs:
        paths.append(item.path)
        yield item


def _touches(finding: Finding, paths: set[str]) -> bool:
    """The finding is located in one of the paths, or names a place in one as related."""
    places = [finding.origin, *(r.origin for r in finding.related), *(r.origin for flow in finding.flows for r in flow)]
    return any(os.path.normcase(os.path.abspath(origin.doc.path)) in paths for origin in places)


def analyse(
    inputs: list[Input],
    rules: Iterable[type[Rule]],
    settings: Settings,
    result: Result,
    policy: suppress.Policy | None = None,
    input_sets: list[source.Document] = (),
    jobs: int | None = 1,
    keep_project: bool = True,
) -> Result:
    """Everything after reading: load, model, check (the fuzzers call it with bytes in memory),
    part by part unless the project is kept in one process (see `check`). With input sets,
    which answer pipelines by their number in the whole run, one project holds every file."""
    if (jobs != 1 or not keep_project) and not input_sets:
        from . import parallel

        return parallel.analyse(inputs, list(rules), settings, result, policy or suppress.Policy(), jobs)
    with collector_paused():
        documents = load_documents(inputs, result)
        result.files = len(documents)
        result.project = build_project(documents, settings, input_sets)
        findings = run_rules(result.project, rules)
        result.findings, result.suppressed = suppress.apply(findings, documents, rules, policy or suppress.Policy())
        return result


def load_pipeline(
    path: str, identifier: str | None = None, settings: Settings | None = None, *, context: Iterable[str] = (), input_sets: list[source.Document] = ()
) -> tuple[Project, model.Pipeline]:
    """The project around one file and the pipeline in it that `run` and `graph` show, resolved
    as `check` resolves it: templates inlined, chained children joined, FirstGen workflows read.

    The project holds the file, the `context` files and folders, and what `check FILE` reads
    with it (`workspace.context`): from its FirstGen application, enclosing `.harness` folder
    or git repository, the files it refers to and those that use it. The pipeline is the one named `identifier` (identifier or name) if given,
    else the only one the file defines, or, for a FirstGen workflow file, the only pipeline that
    runs it. Raises ValueError with a one-line message when there is no such single pipeline.
    """
    from . import workspace

    settings = settings or Settings()
    result = Result()
    given = read_inputs([path], (), result, settings.max_file_size)
    targets = load_documents(given, result)
    extra = read_inputs(context, (), result, settings.max_file_size)
    around = extra + workspace.context(given, settings=settings, among=extra)
    others = {os.path.abspath(doc.path): doc for doc in load_documents(around, result)}
    named = {os.path.abspath(doc.path) for doc in targets}
    if result.errors:
        raise UsageError(result.errors[0])
    project = build_project(targets + [doc for name, doc in others.items() if name not in named], settings, input_sets)
    mine = {id(doc) for doc in targets}
    defined = [p for p in project.pipelines if id(p.origin.doc) in mine]
    candidates = defined or [p for p in project.pipelines if p.syntax == "firstgen" and _runs_a_workflow_of(p, mine)]
    if identifier is not None:
        candidates = [p for p in candidates or project.pipelines if identifier in (p.identifier, p.name, p.label)]
    if len(candidates) == 1:
        return project, candidates[0]
    what = "defines" if defined else "is a workflow run by"
    if candidates:
        names = ", ".join(sorted(repr(p.label) for p in candidates))
        raise UsageError(f"{path}: {what} several pipelines ({names}); choose one with --pipeline")
    problems = [p.message for doc in targets for p in doc.problems]
    reason = f" ({problems[0]})" if problems else ""
    if defined and not reason:
        reason = f" (it defines {', '.join(sorted(repr(p.label) for p in defined))})"
    kinds = {kind for doc in targets for kind in doc.kinds}
    for kind, what in _NOT_A_PIPELINE.items():
        if not reason and kind in kinds:
            reason = f" ({what})"
    raise UsageError(f"{path}: no pipeline{f' {identifier!r}' if identifier else ''} found{reason}")


_NOT_A_PIPELINE = {
    source.Kind.FIRSTGEN_WORKFLOW: "it is a FirstGen workflow that no pipeline of its application runs: name a pipeline file",
    source.Kind.TEMPLATE: "it is a template: name a pipeline that uses it",
    source.Kind.INPUT_SET: "it is an input set: name its pipeline and pass the input set with --inputs",
    source.Kind.INFRASTRUCTURE: "it is an infrastructure definition: name a pipeline that deploys to it",
}


def _runs_a_workflow_of(pipeline: model.Pipeline, docs: set[int]) -> bool:
    return any(id(item.origin.doc) in docs for stage in model.stages(pipeline) for item in stage.steps)
