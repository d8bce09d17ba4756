"""Pictures carry pipeline text escaped per format: a title with a line break cannot leave the
DOT or Mermaid header comment and add a graph of its own, control characters never make an
SVG file that is not well-formed XML, and a picture printed to a CI log starts no command."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hostile import commands, run_cli

INJECTED = 'digraph pwn { a [URL=\\"javascript:alert(1)\\"] }'
PIPELINE = f"""\
pipeline:
  identifier: "release\\n}}\\n{INJECTED}\\nclick a href \\"javascript:alert(1)\\"\\n%% \\x01\\x1b\\x7f ##[add-mask]x"
  name: "release\\n}}\\n{INJECTED}\\nclick a href \\"javascript:alert(1)\\"\\n%% \\x01\\x1b\\x7f ##[add-mask]x"
  flowControl:
    barriers:
      - identifier: "gate\\x02 .- c0 --> c1\\nclick c0 call alert(1)"
        name: "gate\\x03"
      - identifier: other
        name: other
  stages:
    - parallel:
        - stage:
            identifier: "a\\x04\\n::error::x"
            name: "a\\x04\\n::error::x"
            type: Custom
            spec:
              execution:
                steps:
                  - step: {{identifier: "w\\x05", name: "w\\x05##[x]", type: Barrier, timeout: 10m, spec: {{barrierRef: "gate\\x02 .- c0 --> c1\\nclick c0 call alert(1)"}}}}
                  - step: {{identifier: w2, name: w2, type: Barrier, timeout: 10m, spec: {{barrierRef: other}}}}
        - stage:
            identifier: b
            name: b
            type: Custom
            spec:
              execution:
                steps:
                  - step: {{identifier: w3, name: w3, type: Barrier, timeout: 10m, spec: {{barrierRef: other}}}}
                  - step: {{identifier: w4, name: w4, type: Barrier, timeout: 10m, spec: {{barrierRef: "gate\\x02 .- c0 --> c1\\nclick c0 call alert(1)"}}}}
"""


@pytest.fixture
def pipeline(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(PIPELINE, encoding="utf-8")
    return path


def _drawn(pipeline, fmt: str) -> str:
    result = run_cli("graph", "-f", fmt, str(pipeline))
    assert result.code == 0, result.err
    assert commands(result.out) == [], commands(result.out)
    return result.out


def test_dot_header_and_strings_hold_the_title(pipeline):
    lines = _drawn(pipeline, "dot").splitlines()
    assert lines[0].startswith("// barrierlint graph: release\\n}\\ndigraph pwn")
    assert lines[1].startswith('digraph "release\\n}\\ndigraph pwn')
    assert [line for line in lines if line.lstrip().startswith(("digraph", "}"))] == [lines[1], *[l for l in lines if l.strip().startswith("}")]]
    assert all(line.isprintable() for line in lines)
    assert not any(line.startswith(("digraph pwn", "a [URL")) for line in lines)


def test_mermaid_header_labels_and_links_hold_the_text(pipeline):
    lines = _drawn(pipeline, "mermaid").splitlines()
    assert lines[0].startswith("%% barrierlint graph: release\\n}") and lines[1] == "flowchart LR"
    assert not any(line.lstrip().startswith(("click", "digraph", "%% \\x01")) for line in lines[1:])
    assert all(line.isprintable() for line in lines)
    links = [line for line in lines if " -. " in line]
    assert len(links) == 2 and all(link.count(" .- ") == 1 and "-->" not in link for link in links)  # a reference cannot end its link and add one


@pytest.mark.parametrize("fmt", ["svg", "html"])
def test_svg_is_well_formed_xml(pipeline, fmt):
    drawn = _drawn(pipeline, fmt)
    assert not any(ch in drawn for ch in "\x01\x02\x03\x04\x05\x1b")
    if fmt == "svg":
        root = ET.fromstring(drawn.encode("utf-8"))
        assert "release\n}\ndigraph pwn" in "".join(root.itertext())  # the text, in a text node
        assert "\\x01\\x1b\x7f" in "".join(root.itertext())  # DEL is allowed in XML 1.0: it stays


def test_a_timeline_is_well_formed_xml(pipeline, tmp_path):
    out = tmp_path / "run.svg"
    run_cli("run", str(pipeline), "--timeline", str(out))
    ET.fromstring(out.read_bytes())
