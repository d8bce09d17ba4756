"""The HTML pictures in a real browser: headless Chromium renders them, the screenshot is not
blank and shows the red deadlock, and the DOM holds the lanes, bars and marks.

Chromium is Debian's `chromium` package. When it is missing and this machine can install it
(root with apt-get, as on CI), the first test that needs it installs it; otherwise these tests
are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from barrierlint.pictures import diagram, swimlanes

from expectations import ROOT
from test_timeline import _timeline

WINDOW = (1280, 900)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _installed() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium() -> str:
    found = _installed()
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and this machine cannot install it (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            pytest.skip(f"could not install chromium: `{' '.join(command)}` failed: {last}")
    return _installed() or pytest.skip("apt-get installed chromium but no chromium command was found")


def _browse(chromium: str, page: Path, tmp_path: Path) -> tuple[bytes, str]:
    """The screenshot (PNG bytes) and the DOM of a page, as headless Chromium renders them."""
    profile = tmp_path / "profile"
    shot = tmp_path / "shot.png"
    base = [chromium, *FLAGS, f"--user-data-dir={profile}"]
    url = page.resolve().as_uri()
    subprocess.run([*base, f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", url], capture_output=True, timeout=120, check=True)
    dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True).stdout
    return shot.read_bytes(), dom


def _pixels(png: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and the unfiltered rows of an 8-bit RGB(A) PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, data, header = 8, b"", None
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, body = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            data += body
        offset += 12 + length
    width, height, depth, colour, *_ = header
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format (depth {depth}, colour type {colour})"
    step = 3 if colour == 2 else 4
    raw = zlib.decompress(data)
    stride = width * step
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                corner = previous[i - step] if i >= step else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, step, rows


def _colours(png: bytes) -> tuple[float, int]:
    """The share of pixels that are not near-white, and how many are deadlock red."""
    width, height, step, rows = _pixels(png)
    inked = red = 0
    for row in rows:
        for x in range(0, width * step, step):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r < 235 or g < 235 or b < 235:
                inked += 1
            if r > 170 and g < 110 and b < 110:
                red += 1
    return inked / (width * height), red


def test_diagram_page_in_chromium(chromium: str, tmp_path: Path):
    page = tmp_path / "diagram.html"
    page.write_text(diagram(str(ROOT / "tests" / "pictures" / "release.yaml"), "html"), encoding="utf-8")
    png, dom = _browse(chromium, page, tmp_path)
    inked, red = _colours(png)
    assert inked > 0.03, f"the screenshot is nearly blank ({inked:.1%} inked)"
    assert red > 50, "the deadlock is not drawn in red"
    assert dom.count('class="lane"') == 6
    assert 'class="bar whole" data-barrier="artifacts"' in dom
    assert 'class="bar deadlock" data-barrier="schema"' in dom
    assert dom.count("cell barrier blocked") == 2
    assert "waits at 'schema'" in dom


def test_timeline_page_in_chromium(chromium: str, tmp_path: Path):
    page = tmp_path / "timeline.html"
    page.write_text(swimlanes.render_html(_timeline()), encoding="utf-8")
    png, dom = _browse(chromium, page, tmp_path)
    inked, _ = _colours(png)
    assert inked > 0.03, f"the screenshot is nearly blank ({inked:.1%} inked)"
    assert dom.count('class="lane"') == 2
    assert dom.count('class="span wait') == 3
    for kind in ("release", "failure", "timeout", "rollback", "quiescence"):
        assert f'class="mark {kind}"' in dom


LONG_NAMES = """
pipeline:
  identifier: nightly_release_of_the_payments_platform_with_a_rather_long_identifier
  name: nightly release
  flowControl:
    barriers:
      - {identifier: schema_migration_complete_in_every_region, name: schema}
      - {identifier: traffic_switched_to_the_new_version_everywhere, name: traffic}
  stages:
    - parallel:
        - stage:
            identifier: deploy_the_database_cluster_in_all_regions
            name: db
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: a, name: a, type: Barrier, timeout: 10m, spec: {barrierRef: schema_migration_complete_in_every_region}}
                  - step: {identifier: b, name: b, type: Barrier, timeout: 10m, spec: {barrierRef: traffic_switched_to_the_new_version_everywhere}}
        - stage:
            identifier: deploy_the_api_servers_behind_the_gateway
            name: api
            type: Custom
            spec:
              execution:
                steps:
                  - step: {identifier: a, name: a, type: Barrier, timeout: 10m, spec: {barrierRef: traffic_switched_to_the_new_version_everywhere}}
                  - step: {identifier: b, name: b, type: Barrier, timeout: 10m, spec: {barrierRef: schema_migration_complete_in_every_region}}
"""

MEASURE = """<!DOCTYPE html><html><body style="margin:0">%s
<pre id="boxes"></pre>
<script>
const out = [];
for (const svg of document.querySelectorAll("svg")) {
  const [, , width, height] = svg.getAttribute("viewBox").split(" ").map(Number);
  for (const text of svg.querySelectorAll("text")) {
    const box = text.getBBox();
    out.push({text: text.textContent, x: box.x, y: box.y, right: box.x + box.width, bottom: box.y + box.height, width, height});
  }
}
document.getElementById("boxes").textContent = JSON.stringify(out);
</script></body></html>"""


def _text_boxes(chromium: str, svg: str, tmp_path: Path) -> list[dict]:
    """Every text element's box as Chromium lays it out, with its picture's view box."""
    import html
    import json

    page = tmp_path / "measure.html"
    page.write_text(MEASURE % svg.split("\n", 1)[1], encoding="utf-8")
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    found = dom.split('<pre id="boxes">', 1)[1].split("</pre>", 1)[0]
    return json.loads(html.unescape(found))


def _pictures(tmp_path: Path) -> dict[str, str]:
    long = tmp_path / "long.yaml"
    long.write_text(LONG_NAMES, encoding="utf-8")
    return {
        "release diagram": diagram(str(ROOT / "tests" / "pictures" / "release.yaml"), "svg"),
        "shapes diagram": diagram(str(ROOT / "tests" / "pictures" / "shapes.yaml"), "svg"),
        "long names diagram": diagram(str(long), "svg"),
        "timeline": swimlanes.render_svg(_timeline()),
    }


@pytest.mark.parametrize("name", ["release diagram", "shapes diagram", "long names diagram", "timeline"])
def test_every_text_lies_inside_the_view_box(chromium: str, tmp_path: Path, name: str):
    """The legend used to end past a 640-pixel picture ("barrier in a deadlock" at x=640),
    witness lines ran off the right edge and barrier names were cut to `schema_migra…`."""
    svg = _pictures(tmp_path)[name]
    boxes = _text_boxes(chromium, svg, tmp_path)
    assert len(boxes) > 10
    outside = [b for b in boxes if b["x"] < 0 or b["y"] < 0 or b["right"] > b["width"] or b["bottom"] > b["height"]]
    assert not outside, "\n".join(f"{b['text']!r}: x {b['x']:.0f}..{b['right']:.0f} of {b['width']}, y {b['y']:.0f}..{b['bottom']:.0f} of {b['height']}" for b in outside)
    if name == "long names diagram":
        shown = {b["text"] for b in boxes}
        assert {"schema_migration_complete_in_every_region", "traffic_switched_to_the_new_version_everywhere"} <= shown  # whole, not cut
        assert any("waits at 'schema_migration_complete_in_every_region'" in text for text in shown)
