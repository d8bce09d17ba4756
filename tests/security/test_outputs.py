"""Attacks on what barrierlint writes (issue 21, items 1, 5, 6, 7, 9 and SARIF message links).

A pull request chooses file names, symlinks and pipeline text; none of it may make barrierlint
replace a file it reads, follow a committed symlink, parse a file name as an option, crash on
a file name, leave a half-written report, or point code scanning at the wrong file.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import projects
from expectations import FIXTURES
from helpers import run, sarif_errors
from test_precommit import git, hook_repo  # noqa: F401  (hook_repo: a module-scoped fixture)

BAD = (FIXTURES / "BL101" / "undeclared.yaml").read_bytes()  # two BL101 findings
CYCLE = (FIXTURES / "BL302" / "two_party.yaml").read_bytes()  # a pipeline that hangs when run
REFUSED = "it is one of the files being read"


def barrierlint(*args: str, cwd: Path, **options) -> subprocess.CompletedProcess:
    """The console script as CI runs it, in a fresh process."""
    return subprocess.run([sys.executable, "-m", "barrierlint", *args], cwd=cwd, capture_output=True, timeout=120, **options)


# -- 1. no write replaces a file the run read, or follows a symlink -------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "check -o sarif:p.yaml p.yaml",
        "check --output json:p.yaml p.yaml",
        "check --baseline p.yaml --write-baseline p.yaml",
        "graph p.yaml -f mermaid -o p.yaml",
        "run p.yaml --trace p.yaml",
        "run p.yaml --trace-json p.yaml",
        "run p.svg --timeline p.svg",
    ],
)
def test_no_output_replaces_the_pipeline_it_reads(tmp_path, monkeypatch, command):
    name = command.split()[-1]
    (tmp_path / name).write_bytes(CYCLE)
    monkeypatch.chdir(tmp_path)
    result = run(*command.split())
    assert result.exit_code == 2, result.stdout + result.stderr
    assert REFUSED in result.stderr
    assert (tmp_path / name).read_bytes() == CYCLE
    assert [path.name for path in tmp_path.iterdir()] == [name]  # no temporary file left


@pytest.mark.parametrize("kind", ["config", "baseline", "input set", "scenario", "template of the project"])
def test_no_output_replaces_any_other_file_the_run_read(tmp_path, monkeypatch, kind):
    """Inputs are every file read: configuration, baseline, input set, scenario, and the files
    of the project that `check FILE` reads around the named file."""
    projects.make(tmp_path)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quiet.yaml").write_text("ignore: [BL702]\n")
    (tmp_path / "inputs.yaml").write_text("inputSet:\n  identifier: i\n  pipeline:\n    identifier: release\n")
    (tmp_path / "scenario.yaml").write_text("durations: {}\n")
    run("check", "--baseline", "baseline.json", "--write-baseline", projects.PIPELINE)
    target, command = {
        "config": ("quiet.yaml", ["check", "--config", "quiet.yaml", "-o", "json:quiet.yaml", projects.PIPELINE]),
        "baseline": ("baseline.json", ["check", "--baseline", "baseline.json", "-o", "json:baseline.json", projects.PIPELINE]),
        "input set": ("inputs.yaml", ["check", "--inputs", "inputs.yaml", "-o", "json:inputs.yaml", projects.PIPELINE]),
        "scenario": ("scenario.yaml", ["run", projects.PIPELINE, "--scenario", "scenario.yaml", "--trace", "scenario.yaml"]),
        "template of the project": (projects.TEMPLATE, ["check", "-o", f"sarif:{projects.TEMPLATE}", projects.PIPELINE]),
    }[kind]
    before = (tmp_path / target).read_bytes()
    result = run(*command)
    assert result.exit_code == 2 and REFUSED in result.stderr, result.stdout + result.stderr
    assert (tmp_path / target).read_bytes() == before


def test_a_committed_symlink_at_the_report_path_is_not_followed(tmp_path, monkeypatch):
    """The README's CI recipe writes barrierlint.sarif; a pull request commits it as a link."""
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "important.txt").write_text("keep me\n")
    (tmp_path / "barrierlint.sarif").symlink_to(tmp_path / "victim" / "important.txt")
    (tmp_path / "p.yaml").write_bytes(BAD)
    monkeypatch.chdir(tmp_path)
    result = run("check", "--output", "sarif:barrierlint.sarif", ".")
    assert result.exit_code == 2 and "refusing to write 'barrierlint.sarif': it is a symbolic link" in result.stderr
    assert (tmp_path / "victim" / "important.txt").read_text() == "keep me\n"
    assert (tmp_path / "barrierlint.sarif").is_symlink()


def test_a_new_command_in_the_same_process_may_write_what_an_earlier_one_read(tmp_path, monkeypatch):
    """Inputs are per command: the Python API and tests run many commands in one process."""
    (tmp_path / "p.yaml").write_bytes(BAD)
    (tmp_path / "q.yaml").write_bytes(BAD)
    monkeypatch.chdir(tmp_path)
    assert run("check", "p.yaml").exit_code == 1
    assert run("check", "-o", "json:p.yaml", "q.yaml").exit_code == 1
    assert json.loads((tmp_path / "p.yaml").read_text())["findings"]


