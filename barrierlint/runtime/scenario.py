"""What the simulator cannot read from the pipeline: durations, failures, `when` outcomes, and
the engine profile. Written as a small YAML file (format and defaults in README.md,
"Scenario files"); every key is optional.

Elements are selected by their identifiers joined with dots from the stage down
(`deploy_eu.verify.wait_db`), by their YAML path (`pipeline.stages[1].stage`), or by a glob over
either (`deploy_*.wait_db`). A selector may name a loop copy: `deploy_eu[2].wait_db`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from ..errors import UsageError
from ..model import parse_duration
from ..writing import open_input

LATE_ARRIVAL = ("wait", "pass")
UNSPAWNED_LOOPS = ("pending", "arrived")


class ScenarioError(UsageError):
    """A scenario file that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Profile:
    """Engine behaviours that differ between Harness versions and settings."""

    late_arrival: str = "wait"  # a step arriving after its barrier resolved waits for its own timeout, or passes
    poll_interval: float = 0.0  # 0: every status change re-evaluates; 60: the engine's iterator
    edition_cap: int = 100  # account edition concurrency cap (FREE 20, TEAM 50, ENTERPRISE 100)
    # a position under a loop that never spawned (its stage was skipped first): "pending" as the
    # engine's code suggests (harness-semantics.md §3.9, Q6), like the static analysis, or "arrived"
    unspawned_loops: str = "pending"

    @classmethod
    def of(cls, settings) -> "Profile":
        """The profile the configuration's analysis settings describe (the static verdicts assume it)."""
        return cls(late_arrival=settings.late_arrival, edition_cap=settings.edition_cap, unspawned_loops=settings.unspawned_loops)


@dataclass(frozen=True)
class Failure:
    error: str = "Unknown"
    attempts: int | None = None  # fail this many attempts, None: every attempt


@dataclass
class Scenario:
    seed: int = 0
    shuffle_ties: bool = False
    profile: Profile = field(default_factory=Profile)
    step_duration: float = 60.0
    condition: bool = True  # outcome of a `when` condition the scenario does not name
    copies: int = 1  # copies of a loop whose size is an expression
    stage_timeout: float | None = None  # for a stage without `timeout` (None: no limit, as in the YAML)
    pipeline_timeout: float | None = None  # for a pipeline without `timeout`
    horizon: float = 30 * 86400.0
    stop_at_quiescence: bool = False
    durations: dict[str, float] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    when: dict[Any, bool] = field(default_factory=dict)  # selector or route tuple -> runs
    inputs: dict[str, str] = field(default_factory=dict)  # Barrier step selector -> barrierRef value

    _globs: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # id(table) -> (table, its glob selectors)

    def lookup(self, table: dict, names: tuple[str, ...]) -> Any:
        """The entry for the first of an element's names that a selector matches (exact names
        before globs). Only selectors holding a wildcard are tried as globs (found once per
        table), so a table of thousands of exact names costs one lookup per name."""
        for name in names:
            if name in table:
                return table[name]
        known = self._globs.get(id(table))
        if known is None or known[0] is not table:
            known = self._globs[id(table)] = (table, [(s, v) for s, v in table.items() if isinstance(s, str) and any(c in s for c in "*?[")])
        for selector, value in known[1]:
            if any(fnmatchcase(name, selector) for name in names if isinstance(name, str)):
                return value
        return None


_COPY = re.compile(r"\[\d+\]")


