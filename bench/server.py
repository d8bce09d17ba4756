"""Benchmark of the language server (not a test): time from a didChange to its diagnostics.

    .venv/bin/python bench/server.py [STAGES] [EDITS]

Starts `barrierlint server` over stdio with pygls's client (tests/lspclient.py), opens a
generated STAGES-stage pipeline (bench/generate.py, with mistakes so there is something to
publish) in a git repository of its own, then sends EDITS changes one at a time, each a
whole-document change that renames a stage, and waits for the publishDiagnostics that follows.
Prints the median, the 90th percentile and the maximum in milliseconds; the debounce pause the
server waits after a change is part of the figure. The budget is 150 ms for 200 stages.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from generate import pipeline  # noqa: E402
from lspclient import Editor  # noqa: E402


async def measure(root: Path, stages: int, edits: int) -> list[float]:
    text = pipeline(stages, mistakes=True)
    (root / "pipeline.yaml").write_text(text, encoding="utf-8")
    editor = Editor(root)
    await editor.start()
    editor.open("pipeline.yaml")
    await editor.diagnostics("pipeline.yaml")
    marker = text.index("identifier: ") + len("identifier: ")
    times = []
    for number in range(edits):
        seen = len(editor.published)
        changed = f"{text[:marker]}edit{number}_{text[marker:]}"
        sent = editor.replace("pipeline.yaml", changed)
        await editor.diagnostics("pipeline.yaml", after=seen)
        arrived = next(at for at, params in editor.published[seen:] if params.uri == editor.uri("pipeline.yaml"))
        times.append((arrived - sent) * 1000)
        await asyncio.sleep(0.2)  # a person types on; the next change comes after this analysis
    await editor.stop()
    return times


def main() -> None:
    stages = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        measured = asyncio.run(measure(root, stages, edits))
        print(" ".join(f"{ms:.0f}" for ms in measured))
        times = sorted(measured)
    p90 = times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]
    print(f"{stages} stages, {edits} edits: didChange -> publishDiagnostics median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, max {times[-1]:.0f} ms")


if __name__ == "__main__":
    main()
