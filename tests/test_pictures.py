"""Diagrams: golden mermaid and DOT files, SVG checked element by element, every fixture drawn.

Regenerate the golden files after an intended change with
`BARRIERLINT_UPDATE_GOLDEN=1 python -m pytest tests/test_pictures.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from barrierlint.cli import app
from barrierlint.pictures import DIAGRAM_FORMATS, diagram

from expectations import FIXTURES, ROOT

PICTURES = ROOT / "tests" / "pictures"
SVG = "{http://www.w3.org/2000/svg}"
UPDATE = os.environ.get("BARRIERLINT_UPDATE_GOLDEN") == "1"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in pictures are shown as given: keep them relative


@pytest.mark.parametrize("name", sorted(p.stem for p in PICTURES.glob("*.yaml")))
@pytest.mark.parametrize("fmt,suffix", [("mermaid", ".mmd"), ("dot", ".dot")])
def test_golden(name: str, fmt: str, suffix: str):
    actual = diagram(f"tests/pictures/{name}.yaml", fmt)
    golden = PICTURES / f"{name}{suffix}"
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8"), f"{golden} is stale (see this module's docstring)"


def _svg(path: str) -> ET.Element:
    return ET.fromstring(diagram(path, "svg").split("\n", 1)[1])


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def test_svg_lanes_bars_and_deadlock():
    root = _svg("tests/pictures/release.yaml")
    lanes = [g.get("data-lane") for g in _groups(root, "lane")]
    assert lanes == ["build", "deploy_db", "deploy_api", "deploy_api > canary", "smoke", "verify"]
    bars = {g.get("data-barrier"): g for g in _groups(root, "bar")}
    assert set(bars) == {"artifacts", "schema", "traffic"}
    # the whole bar crosses the three lanes that wait at `artifacts`: one vertical line from the
    # first participant's row (deploy_db) to the last one's (smoke)
    (line,) = bars["artifacts"].iter(f"{SVG}line")
    assert line.get("x1") == line.get("x2")
    rows = {g.get("data-lane"): float(next(g.iter(f"{SVG}rect")).get("y")) for g in _groups(root, "lane")}
    assert rows["deploy_db"] < float(line.get("y1")) < rows["deploy_api"]
    assert float(line.get("y2")) > rows["smoke"]
    # the crossed barriers are drawn broken and red, with the two waiting steps marked blocked
    assert "deadlock" in bars["schema"].get("class") and "deadlock" in bars["traffic"].get("class")
    blocked = sorted((g.get("data-lane"), g.get("data-barrier")) for g in _groups(root, "blocked"))
    assert blocked == [("deploy_api > canary", "traffic"), ("deploy_db", "schema")]
    witness = " ".join(t.text for t in next(g for g in _groups(root, "witnesses")).iter(f"{SVG}text"))
    assert "'deploy_db' waits at 'schema'" in witness
    assert {g.get("class") for g in _groups(root, "block")} == {"block parallel", "block loop"}


def test_svg_shapes_rollback_child_and_undeclared():
    root = _svg("tests/pictures/shapes.yaml")
    lanes = [g.get("data-lane") for g in _groups(root, "lane")]
    assert lanes == ["prepare", "prepare ∥ at_ready", "prepare > checks", "child", "inner", "publish"]
    cells = {(g.get("data-lane"), g.get("data-barrier")): g.get("class") for g in _groups(root, "barrier")}
    assert "rollback" in cells[("prepare", "done")]
    assert ("inner", "ready") in cells  # parent.ready in the chained child joins the parent's bar
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "redy ?" in texts  # not declared


def test_cells_of_one_lane_never_overlap():
    for path in ("tests/pictures/release.yaml", "tests/pictures/shapes.yaml"):
        from barrierlint.engine import load_pipeline
        from barrierlint.pictures.layout import layout

        _, pipeline = load_pipeline(path)
        placed = [(cell.lane.id, cell.column) for cell in layout(pipeline).cells]
        assert len(placed) == len(set(placed)), path


def _fixture_files() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in FIXTURES.rglob("*.y*ml"))


def test_every_fixture_is_drawn_in_every_format():
    """Each fixture with a pipeline gives a picture in every format; the others a clear error."""
    drawn = 0
    for path in _fixture_files():
        for fmt in DIAGRAM_FORMATS:
            try:
                content = diagram(path, fmt)
            except ValueError as error:
                assert "no pipeline" in str(error) or "several pipelines" in str(error), (path, error)
                break
            assert content.strip(), (path, fmt)
            if fmt == "svg":
                ET.fromstring(content.split("\n", 1)[1])
        else:
            drawn += 1
    assert drawn > 20


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed: DOT syntax checked only by the golden files")
def test_graphviz_accepts_the_dot():
    for path in [f"tests/pictures/{p.name}" for p in PICTURES.glob("*.yaml")] + _fixture_files()[:40]:
        try:
            content = diagram(path, "dot")
        except ValueError:
            continue
        done = subprocess.run(["dot", "-Tsvg"], input=content, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "Warning" not in done.stderr, (path, done.stderr)


def _generated(stages: int) -> str:
    """A pipeline of `stages` stages: pairs of parallel stages meeting at one barrier each."""
    barriers = "\n".join(f"      - {{identifier: b{i}, name: b{i}}}" for i in range(stages // 2))
    blocks = []
    for i in range(stages // 2):
        pair = []
        for side in ("a", "b"):
            pair.append(
                f"        - stage:\n            identifier: s{i}{side}\n            name: s{i}{side}\n            type: Custom\n"
                f"            spec:\n              execution:\n                steps:\n"
                f"                  - step: {{identifier: w, name: w, type: ShellScript, timeout: 1m}}\n"
                f"                  - step: {{identifier: x, name: x, type: Barrier, timeout: 1m, spec: {{barrierRef: b{i}}}}}\n"
            )
        blocks.append("    - parallel:\n" + "".join(pair))
    return f"pipeline:\n  identifier: big\n  name: big\n  flowControl:\n    barriers:\n{barriers}\n  stages:\n" + "".join(blocks)


def test_two_hundred_stages_stay_readable(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_text(_generated(200), encoding="utf-8")
    started = time.perf_counter()
    root = ET.fromstring(diagram(str(path), "svg").split("\n", 1)[1])
    assert time.perf_counter() - started < 5
    assert len(_groups(root, "lane")) == 200
    assert len(_groups(root, "bar")) == 100
    # labels are cut to their cells, never overflowing: every cell text fits its box
    assert all(len(t.text or "") <= 16 for g in _groups(root, "cell") for t in g.iter(f"{SVG}text"))


def test_graph_command(tmp_path: Path):
    runner = CliRunner()
    out = tmp_path / "picture.html"
    result = runner.invoke(app, ["graph", "tests/pictures/release.yaml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    result = runner.invoke(app, ["graph", "tests/pictures/release.yaml"])
    assert result.exit_code == 0 and result.output.splitlines()[1] == "flowchart LR"
    result = runner.invoke(app, ["graph", "missing.yaml", "-f", "svg"])
    assert result.exit_code == 2 and "missing.yaml" in result.output


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("x.png", [], "x.png: cannot write a .png picture"),
        ("x.png", ["-f", "mermaid"], "run `dot -Tpng FILE.dot -o x.png`"),
        ("x.pdf", ["-f", "svg"], "cannot write a .pdf picture"),
        ("x.txt", [], "cannot write a .txt picture"),
        ("x", [], "cannot write a .(no suffix) picture"),
        ("x.md", ["-f", "dot"], "a Markdown file holds the Mermaid diagram"),
    ],
)
def test_graph_refuses_a_file_it_cannot_write(tmp_path: Path, name, args, message):
    """`-o x.png` used to exit 0 with Mermaid text in x.png."""
    out = tmp_path / name
    result = CliRunner().invoke(app, ["graph", "tests/pictures/release.yaml", "-o", str(out), *args])
    assert result.exit_code == 2 and message in result.output and not out.exists()


@pytest.mark.parametrize("name, args, start", [("x.txt", ["-f", "dot"], "// barrierlint graph"), ("x.gv", [], "// barrierlint graph"), ("x.mmd", [], "%%"), ("x.htm", [], "<!DOCTYPE html>")])
def test_graph_writes_a_named_format_or_a_known_suffix(tmp_path: Path, name, args, start):
    out = tmp_path / name
    result = CliRunner().invoke(app, ["graph", "tests/pictures/release.yaml", "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").lstrip().startswith(start)


def test_graph_fences_mermaid_in_markdown(tmp_path: Path):
    out = tmp_path / "pipeline.md"
    result = CliRunner().invoke(app, ["graph", "tests/pictures/release.yaml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("```mermaid\n") and text.endswith("\n```\n") and text.count("```") == 2
    assert text[len("```mermaid\n") : -len("```\n")] == diagram("tests/pictures/release.yaml", "mermaid").rstrip("\n") + "\n"


def test_pictures_are_self_contained():
    for fmt in ("svg", "html"):
        content = diagram("tests/pictures/release.yaml", fmt)
        assert "<script" not in content and "http://" not in content.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in content


def test_readme_picture_is_fresh():
    """README.md shows docs/release-train.svg; regenerate it with the command in README.md."""
    picture = ROOT / "docs" / "release-train.svg"
    assert "docs/release-train.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert picture.read_text(encoding="utf-8") == diagram("tests/pictures/release.yaml", "svg"), (
        "stale: barrierlint graph tests/pictures/release.yaml -o docs/release-train.svg"
    )


def test_lock_spans_and_queued_stages_are_drawn():
    """Each lane notes the locks it holds and for how long; the lane queued behind a holder says
    so, the barrier is drawn as a deadlock, and the hold-and-wait's witness is listed."""
    path = "fixtures/BL304/queue_across_barrier.yaml"
    root = _svg(path)
    notes = {g.get("data-lane"): next(g.iter(f"{SVG}title")).text for g in _groups(root, "lane")}  # the full notes (the drawn text is cut to fit)
    assert "holds Queue key 'db' from step 'lock' to the end of the stage" in notes["api"]
    assert "queued on Queue key 'db' behind 'api'" in notes["worker"] and "queued" not in notes["api"]
    bars = {g.get("data-barrier"): g for g in _groups(root, "bar")}
    assert "deadlock" in bars["migrated"].get("class")
    witness = " ".join(t.text for t in next(g for g in _groups(root, "witnesses")).iter(f"{SVG}text"))
    assert "'api' holds Queue key 'db'" in witness
    mermaid = diagram(str(ROOT / path), "mermaid")
    assert "queued on Queue key 'db' behind 'api'" in mermaid and "holds Queue key 'db' from step 'lock' to the end of the stage" in mermaid
    assert "classDef deadlock" in mermaid and "class bar0 deadlock" in mermaid
    resource = diagram(str(ROOT / "fixtures/BL304/shared_infrastructure.yaml"), "mermaid")
    assert "holds the deployment resource 'web/prod/k8s' to the end of the stage" in resource


