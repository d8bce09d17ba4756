from __future__ import annotations

import pkgutil
from functools import lru_cache
from typing import Iterator

from barrierlint.model import Origin
from barrierlint.rule import Rule
from barrierlint.source import Document, Kind, Route, TooLarge, child, plain, scalar

SCHEMA = "bl002_structure.schema.json"  # package data next to this module
REJECTED = "Harness's pipeline schema rejects it when the pipeline is saved"
_NOUNS = {"object": "a mapping", "array": "a list", "string": "a string"}
_ELEMENTS = {"stage": "stage", "stepGroup": "step group", "step": "step"}


class InvalidStructure(Rule):
    """A part of the pipeline that barrier analysis reads has the wrong shape.

    ## What goes wrong
    A Barrier step without `spec.barrierRef`, a `flowControl.barriers` that is not a list, a
    barrier entry without `identifier` or `name`, a stage or step list item that is neither a
    stage, a step, a step group, a `parallel` block nor an `insert`, a key written twice.
    The model builder reports list shapes, unknown list items and repeated keys as it reads the
    pipeline; `flowControl` and every Barrier step are validated against a JSON schema shipped
    with barrierlint (the shapes Harness's own pipeline schema requires of them), so only
    pipelines that use barriers pay for that check.

    ## At run time
    Harness refuses to save the pipeline (schema validation), or a Git-synced pipeline shows as
    invalid and cannot run. barrierlint analyses the rest of the pipeline without the part it
    could not read: rules that count participants or declarations stay silent on that pipeline
    (no BL101 for every reference when `flowControl.barriers` cannot be read, no lone barrier
    whose partner may sit in an unreadable stage), so other findings may appear once it is fixed.

    ## How to fix
    Give the element the shape the message names: every `flowControl.barriers` entry needs an
    `identifier` and a `name`; every Barrier step needs `identifier`, `name` and
    `spec.barrierRef` (the identifier of a declared barrier).

    ## Example
    ```yaml
    - step:
        identifier: wait
        name: wait
        type: Barrier
        spec: {}   # BL002: Barrier step spec has no 'barrierRef'
    ```
    """

    code = "BL002"
    name = "invalid-structure"
    tags = ("input",)

    def check(self, project):
        read_problems: dict[int, list[Route]] = {}
        for doc, problem in self.problems(project):
            if problem.route is not None:
                read_problems.setdefault(id(doc), []).append(problem.route)
            yield self.finding(
                Origin(doc, problem.route or ()),
                problem.message + _context(doc, problem.route or ()),
                fix="correct this element as the message says",
                span=problem.span,
            )
        for doc, route, definition in _barrier_parts(project):
            known = read_problems.get(id(doc), [])
            for error_route, message, fix in _schema_errors(doc, route, definition):
                if any(error_route[: len(p)] == p for p in known):
                    continue  # the model builder already reported this node or an enclosing one
                yield self.finding(Origin(doc, error_route), message, fix=fix)


def _barrier_parts(project) -> Iterator[tuple[Document, Route, str]]:
    """What the schema checks: each v0 pipeline's flowControl and each of its Barrier steps, as
    (document, route, schema definition). Pipelines without barriers never load jsonschema."""
    for pipeline in project.pipelines:
        if pipeline.syntax != "v0":
            continue
        declared = pipeline.barriers_origin
        if declared is not None and declared.route[-2:] == ("flowControl", "barriers"):  # where it is written (a pipeline template's file, say)
            yield declared.doc, declared.route[:-1], "flowControl"
        for occurrence in project.occurrences(pipeline):
            origin = occurrence.step.origin
            written = origin.doc.kinds[origin.route[0]] in (Kind.PIPELINE, Kind.TEMPLATE) and origin.route[-1] == "step"
            if occurrence.chained or occurrence.through_template or not written:
                continue  # a child's step, the values given to a template not at hand, or a step template's spec (its file names it)
            yield origin.doc, origin.route, "step"


@lru_cache(maxsize=None)
def _definition(name: str) -> dict:
    import json

    return json.loads(pkgutil.get_data(__package__, SCHEMA))["$defs"][name]


@lru_cache(maxsize=None)
def _validator(definition: str):
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_definition(definition))


@lru_cache(maxsize=None)
def _well_formed(definition: str):
    """A compiled yes/no check of one definition: fastjsonschema imports in 5 ms where jsonschema
    takes 100 ms, and most barrier parts are well formed. jsonschema, which explains every error,
    runs only on the parts this rejects (tests/test_bl002_schema.py holds the two to the same
    verdicts)."""
    import fastjsonschema

    validate = fastjsonschema.compile(_definition(definition))

    def check(data) -> bool:
        try:
            validate(data)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    return check


def _schema_errors(doc: Document, route: Route, definition: str) -> Iterator[tuple[Route, str, str]]:
    """(route, message, fix hint) for every place the schema rejects."""
    node = doc.node_at(route)
    if node is None:
        return  # composed from templates or inputs: not written at this route
    try:
        data = plain(node)
    except TooLarge:
        return  # an alias bomb: the model builder reports documents this large
    if _well_formed(definition)(data):
        return
    missing: dict[Route, list] = {}  # required keys, one message per element
    for error in _validator(definition).iter_errors(data):
        error_route = route + tuple(error.absolute_path)
        if error.validator == "required":
            missing.setdefault(error_route, []).append(error)
            continue
        title = error.schema.get("title", "this value")
        fix = f"write {title} as {_NOUNS.get(error.validator_value)}" if error.validator == "type" else f"give {title} a value"
        yield error_route, f"{_describe(error)}{_context(doc, error_route[:-1])}: {error.schema.get('description', REJECTED)}", fix
    for error_route, errors in missing.items():
        keys = [_missing(error) for error in errors]
        consequence = next((d for key in keys if (d := _property(errors[0], key).get("description"))), REJECTED)
        absent = " and no ".join(f"'{key}'" for key in keys)
        fix = "add " + " and ".join(f"'{key}'" for key in keys)
        yield error_route, f"{_describe(errors[0])} has no {absent}{_context(doc, error_route[:-1])}: {consequence}", fix


def _missing(error) -> str | None:
    """The property a `required` error is about (jsonschema reports one error per property)."""
    return next((p for p in error.validator_value if p not in error.instance and repr(p) in error.message), None)


def _property(error, key: str | None) -> dict:
    return error.schema.get("properties", {}).get(key, {})


def _describe(error) -> str:
    """The element in the words a pipeline author uses, and what is wrong with its value."""
    what = error.schema.get("title", "this value")
    instance = error.instance
    label = instance.get("identifier") or instance.get("name") if isinstance(instance, dict) else None
    if isinstance(label, str):
        what += f" '{label}'"
    if error.validator == "required":
        return what
    if error.validator == "type":
        return f"{what} must be {_NOUNS.get(error.validator_value, error.validator_value)}, not {_shape(instance)}"
    if error.validator == "minLength":
        return f"{what} is empty"
    return f"{what}: {error.message}"


def _shape(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"the value '{value}'" if len(value) < 40 else "a long string"


def _context(doc: Document, route: Route) -> str:
    """` (step 'x' in stage 'y')`: the elements that enclose a route, innermost first."""
    names = []
    for depth, key in enumerate(route):
        if key in _ELEMENTS and depth > 0:
            node = doc.node_at(route[: depth + 1])
            identifier = scalar(child(node, "identifier")) or scalar(child(node, "name"))
            if identifier:
                names.append(f"{_ELEMENTS[key]} '{identifier}'")
    return f" ({' in '.join(reversed(names))})" if names else ""
