"""Locks in the reference runtime: one FIFO semaphore of capacity 1 per key, as Harness's
account-wide `Queuing` resource constraint (docs/rules/BL304.md for the sources).

A holder is a scope and its run: ("Stage", stage node) or ("Pipeline", execution). A holder
asking again for a key it holds passes at once; anyone else waits in arrival order until the
holder's scope ends, or until its own step's timeout expires.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .clock import LATE, Clock, Signal

LOCK_TIMEOUT = "Timed out waiting in the queue for the lock"


@dataclass
class Held:
    """A key: who holds it, since when, and who waits for it, first come first served."""

    key: tuple
    name: str
    holder: tuple | None = None
    holder_label: str = ""
    since: float = 0.0
    queue: deque = field(default_factory=deque)  # (holder, label, signal)
    deferred: list = field(default_factory=list)  # (entry, stage): requests held back to force an acquisition order
    asked: set = field(default_factory=set)  # stages that have asked


class Locks:
    """`order` (lock name -> stage labels) forces an acquisition order, as if the stages listed
    first asked first: a request of a later one waits until the earlier ones have asked."""

    def __init__(self, clock: Clock, trace, order: dict | None = None) -> None:
        self.clock, self.trace, self.order = clock, trace, order or {}
        self.keys: dict[tuple, Held] = {}

    def acquire(self, key: tuple, name: str, holder: tuple, label: str, timeout: float | None, stage: str = "") -> Signal | None:
        """None when the lock is taken at once; else a signal that fires with (status, message)
        when it is granted or the timeout expires (the request then leaves the queue)."""
        held = self.keys.setdefault(key, Held(key, name))
        if held.holder == holder:
            self.trace("lock-held", node=label, lock=name, message="the holder asks again: no wait")
            return None
        signal = Signal(self.clock)
        entry = (holder, label, signal)
        if timeout is not None:
            self.clock.at(timeout, self._expire, held, entry, priority=LATE, work=False)
        if self._early(held, stage):
            held.deferred.append((entry, stage))
            return signal
        granted = self._request(held, entry, stage)
        self._undefer(held)
        return None if granted else signal

    def _early(self, held: Held, stage: str) -> bool:
        preferred = self.order.get(held.name, ())
        return stage in preferred and any(s not in held.asked for s in preferred[: preferred.index(stage)])

    def _request(self, held: Held, entry: tuple, stage: str) -> bool:
        held.asked.add(stage)
        holder, label, signal = entry
        if held.holder is None and not held.queue:
            self._grant(held, holder, label)
            return True
        held.queue.append(entry)
        self.trace("lock-queued", node=label, lock=held.name, holder=held.holder_label)
        return False

    def _undefer(self, held: Held) -> None:
        for entry, stage in list(held.deferred):
            if not self._early(held, stage):
                held.deferred.remove((entry, stage))
                if self._request(held, entry, stage):
                    entry[2].fire(("SUCCEEDED", ""))

    def release(self, holder: tuple) -> None:
        """The holder's scope ended: its keys go to the next in line."""
        for held in self.keys.values():
            if held.holder == holder:
                self.trace("lock-released", node=held.holder_label, lock=held.name)
                held.holder = None
                if held.queue:
                    next_holder, label, signal = held.queue.popleft()
                    self._grant(held, next_holder, label)
                    signal.fire(("SUCCEEDED", ""))
                    for entry in [e for e in held.queue if e[0] == next_holder]:  # its other requests (parallel steps) ask again
                        held.queue.remove(entry)
                        self.trace("lock-held", node=entry[1], lock=held.name, message="the holder asks again: no wait")
                        entry[2].fire(("SUCCEEDED", ""))

    def _grant(self, held: Held, holder: tuple, label: str) -> None:
        held.holder, held.holder_label, held.since = holder, label, self.clock.now
        self.trace("lock-acquired", node=label, lock=held.name)

    def _expire(self, held: Held, entry: tuple) -> None:
        if entry in held.queue:
            held.queue.remove(entry)
        held.deferred = [d for d in held.deferred if d[0] is not entry]
        entry[2].fire(("EXPIRED", LOCK_TIMEOUT))

    def snapshot(self) -> tuple[list[tuple[str, str, float]], list[tuple[str, str, str]]]:
        """(lock, holder, since) of every held key, and (lock, waiter, holder) of every queued request."""
        held = [(h.name, h.holder_label, h.since) for h in self.keys.values() if h.holder is not None]
        queued = [(h.name, label, h.holder_label) for h in self.keys.values() for _, label, _ in [*h.queue, *(e for e, _ in h.deferred)]]
        return held, queued
