"""Pictures of barrier synchronization: diagrams of a pipeline and timelines of a simulated run.

`layout` computes lanes, cells and barrier bars once; one module per format draws them
(`mermaid`, `dot`, `svg`, `html`). `timeline` draws a simulated run as swimlanes and as a
Chrome trace. Everything is built with the standard library: no network, no external scripts.
"""

from __future__ import annotations

import os

from ..errors import UsageError

DIAGRAM_FORMATS = ("mermaid", "dot", "svg", "html")


def render_diagram(layout, fmt: str) -> str:
    """The diagram of a computed layout in one of DIAGRAM_FORMATS."""
    from importlib import import_module

    if fmt not in DIAGRAM_FORMATS:
        raise UsageError(f"unknown picture format '{fmt}' (choose from {', '.join(DIAGRAM_FORMATS)})")
    return import_module(f"{__name__}.{fmt}").render(layout)


SUFFIXES = {"mmd": "mermaid", "mermaid": "mermaid", "md": "mermaid", "markdown": "mermaid", "dot": "dot", "gv": "dot", "svg": "svg", "html": "html", "htm": "html"}
MARKDOWN = ("md", "markdown")
RASTER = ("png", "jpg", "jpeg", "gif", "pdf", "webp", "bmp", "tif", "tiff", "ps", "eps")  # images: Graphviz draws them from .dot


def output_format(output: str | None, fmt: str | None) -> str:
    """The diagram format for `graph [-f FORMAT] [-o FILE]`: the one asked for, else the file's
    suffix, else Mermaid. A suffix barrierlint cannot write (.png, .pdf) is refused rather than
    filled with text, and so is a format other than Mermaid in a Markdown file."""
    if output is None:
        return fmt or "mermaid"
    suffix = output.rpartition(".")[2].lower() if "." in os.path.basename(output) else ""
    implied = SUFFIXES.get(suffix)
    if implied is None and (fmt is None or suffix in RASTER):
        kinds = ", ".join(f".{s}" for s in SUFFIXES)
        convert = f"; for {suffix.upper()}, write .dot and run `dot -T{suffix} FILE.dot -o {os.path.basename(output)}`" if suffix in RASTER else ""
        raise UsageError(f"{output}: cannot write a .{suffix or '(no suffix)'} picture (write {kinds}, or name the format with -f){convert}")
    if suffix in MARKDOWN and fmt not in (None, "mermaid"):
        raise UsageError(f"{output}: a Markdown file holds the Mermaid diagram; write {fmt} to a .{fmt} file")
    return fmt or implied


def for_file(output: str | None, content: str) -> str:
    """Mermaid in a Markdown file goes in a ```mermaid fence, which GitHub and GitLab draw."""
    if output is not None and output.rpartition(".")[2].lower() in MARKDOWN:
        return f"```mermaid\n{content.rstrip(chr(10))}\n```\n"
    return content


def diagram(path: str, fmt: str, pipeline_id: str | None = None, settings=None) -> str:
    """`barrierlint graph`: the diagram of the pipeline in a file, with its deadlocks marked."""
    from ..engine import load_pipeline
    from ..graph import analysis
    from .layout import layout

    from ..locks import holds

    project, pipeline = load_pipeline(path, pipeline_id, settings)
    return render_diagram(layout(pipeline, analysis(pipeline, project), holds(pipeline, project)), fmt)


def run_pictures(runs: list, timeline: str | None = None, trace_json: str | None = None) -> dict[str, str]:
    """`barrierlint run --timeline FILE.svg|FILE.html --trace-json FILE`: file name -> content.

    `runs` are the reference runtime's `Run` results; raises ValueError for an unknown suffix.
    """
    from . import chrome, swimlanes
    from .timeline import from_runs

    drawn = from_runs(runs)
    files = {}
    if timeline is not None:
        suffix = timeline.rpartition(".")[2].lower()
        if suffix not in ("svg", "html"):
            raise UsageError(f"{timeline}: the timeline is drawn as .svg or .html")
        files[timeline] = swimlanes.render_svg(drawn) if suffix == "svg" else swimlanes.render_html(drawn)
    if trace_json is not None:
        files[trace_json] = chrome.render(drawn)
    return files