# -- 5. file names are never options -------------------------------------------------------------


def test_file_names_after_double_dash_are_files_in_the_fast_path(tmp_path):
    """`check -- NAMES` is what the pre-commit hook runs; it must not import typer (start-up)
    and must read `--config=quiet.yaml` as a file to check."""
    (tmp_path / "--config=quiet.yaml").write_bytes(BAD)
    (tmp_path / "quiet.yaml").write_text("ignore: [BL101]\n")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "barrierlint", "check", "--", "--config=quiet.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "--config=quiet.yaml:24:37: BL101" in done.stdout
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "typer" not in imported


def test_file_names_after_double_dash_are_files_with_options(tmp_path, monkeypatch):
    (tmp_path / "--output=json:victim.yaml").write_bytes(BAD)
    (tmp_path / "victim.yaml").write_text("keep: me\n")
    monkeypatch.chdir(tmp_path)
    result = run("check", "--format", "json", "--", "--output=json:victim.yaml")
    assert result.exit_code == 1
    assert {f["path"] for f in json.loads(result.stdout)["findings"]} == {"--output=json:victim.yaml"}
    assert (tmp_path / "victim.yaml").read_text() == "keep: me\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_hook_reads_hostile_file_names_as_files(tmp_path, hook_repo):
    """The real pre-commit, on a commit that adds a barrier mistake together with an empty
    file named `--config=quiet.yaml` (a configuration that ignores the mistake) and one named
    `--output=json:.pre-commit-config.yaml`: the hook fails on the mistake and overwrites nothing."""
    project = tmp_path / "project"
    (project / ".harness").mkdir(parents=True)
    (project / ".harness" / "bad.yaml").write_bytes(BAD)
    (project / "quiet.yaml").write_text("ignore: [BL101]\n")
    (project / "--config=quiet.yaml").write_text("")
    (project / "--output=json:.pre-commit-config.yaml").write_text("")
    (project / ".pre-commit-config.yaml").write_text("repos: []\n")
    git(project, "init", "-q")
    git(project, "add", "-A")
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "barrierlint", "--all-files"],
        cwd=project, capture_output=True, text=True, timeout=900, env={**os.environ, "PRE_COMMIT_COLOR": "never"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert ".harness/bad.yaml:24:37: BL101 [error]" in done.stdout
    assert (project / ".pre-commit-config.yaml").read_text() == "repos: []\n"


# -- 6. file names that are not UTF-8 -------------------------------------------------------------

UNDECODABLE = os.fsdecode(b"q\xff.yaml")


def test_a_file_name_that_is_not_utf8_reaches_every_output_escaped(tmp_path):
    (tmp_path / UNDECODABLE).write_bytes(BAD)
    (tmp_path / "old.sarif").write_text("previous\n")
    shown = "q\\udcff.yaml"  # as the text format shows it
    done = barrierlint("check", "--baseline", "baseline.json", "--write-baseline", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the baseline accepts what it recorded
    baseline = json.loads((tmp_path / "baseline.json").read_bytes().decode("utf-8"))
    assert {entry["path"] for entry in baseline["findings"]} == {shown}
    done = barrierlint("check", "-o", "json:out.json", "-o", "sarif:old.sarif", "-o", "text:out.txt", "-o", "github:out.github", ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    document = json.loads((tmp_path / "out.json").read_bytes().decode("utf-8"))
    assert {f["path"] for f in document["findings"]} == {shown}
    log = json.loads((tmp_path / "old.sarif").read_bytes().decode("utf-8"))
    assert not sarif_errors(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"q%FF.yaml"}  # the file's bytes, percent-encoded
    for name in ("out.txt", "out.github"):
        assert shown in (tmp_path / name).read_bytes().decode("utf-8")


# -- 7. atomic writes -----------------------------------------------------------------------------


def test_a_run_killed_while_rendering_leaves_the_previous_report(tmp_path):
    (tmp_path / "p.yaml").write_bytes(BAD)
    (tmp_path / "r.sarif").write_text("previous report\n")
    kill_in_render = (
        "import os, signal, sys\n"
        "import barrierlint.report.sarif as sarif\n"
        "sarif.render = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from barrierlint.console import main\n"
        "sys.argv = ['barrierlint', 'check', '-o', 'sarif:r.sarif', 'p.yaml']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", kill_in_render], cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == -9
    assert (tmp_path / "r.sarif").read_text() == "previous report\n"


@pytest.mark.parametrize("output", [["-o", "sarif:r.sarif"], ["--baseline", "r.sarif", "--write-baseline"]], ids=["sarif", "baseline"])
def test_a_full_disk_leaves_the_previous_file_and_names_it(tmp_path, output):
    """RLIMIT_FSIZE makes writes past 200 bytes fail as a full disk does (EFBIG instead of ENOSPC)."""
    (tmp_path / "p.yaml").write_bytes(BAD)
    (tmp_path / "r.sarif").write_text('{"previous": "report"}\n')

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    done = barrierlint("check", *output, "p.yaml", cwd=tmp_path, text=True, preexec_fn=small_disk)
    assert done.returncode == 2, done.stderr
    assert "barrierlint: error: cannot write 'r.sarif': File too large" in done.stderr
    assert "None" not in done.stderr
    assert (tmp_path / "r.sarif").read_text() == '{"previous": "report"}\n'
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith(".barrierlint_cache")) == ["p.yaml", "r.sarif"]


def test_concurrent_runs_writing_one_path_leave_valid_json(tmp_path):
    """Two runs race to write one report: JSON with 80 findings, and SARIF without results (shorter,
    and slower to render): the report is always one of the two, never one over part of the other."""
    (tmp_path / "pipelines").mkdir()
    for number in range(40):
        (tmp_path / "pipelines" / f"p{number}.yaml").write_bytes(BAD)
    for _ in range(4):
        racers = [
            subprocess.Popen([sys.executable, "-m", "barrierlint", "check", *options, "pipelines"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for options in (["--ignore", "BL105", "-o", "json:out.json"], ["--ignore", "BL101,BL105", "-o", "sarif:out.json"])
        ]
        assert [racer.wait(timeout=120) for racer in racers] == [1, 0]
        report = json.loads((tmp_path / "out.json").read_text())
        assert len(report.get("findings", ())) == 80 or report["runs"][0]["results"] == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.json", "pipelines"]  # no temporary file left


# -- 9. SARIF locations in nested repositories and outside the repository ------------------------


def _results(log: dict) -> list[tuple[str, str | None, str]]:
    return [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["artifactLocation"].get("uriBaseId"),
            r["partialFingerprints"]["barrierlint/v1"],
        )
        for r in log["runs"][0]["results"]
    ]


def test_sarif_names_a_submodule_file_from_the_outer_repository(tmp_path, monkeypatch):
    outer = tmp_path / "outer"
    (outer / ".git").mkdir(parents=True)
    (outer / ".harness").mkdir()
    (outer / ".harness" / "p.yaml").write_bytes(BAD)
    (outer / "sub" / ".harness").mkdir(parents=True)
    (outer / "sub" / ".git").write_text("gitdir: ../.git/modules/sub\n")  # how a submodule's checkout looks
    (outer / "sub" / ".harness" / "p.yaml").write_bytes(BAD)
    monkeypatch.chdir(outer)
    result = run("check", "--isolated", "--ignore", "BL105", "--format", "sarif", ".harness/p.yaml", "sub/.harness/p.yaml")
    log = json.loads(result.stdout)
    assert not sarif_errors(log)
    found = _results(log)
    assert {(uri, base) for uri, base, _ in found} == {(".harness/p.yaml", "%SRCROOT%"), ("sub/.harness/p.yaml", "%SRCROOT%")}
    assert len({fingerprint for _, _, fingerprint in found}) == len(found) == 4
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == outer.as_uri() + "/"


def test_sarif_never_escapes_srcroot_for_a_file_outside_the_repository(tmp_path, monkeypatch):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "p.yaml").write_bytes(BAD)
    monkeypatch.chdir(tmp_path / "repo")
    result = run("check", "--format", "sarif", "../elsewhere/p.yaml")
    log = json.loads(result.stdout)
    assert not sarif_errors(log)
    places = [
        location["physicalLocation"]["artifactLocation"]
        for r in log["runs"][0]["results"]
        for location in [*r["locations"], *r.get("relatedLocations", [])]
    ]
    assert places and all(place == {"uri": (tmp_path / "elsewhere" / "p.yaml").as_uri()} for place in places)


# -- minor: SARIF plain-text messages carry no link from pipeline text ----------------------------

# SARIF 2.1.0 §3.11.6: an embedded link in a plain-text message is `[text](destination)`, its
# `[` not escaped by a backslash, its text made of characters other than `\[]` or escaped ones.
EMBEDDED_LINK = re.compile(r"(?<!\\)(?:\\\\)*\[(?:[^\\\[\]]|\\[\\\[\]])*\]\(([^)]*)\)")


def test_sarif_messages_do_not_turn_pipeline_text_into_links(tmp_path, monkeypatch):
    (tmp_path / "p.yaml").write_bytes(BAD.replace(b"barrierRef: db_redy", b'barrierRef: "[click](https://evil.example)"'))
    monkeypatch.chdir(tmp_path)
    log = json.loads(run("check", "--format", "sarif", "p.yaml").stdout)
    assert not sarif_errors(log)
    texts = [
        message["text"]
        for r in log["runs"][0]["results"]
        for message in [r["message"], *(location.get("message", {"text": ""}) for location in r.get("relatedLocations", []))]
    ]
    assert any("\\[click\\](https://evil.example)" in text for text in texts)
    assert not [text for text in texts if EMBEDDED_LINK.search(text)]
