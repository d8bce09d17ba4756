"""CI cancellation and `timeout` send SIGTERM (a terminal, SIGINT): `check --jobs` must not leave
workers burning CPU after its own end (issue 21, item 12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from security.growth import crossed_barriers


def _children(pid: int) -> set[int]:
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            found.update(int(child) for child in handle.read().split())
    return found


def _alive(pid: int) -> bool:
    """True while a process runs (a zombie waiting to be reaped does not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads the process tree from /proc")
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_workers_end_with_the_parent_on_a_signal(tmp_path, number):
    text = crossed_barriers(1500)  # about a second of CPU per file, for two workers
    paths = []
    for i in range(16):
        path = tmp_path / f"p{i}.yaml"
        path.write_text(text)
        paths.append(str(path))
    process = subprocess.Popen([sys.executable, "-m", "barrierlint", "check", "--jobs", "2", *paths],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
            workers = _children(process.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the workers never started"
        time.sleep(0.3)  # into the work
        process.send_signal(number)
        process.wait(timeout=10)
        assert process.returncode == -number  # ended by the signal, as `timeout` and CI runners expect
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived their parent"
        assert b"Traceback" not in process.stderr.read()
    finally:
        for pid in (*(_children(process.pid) if process.poll() is None else ()), *workers, process.pid):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()
