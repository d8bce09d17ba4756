"""The discrete-event core: a virtual clock, signals and generator processes.

Events are ordered by (time, priority, tie, sequence), the order SimPy uses; `tie` is 0 unless
a seeded generator shuffles simultaneous events, so every run replays exactly. Time only jumps:
a ten-hour timeout costs one heap operation. Events are either *work* (a step finishing, a
process resuming) or *watch* (timeouts, polls): when no work is left the system is quiescent,
the simulator's exact deadlock oracle.
"""

from __future__ import annotations

import heapq
import itertools
import random
from typing import Any, Callable, Generator

URGENT, NORMAL, LATE = 0, 1, 2  # resumptions, then ordinary events, then timeouts and polls


class Timer:
    __slots__ = ("action", "args", "work", "cancelled")

    def __init__(self, action: Callable, args: tuple, work: bool):
        self.action, self.args, self.work, self.cancelled = action, args, work, False


class BudgetSpent(Exception):
    """The run spent its budget (events processed, nodes started, barrier positions registered)."""


class Clock:
    def __init__(self, seed: int = 0, shuffle_ties: bool = False, budget: float = float("inf")):
        self.now = 0.0
        self.budget = budget  # what the run may still spend: one per event processed, node started, barrier position
        self.work = 0  # pending work events
        self._queue: list[tuple[float, int, float, int, Timer]] = []
        self._sequence = itertools.count()
        self._random = random.Random(seed) if shuffle_ties else None
        self.stopped = False

    def at(self, delay: float, action: Callable, *args: Any, priority: int = NORMAL, work: bool = True) -> Timer:
        timer = Timer(action, args, work)
        tie = self._random.random() if self._random else 0.0
        heapq.heappush(self._queue, (self.now + delay, priority, tie, next(self._sequence), timer))
        if work:
            self.work += 1
        return timer

    def spend(self, amount: int = 1) -> None:
        """Charge the budget; BudgetSpent (out of `run`) once it is gone."""
        self.budget -= amount
        if self.budget < 0:
            raise BudgetSpent

    def cancel(self, timer: Timer) -> None:
        if not timer.cancelled:
            timer.cancelled = True
            if timer.work:
                self.work -= 1

    def run(self, horizon: float, on_quiescence: Callable[[], bool]) -> None:
        """Process events up to `horizon`; `on_quiescence` is called whenever no work is pending
        and returns True to stop there. BudgetSpent when the events exceed the budget."""
        queue = self._queue
        while queue and not self.stopped:
            if self.work == 0 and on_quiescence():
                return
            when, _, _, _, timer = heapq.heappop(queue)
            if timer.cancelled:
                continue
            if when > horizon:
                heapq.heappush(queue, (when, 0, 0.0, -1, timer))
                self.now = horizon
                return
            if timer.work:
                self.work -= 1
            timer.cancelled = True
            self.now = when
            self.spend()
            timer.action(*timer.args)
        if not self.stopped:
            on_quiescence()

    def stop(self) -> None:
        self.stopped = True


class Signal:
    """Something that happens once, with a value; processes wait on it."""

    __slots__ = ("clock", "fired", "value", "_waiters")

    def __init__(self, clock: Clock):
        self.clock, self.fired, self.value, self._waiters = clock, False, None, []

    def fire(self, value: Any = None) -> None:
        if self.fired:
            return
        self.fired, self.value = True, value
        for waiter in self._waiters:
            self.clock.at(0, waiter, value, priority=URGENT)
        self._waiters = []

    def then(self, waiter: Callable[[Any], None]) -> None:
        if self.fired:
            self.clock.at(0, waiter, self.value, priority=URGENT)
        else:
            self._waiters.append(waiter)


Body = Generator[Signal, Any, Any]


class Process:
    """A generator that yields signals and is resumed with their values; `done` fires with its
    return value. `interrupt` throws an exception into it at the signal it waits for."""

    __slots__ = ("clock", "body", "done", "_turn")

    def __init__(self, clock: Clock, body: Body):
        self.clock, self.body, self.done, self._turn = clock, body, Signal(clock), 0
        clock.at(0, self._step, 0, None, False, priority=URGENT)

    def _step(self, turn: int, value: Any, throw: bool) -> None:
        if turn != self._turn:  # an interrupt came first: the signal it waited for no longer concerns it
            return
        try:
            awaited = self.body.throw(value) if throw else self.body.send(value)
        except StopIteration as end:
            self.done.fire(end.value)
            return
        awaited.then(lambda result: self._step(turn, result, False))

    def interrupt(self, error: BaseException) -> None:
        if not self.done.fired:
            self._turn += 1
            self.clock.at(0, self._step, self._turn, error, True, priority=URGENT)


def all_of(clock: Clock, signals: list[Signal]) -> Signal:
    """Fires with the list of values once every signal has fired."""
    joined = Signal(clock)
    remaining = [len(signals)]
    if not signals:
        joined.fire([])
        return joined

    def one(_value: Any) -> None:
        remaining[0] -= 1
        if remaining[0] == 0:
            joined.fire([s.value for s in signals])

    for signal in signals:
        signal.then(one)
    return joined
