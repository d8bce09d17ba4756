"""Running the command line in tests, and the official SARIF schema."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from typer.testing import CliRunner

from barrierlint.cli import app

DATA = Path(__file__).parent / "data"


def run(*args: str):
    """`barrierlint ARGS...` in-process; the result has exit_code, stdout and stderr."""
    return CliRunner().invoke(app, [str(arg) for arg in args])


@lru_cache(maxsize=1)
def sarif_validator():
    import jsonschema

    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def sarif_errors(log: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in sarif_validator().iter_errors(log)]


@lru_cache(maxsize=1)
def junit_schema():
    """The Jenkins xUnit plugin's junit-10.xsd (see data/SOURCES.md)."""
    import xmlschema

    return xmlschema.XMLSchema(str(DATA / "junit-10.xsd"))


def gitlab_errors(report: list) -> list[str]:
    """Problems of a Code Quality report against GitLab's documented format (data/SOURCES.md)."""
    import jsonschema

    schema = json.loads((DATA / "gitlab-codequality.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(report)]
