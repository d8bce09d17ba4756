from __future__ import annotations

import re

from barrierlint.rule import Rule

# `<+input>` with modifiers such as `.default(x)`, `.allowedValues(a, b)`, `.regex(...)`
_RUNTIME_INPUT = re.compile(r"<\+input>(?:\.[A-Za-z]+\((?:[^()]|\([^()]*\))*\))*")


class ExpressionInBarrierRef(Rule):
    """A `barrierRef` (or FirstGen barrier identifier) is an expression.

    ## What goes wrong
    Barrier participants are registered when the run starts, by the literal text of each
    reference. Harness allows a runtime input (`<+input>`, with `.default(...)`,
    `.allowedValues(...)` and the like), because it is resolved before that moment; any other
    expression (`<+pipeline.variables.x>`, `<+matrix.region>`, an input whose default is an
    expression, an execution-time input) is not. FirstGen identifiers take no expressions at
    all, and `${...}` is FirstGen syntax that NextGen never evaluates.

    ## At run time
    NextGen refuses to start the run ("Variable expressions are not allowed in Barrier
    Reference"); the docs say "You cannot use a Harness variable expression in Barrier
    Reference". A `${...}` reference in NextGen is just a barrier with that odd literal name.
    FirstGen matches the identifier as written, so the workflows never meet.

    ## How to fix
    Write the identifier of a declared barrier, or `<+input>` (optionally with
    `.allowedValues(...)`) to choose it when the run starts. For a barrier per loop copy, use
    one barrier and let the copies meet there.

    ## Example
    ```yaml
    spec:
      barrierRef: <+pipeline.variables.wave>   # BL601
    ```
    """

    code = "BL601"
    name = "expression-in-barrier-ref"
    tags = ("correctness",)

    def check_pipeline(self, pipeline, project):
        firstgen = pipeline.syntax == "firstgen"
        for occurrence in project.occurrences(pipeline):
            if occurrence.chained:
                continue  # a child pipeline's step: checked with the child, or only partly visible in inputs
            ref = occurrence.ref
            problem = ref is not None and (_firstgen_problem(ref) if firstgen else _nextgen_problem(ref))
            if not problem:
                continue
            yield self.finding(
                occurrence.step.barrier_ref_origin or occurrence.step.origin,
                f"barrier reference '{ref}' of step '{occurrence.step.label}' in stage '{occurrence.where}' {problem}",
                fix="write the identifier of a declared barrier, or <+input> to choose it when the run starts",
                key=ref,
            )


def _nextgen_problem(ref: str) -> str | None:
    text = ref.strip()
    if _RUNTIME_INPUT.fullmatch(text):
        if ".executionInput()" in text:
            return (
                "is an execution-time input, answered only when the step runs, after Harness registered the barrier's "
                "participants: Harness refuses to start the run ('Variable expressions are not allowed in Barrier Reference')"
            )
        if "<+" in text[len("<+input>") :]:
            return (
                "is a runtime input whose value is an expression: Harness refuses to start the run when the input keeps "
                "that value ('Variable expressions are not allowed in Barrier Reference')"
            )
        return None
    if "<+" in text:
        return (
            "is an expression: Harness registers barrier participants by literal name before expressions are resolved and "
            "refuses to start the run ('Variable expressions are not allowed in Barrier Reference')"
        )
    if "${" in text:
        return (
            "uses FirstGen '${...}' syntax, which NextGen never evaluates: the step joins a barrier literally named "
            f"'{ref}' and meets no step that uses the value the expression was meant to produce"
        )
    return None


def _firstgen_problem(ref: str) -> str | None:
    if "${" in ref or "<+" in ref:
        return (
            "is an expression: FirstGen barrier identifiers take no expressions ('You cannot use a Harness variable "
            "expression in Identifier') and are matched as written, so the workflows never meet at this barrier"
        )
    return None
