"""The pre-commit hooks, installed and run by the real `pre-commit try-repo`.

pre-commit installs a hook from a git repository: the working tree (uncommitted changes
included) is committed into a temporary repository first. Installing needs the package index
(about 15 s on an idle machine).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import projects
from expectations import FIXTURES, ROOT

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
# a Helm template: pre-commit calls it YAML, it is not valid YAML, and it is not barrierlint's business
HELM = "{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\n{{- end }}\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """A git repository holding the current working tree of barrierlint."""
    target = tmp_path_factory.mktemp("hook")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, check=True, capture_output=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-qm", "working tree")
    return target


def test_changed_files_hook_passes_and_whole_repository_hook_fails(tmp_path, hook_repo):
    """One bad and one good pipeline; the commit changes only the good one and a non-pipeline
    YAML file. The changed-files hook passes; the whole-repository hook finds the bad one."""
    project = tmp_path / "project"
    (project / ".harness").mkdir(parents=True)
    good = (FIXTURES / "BL101" / "declared.yaml").read_text(encoding="utf-8")
    (project / ".harness" / "good.yaml").write_text(good.replace("identifier: release", "identifier: release_good", 1))  # two pipelines: BL503
    (project / ".harness" / "bad.yaml").write_bytes((FIXTURES / "BL101" / "undeclared.yaml").read_bytes())
    (project / "chart").mkdir()
    (project / "chart" / "configmap.yaml").write_text(HELM)
    git(project, "init", "-q")
    git(project, "add", "-A")

    env = {**os.environ, "PRE_COMMIT_COLOR": "never"}
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "--files", ".harness/good.yaml", "chart/configmap.yaml"]
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    outcome = {line.split(".", 1)[0]: line.rsplit(".", 1)[1] for line in done.stdout.splitlines() if "....." in line}
    assert outcome == {"barrierlint": "Passed", "barrierlint (whole repository)": "Failed"}, output
    assert ".harness/bad.yaml:24:37: BL101 [error]" in done.stdout
    assert "good.yaml:" not in done.stdout and "configmap" not in done.stdout


def test_commits_with_a_barrier_mistake_are_blocked_and_the_others_pass(tmp_path, hook_repo):
    """The changed-files hook on real commits of a repository holding a pipeline, its template
    and a FirstGen application: a mistake made in a template or a workflow alone is blocked
    (the hook reads the pipelines that use them); renames, notes and other YAML pass."""
    project = projects.make(tmp_path / "project")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, check=True, capture_output=True, text=True).stdout.strip()
    (project / ".pre-commit-config.yaml").write_text(f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: barrierlint\n")
    git(project, "init", "-q")
    env = {**os.environ, "PRE_COMMIT_COLOR": "never"}
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env, check=True, capture_output=True)

    def commit(message: str) -> tuple[bool, str]:
        git(project, "add", "-A")
        done = subprocess.run([*GIT, "commit", "-qm", message], cwd=project, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode:
            git(project, "reset", "-q", "--hard")  # undo the blocked change
        return done.returncode == 0, done.stdout + done.stderr

    def attempt(name: str, old: str, new: str) -> tuple[bool, str]:
        projects.edit(project, name, old, new)
        return commit(f"edit {name}")

    done, output = commit("the pipelines")  # the first commit installs the hook's environment
    assert done, output
    assert git_log(project) == ["the pipelines"]
    assert attempt(projects.PIPELINE, "  name: release\n", "  name: release train\n")[0]  # a rename beside its unchanged template
    blocked, output = attempt(projects.TEMPLATE, "barrierRef: ready", "barrierRef: reddy")  # in the template alone
    assert not blocked and f"{projects.TEMPLATE}:17:29: BL101 [error]" in output and "did you mean 'ready'?" in output
    blocked, output = attempt(projects.WORKFLOW, "identifier: ready", "identifier: readx")  # in a workflow alone
    assert not blocked and f"{projects.WORKFLOW}:7:17: BL103 [warning]" in output
    blocked, output = attempt(projects.PIPELINE, "        name: ready\n", "        name: ready\n      - identifier: spare\n        name: spare\n")
    assert not blocked and "BL102 [warning] barrier 'spare'" in output
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs: {}\n")
    (project / "chart").mkdir()
    (project / "chart" / "configmap.yaml").write_text(HELM)
    assert commit("other YAML")[0]
    (project / projects.TEMPLATE).unlink()  # the template now lives in Harness: a note, not a failure
    assert commit("template moved to Harness")[0]
    assert git_log(project) == ["template moved to Harness", "other YAML", "edit .harness/release.yaml", "the pipelines"]


def git_log(cwd: Path) -> list[str]:
    return subprocess.run(["git", "log", "--format=%s"], cwd=cwd, check=True, capture_output=True, text=True).stdout.splitlines()
