"""`barrierlint diff` and `check --new-from-rev` on real git repositories made in the test: a pull
request that swaps two barriers, one that adds an approval before a barrier, one that adds a
barrier that changes nothing; each gets a changelog and findings that say exactly that."""

from __future__ import annotations

import json
import subprocess

import pytest

from helpers import run

STEP = "                  - step: {{identifier: {id}, name: {id}, type: {type}, timeout: {timeout}, spec: {spec}}}\n"


def barrier(identifier: str, ref: str, timeout: str = "10m") -> str:
    return STEP.format(id=identifier, type="Barrier", timeout=timeout, spec=f"{{barrierRef: {ref}}}")


def work(identifier: str, kind: str = "ShellScript", timeout: str = "10m") -> str:
    return STEP.format(id=identifier, type=kind, timeout=timeout, spec="{}")


def pipeline(barriers: list[str], smoke: str, deploy: str) -> str:
    declared = "".join(f"      - {{identifier: {b}, name: {b}}}\n" for b in barriers)
    stage = (
        "        - stage:\n            identifier: {id}\n            name: {id}\n            type: Custom\n"
        "            spec:\n              execution:\n                steps:\n{steps}"
    )
    return (
        "pipeline:\n  identifier: release\n  name: release\n  flowControl:\n    barriers:\n" + declared
        + "  stages:\n    - parallel:\n" + stage.format(id="smoke_tests", steps=smoke) + stage.format(id="deploy_prod", steps=deploy)
    )


BEFORE = pipeline(
    ["built", "deployed"],
    work("test") + barrier("a", "built") + barrier("b", "deployed") + work("report"),
    work("build") + barrier("a", "built") + work("roll") + barrier("b", "deployed") + work("verify"),
)


def git(folder, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path):
    """A repository whose first commit holds BEFORE in .harness/release.yaml."""
    folder = tmp_path / "repo"
    (folder / ".harness").mkdir(parents=True)
    git(folder, "init", "-q")
    git(folder, "config", "user.email", "ci@example.com")
    git(folder, "config", "user.name", "ci")
    (folder / ".harness" / "release.yaml").write_text(BEFORE)
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "release pipeline")
    return folder


def change(repo, text: str) -> None:
    (repo / ".harness" / "release.yaml").write_text(text)


def untouched(repo, text: str) -> None:
    """The work tree holds exactly the change: no file written, none restored."""
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == " M .harness/release.yaml\n"
    assert (repo / ".harness" / "release.yaml").read_text() == text


def test_a_swap_of_two_barriers_shows_the_new_order_the_cycle_and_the_deadlock(repo):
    swapped = BEFORE.replace(barrier("a", "built") + barrier("b", "deployed") + work("report"), barrier("b", "deployed") + barrier("a", "built") + work("report"))
    assert swapped != BEFORE
    change(repo, swapped)
    result = run("diff", "HEAD", repo)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "pipeline 'release' (.harness/release.yaml): changed" in out
    assert "  + ordering: barrier 'deployed' -> barrier 'built'\n" in out
    assert "  + ordering: start of 'smoke_tests' -> barrier 'deployed'\n" in out
    assert "  - ordering: start of 'smoke_tests' -> barrier 'built'\n" in out
    assert "  + cycle (they wait for each other): barrier 'built' ⇄ barrier 'deployed'\n" in out
    introduced = out.split("findings introduced (1):\n")[1].split("\n\n")[0]
    assert "BL302 [error] barriers 'deployed' and 'built' are crossed in orders that form a cycle" in introduced
    assert "barrier" not in out.split("): changed")[1].split("ordering")[0]  # no barrier added or removed, nobody joined or left
    untouched(repo, swapped)


