"""The project a named file belongs to, and the files its findings depend on.

`check FILE` (what pre-commit runs) and `run FILE` see what Harness sees: the project the file
belongs to, i.e. its enclosing `.harness` folder, its FirstGen application
(`Applications/<app>/Workflows` and `Pipelines`), or else its git repository (`git ls-files`),
plus the configured `template-paths`. Of that project they read only what matters: the
dependents of the named files (the pipelines that use a named template, run a named workflow
or chain a named child, transitively) and everything those files and the named ones refer to
(templates, workflows, children, pipelines declaring a barrier they reference).

Which file offers and wants what comes from an index of every file of the project, cached on
disk by content hash (`.barrierlint_cache/` at the repository root, as ruff keeps
`.ruff_cache/`), so a file that did not change is not parsed again. The cache is data: JSON,
validated on load (anything unexpected and it is rebuilt), written with `atomic_write`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
from collections import defaultdict
from fnmatch import fnmatch
from typing import Iterable

from yaml.nodes import MappingNode, SequenceNode

from . import source
from .errors import UsageError
from .confine import boundaries
from .engine import SKIPPED_DIRS, YAML_SUFFIXES, Input, discover, _maybe_harness
from .firstgen import application
from .project import Settings
from .source import Kind, child, scalar
from .writing import open_input

CACHE_DIR = ".barrierlint_cache"
CACHE_FILE = "index-v2.json"
CACHE_VERSION = 2  # 2: infrastructure definitions offered and wanted
MAX_CACHE_BYTES = 64_000_000  # a bigger cache file was not written by barrierlint: ignore it
_HASH = re.compile(r"[0-9a-f]{64}")
_KINDS = {kind.value for kind in Kind}
_KEYS = ("pipeline", "template", "barrier", "infrastructure")


def context(named: list[Input], *, settings: Settings, exclude: Iterable[str] = (), cache: bool = True, among: Iterable[Input] = ()) -> list[Input]:
    """The files that the findings of the named files and of `among` (the other files being
    checked, found in folders) depend on, from the named files' projects and `template-paths`,
    read from disk; the checked files themselves are not repeated. Files in `template-paths`
    count only for the templates they define."""
    named = [item for item in named if item.path != "<stdin>"]
    checked = {_key(item.path): item for item in [*named, *among] if item.path != "<stdin>"}
    for folder in settings.template_paths:
        if not os.path.isdir(folder):
            raise UsageError(f"template-paths: {folder} is not a folder")
    if not named and not settings.template_paths:
        return []
    patterns = list(exclude)
    index = Index(_cache_folder(list(checked.values()), cache))
    universe: dict[str, str] = {}  # key -> path as shown
    libraries: set[str] = set()
    for folder in settings.template_paths:
        for path in _walk(folder, patterns, boundaries(folder)):
            libraries.add(_key(path))
            universe.setdefault(_key(path), path)
    for item in named:
        firstgen = b"harnessApiVersion" in item.data  # else its kinds cannot change its project: no need to compose it
        project = project_of(item.path, index.kinds(item.data, item.path) if firstgen else ())
        for path in _project_files(project, patterns) if project else ():
            universe.setdefault(_key(path), path)
    if not universe:  # a file in no project, no template-paths: nothing around it to read
        return []
    summaries = {key: index.summary(item.data, item.path) for key, item in checked.items()}
    offers: dict[tuple, set[str]] = defaultdict(set)
    wants: dict[tuple, set[str]] = defaultdict(set)
    data: dict[str, bytes] = {}
    for key, path in universe.items():
        content = None if key in checked else _read(path, settings.max_file_size)
        if content is None:
            continue
        data[key] = content
        summary = summaries[key] = index.summary(content, path)
        for offer in summary.offers:
            if key not in libraries or offer[0] == "template":
                offers[offer].add(key)
        if key not in libraries:
            for want in summary.wants:
                wants[want].add(key)
    index.save()
    chosen = {key: _shown(universe[key]) for key in _closure(set(checked), summaries, offers, wants)}
    return [Input(chosen[key], data[key], explicit=False) for key in sorted(chosen, key=chosen.__getitem__)]


def _shown(path: str) -> str:
    """A context file's path as messages show it: relative to the working folder below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) and os.path.isabs(path) else relative


