"""The console script serves `check PATHS` without typer; with any option, typer parses the
command line. Both must print the same and exit the same."""

from __future__ import annotations

import subprocess
import sys

import pytest

from expectations import FIXTURES


def barrierlint(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "barrierlint", *args], input=stdin, capture_output=True, timeout=120)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


CLEAN = b"pipeline:\n  identifier: p\n  name: p\n  stages: []\n"


@pytest.mark.parametrize(
    "paths",
    [
        [str(FIXTURES / "BL101")],  # findings: exit 1
        [str(FIXTURES / "BL101"), "no-such-file.yaml"],  # an unreadable input: exit 2
        ["-"],  # standard input, clean: exit 0
    ],
)
def test_fast_path_matches_the_typer_command(paths):
    fast = barrierlint("check", *paths, stdin=CLEAN)
    parsed = barrierlint("check", "--format", "text", *paths, stdin=CLEAN)
    assert fast == parsed
    assert fast[0] in (0, 1, 2) and (fast[1] or fast[2])