def test_an_approval_before_a_barrier_introduces_BL306_and_changes_no_ordering(repo):
    gated = BEFORE.replace(work("roll") + barrier("b", "deployed"), work("roll") + work("approve", "HarnessApproval", "1d") + barrier("b", "deployed"))
    change(repo, gated)
    result = run("diff", "HEAD", repo, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pipelines"] == []  # an approval is no barrier: who waits for whom is unchanged
    assert [(f["code"], f["location"]) for f in data["introduced"]] == [("BL306", ".harness/release.yaml:31:27")]
    assert "HarnessApproval step 'approve' (timeout 1d) runs before 'deploy_prod' reaches barrier 'deployed'" in data["introduced"][0]["message"]
    assert data["fixed"] == []
    untouched(repo, gated)


def test_a_barrier_that_changes_nothing_is_added_and_reported_redundant(repo):
    idle = BEFORE.replace("      - {identifier: deployed, name: deployed}\n", "      - {identifier: deployed, name: deployed}\n      - {identifier: again, name: again}\n")
    idle = idle.replace(barrier("b", "deployed"), barrier("b", "deployed") + barrier("c", "again"))
    change(repo, idle)
    result = run("diff", "HEAD", repo, "-f", "markdown")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "- ➕ barrier `again` added, participants `smoke_tests`, `deploy_prod`" in out
    assert "- ➕ barrier `deployed` → barrier `again`" in out
    assert "**BL105** info: barrier 'again' never holds anyone back: every participant reaches it the moment barrier 'deployed' releases them" in out
    assert "```mermaid\n%% barrierlint graph: release" in out
    untouched(repo, idle)


def test_check_new_from_rev_reports_only_what_the_change_introduces(repo):
    # the base already has an undeclared reference (BL101); the change adds a cycle (BL302)
    base = BEFORE.replace(work("verify"), barrier("v", "verifyed"))
    change(repo, base)
    git(repo, "commit", "-qam", "typo")
    swapped = base.replace(barrier("a", "built") + barrier("b", "deployed") + work("report"), barrier("b", "deployed") + barrier("a", "built") + work("report"))
    change(repo, swapped)
    target = repo / ".harness"
    everything = run("check", "--select", "BL101,BL302", "--format", "json", target)
    assert sorted(f["code"] for f in json.loads(everything.stdout)["findings"]) == ["BL101", "BL302"]
    new = run("check", "--select", "BL101,BL302", "--format", "json", "--new-from-rev", "HEAD", target)
    assert [f["code"] for f in json.loads(new.stdout)["findings"]] == ["BL302"] and new.exit_code == 1
    same = run("check", "--select", "BL101", "--new-from-rev", "HEAD", target)
    assert same.exit_code == 0 and "All clear" in same.stdout
    untouched(repo, swapped)


def test_two_folders_compare_without_git_and_an_unchanged_project_says_so(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        folder.mkdir()
        (folder / "release.yaml").write_text(BEFORE)
    result = run("diff", old, new)
    assert result.exit_code == 0 and "No change to barriers, orderings or findings." in result.stdout
    (new / "release.yaml").write_text(BEFORE.replace(barrier("a", "built") + work("roll"), work("roll")))
    result = run("diff", old, new)
    assert "  - 'deploy_prod' left barrier 'built'\n" in result.stdout
    assert "BL103 [warning] barrier 'built' has a single participant" in result.stdout


def test_markdown_shows_hostile_names_as_text(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(BEFORE)
    hostile = "x<img src=y>`a``b"
    new.write_text(BEFORE.replace(work("report"), barrier("h", f"'{hostile}'")).replace(work("verify"), barrier("h", f"'{hostile}'")))
    out = run("diff", old, new, "-f", "markdown").stdout
    assert "- ➕ barrier ```x<img src=y>`a``b``` added" in out  # a code span longer than any backtick run inside
    assert out.count("<img") == out.count("```x<img src=y>`a``b```") + out.count("\\<img")  # elsewhere escaped (messages)
    assert "\\<img" in out and "#lt;img" in out  # the messages, the Mermaid labels


def test_bad_revisions_and_folders_outside_git_are_one_line_errors(repo, tmp_path):
    for args, message in (
        (("diff", "no-such-rev", repo), "'no-such-rev' is no commit of the git repository"),
        (("diff", "--", "--upload-pack=touch x", repo), "is not a git revision"),
        (("check", "--new-from-rev", "HEAD", tmp_path / "nowhere.yaml"), "not inside a git repository"),
    ):
        if args[0] == "check":
            (tmp_path / "nowhere.yaml").write_text(BEFORE)
        result = run(*args)
        assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.output


def test_a_new_barrier_between_stages_says_whose_failure_now_fails_whom(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    (old / "release.yaml").write_text(pipeline(["built"], work("test"), work("build") + barrier("a", "built")))
    (new / "release.yaml").write_text(pipeline(["built"], work("test") + barrier("a", "built"), work("build") + barrier("a", "built")))
    out = run("diff", old, new).stdout
    assert "  + 'smoke_tests' joined barrier 'built'\n" in out
    assert "  + a failure of 'smoke_tests' can now fail 'deploy_prod'\n" in out
    assert "  + a failure of 'deploy_prod' can now fail 'smoke_tests'\n" in out
    fixed = out.split("findings fixed (1):\n")[1]
    assert "BL103 [warning] barrier 'built' has a single participant" in fixed
    markdown = run("diff", old, new, "-f", "markdown").stdout
    assert "- ➕ a failure of `smoke_tests` can now fail `deploy_prod`" in markdown
