"""A run never modifies what it reads, and says the same thing every time it runs."""

from __future__ import annotations

import os
import shutil

import pytest

from hostile import CORPUS_FILES, EVERY_FIELD, laughs, run_cli, run_process

HOSTILE = {
    "syntax-error.yaml": b"pipeline:\n  stages: [a\n",
    "bom.yaml": b"\xef\xbb\xbf" + EVERY_FIELD.encode(),
    "utf16.yaml": EVERY_FIELD.encode("utf-16"),
    "latin1.yaml": "pipeline:\n  name: caf\xe9\n".encode("latin-1"),
    "binary.yaml": bytes(range(256)),
    "empty.yaml": b"",
    "deep.yaml": b"[" * 50_000 + b"]" * 50_000,
    "bomb.yaml": ("pipeline:\n  identifier: bomb\n" + laughs(9, 10, "[{step: {type: Barrier, spec: {barrierRef: x}}}]", "{{parallel: {}}}")
                  + "  stages: [{stage: {identifier: s, type: Custom, spec: {execution: {steps: *l9}}}}]\n").encode(),
    "tabs.yaml": b"pipeline:\n\tidentifier: p\n",
    "dir with space/d\xc3\xa9j\xc3\xa0 vu.yaml": EVERY_FIELD.encode(),
}
OLD = 1_000_000_000  # 2001-09-09: any write would move the modification time away from it


@pytest.fixture
def tree(tmp_path):
    """Real and hostile pipelines in one folder, every file's modification time set to OLD."""
    root = tmp_path / "tree"
    (root / ".harness").mkdir(parents=True)
    for path in CORPUS_FILES:
        shutil.copyfile(path, root / ".harness" / path.name)
    for name, data in HOSTILE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), ns=(OLD * 10**9, OLD * 10**9))
    return root


def snapshot(root) -> dict[str, tuple[bytes, int, int]]:
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            stat = os.lstat(path)
            data = open(path, "rb").read() if os.path.isfile(path) else b""
            found[os.path.relpath(path, root)] = (data, stat.st_mtime_ns, stat.st_mode)
    return found


def test_a_run_leaves_every_input_byte_identical_with_its_modification_time(tree):
    before = snapshot(tree)
    files = [str(tree / name) for name in HOSTILE]
    for arguments in (["check", str(tree)], ["check", "--format", "json", str(tree)], ["check", *files]):
        outcome = run_process(*arguments, cwd=str(tree))
        assert outcome.code == 2  # the latin-1 and binary files named explicitly are errors
    assert snapshot(tree) == before  # same names (nothing created), bytes, times and modes


def test_repeated_runs_say_exactly_the_same(tree):
    first = run_process("check", "--format", "json", str(tree))
    second = run_process("check", "--format", "json", str(tree))
    assert (first.code, first.out, first.err) == (second.code, second.out, second.err)
    text = [run_process("check", str(tree)) for _ in range(2)]
    assert text[0].out == text[1].out and text[0].err == text[1].err
    assert "BL001" in first.out and "BL101" in first.out


def test_output_does_not_depend_on_the_number_of_jobs(tree):
    if "--jobs" not in run_cli("check", "--help").out:
        pytest.skip("barrierlint check has no --jobs option yet")
    outputs = {jobs: run_process("check", "--format", "json", "--jobs", jobs, str(tree)) for jobs in ("1", "2", "4")}
    assert len({(o.code, o.out, o.err) for o in outputs.values()}) == 1
