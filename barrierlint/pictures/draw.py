"""SVG and HTML building blocks shared by the diagram and the timeline (xml.etree, no scripts)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..terminal import guard, printable

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
CHAR_WIDTH = 6.4  # average width of one character at 11px, for truncating labels
NOTE_WIDTH = 5.6  # the same at 10px

# One palette for both pictures, so a colour means the same thing everywhere.
COLOURS = {
    "work": ("#dbe7f5", "#6f93c0"),
    "rollback": ("#fde6cc", "#cc7a29"),
    "barrier": ("#2f3b4c", "#2f3b4c"),
    "wait": ("#f3d36b", "#b8951d"),
    "deadlock": ("#fbe0e0", "#c62828"),
    "failed": ("#ef9a9a", "#c62828"),
    "timeout": ("#ffcc80", "#e65100"),
    "parallel": ("#eef7ee", "#8fbf8f"),
    "loop": ("none", "#8e6bbf"),
    "skipped": ("#eeeeee", "#9e9e9e"),
}

STYLE = f"""
text {{ font-family: {FONT}; font-size: 11px; fill: #1f2933; }}
.lane-label {{ font-weight: 600; }}
.note {{ font-size: 10px; fill: #5f6b7a; }}
.cell-text {{ fill: #1f2933; }}
.bar-text {{ fill: #ffffff; font-weight: 600; }}
.title {{ font-size: 15px; font-weight: 700; }}
.witness {{ fill: #b71c1c; }}
"""


def svg_root(width: float, height: float, title: str) -> ET.Element:
    root = ET.Element(
        "svg",
        xmlns=SVG_NS,
        width=_n(width),
        height=_n(height),
        viewBox=f"0 0 {_n(width)} {_n(height)}",
        role="img",
    )
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "style").text = STYLE
    ET.SubElement(root, "rect", x="0", y="0", width=_n(width), height=_n(height), fill="#ffffff")
    return root


def resize(root: ET.Element, width: float, height: float) -> None:
    """Set the size of a picture drawn before its height was known (and its white backdrop)."""
    root.set("width", _n(width))
    root.set("height", _n(height))
    root.set("viewBox", f"0 0 {_n(width)} {_n(height)}")
    backdrop = root.find("rect")
    backdrop.set("width", _n(width))
    backdrop.set("height", _n(height))


def group(parent: ET.Element, cls: str, tooltip: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, "g", {"class": cls, **attrs})
    if tooltip:
        ET.SubElement(element, "title").text = tooltip
    return element


def rect(parent: ET.Element, x: float, y: float, w: float, h: float, fill: str, stroke: str, *, dashed: bool = False, radius: float = 4, width: float = 1) -> ET.Element:
    attrs = {"x": _n(x), "y": _n(y), "width": _n(max(w, 0)), "height": _n(max(h, 0)), "rx": _n(radius), "fill": fill, "stroke": stroke, "stroke-width": _n(width)}
    if dashed:
        attrs["stroke-dasharray"] = "4 3"
    return ET.SubElement(parent, "rect", attrs)


def line(parent: ET.Element, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, *, dashed: bool = False) -> ET.Element:
    attrs = {"x1": _n(x1), "y1": _n(y1), "x2": _n(x2), "y2": _n(y2), "stroke": stroke, "stroke-width": _n(width)}
    if dashed:
        attrs["stroke-dasharray"] = "6 4"
    return ET.SubElement(parent, "line", attrs)


def circle(parent: ET.Element, x: float, y: float, r: float, fill: str) -> ET.Element:
    return ET.SubElement(parent, "circle", cx=_n(x), cy=_n(y), r=_n(r), fill=fill)


def text(parent: ET.Element, x: float, y: float, content: str, cls: str | None = None, *, anchor: str = "start", room: float | None = None) -> ET.Element:
    """A label, cut with an ellipsis to fit `room` pixels (the full text stays in a tooltip)."""
    attrs = {"x": _n(x), "y": _n(y), "text-anchor": anchor}
    if cls:
        attrs["class"] = cls
    element = ET.SubElement(parent, "text", attrs)
    element.text = fit(content, room, NOTE_WIDTH if cls == "note" else CHAR_WIDTH)
    return element


def fit(content: str, room: float | None, char_width: float = CHAR_WIDTH) -> str:
    """`content`, cut with an ellipsis where it would need more than `room` pixels."""
    if room is None:
        return content
    size = 10 if char_width == NOTE_WIDTH else 11
    if text_width(content, size) <= room:
        return content
    return content[: _fitting(content, room, size, "…")] + "…"


def _fitting(content: str, room: float, size: float, tail: str = "") -> int:
    """How many leading characters of `content` fit in `room` pixels followed by `tail`."""
    low, high = 0, len(content)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(content[:middle] + tail, size) <= room:
            low = middle
        else:
            high = middle - 1
    return low


def text_width(content: str, size: float = 11, bold: bool = False) -> float:
    """An upper estimate of the pixels `content` takes at `size` in the system font: fonts
    differ between machines, and a picture must never cut its text, so letters count at the
    width of wide ones in common sans-serif fonts (DejaVu Sans, Segoe UI, Helvetica)."""
    import unicodedata

    em = 0.0
    for char in content:
        if unicodedata.east_asian_width(char) in "WF":
            em += 1.05
        elif unicodedata.combining(char):
            continue
        elif char in "mwMW@%":
            em += 1.0
        elif char.isupper() or char in "#&":
            em += 0.8
        elif char in "ijlI.,:;'|!` ":
            em += 0.38
        else:
            em += 0.66
    return em * size * (1.1 if bold else 1.0)


def wrap(content: str, room: float, size: float = 11) -> list[str]:
    """`content` in lines of at most `room` pixels, broken at blanks (a longer word is cut)."""
    lines, line = [], ""
    for word in content.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, size) > room:  # a word wider than the room: cut it
            cut = max(1, _fitting(word, room, size))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    return lines + [line] if line or not lines else lines


LEGEND_ROW = 18


def legend(parent: ET.Element, x: float, y: float, entries: list[tuple[str, str, bool]], right: float) -> float:
    """Swatches with their meaning, in rows that end before `right`; returns the baseline of
    the last row."""
    left = x
    for label, kind, dashed in entries:
        needed = 19 + text_width(label, 10) + 15
        if x > left and x + needed > right:
            x, y = left, y + LEGEND_ROW
        fill, stroke = COLOURS[kind]
        rect(parent, x, y - 9, 14, 11, fill, stroke, dashed=dashed, radius=2)
        text(parent, x + 19, y, label, "note")
        x += needed
    return y


def svg_text(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_chars(ET.tostring(root, encoding="unicode")) + "\n"


# Characters XML 1.0 does not allow (ElementTree copies them: the file is then not well-formed)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_chars(markup: str) -> str:
    """Serialized SVG or HTML with the characters XML 1.0 forbids shown as the terminal shows
    them (`\\x1b`), and guarded as terminal text with XML's own escapes (`&#58;`, `&#35;`), so
    a picture printed to a CI log starts no command. What they replace only occurs in text and
    attribute values (markup starts lines with `<`), where the replacement is text too."""
    return guard(_NOT_XML.sub(lambda m: printable(m.group()), markup), "&#58;", "&#35;")


def html_page(title: str, body: list[ET.Element | str]) -> str:
    """A self-contained page: inline CSS, inline SVG, no scripts and no network."""
    parts = []
    for piece in body:
        parts.append(piece if isinstance(piece, str) else ET.tostring(piece, encoding="unicode", method="html"))
    return xml_chars(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{escape(title)}</title>
<style>
body {{ font-family: {FONT}; margin: 24px; color: #1f2933; background: #f7f8fa; }}
h1 {{ font-size: 20px; margin: 0 0 4px 0; }}
p.sub {{ color: #5f6b7a; margin: 0 0 16px 0; }}
.picture {{ overflow: auto; background: #fff; border: 1px solid #d5dbe3; border-radius: 6px; max-height: 85vh; }}
table {{ border-collapse: collapse; margin-top: 16px; background: #fff; }}
th, td {{ border: 1px solid #d5dbe3; padding: 4px 10px; text-align: left; font-size: 13px; vertical-align: top; }}
th {{ background: #eef1f5; }}
.bad {{ color: #b71c1c; font-weight: 600; }}
ul.witness {{ color: #b71c1c; }}
</style>
</head>
<body>
{"".join(parts)}
</body>
</html>
""")


def escape(content: str) -> str:
    from html import escape as html_escape

    return html_escape(content, quote=True)


def _n(value: float) -> str:
    """A number as SVG wants it: integers without a dot, others with one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