def _closure(mine: set[str], summaries: dict, offers: dict, wants: dict) -> set[str]:
    """Dependents of the named files (upward, transitively; barriers excluded: a pipeline
    declaring a barrier does not depend on who else references it), then everything any chosen
    file wants (downward, transitively)."""
    chosen: set[str] = set()
    upward = list(mine)
    while upward:
        key = upward.pop()
        for offer in summaries[key].offers:
            if offer[0] != "barrier":
                for dependent in wants.get(offer, ()):
                    if dependent not in chosen and dependent not in mine:
                        chosen.add(dependent)
                        upward.append(dependent)
    downward = [*mine, *chosen]
    while downward:
        key = downward.pop()
        for want in summaries[key].wants:
            for provider in offers.get(want, ()):
                if provider not in chosen and provider not in mine:
                    chosen.add(provider)
                    downward.append(provider)
    return chosen


def project_of(path: str, kinds: Iterable[Kind] = ()) -> tuple[str, str] | None:
    """(what, folder): the FirstGen application of a FirstGen file, the enclosing `.harness`
    folder, or the git repository; None for a file in none of them."""
    if path in ("-", "<stdin>"):
        return None
    absolute = os.path.abspath(path)
    if any(kind in (Kind.FIRSTGEN_PIPELINE, Kind.FIRSTGEN_WORKFLOW) for kind in kinds):
        return "application", application(absolute)[0]
    folder = os.path.dirname(absolute)
    while os.path.dirname(folder) != folder:
        if os.path.basename(folder) == ".harness":
            return "harness", folder
        folder = os.path.dirname(folder)
    root = source.repository_root(os.path.dirname(absolute))
    return ("repository", root) if root else None


def _project_files(project: tuple[str, str], patterns: list[str]) -> list[str]:
    """Every YAML file of a project: what git tracks in a repository, else what a folder scan
    finds (in an application, its Workflows and Pipelines folders)."""
    what, folder = project
    if what == "repository":
        listed = _git_files(folder)
        if listed is not None:
            return [path for path in listed if not _excluded(path, folder, patterns)]
    folders = [folder]
    if what == "application":
        folders = [os.path.join(folder, name) for name in ("Workflows", "Pipelines") if os.path.isdir(os.path.join(folder, name))] or folders
    inside = boundaries(folder)  # a Workflows folder that is a link out of the project is not walked
    return [path for sub in folders for path in _walk(sub, patterns, inside)]


def _walk(folder: str, patterns: list[str], inside: tuple[str, ...]) -> list[str]:
    return [path for path, _ in discover([folder], patterns, within=inside) if os.path.isfile(path)]


def _git_files(root: str) -> list[str] | None:
    """The YAML files git tracks in the repository, as paths below `root`, or None where git
    cannot say (not installed, not a work tree). Folders a scan would skip are skipped, and
    files that are links leading out of the repository are not read."""
    try:
        listed = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "ls-files", "-z", "--", "*.yaml", "*.yml"],
            cwd=root, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    real = os.path.realpath(root)
    files = []
    for name in os.fsdecode(listed.stdout).split("\0"):
        parts = name.split("/")
        if not name.endswith(YAML_SUFFIXES) or any(p in SKIPPED_DIRS or (p.startswith(".") and p != ".harness") for p in parts[:-1]):
            continue
        path = os.path.join(root, *parts)
        if os.path.islink(path) and not os.path.realpath(path).startswith(real + os.sep):
            continue
        files.append(path)
    return files


def _excluded(path: str, root: str, patterns: list[str]) -> bool:
    """As the folder scan decides: the file or one of its folders below `root` matches by name
    or by path."""
    while patterns and path.startswith(root + os.sep):
        if any(fnmatch(os.path.basename(path), p) or fnmatch(path, p) for p in patterns):
            return True
        path = os.path.dirname(path)
    return False


