"""The command line: `barrierlint check | run | rules | explain`.

Exit codes: 0 clean, 1 findings, 2 usage error or unreadable input, 3 internal error. The console
script (`console.main`) runs `check` with paths and the options in `console.CHECK_OPTIONS`
without this module, which imports typer.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional

import typer

from . import console
from .console import EXIT_CLEAN, EXIT_FINDINGS
from .errors import UsageError


def _flags_without_placeholder() -> None:
    """typer 0.29's help shows a type placeholder for every option, flags included
    (`--verify <bool>`), which reads as if the flag took a value; flags show none."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "flags_plain", False):
        return

    def display_type_rich(self, ctx):
        return None if self.is_flag and not self.count else shown(self, ctx)

    display_type_rich.flags_plain = True
    TyperOption.display_type_rich = display_type_rich


_flags_without_placeholder()

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Find barrier synchronization mistakes in Harness pipelines before they run.",
)


def _version(shown: bool) -> None:
    if shown:
        from . import __version__

        typer.echo(f"barrierlint {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Options before the command (the application's help is the Typer's)."""
    from .writing import forget_inputs

    forget_inputs()  # a new command reads its own inputs (CliRunner runs many in one process)


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    junit = "junit"
    gitlab = "gitlab"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


MAX_FILE_SIZE_HELP = "Refuse larger files (5MB, 500k, 2MiB or bytes; default: 5MB)."


def _size(text: str) -> int:
    """`5MB`, `500k`, `2MiB` or a number of bytes -> bytes."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(|b|k|kb|m|mb|g|gb|kib|mib|gib)\s*", text, re.IGNORECASE)
    if not match:
        raise typer.BadParameter(f"'{text}' is not a size such as 5MB, 500k or 2000000")
    unit = match[2].lower().rstrip("b") or "b"
    return int(float(match[1]) * {"b": 1, "k": 1e3, "m": 1e6, "g": 1e9, "ki": 2**10, "mi": 2**20, "gi": 2**30}[unit])


_fail = console.fail


@app.command(
    epilog="Examples:\n\n"
    "  barrierlint check .harness/\n"
    "  barrierlint check --select BL3 --ignore BL702 --fail-on error pipelines/\n"
    "  barrierlint check --output sarif:barrierlint.sarif .   # text here, SARIF for code scanning\n"
    "  barrierlint check --diff --unsafe-fixes .harness/      # what --fix --unsafe-fixes would change",
)
def check(
    paths: List[str] = typer.Argument(..., metavar="PATH", help="Files or folders to check; - reads standard input."),
    output_format: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    select: Optional[List[str]] = typer.Option(None, "--select", metavar="RULES", help="Rule codes, prefixes or names to run (comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="RULES", help="Rule codes, prefixes or names to skip."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", metavar="GLOB", help="File or folder names or globs to skip in folder scans."),
    outputs: Optional[List[str]] = typer.Option(None, "--output", "-o", metavar="FORMAT:PATH", help="Also write FORMAT (text, json, sarif, github, junit, gitlab) to PATH; repeatable."),
    fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", help="Exit 1 on findings at least this severe (default: warning; info findings are shown and fail only with --fail-on info)."),
    config_file: Optional[str] = typer.Option(None, "--config", metavar="FILE", help="Configuration file (default: the nearest .barrierlint.yaml or pyproject.toml)."),
    no_ignores: bool = typer.Option(False, "--no-ignores", help="Report what suppression comments and per-file-ignores hide."),
    baseline: Optional[str] = typer.Option(None, "--baseline", metavar="FILE", help="Report only findings not recorded in this baseline."),
    write_baseline: bool = typer.Option(False, "--write-baseline", help="Record the current findings in the --baseline file."),
    sarif_category: Optional[str] = typer.Option(None, "--sarif-category", metavar="CATEGORY", help="SARIF automationDetails.id (default: none, so that upload-sarif's category applies)."),
    max_file_size: Optional[str] = typer.Option(None, "--max-file-size", metavar="SIZE", help=MAX_FILE_SIZE_HELP),
    inputs: Optional[List[str]] = typer.Option(None, "--inputs", metavar="FILE", help="A Harness input set whose values replace <+input> fields."),
    verify: bool = typer.Option(False, "--verify", help="Confirm each finding in the reference runtime (CONFIRMED, NOT REPRODUCED or INCONCLUSIVE, with the evidence)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N", help="Processes that check the files (default: the cores this process may use, from 4 MB of YAML; 1 below); the output does not depend on it."),
    isolated: bool = typer.Option(False, "--isolated", help="Check the named files alone, not in their project (.harness folder, FirstGen application or git repository)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the project index cache (.barrierlint_cache/, or BARRIERLINT_CACHE_DIR)."),
    template_paths: Optional[List[str]] = typer.Option(None, "--template-paths", metavar="FOLDER", help="Folders where templates are found (a checkout of the template library); repeatable."),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe fixes, each verified first (re-analysis and the reference runtime)."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="With --fix or --diff: also the fixes that change what the pipeline does."),
    diff: bool = typer.Option(False, "--diff", help="Print the verified fixes as a unified diff and write nothing (exit 1 when something would change)."),
    new_from_rev: Optional[str] = typer.Option(None, "--new-from-rev", metavar="REV", help="Report only findings that git revision REV does not have (matched by fingerprint)."),
) -> None:
    """Check pipelines and report barrier problems."""
    console.check(
        paths, output_format.value, select=select, ignore=ignore, exclude=exclude, outputs=outputs,
        fail_on=fail_on.value if fail_on else None, config_file=config_file, no_ignores=no_ignores, baseline=baseline,
        write_baseline=write_baseline, sarif_category=sarif_category, inputs=inputs, verify=verify, jobs=jobs,
        isolated=isolated, no_cache=no_cache, template_paths=template_paths, new_from_rev=new_from_rev,
        max_file_size=None if max_file_size is None else _size(max_file_size),
        fix=fix, unsafe_fixes=unsafe_fixes, diff=diff,
    )


class RulesFormat(str, Enum):
    text = "text"
    markdown = "markdown"


@app.command()
def run(
    pipeline: str = typer.Argument(..., metavar="PIPELINE", help="A pipeline file (NextGen, v1 or FirstGen), or a FirstGen workflow file; - reads standard input."),
    context: Optional[List[str]] = typer.Argument(None, metavar="CONTEXT", help="More files or folders whose templates, workflows and chained pipelines it refers to."),
    pipeline_id: Optional[str] = typer.Option(None, "--pipeline", help="Which pipeline (identifier or name), when the file holds or runs several."),
    scenario: Optional[str] = typer.Option(None, "--scenario", "-s", help="Scenario YAML: durations, failures, `when` outcomes, engine profile."),
    config_file: Optional[str] = typer.Option(None, "--config", metavar="FILE", help="Configuration file (default: the nearest .barrierlint.yaml or pyproject.toml)."),
    inputs: Optional[List[str]] = typer.Option(None, "--inputs", help="A Harness input set whose values replace <+input> fields."),
    trace: Optional[str] = typer.Option(None, "--trace", help="Write the event trace as JSON lines to this file (- for standard output)."),
    timeline: Optional[str] = typer.Option(None, "--timeline", help="Draw the run as a swimlane timeline: FILE.svg or FILE.html."),
    trace_json: Optional[str] = typer.Option(None, "--trace-json", help="Write the run in Chrome's trace event format (opens in Perfetto)."),
) -> None:
    """Simulate a pipeline run in the reference runtime.

    Prints the status of every stage and step, and what is blocked where when nothing can move.
    The pipeline is resolved as `check` resolves it: templates, chained pipelines and FirstGen
    workflows from the file's `.harness` folder or application, and CONTEXT.
    Exit 0 when the run succeeds, 1 otherwise.

    Example: barrierlint run pipeline.yaml --scenario s.yaml --trace trace.jsonl"""
    import os

    from . import config, engine
    from .model import stages
    from .runtime import Profile, report, scenario as scenarios, simulate
    from .runtime.simulator import element_names

    try:
        settings = config.load([pipeline], config_file).settings
        project, chosen = engine.load_pipeline(pipeline, pipeline_id, settings, context=context or (), input_sets=engine.read_input_sets(inputs or ()))
        profile = Profile.of(settings)
        steps = scenarios.load(scenario, profile) if scenario else scenarios.Scenario(profile=profile)
        scenarios.check_names(steps, element_names(chosen))
    except UsageError as error:
        _fail(str(error))
    if os.path.isfile(pipeline) and os.path.abspath(chosen.origin.doc.path) != os.path.abspath(pipeline):
        console.echo(f"barrierlint: running pipeline '{chosen.label}' ({chosen.origin.doc.path}), which runs {pipeline}")
    mine = {id(chosen.origin.doc), *(id(stage.origin.doc) for stage in stages(chosen))}
    for missing in (m for m in project.missing if id(m.origin.doc) in mine):
        console.echo(f"barrierlint: note: {missing.kind} {missing.name}: {missing.detail}")
    human = sys.stderr if trace == "-" else sys.stdout
    from .locks import holds

    runs = [simulate(chosen, steps, holds(chosen, project))]  # with its Queue keys and deployment resource constraints
    if trace:
        _write(None if trace == "-" else trace, "".join(report.trace_lines(r) for r in runs))
    if timeline or trace_json:
        from .pictures import run_pictures

        try:
            pictures = run_pictures(runs, timeline, trace_json)
        except UsageError as error:
            _fail(str(error))
        for name, content in pictures.items():
            _write(name, content)
    for r in runs:
        human.write(report.render(r))
    raise typer.Exit(EXIT_CLEAN if all(r.status == "SUCCEEDED" for r in runs) else EXIT_FINDINGS)


@app.command()
def rules(
    output_format: RulesFormat = typer.Option(RulesFormat.text, "--format", "-f", help="text, or a markdown table (README)."),
) -> None:
    """List every rule with its code, name, default severity and summary."""
    from .rule import all_rules

    if output_format is RulesFormat.markdown:
        from .report import rule_table

        sys.stdout.write(rule_table.render(all_rules()))
        return
    for rule in all_rules():
        typer.echo(f"{rule.code}  {rule.name:<32} {str(rule.severity):<8} {rule.summary()}")


@app.command()
def explain(rule: str = typer.Argument(..., help="A rule code or name, e.g. BL101 or undeclared-barrier.")) -> None:
    """Show a rule's documentation: the mistake, what happens at run time, and the fix."""
    from .rule import all_rules

    matches = [r for r in all_rules() if rule.upper() == r.code or rule.lower() == r.name]
    if not matches:
        _fail(f"no rule '{rule}' (see `barrierlint rules`)")
    found = matches[0]
    from .ruledocs import help_uri

    typer.echo(f"{found.code} {found.name} ({found.severity})\n\n{found.doc()}\n\n{help_uri(found)}")


class Picture(str, Enum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    html = "html"


@app.command()
def graph(
    path: str = typer.Argument(..., metavar="PIPELINE", help="A pipeline file; - reads standard input."),
    picture: Optional[Picture] = typer.Option(None, "--format", "-f", help="Picture format (default: from the --output suffix: .mmd/.md, .dot/.gv, .svg, .html; else mermaid)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the picture to this file instead of standard output."),
    pipeline_id: Optional[str] = typer.Option(None, "--pipeline", help="Which pipeline, when the file holds several."),
    max_file_size: Optional[str] = typer.Option(None, "--max-file-size", metavar="SIZE", help=MAX_FILE_SIZE_HELP),
) -> None:
    """Draw a pipeline's barrier synchronization: a lane per stage, a bar per barrier, deadlocks in red."""
    from .pictures import diagram, for_file, output_format
    from .project import Settings

    try:
        fmt = output_format(output, picture.value if picture else None)
        settings = Settings() if max_file_size is None else Settings(max_file_size=_size(max_file_size))
        content = for_file(output, diagram(path, fmt, pipeline_id, settings))
    except UsageError as error:
        _fail(str(error))
    _write(output, content)


class ImpactFormat(str, Enum):
    text = "text"
    mermaid = "mermaid"
    json = "json"


@app.command()
def impact(
    path: str = typer.Argument(..., metavar="PIPELINE", help="A pipeline file; - reads standard input."),
    output_format: ImpactFormat = typer.Option(ImpactFormat.text, "--format", "-f", help="text (a table), mermaid (a picture) or json."),
    pipeline_id: Optional[str] = typer.Option(None, "--pipeline", help="Which pipeline, when the file holds several."),
    verify: bool = typer.Option(False, "--verify", help="Inject each failure into the reference runtime and compare who fails."),
) -> None:
    """Blast radius: which stages fail when a stage fails before one of its barriers.

    For each stage and each barrier it reaches, the other stages that fail when it fails just
    before that barrier (the fate-sharing map)."""
    from . import engine
    from .impact import blast_radius, confirm, render
    from .runtime import Profile

    try:
        project, chosen = engine.load_pipeline(path, pipeline_id)
        blasts = blast_radius(chosen, project)
    except UsageError as error:
        _fail(str(error))
    verdicts = {id(b): confirm(b, chosen, Profile.of(project.settings)) for b in blasts} if verify else None
    sys.stdout.write(render(chosen, blasts, output_format.value, verdicts))


class KeysFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def keys(
    paths: List[str] = typer.Argument(..., metavar="PATH...", help="Files and folders (a project, several projects: keys are account-wide)."),
    output_format: KeysFormat = typer.Option(KeysFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """List the Queue keys and deployment resources the pipelines take.

    Who takes each, in what scope, and across which barriers it is held; keys taken by several
    pipelines are marked shared."""
    from . import engine
    from .keys import inventory, render

    try:
        result = engine.check(paths, select_rules=["BL304"], isolated=True)
    except UsageError as error:
        _fail(str(error))
    if result.errors:
        _fail(result.errors[0])
    sys.stdout.write(render(inventory(result.project), output_format.value))


class DiffFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command(
    epilog="Examples:\n\n"
    "  barrierlint diff origin/main                       # the working tree here against a revision\n"
    "  barrierlint diff origin/main .harness -f markdown  # a pull-request comment\n"
    "  barrierlint diff old/ new/                          # two folders (or two files)",
)
def diff(
    old: str = typer.Argument(..., metavar="OLD", help="The version before: a file or folder, or a git revision (read with git archive, the work tree untouched)."),
    new: str = typer.Argument(".", metavar="NEW", help="The version after: a file or folder (default: the current folder)."),
    output_format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="text, markdown (a pull-request comment) or json."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the changelog to FILE instead of standard output."),
    select: Optional[List[str]] = typer.Option(None, "--select", metavar="RULES", help="Rule codes, prefixes or names to run (comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="RULES", help="Rule codes, prefixes or names to skip."),
    config_file: Optional[str] = typer.Option(None, "--config", metavar="FILE", help="Configuration file (default: the nearest .barrierlint.yaml or pyproject.toml)."),
) -> None:
    """Show what a change does to synchronisation between two versions.

    Barriers and participants added or removed, orderings between stages that appeared or
    disappeared, findings introduced and fixed. Exit 0 (the changelog is information; gate with
    `check --new-from-rev`)."""
    from . import config
    from .console import split
    from .diff import diff as compare
    from .diff.render import render

    try:
        configured = config.load([new], config_file)
        changes = compare(
            old, new, settings=configured.settings, select_rules=split(select) or configured.select,
            ignore_rules=[*configured.ignore, *split(ignore)], exclude=configured.exclude,
        )
        content = render(changes, output_format.value)
        if output is not None:
            from .writing import atomic_write

            atomic_write(output, content.encode("utf-8"), inputs=[new] + ([old] if os.path.exists(old) else []))
            return
    except UsageError as error:
        _fail(str(error))
    sys.stdout.write(content)


@app.command()
def server() -> None:
    """Run the language server (LSP over standard input and output) for editors.

    Diagnostics as you type, fixes and suppressions as code actions, and barrier navigation
    (definition, references, hover, symbols). Needs pygls, which the `server` extra installs."""
    from .server import main as serve

    try:
        serve()
    except UsageError as error:
        _fail(str(error))


def _write(output: Optional[str], content: str) -> None:
    if output is None:
        sys.stdout.write(content)
        return
    from .writing import write_text

    try:
        write_text(output, content)
    except UsageError as error:
        _fail(str(error))


def main() -> None:
    console.guarded(app)
