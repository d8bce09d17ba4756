"""Allocation-heavy phases run with the cyclic garbage collector paused.

A check keeps millions of YAML nodes and model elements alive until it ends, so every collection
would walk all of them again: a 10,000-stage pipeline composed 17 times slower than a 1,000-stage
one (8.1 s against 0.49 s CPU; 2.5 s with the collector paused). Reference counting still frees
everything; the collector resumes when the phase ends.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