def check_names(scenario: Scenario, names: set[str]) -> None:
    """ScenarioError for the first selector that selects nothing among `names` (the pipeline's
    element names, see `simulator.element_names`), with the nearest name: a misspelt element
    would otherwise be ignored and the run look as if the scenario applied."""
    import difflib

    for key, table in (("durations", scenario.durations), ("fail", scenario.failures), ("when", scenario.when), ("inputs", scenario.inputs)):
        for selector in table:
            if not isinstance(selector, str):
                continue
            forms = {selector, _COPY.sub("", selector)}
            if forms & names or any(fnmatchcase(name, form) for name in names for form in forms):
                continue
            guess = difflib.get_close_matches(_COPY.sub("", selector), sorted(names), n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else "name elements by identifiers joined with dots from the stage down, or by YAML path"
            raise ScenarioError(f"{key}.{selector}: no element of the pipeline is named so ({hint})")


def _seconds(value: Any, where: str, endless: bool = False) -> float:
    """A duration: a number of seconds or text such as 1h 30m; finite and not negative (`endless`:
    infinity allowed)."""
    seconds = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = parse_duration(value)
    if seconds is None or seconds != seconds or seconds < 0 or (seconds == float("inf") and not endless):
        raise ScenarioError(f"{where}: expected a duration such as 90s, 5m or 1h 30m, not {_shown(value)}")
    return seconds


def _integer(value: Any, where: str, minimum: int) -> int:
    """A whole number of at least `minimum` (written as a number or as digits)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 20:
        number = int(value)
    if number is None or number < minimum:
        raise ScenarioError(f"{where}: expected a whole number of at least {minimum}, not {_shown(value)}")
    return number


def _shown(value: Any) -> str:
    """A value from the file, for a one-line message: short, printable."""
    text = repr(value) if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _mapping(value: Any, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(f"{where} must be a mapping")
    return value


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise ScenarioError(f"{where} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def from_data(data: Any, defaults: Profile = Profile()) -> Scenario:
    """A scenario from parsed YAML (a mapping); ScenarioError for anything unusable. Profile keys
    the file leaves out come from `defaults` (the configuration's settings)."""
    data = _mapping(data, "the scenario")
    known = {"seed", "shuffle_ties", "profile", "defaults", "durations", "fail", "when", "inputs", "horizon", "stop_at_quiescence"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(f"unknown scenario key '{unknown[0]}' (known: {', '.join(sorted(known))})")
    profile_data = _mapping(data.get("profile"), "profile")
    unknown = sorted(set(profile_data) - {"late_arrival", "poll_interval", "edition_cap", "unspawned_loops"})
    if unknown:
        raise ScenarioError(f"unknown profile key '{unknown[0]}'")
    profile = Profile(
        late_arrival=_choice(profile_data.get("late_arrival", defaults.late_arrival), LATE_ARRIVAL, "profile.late_arrival"),
        poll_interval=_seconds(profile_data.get("poll_interval", defaults.poll_interval), "profile.poll_interval"),
        edition_cap=_integer(profile_data.get("edition_cap", defaults.edition_cap), "profile.edition_cap", 1),
        unspawned_loops=_choice(profile_data.get("unspawned_loops", defaults.unspawned_loops), UNSPAWNED_LOOPS, "profile.unspawned_loops"),
    )
    scenario = Scenario(profile=profile)
    if "seed" in data:
        scenario.seed = _integer(data["seed"], "seed", -(2**63))
    scenario.shuffle_ties = bool(data.get("shuffle_ties", False))
    scenario.stop_at_quiescence = bool(data.get("stop_at_quiescence", False))
    if "horizon" in data:
        scenario.horizon = _seconds(data["horizon"], "horizon", endless=True)
    fallback = _mapping(data.get("defaults"), "defaults")
    if "step" in fallback:
        scenario.step_duration = _seconds(fallback["step"], "defaults.step")
    if "condition" in fallback:
        scenario.condition = bool(fallback["condition"])
    if "copies" in fallback:
        scenario.copies = _integer(fallback["copies"], "defaults.copies", 0)
    for key in ("stage_timeout", "pipeline_timeout"):
        if fallback.get(key) is not None:
            setattr(scenario, key, _seconds(fallback[key], f"defaults.{key}"))
    for selector, value in _mapping(data.get("durations"), "durations").items():
        scenario.durations[str(selector)] = _seconds(value, f"durations.{selector}")
    for selector, value in _mapping(data.get("fail"), "fail").items():
        spec = _mapping(value if isinstance(value, dict) else {}, f"fail.{selector}")
        attempts = spec.get("attempts", "all")
        scenario.failures[str(selector)] = Failure(
            error=str(spec.get("error", "Unknown")), attempts=None if attempts == "all" else _integer(attempts, f"fail.{selector}.attempts", 0)
        )
    for selector, value in _mapping(data.get("when"), "when").items():
        if not isinstance(value, bool):
            raise ScenarioError(f"when.{selector} must be true (runs) or false (skipped)")
        scenario.when[str(selector)] = value
    for selector, value in _mapping(data.get("inputs"), "inputs").items():
        scenario.inputs[str(selector)] = str(value)
    return scenario


def load(path: str, defaults: Profile = Profile()) -> Scenario:
    """Read a scenario file; ScenarioError (one line) when it cannot be read or used."""
    import yaml

    try:
        with open_input(path, "r", encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}: not valid YAML{where}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply") from None
    try:
        return from_data(data, defaults)
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"{path}: {error}") from None