def test_run_with_locks_shows_held_locks_and_queued_stages(tmp_path: Path):
    """`run` simulates the pipeline's locks: at quiescence the report and the swimlane timeline
    say who holds which lock and who is queued behind it."""
    html = tmp_path / "run.html"
    done = CliRunner().invoke(app, ["run", str(ROOT / "fixtures/BL304/queue_across_barrier.yaml"), "--timeline", str(html)])
    assert done.exit_code == 1, done.output
    assert "  api.lock holds Queue key 'db' since 00:00:00\n  worker.lock is queued on Queue key 'db' behind api.lock\n" in done.stdout
    drawn = html.read_text()
    assert "held: Queue key &#x27;db&#x27; by api.lock; queued: worker.lock on Queue key &#x27;db&#x27; behind api.lock" in drawn


def test_graph_takes_the_file_size_limit_its_refusal_names(tmp_path: Path):
    """Its refusal of a large file says "raise the limit with --max-file-size": graph has it too."""
    size = Path("tests/pictures/release.yaml").stat().st_size
    refused = CliRunner().invoke(app, ["graph", "tests/pictures/release.yaml", "--max-file-size", str(size - 1)])
    assert refused.exit_code == 2 and "raise the limit with --max-file-size" in refused.output
    drawn = CliRunner().invoke(app, ["graph", "tests/pictures/release.yaml", "--max-file-size", str(size)])
    assert drawn.exit_code == 0 and drawn.output.startswith("%%"), drawn.output
