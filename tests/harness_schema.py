"""Harness's v0 schema for a step template whose step is a `Run` step, from the files kept in
tests/data/harness-schema (see tests/data/SOURCES.md).

Harness publishes the schema as YAML files that refer to each other, and bundles them into
`v0/template.json` with its own tool (harness-schema `bundler/.../SchemaBundleUtils.java`).
Two of the bundler's rules matter here, and `validator` applies them: a step template's
`spec: {configRef: ...}` is a choice among step nodes, and each node offered there is its
`_template` variant, without `name`, `identifier`, `description`, `orgIdentifier` and
`projectIdentifier` (a template's step gets them where it is used).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).parent / "data" / "harness-schema" / "v0"
STEP_TEMPLATE = ROOT / "template" / "step" / "template.yaml"
RUN_STEP = ROOT / "pipeline" / "steps" / "common" / "run-step-node.yaml"
TEMPLATE_ONLY = ("name", "identifier", "description", "orgIdentifier", "projectIdentifier")


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _as_template(node: dict) -> dict:
    """The bundler's `_template` variant of a step node."""
    node = dict(node)
    node["properties"] = {k: v for k, v in node.get("properties", {}).items() if k not in TEMPLATE_ONLY}
    node["required"] = [k for k in node.get("required", []) if k not in TEMPLATE_ONLY]
    return node


@lru_cache(maxsize=1)
def validator():
    """A jsonschema validator for a whole template file (`template:` at the top)."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    def retrieve(uri: str) -> Resource:
        path = Path(uri.removeprefix("file://"))
        if not path.resolve().is_relative_to(ROOT.resolve()):
            raise LookupError(uri)
        return Resource.from_contents(_load(path), default_specification=DRAFT7)

    step_template = _load(STEP_TEMPLATE)
    assert step_template["properties"]["spec"] == {"configRef": "../template_config.yaml/step_template_types"}
    run_uri = RUN_STEP.as_uri() + "?template"  # the `_template` variant, beside the node itself
    step_template["properties"]["spec"] = {"oneOf": [{"$ref": run_uri}]}
    registry = Registry(retrieve=retrieve).with_resources(
        [
            (STEP_TEMPLATE.as_uri(), Resource.from_contents(step_template, default_specification=DRAFT7)),
            (run_uri, Resource.from_contents({**_as_template(_load(RUN_STEP)), "$id": RUN_STEP.as_uri()}, default_specification=DRAFT7)),
        ]
    )
    root = {"type": "object", "required": ["template"], "properties": {"template": {"$ref": STEP_TEMPLATE.as_uri()}}}
    return jsonschema.Draft7Validator(root, registry=registry)


def errors(document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(document)]
