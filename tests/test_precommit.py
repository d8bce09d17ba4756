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
    (project / ".harness" / "good.yaml").write_bytes((FIXTURES / "BL101" / "declared.yaml").read_bytes())
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
