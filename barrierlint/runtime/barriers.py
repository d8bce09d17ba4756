"""The barrier manager: registration, the position walk, release, rejection and timeout, as the
Harness engine does them (research/harness-semantics.md §3.2-3.15).

One instance per barrier reference per execution. Every Barrier step of the plan registers a
position at start; a step under a loop registers a placeholder that its loop replaces, when it
spawns, by one position per copy started at once. A position is walked stage -> step group ->
step: not started keeps the barrier standing, a positive status (succeeded, skipped, ignored)
counts as arrived, an expired node times the barrier out, any other negative status rejects it,
and a running node defers to the next level, where a waiting Barrier step has arrived.
Position states are kept up to date incrementally, so an evaluation costs O(1) amortised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..model import Occurrence
from .clock import LATE, Clock, Signal
from .scenario import Profile
from .status import ASYNC_WAITING, EXPIRED, NEGATIVE, POSITIVE, TERMINAL, Node

STANDING, DOWN, ENDURE, TIMED_OUT = "STANDING", "DOWN", "ENDURE", "TIMED_OUT"
PENDING, ARRIVED, ABANDONED, EXPIRED_POSITION = "pending", "arrived", "abandoned", "timed-out"

REJECTED = "The barrier is rejected. One of the stage failed before arriving to the barrier step."
ENDURES = "The barrier endures since some of the tasks failed before all instances were reached."  # FirstGen
BARRIER_TIMED_OUT = "The barrier timed out"
OWN_TIMEOUT = "Please Check the timeout configuration on the step to extend the duration of the step"


@dataclass(frozen=True, slots=True, eq=False)
class Site:
    """A Barrier step's place in the plan: the elements of its walk and the loops above it."""

    occurrence: Occurrence
    ref: str  # the barrier it joins (a runtime input resolved)
    levels: tuple  # ((element, loops at or above it), ...): stage, nearest step group, step
    loop_elements: tuple  # elements carrying the enclosing strategies, outermost first


@dataclass(eq=False, slots=True)
class Position:
    site: Site
    key: tuple  # copy indices of the loops resolved so far
    order: int
    placeholder: bool
    state: str = PENDING
    depth: int = 0


@dataclass(eq=False)
class Instance:
    ref: str
    positions: set = field(default_factory=set)
    arrived: int = 0
    bad: set = field(default_factory=set)
    state: str = STANDING
    decided_by: Position | None = None
    waiters: list = field(default_factory=list)  # (node, signal)
    resolved_at: float | None = None
    late: list = field(default_factory=list)  # (node, time) arrivals after resolution


def site_of(occurrence: Occurrence, ref: str) -> Site:
    loops_so_far, levels, loop_elements = 0, [], []
    group = occurrence.group
    for element in occurrence.path:
        if getattr(element, "strategy", None) is not None:
            loops_so_far += 1
            loop_elements.append(element)
        if element is occurrence.stage or element is group:
            levels.append((element, loops_so_far))
    levels.append((occurrence.step, loops_so_far))
    return Site(occurrence, ref, tuple(levels), tuple(loop_elements))


