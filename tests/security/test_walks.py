"""Walks never leave the scanned folder or its repository through a symbolic link found while
walking; what lies outside is neither read nor printed. Named paths are the user's choice."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from barrierlint import engine, workspace

from hostile import run_cli
from projects import APP, FIRSTGEN_PIPELINE, make

SECRET = "TOPSECRET-1234"
# Harness-looking YAML with an error on the secret's line: a code frame would print it
LEAKY = f"pipeline:\n  identifier: leak\n  stages: [\n  token: {SECRET}\n"


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository with a good pipeline, and a folder beside it holding a secret."""
    root = make(tmp_path / "repo")
    (root / ".git").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(LEAKY, encoding="utf-8")
    return root, outside


def test_a_folder_link_out_of_the_repository_is_not_walked(repo, monkeypatch):
    root, outside = repo
    (root / ".harness" / "root").symlink_to(outside, target_is_directory=True)
    monkeypatch.chdir(root)
    result = run_cli("check", ".")
    assert SECRET not in result.out + result.err
    assert "secret.yaml" not in result.out + result.err
    assert ".harness/root: a symbolic link leading out of" in result.err
    assert result.code == 0, result.out + result.err


def test_a_file_link_out_of_the_repository_is_not_read(repo, monkeypatch):
    root, outside = repo
    (root / ".harness" / "leak.yaml").symlink_to(outside / "secret.yaml")
    read: list[str] = []
    original = engine._read
    monkeypatch.setattr(engine, "_read", lambda path, size: read.append(os.path.realpath(path)) or original(path, size))
    monkeypatch.chdir(root)
    result = run_cli("check", ".harness")
    assert SECRET not in result.out + result.err
    assert str(outside / "secret.yaml") not in read and read
    assert "leak.yaml: a symbolic link leading out of .harness and its repository; not followed" in result.err
    assert result.code == 0


def test_links_inside_the_repository_are_followed(repo, monkeypatch):
    root, _ = repo
    shared = root / "shared"
    shared.mkdir()
    (shared / "bad.yaml").write_text(LEAKY.replace(SECRET, "inside"), encoding="utf-8")
    (root / ".harness" / "shared").symlink_to(shared, target_is_directory=True)
    monkeypatch.chdir(root)
    result = run_cli("check", ".harness")
    assert "shared/bad.yaml" in result.out and "BL001" in result.out
    assert "symbolic link" not in result.err


def test_a_named_link_is_the_users_choice(repo, monkeypatch):
    root, outside = repo
    (root / "named.yaml").symlink_to(outside / "secret.yaml")
    monkeypatch.chdir(root)
    result = run_cli("check", "--isolated", "named.yaml")
    assert result.code == 1 and "BL001" in result.out


def test_a_scan_outside_any_repository_stays_in_its_folder(tmp_path, monkeypatch):
    scanned = tmp_path / "scanned"
    (scanned / ".harness").mkdir(parents=True)
    (tmp_path / "secret.yaml").write_text(LEAKY, encoding="utf-8")
    (scanned / ".harness" / "up.yaml").symlink_to(tmp_path / "secret.yaml")
    monkeypatch.chdir(scanned)
    result = run_cli("check", ".")
    assert SECRET not in result.out + result.err and "not followed" in result.err


@pytest.mark.parametrize("link", ["Workflows/elsewhere", "Workflows"])
def test_run_on_a_firstgen_pipeline_does_not_walk_out_of_its_application(repo, monkeypatch, link):
    """A link in the application (or its Workflows folder itself) leads to a folder outside
    holding a workflow: it is not read."""
    root, outside = repo
    (outside / "Deploy Web.yaml").write_text((root / APP / "Workflows" / "Deploy Web.yaml").read_text().replace("Ready", SECRET))
    if link == "Workflows":
        shutil.rmtree(root / APP / "Workflows")
    (root / APP / link).symlink_to(outside, target_is_directory=True)
    read: list[str] = []
    original = workspace._read
    monkeypatch.setattr(workspace, "_read", lambda path, size: read.append(os.path.realpath(path)) or original(path, size))
    monkeypatch.chdir(root)
    result = run_cli("run", FIRSTGEN_PIPELINE)
    assert SECRET not in result.out + result.err
    assert not [path for path in read if path.startswith(str(outside))]
    assert link != "Workflows" or "workflow 'Deploy Web'" in result.err  # not found: its folder is not read


def test_a_configuration_that_links_out_of_the_repository_is_not_read(repo, monkeypatch):
    """A committed `.barrierlint.yaml` pointing elsewhere would configure the run from outside
    (and its errors would quote what it points at): it is not the repository's configuration."""
    root, outside = repo
    (outside / "config.yaml").write_text(f"ignore: [ALL]\nfail-on: {SECRET}\n")
    (root / ".barrierlint.yaml").symlink_to(outside / "config.yaml")
    monkeypatch.chdir(root)
    result = run_cli("check", "--isolated", ".harness/release.yaml")
    assert SECRET not in result.out + result.err
    assert result.code == 0 and "BL502" in result.out  # the defaults: nothing ignored
