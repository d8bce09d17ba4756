"""Configuration: `.barrierlint.yaml` or `[tool.barrierlint]` in pyproject.toml.

One configuration applies to a run: the file given with `--config`, or the nearest one found by
walking up from the checked paths to the repository root. In one folder `.barrierlint.yaml`
comes before `.barrierlint.yml` and pyproject.toml (which counts only with a
`[tool.barrierlint]` table). Globs in the file are relative to the file's folder, whatever the
working directory. Unknown keys and unknown rules are errors, never silently ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any, Iterable

from .errors import UsageError
from .finding import Severity
from .model import parse_duration
from .project import Settings
from .rule import lookup, unknown_selector
from .writing import open_input

FILE_NAMES = (".barrierlint.yaml", ".barrierlint.yml", "pyproject.toml")
EDITIONS = {"free": 20, "team": 50, "enterprise": 100}
LATE_ARRIVAL = ("wait", "pass")
FAIL_ON = ("error", "warning", "info", "never")


class ConfigError(UsageError):
    """A configuration that cannot be used; the CLI reports it in one line and exits 2."""


@dataclass(frozen=True)
class Config:
    path: str | None = None  # the file it was read from; None for the defaults
    root: str = ""  # its folder: globs are relative to it
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # name globs, or absolute path globs
    severity: dict[str, Severity] = field(default_factory=dict)  # rule code -> severity
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob as in exclude, rule codes)
    settings: Settings = field(default_factory=Settings)
    fail_on: str | None = None

    def excludes(self, path: str) -> bool:
        """True when a file or one of its folders matches `exclude` (explicitly named files too,
        so a pre-commit run skips what a folder scan skips)."""
        return any(_matches(pattern, path, self.root) for pattern in self.exclude)

    def ignored_here(self, path: str, code: str) -> bool:
        """True when `per-file-ignores` switches the rule off for this file."""
        return any(code in codes and _matches(pattern, path, self.root) for pattern, codes in self.per_file_ignores)


def _anchor(pattern: str, root: str) -> str:
    """Globs with a `/` are relative to the configuration's folder: make them absolute, the form
    the folder scan matches (`fnmatch`'s `*` crosses `/`, so `legacy/*` covers all of legacy/).
    Globs without `/` match a file or folder name anywhere."""
    pattern = pattern.strip().rstrip("/")
    return os.path.join(root, pattern.lstrip("/")) if "/" in pattern else pattern


def _matches(pattern: str, path: str, root: str) -> bool:
    """The file or one of its folders below `root` matches."""
    path = os.path.abspath(path)
    while True:
        if fnmatch(os.path.basename(path), pattern) or fnmatch(path, pattern):
            return True
        parent = os.path.dirname(path)
        if parent == path or not parent.startswith(root + os.sep):
            return False
        path = parent


def discover(paths: Iterable[str]) -> str | None:
    """The configuration file nearest to the checked paths (from their common folder up to the
    repository root), or None. A file that is a link out of its folder and repository is not
    the repository's configuration (`confine`)."""
    from .confine import boundaries, stays

    folders = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths if p != "-"]
    folder = os.path.commonpath(folders) if folders else os.getcwd()
    while True:
        for name in FILE_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and stays(candidate, boundaries(folder)) and (name != "pyproject.toml" or _pyproject_table(candidate) is not None):
                return candidate
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")) or parent == folder:
            return None
        folder = parent


def load(paths: Iterable[str], explicit: str | None = None) -> Config:
    """The configuration for a run: `explicit` (from `--config`) or the discovered file."""
    path = explicit or discover(paths)
    if path is None:
        return Config()
    if not os.path.isfile(path):
        raise ConfigError(f"configuration file {path} not found")
    table = _pyproject_table(path) if os.path.basename(path) == "pyproject.toml" else _yaml_table(path)
    return parse(table or {}, path)


def _yaml_table(path: str) -> Any:
    import yaml

    class Strict(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """A loader that refuses a key written twice in one mapping (YAML keeps the last one,
        so `ignore` written twice would silently drop the first list)."""

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, (str, int, float, bool)) and key in seen:
                    raise ConfigError(f"{path}:{key_node.start_mark.line + 1}: '{key}' is written twice; write each option once")
                seen.add(key if isinstance(key, (str, int, float, bool)) else id(key_node))
            return super().construct_mapping(node, deep)

    try:
        with open_input(path, "r", encoding="utf-8") as handle:
            return yaml.load(handle, Loader=Strict)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {' '.join(str(error).split())}") from None