def _read(path: str, limit: int) -> bytes | None:
    """A regular file's bytes, or None (unreadable, not a file, larger than the limit). The read
    asks for the size the file has: asking for `limit` bytes would allocate that much per file."""
    try:
        with open_input(path) as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                return None
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since: read on, up to the limit
                data += handle.read(limit - info.st_size)
    except OSError:
        return None
    return data if len(data) <= limit else None


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


# -- the index ------------------------------------------------------------------------------


class Summary:
    """What one file's content defines (offers) and refers to (wants), by the names Harness
    resolves references by; FirstGen files offer and want their application, which depends on
    the path, not the content."""

    __slots__ = ("kinds", "offers", "wants")

    def __init__(self, kinds: list[str], offers: list, wants: list) -> None:
        self.kinds, self.offers, self.wants = kinds, offers, wants

    def at(self, path: str) -> "Summary":
        if Kind.FIRSTGEN_WORKFLOW.value in self.kinds or Kind.FIRSTGEN_PIPELINE.value in self.kinds:
            app = ("application", application(path)[0])
            offers = self.offers + [app] if Kind.FIRSTGEN_WORKFLOW.value in self.kinds else self.offers
            wants = self.wants + [app] if Kind.FIRSTGEN_PIPELINE.value in self.kinds else self.wants
            return Summary(self.kinds, offers, wants)
        return self

    def data(self) -> dict:
        return {"kinds": self.kinds, "offers": [list(o) for o in self.offers], "wants": [list(w) for w in self.wants]}


class Index:
    """Summaries by content hash, kept in `folder` (None: in memory only)."""

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        self.entries: dict[str, Summary] = _load(os.path.join(folder, CACHE_FILE)) if folder else {}
        self.used: set[str] = set()
        self.changed = False

    def summary(self, data: bytes, path: str) -> Summary:
        digest = hashlib.sha256(data).hexdigest()
        self.used.add(digest)
        found = self.entries.get(digest)
        if found is None:
            found = self.entries[digest] = summarise(data)
            self.changed = True
        return found.at(path)

    def kinds(self, data: bytes, path: str) -> list[Kind]:
        return [Kind(kind) for kind in self.summary(data, path).kinds]

    def save(self) -> None:
        """Write the summaries of the files seen in this run, when some were new; a cache that
        cannot be written is no error (a read-only checkout)."""
        if not self.folder or not (self.changed or set(self.entries) - self.used):
            return
        from .writing import atomic_write

        kept = {digest: self.entries[digest].data() for digest in sorted(self.used)}
        try:
            if not os.path.lexists(self.folder):
                os.mkdir(self.folder)
            if os.path.islink(self.folder) or not os.path.isdir(self.folder):
                return
            ignore = os.path.join(self.folder, ".gitignore")
            if not os.path.lexists(ignore):
                atomic_write(ignore, b"# Automatically created by barrierlint.\n*\n")
            atomic_write(os.path.join(self.folder, CACHE_FILE), json.dumps({"version": CACHE_VERSION, "entries": kept}, separators=(",", ":")).encode())
        except (OSError, UsageError):
            pass


def _cache_folder(named: list[Input], cache: bool) -> str | None:
    """`BARRIERLINT_CACHE_DIR`, else `.barrierlint_cache` at the repository root of the named
    files; None (no cache on disk) when caching is off or there is no repository."""
    if not cache:
        return None
    explicit = os.environ.get("BARRIERLINT_CACHE_DIR")
    if explicit:
        return os.path.abspath(explicit)
    for item in named:
        root = source.repository_root(os.path.dirname(os.path.abspath(item.path)))
        if root:
            return os.path.join(root, CACHE_DIR)
    return None


