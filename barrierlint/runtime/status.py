"""Node statuses as the Harness engine names them, and the runtime node of one execution."""

from __future__ import annotations

from dataclasses import dataclass

RUNNING, ASYNC_WAITING, INTERVENTION_WAITING = "RUNNING", "ASYNC_WAITING", "INTERVENTION_WAITING"
SUCCEEDED, SKIPPED, IGNORE_FAILED = "SUCCEEDED", "SKIPPED", "IGNORE_FAILED"
FAILED, EXPIRED, ABORTED, ERRORED = "FAILED", "EXPIRED", "ABORTED", "ERRORED"

POSITIVE = frozenset({SUCCEEDED, SKIPPED, IGNORE_FAILED})
NEGATIVE = frozenset({FAILED, EXPIRED, ABORTED, ERRORED})
TERMINAL = POSITIVE | NEGATIVE


@dataclass(eq=False, slots=True)
class Node:
    """One execution of a stage, step group or step (one loop copy, one attempt)."""

    element: object
    key: tuple  # copy indices of the loops at or above the element
    label: str  # e.g. "deploy[1] > verify > wait_db"
    parent: "Node | None"
    started: float
    status: str = RUNNING
    ended: float | None = None
    message: str = ""
    attempt: int = 1
    rollback: bool = False  # runs in a rollback section
    timer: object = None  # the clock event that ends its current work
