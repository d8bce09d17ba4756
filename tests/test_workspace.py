"""`check FILE` sees the project the file belongs to (workspace.py): the pipelines that use a
named template or run a named workflow, what they refer to, `template-paths`, and the index
cache. Each test drives the real process in a repository made for it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import projects
from barrierlint import workspace
from projects import FIRSTGEN_PIPELINE, PIPELINE, TEMPLATE, WORKFLOW

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def barrierlint(cwd: Path, *args: str, env: dict | None = None) -> tuple[int, str, str]:
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environment.pop("BARRIERLINT_CACHE_DIR", None) if not env or "BARRIERLINT_CACHE_DIR" not in env else None
    done = subprocess.run([sys.executable, "-m", "barrierlint", *args], cwd=cwd, capture_output=True, timeout=120, env=environment)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    root = projects.make(tmp_path / "repo")
    if shutil.which("git"):
        git(root, "init", "-q")
        git(root, "add", "-A")
    return root


def test_the_project_is_clean(repo):
    assert barrierlint(repo, "check", "--isolated", "--fail-on", "info", ".")[:2] == (0, "All clear: no barrier problems in 5 files.\n")


def test_a_named_template_is_checked_with_the_pipelines_that_use_it(repo):
    projects.edit(repo, TEMPLATE, "barrierRef: ready", "barrierRef: reddy")
    code, out, _ = barrierlint(repo, "check", TEMPLATE)
    assert code == 1 and f"{TEMPLATE}:17:29: BL101 [error]" in out and "did you mean 'ready'?" in out
    assert "in 1 file." in out  # the pipeline was read, not counted among the checked files
    assert "BL102" not in out  # the BL102 of 'ready' is the pipeline's own, not this file's
    assert barrierlint(repo, "check", "--isolated", TEMPLATE)[0] == 0  # alone, it says nothing
    assert barrierlint(repo, "check", PIPELINE)[0] == 1  # the pipeline sees its template too


@needs_git
def test_outside_harness_the_repository_is_the_project(repo):
    (repo / "pipelines").mkdir()
    (repo / PIPELINE).rename(repo / "pipelines" / "release.yaml")
    (repo / "templates").mkdir()
    (repo / TEMPLATE).rename(repo / "templates" / "deploy.yaml")
    projects.edit(repo, "templates/deploy.yaml", "barrierRef: ready", "barrierRef: reddy")
    assert barrierlint(repo, "check", "templates/deploy.yaml")[0] == 0  # git does not know them yet
    git(repo, "add", "-A")
    code, out, _ = barrierlint(repo, "check", "templates/deploy.yaml")
    assert code == 1 and "templates/deploy.yaml:17:29: BL101" in out
    (repo / ".barrierlint.yaml").write_text("exclude: [pipelines/*]\n")
    assert barrierlint(repo, "check", "templates/deploy.yaml")[0] == 0  # excluded files are no context


def test_a_firstgen_pipeline_finds_its_workflows(repo):
    code, out, err = barrierlint(repo, "check", "--fail-on", "info", FIRSTGEN_PIPELINE)
    assert (code, out, err) == (0, "All clear: no barrier problems in 1 file.\n", "")


def test_a_firstgen_workflow_alone_gets_the_findings_of_its_application(repo):
    projects.edit(repo, WORKFLOW, "identifier: ready", "identifier: readx")
    code, out, _ = barrierlint(repo, "check", WORKFLOW)
    assert code == 1 and out.count("BL103 [warning]") == 1 and f"{WORKFLOW}:7:17: BL103" in out
    assert barrierlint(repo, "check", "--isolated", WORKFLOW)[0] == 0


def test_without_git_the_harness_folder_and_the_application_are_projects(tmp_path):
    root = projects.make(tmp_path)
    projects.edit(root, TEMPLATE, "barrierRef: ready", "barrierRef: reddy")
    projects.edit(root, WORKFLOW, "identifier: ready", "identifier: readx")
    assert barrierlint(root, "check", TEMPLATE)[0] == 1
    assert barrierlint(root, "check", WORKFLOW)[0] == 1
    assert not (root / ".barrierlint_cache").exists()  # no repository: no cache on disk


def test_notes_do_not_fail_the_gate(repo):
    (repo / TEMPLATE).unlink()
    code, out, _ = barrierlint(repo, "check", PIPELINE)
    assert code == 0 and out.count("BL502 [info] template 'deploy' version 'v1' (used 2 times in this pipeline)") == 1
    assert barrierlint(repo, "check", "--fail-on", "info", PIPELINE)[0] == 1
    (repo / ".barrierlint.yaml").write_text("fail-on: info\n")
    assert barrierlint(repo, "check", PIPELINE)[0] == 1


@pytest.mark.parametrize(
    "config, option, reported",
    [
        ("", [], False),  # account. and org. templates live in Harness
        ("external-templates: []\n", [], True),
        ("external-templates: ['account.shared_*']\n", [], False),
        ("external-templates: ['org.*']\n", [], True),
    ],
)
def test_external_templates_are_not_reported(repo, config, option, reported):
    projects.edit(repo, PIPELINE, "templateRef: deploy", "templateRef: account.shared_deploy")
    (repo / ".barrierlint.yaml").write_text(config or "select: [ALL]\n")
    code, out, _ = barrierlint(repo, "check", "--fail-on", "info", *option, PIPELINE)
    assert ("template 'account.shared_deploy' version 'v1' (used once in this pipeline)" in out) is reported
    assert code == (1 if reported else 0)


def test_template_paths_name_a_template_library(repo, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (repo / TEMPLATE).rename(library / "deploy.yaml")
    (library / "pipeline.yaml").write_text((repo / PIPELINE).read_text())  # a library's own pipelines are not context
    projects.edit(repo, PIPELINE, "name: ready", "name: ready  # the library checkout")
    assert "BL502" in barrierlint(repo, "check", "--fail-on", "info", PIPELINE)[1]
    assert barrierlint(repo, "check", "--fail-on", "info", "--template-paths", str(library), PIPELINE)[:2] == (0, "All clear: no barrier problems in 1 file.\n")
    (repo / ".barrierlint.yaml").write_text(f"template-paths: [{json.dumps(os.path.relpath(library, repo))}]\n")
    assert barrierlint(repo, "check", "--fail-on", "info", PIPELINE)[0] == 0
    assert barrierlint(repo, "check", "--fail-on", "info", ".harness")[0] == 0  # folder scans use them too
    (repo / ".barrierlint.yaml").write_text("template-paths: [no-such-folder]\n")
    code, _, err = barrierlint(repo, "check", PIPELINE)
    assert code == 2 and "template-paths" in err and "no-such-folder is not a folder" in err


def test_a_named_file_that_is_not_harness_yaml_is_a_warning(repo):
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: []\n")
    (repo / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    code, out, err = barrierlint(repo, "check", ".github/workflows/ci.yml", "docker-compose.yml")
    assert code == 0 and out == "All clear: no barrier problems in 0 files.\n"
    assert err.splitlines() == [
        f"barrierlint: warning: {name}: not a Harness pipeline, template, input set or FirstGen file; not checked"
        for name in (".github/workflows/ci.yml", "docker-compose.yml")
    ]


@needs_git
def test_the_index_cache(repo, tmp_path):
    projects.edit(repo, TEMPLATE, "barrierRef: ready", "barrierRef: reddy")
    cache = repo / ".barrierlint_cache"
    first = barrierlint(repo, "check", TEMPLATE)
    assert first[0] == 1
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    table = json.loads((cache / workspace.CACHE_FILE).read_text())
    assert table["version"] == workspace.CACHE_VERSION and len(table["entries"]) == 2  # the .harness folder is the project
    assert barrierlint(repo, "check", TEMPLATE) == first
    for hostile in (b"\0garbage", b"[" * 100_000, json.dumps({"version": workspace.CACHE_VERSION, "entries": {"x" * 64: {"kinds": ["nope"]}}}).encode()):
        (cache / workspace.CACHE_FILE).write_bytes(hostile)
        assert barrierlint(repo, "check", TEMPLATE) == first
        assert len(json.loads((cache / workspace.CACHE_FILE).read_text())["entries"]) == 2  # rebuilt
    shutil.rmtree(cache)
    assert barrierlint(repo, "check", "--no-cache", TEMPLATE) == first and not cache.exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache.symlink_to(elsewhere)  # a committed link must not lead the writes out of the repository
    assert barrierlint(repo, "check", TEMPLATE) == first and list(elsewhere.iterdir()) == []
    cache.unlink()
    chosen = tmp_path / "chosen"
    assert barrierlint(repo, "check", TEMPLATE, env={"BARRIERLINT_CACHE_DIR": str(chosen)}) == first
    assert (chosen / workspace.CACHE_FILE).is_file() and not cache.exists()


@needs_git
def test_tracked_links_out_of_the_repository_are_not_read(repo, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text(projects.FILES[TEMPLATE].replace("barrierRef: ready", "barrierRef: reddy"))
    (repo / TEMPLATE).unlink()
    os.symlink(outside, repo / "deploy.yaml")
    git(repo, "add", "-A")
    code, out, _ = barrierlint(repo, "check", PIPELINE)
    assert "reddy" not in out and "secret" not in out


def test_a_pipeline_is_checked_with_the_infrastructure_definitions_it_deploys_to(tmp_path):
    shutil.copytree(Path(__file__).parent.parent / "fixtures" / "BL304" / "infrastructure_files", tmp_path / "repo")
    root = tmp_path / "repo"

    def locks(*args: str) -> list[str]:
        code, out, err = barrierlint(root, "check", "--select", "BL304", "--format", "json", *args)
        assert code in (0, 1), err
        return sorted(f["message"] for f in json.loads(out)["findings"])

    whole = locks(".")
    assert len(whole) == 1 and "batch" in whole[0]  # the shared infrastructure allows simultaneous deployments
    assert locks(".harness/release.yaml") == whole  # its infrastructure files are read with it
    assert locks("--isolated", ".harness/release.yaml") != whole  # alone, the default (no simultaneous deployments) decides


def test_project_files_are_read_up_to_the_limit_even_when_they_grow(tmp_path, monkeypatch):
    """`_read` asks for the size the file has, not for the limit (allocated per file): a file at
    the limit is read whole, one byte more is refused, and a file that grew after its size was
    taken is read on up to the limit, as a read of `limit + 1` bytes would."""
    path = tmp_path / "p.yaml"
    path.write_bytes(b"x" * 100)
    assert workspace._read(str(path), 100) == b"x" * 100
    assert workspace._read(str(path), 99) is None
    real = os.fstat

    class Shrunk:  # what os.fstat reported before the file grew
        def __init__(self, info):
            self.info, self.st_size = info, 10

        def __getattr__(self, name):
            return getattr(self.info, name)

    monkeypatch.setattr(workspace.os, "fstat", lambda fd: Shrunk(real(fd)))
    assert workspace._read(str(path), 100) == b"x" * 100
    assert workspace._read(str(path), 99) is None
