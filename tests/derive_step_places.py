"""Derive from Harness's published v0 schema every place a list of steps or stages can stand.

Usage: python tests/derive_step_places.py GIT_DIR [COMMIT] > tests/data/step_places.json

GIT_DIR is a clone of https://github.com/harness/harness-schema (a bare one will do); COMMIT
defaults to HEAD. The script reads the bundled pipeline schema (`v0/pipeline.json`) and walks it
from `pipeline`, following every `$ref`, `oneOf`/`anyOf`/`allOf`, `if`/`then`, `properties` and
`items`. A place is a property path, relative to the element that owns it (a pipeline, a stage of
one type, a step group, a step list item, a stage list item), whose value is a list of step list
items (`ExecutionWrapperConfig`: step, stepGroup, parallel, insert) or of stage list items
(`stages`: stage, parallel, insert). Template files (`v0/template/`) say what each template type's
`spec` is. tests/test_step_places.py puts a Barrier step in each place and checks the analysis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

OWNERS = {"ExecutionWrapperConfig": "step list item", "stages": "stage list item", "StepGroupElementConfig": "stepGroup"}
HOLDS = {"step list item": "steps", "stage list item": "stages"}


def owner(node: dict) -> str | None:
    """The element a schema definition describes, if it is one that owns places."""
    title = node.get("title", "")
    kind = (node.get("properties") or {}).get("type") or {}
    if title.endswith("StageNode") and kind.get("enum"):
        return f"stage:{kind['enum'][0]}"
    if title.endswith("StepNode") and kind.get("enum"):
        return f"step:{kind['enum'][0]}"
    return OWNERS.get(title)


def places(schema: dict) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    seen: set = set()

    def resolve(ref: str) -> dict:
        node = schema
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    def walk(node, context: str, path: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            target = resolve(node["$ref"])
            element = owner(target)
            if element in HOLDS:
                found.add((context, ".".join(path), HOLDS[element]))
            key = (node["$ref"],) if element else (node["$ref"], context, path)
            if key not in seen:
                seen.add(key)
                walk(target, element or context, () if element else path)
            return
        for combinator in ("oneOf", "anyOf", "allOf"):
            for sub in node.get(combinator, ()):
                walk(sub, context, path)
        for branch in ("then", "else"):
            walk(node.get(branch), context, path)
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, context, path + (key,))
        walk(node.get("items"), context, path + ("[]",))

    walk(schema["definitions"]["pipeline"]["pipeline"], "pipeline", ())
    return found


def main(git_dir: str, commit: str = "HEAD") -> None:
    def show(path: str) -> str:
        path = os.path.normpath(path)
        return subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], check=True, capture_output=True, text=True).stdout

    resolved = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", commit], check=True, capture_output=True, text=True).stdout.strip()
    date = subprocess.run(["git", "--git-dir", git_dir, "show", "-s", "--format=%cI", resolved], check=True, capture_output=True, text=True).stdout.strip()
    schema = json.loads(show("v0/pipeline.json"))
    config = yaml.safe_load(show("v0/template/template_config.yaml"))
    stage_templates = sorted(
        kind for path in config["stage_template_types"] if (kind := owner(yaml.safe_load(show("v0/template/" + path)))) is not None
    )  # a template stage (itself a template use) has no type of its own
    group_spec = yaml.safe_load(show("v0/template/stepgroup/step_group_spec.yaml"))
    rows = [{"owner": o, "path": p, "holds": h} for o, p, h in sorted(places(schema))]
    rows += [
        {"owner": "template:Pipeline", "path": "spec.stages.[]", "holds": "stages", "source": "v0/template/pipeline/pipeline_spec.yaml"},
        {"owner": "template:Stage", "path": "spec", "holds": "stage", "types": stage_templates, "source": "v0/template/template_config.yaml stage_template_types"},
        {
            "owner": "template:StepGroup",
            "path": "spec",
            "holds": "stepGroup",
            "source": "v0/template/template_config.yaml custom_step_group_template_types (step_group_spec.yaml itself is "
            + ("an open object" if not group_spec.get("properties") else "a step group")
            + ")",
        },
        {"owner": "template:Step", "path": "spec", "holds": "step", "source": "v0/template/template_config.yaml step_template_types"},
    ]
    json.dump(
        {"schema": {"repository": "harness/harness-schema", "commit": resolved, "date": date, "files": ["v0/pipeline.json", "v0/template/"]}, "places": rows},
        sys.stdout,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
