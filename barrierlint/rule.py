"""The rule plugin API and the registry that finds rules through entry points.

A rule is a class with a code (`BL101`), a name (`undeclared-barrier`), a default severity and a
docstring (summary line, then sections on the mistake, what happens at run time and the fix).
It receives the whole project and yields findings. Built-in rules live in `rules/` (installed as
`barrierlint.rules`); third-party packages register theirs under the entry-point group
`barrierlint.rules`.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, Iterable, Iterator

from .errors import UsageError
from .finding import Finding, Related, Severity
from .model import Origin, Pipeline
from .source import Document, Problem

if TYPE_CHECKING:
    from .fixes import Fix
    from .project import Project

ENTRY_POINT_GROUP = "barrierlint.rules"


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    tags: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().split("\n", 1)[0].strip()

    def check(self, project: "Project") -> Iterable[Finding]:
        """Findings over the whole project; by default, pipeline by pipeline."""
        for pipeline in project.pipelines:
            yield from self.check_pipeline(pipeline, project)

    def check_pipeline(self, pipeline: Pipeline, project: "Project") -> Iterable[Finding]:
        return ()

    def fix(self, finding: Finding, project: "Project") -> "Fix | None":
        """The edit of the file that removes `finding` (see barrierlint.fixes), or None. Rules
        that can repair what they report override it; `Unfixable` means "not here"."""
        return None

    def problems(self, project: "Project") -> Iterator[tuple[Document, Problem]]:
        """The input problems the loader and the model builder recorded under this rule's code."""
        for doc in project.documents:
            for problem in doc.problems:
                if problem.code == self.code:
                    yield doc, problem

    def finding(
        self,
        origin: Origin,
        message: str,
        *,
        related: Iterable[Related] = (),
        witness: Iterable[str] = (),
        flows: Iterable[Iterable[Related]] = (),
        fix: str | None = None,
        key: str = "",
        **properties,
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=message,
            origin=origin,
            related=tuple(related),
            witness=tuple(witness),
            flows=tuple(tuple(flow) for flow in flows),
            fix=fix,
            properties=properties,
            key=key,
        )


def _rules_in(module) -> Iterator[type[Rule]]:
    for value in vars(module).values():
        if inspect.isclass(value) and issubclass(value, Rule) and value.__module__ == module.__name__ and hasattr(value, "code"):
            yield value


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every installed rule, sorted by code; a package's submodules are searched too."""
    packages = [importlib.import_module("barrierlint.rules")]
    if _registered_elsewhere():
        from importlib.metadata import entry_points

        packages += [entry.load() for entry in entry_points(group=ENTRY_POINT_GROUP)]
    found: dict[str, type[Rule]] = {}
    for module in packages:
        modules = [module]
        if hasattr(module, "__path__"):
            modules += [importlib.import_module(f"{module.__name__}.{info.name}") for info in pkgutil.iter_modules(module.__path__)]
        for mod in modules:
            for rule in _rules_in(mod):
                other = found.get(rule.code)
                if other is not None and other is not rule:
                    raise RuntimeError(f"rule code {rule.code} is defined twice: {other.__module__} and {rule.__module__}")
                found[rule.code] = rule
    return tuple(sorted(found.values(), key=lambda rule: rule.code))


def _registered_elsewhere() -> bool:
    """Whether a distribution besides barrierlint may register rules: an entry_points.txt of
    another distribution on sys.path names the group, or a path entry or finder this cannot read
    is present. Only then is importlib.metadata asked, which answers exactly but costs more to
    import and to scan every installed distribution than checking a file does."""
    from importlib.machinery import PathFinder

    if any(hasattr(finder, "find_distributions") and finder is not PathFinder for finder in sys.meta_path):
        return True
    for entry in sys.path:
        folder = entry or "."
        if folder.lower().endswith(".egg"):
            return True
        try:
            names = os.listdir(folder)
        except NotADirectoryError:
            return True  # a zip archive
        except OSError:
            continue
        for name in names:
            stem, dot, suffix = name.lower().rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info") or stem.partition("-")[0] == "barrierlint":
                continue
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), "rb") as handle:
                    if ENTRY_POINT_GROUP.encode() in handle.read():
                        return True
            except OSError:
                continue
    return False


def lookup(selector: str) -> list[type[Rule]]:
    """Rules matching a code, a code prefix (`BL3`: `BL` and at least one digit), a name, or
    `ALL`; nothing else, so that an empty or one-letter selector (`""`, `B`) is unknown rather
    than a prefix of every code."""
    text = selector.strip()
    rules = all_rules()
    if text.upper() == "ALL":
        return list(rules)
    by_name = [r for r in rules if r.name == text]
    if by_name or not _CODE_PREFIX.fullmatch(text.upper()):
        return by_name
    return [r for r in rules if r.code.startswith(text.upper())]


def unknown_selector(selector: str) -> str:
    """The message for a selector that matches no rule, with the nearest code or name."""
    import difflib

    rules = all_rules()
    names = [r.name for r in rules]
    guess = difflib.get_close_matches(selector.strip().lower(), names, n=1) or difflib.get_close_matches(
        selector.strip().upper(), [r.code for r in rules], n=1
    )
    hint = f"did you mean '{guess[0]}'?" if guess else "see `barrierlint rules`"
    return f"unknown rule selector '{selector}' ({hint})"


_CODE_PREFIX = re.compile(r"BL[0-9]{1,3}")


def select(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[type[Rule]]:
    """The rules to run: all (or the selected ones) minus the ignored ones; unknown selectors fail."""
    chosen: dict[str, type[Rule]] = {}
    selectors = list(select) or ["ALL"]
    for selector in selectors:
        matched = lookup(selector)
        if not matched:
            raise UsageError(unknown_selector(selector))
        chosen.update((r.code, r) for r in matched)
    for selector in ignore:
        matched = lookup(selector)
        if not matched:
            raise UsageError(unknown_selector(selector))
        for rule in matched:
            chosen.pop(rule.code, None)
    return sorted(chosen.values(), key=lambda rule: rule.code)