def _pyproject_table(path: str) -> Any:
    try:
        with open_input(path) as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read configuration: {error.strerror or error}") from None
    if b"barrierlint" not in data:  # most pyproject.toml files: no need to parse them
        return None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from None
    tool = table.get("tool")
    return tool.get("barrierlint") if isinstance(tool, dict) else None


def parse(table: Any, path: str) -> Config:
    """Check and convert the configuration table read from `path`."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of options")
    known = ("select", "ignore", "exclude", "severity", "per-file-ignores", "late-arrival", "edition-cap", "fail-on", "template-paths", "external-templates", "simultaneous-deployments", "fix-timeout")
    for key in table:
        if key not in known:
            import difflib

            guess = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else f" (known options: {', '.join(known)})"
            raise ConfigError(f"{path}: unknown option '{key}'{hint}")
    where = f"{path}: "

    def strings(key: str, value: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ConfigError(f"{where}'{key}' must be a list of strings")
        return tuple(items)

    def codes(key: str, value: Any) -> tuple[str, ...]:
        found = []
        for selector in strings(key, value):
            rules = lookup(selector)
            if not rules:
                raise ConfigError(f"{where}'{key}': {unknown_selector(selector)}")
            found += [rule.code for rule in rules]
        return tuple(found)

    def mapping(key: str) -> dict:
        value = table.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{where}'{key}' must be a mapping")
        return value

    def choice(key: str, allowed: tuple[str, ...]) -> str | None:
        value = table.get(key)
        if value is not None and value not in allowed:
            raise ConfigError(f"{where}'{key}' must be one of {', '.join(allowed)}, not {value!r}")
        return value

    severity: dict[str, Severity] = {}
    # a more specific selector wins: ALL < BL1 < BL101 (names are exact)
    for selector, level in sorted(mapping("severity").items(), key=lambda item: _specificity(str(item[0]))):
        try:
            parsed = Severity.parse(str(level))
        except ValueError as error:
            raise ConfigError(f"{where}'severity' of {selector}: {error}") from None
        severity.update(dict.fromkeys(codes("severity", str(selector)), parsed))

    edition = table.get("edition-cap", Settings.edition_cap)
    edition = EDITIONS.get(str(edition).lower(), edition)
    if isinstance(edition, bool) or not isinstance(edition, int) or edition < 1:
        raise ConfigError(f"{where}'edition-cap' must be a positive number or one of {', '.join(EDITIONS)}")

    simultaneous = table.get("simultaneous-deployments", Settings.simultaneous_deployments)
    if not isinstance(simultaneous, bool):
        raise ConfigError(f"{where}'simultaneous-deployments' must be true or false")
    fix_timeout = table.get("fix-timeout", Settings.fix_timeout)
    if not isinstance(fix_timeout, str) or not re.fullmatch(r"\d+[smhd]", fix_timeout) or (parse_duration(fix_timeout) or 0) < 10:
        raise ConfigError(f"{where}'fix-timeout' must be a duration of at least 10s such as 15m or 1h, not {fix_timeout!r}")

    root = os.path.dirname(os.path.abspath(path))
    return Config(
        path=path,
        root=root,
        select=codes("select", table.get("select", [])),
        ignore=codes("ignore", table.get("ignore", [])),
        exclude=tuple(_anchor(glob, root) for glob in strings("exclude", table.get("exclude", []))),
        severity=severity,
        per_file_ignores=tuple((_anchor(str(glob), root), codes("per-file-ignores", value)) for glob, value in mapping("per-file-ignores").items()),
        settings=Settings(
            edition_cap=edition,
            late_arrival=choice("late-arrival", LATE_ARRIVAL) or Settings.late_arrival,
            template_paths=tuple(os.path.join(root, folder) for folder in strings("template-paths", table.get("template-paths", []))),
            external_templates=strings("external-templates", table.get("external-templates", list(Settings.external_templates))),
            simultaneous_deployments=simultaneous,
            fix_timeout=fix_timeout,
        ),
        fail_on=choice("fail-on", FAIL_ON),
    )


def _specificity(selector: str) -> int:
    if selector.upper() == "ALL":
        return 0
    return len(selector) if selector.upper().startswith("BL") else 100