class Barriers:
    """NextGen barriers, or FirstGen ones (`firstgen`, harness-semantics.md §3.17): there an
    expired participant abandons the barrier (no timed-out state), a step arriving after the
    barrier resolved takes its outcome at once, and every workflow that finishes re-evaluates."""

    def __init__(self, clock: Clock, profile: Profile, nodes: dict, trace: Callable[..., None], firstgen: bool = False):
        self.clock, self.profile, self.nodes, self.trace, self.firstgen = clock, profile, nodes, trace, firstgen
        self.instances: dict[str, Instance] = {}
        self._index: dict[tuple, list[Position]] = {}  # (element, key) -> positions walking it
        self._placeholders: dict[tuple, list[Position]] = {}  # (loop element, key) -> placeholders
        self._order = 0
        self._dirty: set[Instance] = set()
        self._ticking = False

    # -- registration -------------------------------------------------------------------

    def register(self, sites: list[Site]) -> None:
        """The plan's positions, before any node started: each is pending, as it starts."""
        for site in sites:
            self._add(site, (), placeholder=bool(site.loop_elements), walk=False)

    def _add(self, site: Site, key: tuple, placeholder: bool, walk: bool = True) -> None:
        self.clock.spend()
        instance = self.instance(site.ref)
        position = Position(site, key, self._order, placeholder)
        self._order += 1
        instance.positions.add(position)
        for element, loops in site.levels:
            if loops <= len(key):
                self._index.setdefault((element, key[:loops]), []).append(position)
        if placeholder:
            self._placeholders.setdefault((site.loop_elements[len(key)], key), []).append(position)
        if walk:
            self._update(position)

    def instance(self, ref: str) -> Instance:
        if ref not in self.instances:
            self.instances[ref] = Instance(ref)
        return self.instances[ref]

    def spawn(self, element, key: tuple, started: int) -> None:
        """A loop spawned: its placeholders become one position per copy started at once."""
        for position in self._placeholders.pop((element, key), ()):
            instance = self.instances[position.site.ref]
            if instance.state != STANDING:
                continue
            self._remove(instance, position)
            depth = len(key) + 1
            for copy in range(started):
                self._add(position.site, key + (copy,), placeholder=depth < len(position.site.loop_elements))
            self._dirty.add(instance)

    def _remove(self, instance: Instance, position: Position) -> None:
        instance.positions.discard(position)
        if position.state == ARRIVED:
            instance.arrived -= 1
        instance.bad.discard(position)
        position.state = "removed"

    # -- the walk -----------------------------------------------------------------------

    def _classify(self, position: Position) -> tuple[str, int]:
        if position.placeholder and self.profile.unspawned_loops == "pending":
            return PENDING, 0
        levels = position.site.levels
        for depth, (element, loops) in enumerate(levels, 1):
            if loops > len(position.key):
                return PENDING, 0
            node = self.nodes.get((element, position.key[:loops]))
            if node is None:
                return PENDING, 0
            status = node.status
            if status in POSITIVE:
                return ARRIVED, 0
            if status == EXPIRED and not self.firstgen:
                return EXPIRED_POSITION, depth
            if status in NEGATIVE:
                return ABANDONED, depth
            if depth == len(levels):
                return (ARRIVED if status == ASYNC_WAITING else PENDING), 0
        return PENDING, 0

    def _update(self, position: Position) -> None:
        instance = self.instances[position.site.ref]
        old = position.state
        position.state, position.depth = self._classify(position)
        if old == position.state:
            return
        instance.arrived += (position.state == ARRIVED) - (old == ARRIVED)
        if position.state in (ABANDONED, EXPIRED_POSITION):
            instance.bad.add(position)
        else:
            instance.bad.discard(position)
        self._dirty.add(instance)

    def changed(self, node: Node) -> None:
        """A node changed status: re-walk the positions that pass through it."""
        for position in self._index.get((node.element, node.key), ()):
            if position.state != "removed" and self.instances[position.site.ref].state == STANDING:
                self._update(position)
        if not self.profile.poll_interval or (self.firstgen and node.parent is None and node.status in TERMINAL):
            self.evaluate_dirty()
        elif self._dirty and not self._ticking:
            self._ticking = True
            interval = self.profile.poll_interval
            self.clock.at(interval - self.clock.now % interval, self._tick, priority=LATE, work=False)

    def _tick(self) -> None:
        self._ticking = False
        self.evaluate_dirty()

    def evaluate_dirty(self) -> None:
        if not self._dirty:
            return
        for instance in sorted(self._dirty, key=lambda i: i.ref):
            self.evaluate(instance)
        self._dirty.clear()

    def evaluate(self, instance: Instance) -> None:
        if instance.state != STANDING:
            return
        if instance.bad:
            worst = min(instance.bad, key=lambda p: (p.depth, p.order))
            self._resolve(instance, TIMED_OUT if worst.state == EXPIRED_POSITION else ENDURE, worst)
        elif instance.arrived == len(instance.positions):
            self._resolve(instance, DOWN, None)

    def _resolve(self, instance: Instance, state: str, decided_by: Position | None) -> None:
        instance.state, instance.decided_by, instance.resolved_at = state, decided_by, self.clock.now
        cause = decided_by.site.occurrence.where if decided_by else None
        self.trace("barrier", barrier=instance.ref, state=state, waiters=len(instance.waiters), cause=cause)
        for _node, signal in instance.waiters:
            signal.fire(self.outcome(state))
        instance.waiters = []

    # -- arrival ------------------------------------------------------------------------

    def arrive(self, node: Node, ref: str, timeout: float) -> Signal:
        """A Barrier step starts waiting (its node is ASYNC_WAITING). The signal fires with
        (status, message) when the barrier resolves or the step's own timeout expires."""
        signal = Signal(self.clock)
        self.clock.at(timeout, signal.fire, ("EXPIRED", OWN_TIMEOUT), priority=LATE, work=False)
        instance = self.instance(ref)
        if instance.state == STANDING:
            instance.waiters.append((node, signal))
            self.changed(node)
            self.evaluate(instance)  # an arrival is evaluated at once, also when polling
        else:
            instance.late.append((node, self.clock.now))
            policy = "pass" if self.firstgen else self.profile.late_arrival
            self.trace("late-arrival", barrier=ref, node=node.label, resolved=instance.state, policy=policy)
            if policy == "pass":
                signal.fire(self.outcome(instance.state))
        return signal

    def outcome(self, state: str) -> tuple[str, str]:
        """A waiting Barrier step's (status, message) when its barrier resolves."""
        return {
            DOWN: ("SUCCEEDED", ""),
            ENDURE: ("FAILED", ENDURES if self.firstgen else REJECTED),
            TIMED_OUT: ("EXPIRED", BARRIER_TIMED_OUT),
        }[state]