def _load(path: str) -> dict[str, Summary]:
    """The cached summaries, or nothing when the file is missing, too large, a link, or not
    exactly what `save` writes."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
            return {}
        with open(path, "rb") as handle:
            table = json.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(table, dict) or table.get("version") != CACHE_VERSION or not isinstance(table.get("entries"), dict):
        return {}
    entries = {}
    for digest, value in table["entries"].items():
        summary = _valid(value) if isinstance(digest, str) and _HASH.fullmatch(digest) else None
        if summary is None:
            return {}  # not written by this version: rebuild all of it
        entries[digest] = summary
    return entries


def _valid(value: object) -> Summary | None:
    if not isinstance(value, dict) or set(value) != {"kinds", "offers", "wants"}:
        return None
    kinds = value["kinds"]
    if not isinstance(kinds, list) or not all(isinstance(k, str) and k in _KINDS for k in kinds):
        return None
    pairs = []
    for name in ("offers", "wants"):
        items = value[name]
        if not isinstance(items, list) or not all(
            isinstance(i, list) and len(i) == 2 and i[0] in _KEYS and isinstance(i[1], str) for i in items
        ):
            return None
        pairs.append([tuple(i) for i in items])
    return Summary(kinds, *pairs)


def summarise(data: bytes) -> Summary:
    """What a file's content offers and wants (nothing for a file that is not Harness YAML)."""
    if not _maybe_harness(data):
        return Summary([], [], [])
    try:
        doc = source.load("<index>", data)
    except source.InputError:
        return Summary([], [], [])
    return summary_of(doc)


def summary_of(doc: source.Document) -> Summary:
    """What a loaded document offers and wants (the language server has it loaded already)."""
    offers: dict[tuple, None] = {}
    wants: dict[tuple, None] = {}
    for root, kind in zip(doc.roots, doc.kinds):
        body = child(root, "pipeline")
        if kind in (Kind.PIPELINE, Kind.PIPELINE_V1):
            identifier = scalar(child(body, "identifier")) or scalar(child(body, "id"))
            if identifier:
                offers[("pipeline", identifier)] = None
            for barrier in _items(child(child(body, "flowControl"), "barriers")) + _items(child(body, "barriers")):
                name = scalar(barrier) or scalar(child(barrier, "identifier")) or scalar(child(barrier, "id"))
                if name:
                    offers[("barrier", name)] = None
        elif kind is Kind.TEMPLATE:
            identifier = scalar(child(child(root, "template"), "identifier"))
            if identifier:
                offers[("template", identifier)] = None
        elif kind is Kind.INFRASTRUCTURE:
            body = child(root, "infrastructureDefinition")
            environment, identifier = scalar(child(body, "environmentRef")), scalar(child(body, "identifier"))
            if environment and identifier:
                offers[("infrastructure", f"{environment}/{identifier}")] = None
        for key, value in _references(root):
            wants[(key, value)] = None
    for key in [w for w in wants if w[0] == "barrier" and (w in offers or w[1].startswith("parent."))]:
        del wants[key]
    return Summary(sorted({kind.value for kind in doc.kinds}), list(offers), list(wants))


def _items(node) -> list:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _references(root):
    """(key, name) for every `templateRef` (scope prefix dropped, as the index resolves it),
    chained `type: Pipeline` stage, `barrierRef` and infrastructure a Deploy stage deploys to
    (`environmentRef` beside `infrastructureDefinitions`, whose allowSimultaneousDeployments and
    key fields make its resource constraint) below `root` (each node once: aliases share nodes)."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            if scalar(child(node, "type")) == "Pipeline" and scalar(child(child(node, "spec"), "pipeline")):
                yield "pipeline", scalar(child(child(node, "spec"), "pipeline"))
            environment = scalar(child(node, "environmentRef"))
            if environment:
                for definition in _items(child(node, "infrastructureDefinitions")):
                    if scalar(child(definition, "identifier")):
                        yield "infrastructure", f"{environment}/{scalar(child(definition, 'identifier'))}"
            for key, value in node.value:
                name = scalar(key)
                if name == "templateRef" and scalar(value):
                    ref = scalar(value)
                    yield "template", ref.split(".", 1)[1] if ref.startswith(("account.", "org.")) else ref
                elif name == "barrierRef" and scalar(value):
                    yield "barrier", scalar(value)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
