"""What users see, in every format, for a few fixtures; compared with tests/snapshots/.

After an intended change of the output, update the files and review their diff:

    BARRIERLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from barrierlint import __version__

from expectations import ROOT
from helpers import run, sarif_errors

SNAPSHOTS = Path(__file__).parent / "snapshots"
FIXTURES = {
    "undeclared": ["--select", "BL101", "fixtures/BL101/undeclared.yaml"],
    "cycle": ["--select", "BL302", "fixtures/BL302/two_party.yaml"],
    "suppressions": ["--select", "BL101,BL102,BL900", "fixtures/BL900/suppressions.yaml"],
}
EXTENSIONS = {"text": "txt", "json": "json", "sarif": "sarif", "github": "github.txt", "junit": "junit.xml", "gitlab": "gitlab.json"}


def normalize(fmt: str, output: str) -> str:
    """Remove what depends on the machine or the release: the root path, the version, and in
    SARIF the rules no result uses (other rules come and go)."""
    output = output.replace(ROOT.as_uri(), "file://<root>").replace(str(ROOT), "<root>")
    if fmt == "json":
        document = json.loads(output)
        document["version"] = "<version>"
        return json.dumps(document, indent=2) + "\n"
    if fmt == "sarif":
        log = json.loads(output)
        assert not sarif_errors(log)
        driver = log["runs"][0]["tool"]["driver"]
        assert driver["version"] == __version__
        driver["version"] = driver["semanticVersion"] = "<version>"
        used = {result["ruleId"] for result in log["runs"][0]["results"]}
        driver["rules"] = [rule for rule in driver["rules"] if rule["id"] in used]
        for result in log["runs"][0]["results"]:
            result["ruleIndex"] = "<index>"
        return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return output


@pytest.mark.parametrize("fmt", EXTENSIONS)
@pytest.mark.parametrize("name", FIXTURES)
def test_snapshot(name, fmt, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("check", "--format", fmt, *FIXTURES[name])
    assert result.exit_code == 1, result.stderr
    actual = normalize(fmt, result.stdout)
    path = SNAPSHOTS / f"{name}.{EXTENSIONS[fmt]}"
    if os.environ.get("BARRIERLINT_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run BARRIERLINT_UPDATE_SNAPSHOTS=1 python -m pytest {__file__}"
    assert actual == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from the output; if the change is intended, run "
        f"BARRIERLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py and review the diff"
    )
