from __future__ import annotations

from barrierlint.finding import Related
from barrierlint.model import is_expression
from barrierlint.rule import Rule


class UndeclaredBarrier(Rule):
    """A Barrier step references a barrier that `flowControl.barriers` does not declare.

    ## What goes wrong
    `spec.barrierRef` must name the `identifier` of a barrier declared in the pipeline's
    `flowControl.barriers`. A typo, a renamed barrier, or a step copied from another pipeline
    leaves the reference pointing at nothing the pipeline declares.

    ## At run time
    The legacy engine refuses to start the run ("Barrier Identifier X was not present in
    flowControl") and the Pipeline Studio cannot show which stages use the barrier. The current
    engine creates a barrier for whatever name it finds, so a typo silently splits one barrier
    into two: the steps that should meet never wait for each other.

    ## How to fix
    Declare the barrier under `pipeline.flowControl.barriers`, or correct the reference to the
    identifier (not the display name) of a declared barrier.

    ## Fix
    `--fix` declares the barrier under `flowControl.barriers` when no declared identifier is close
    to the reference: safe, because the current engine already runs a barrier of that name (the
    legacy one now starts the run). When exactly one declared identifier is close (or the
    reference is a barrier's display name), `--unsafe-fixes` renames the reference to it: unsafe,
    because the step then waits with the other participants of that barrier.

    ## Example
    ```yaml
    flowControl:
      barriers:
        - identifier: db_ready
          name: db ready
    ...
          spec:
            barrierRef: db_redy   # BL101: did you mean 'db_ready'?
    ```
    """

    code = "BL101"
    name = "undeclared-barrier"
    tags = ("correctness",)

    def check_pipeline(self, pipeline, project):
        if pipeline.syntax == "firstgen" or not pipeline.declarations_known or (pipeline.syntax == "v1" and pipeline.barriers_origin is None):
            return  # FirstGen and v1 without a barriers list declare nothing; declarations out of sight are unknown
        declared: dict[str, list] = {}
        by_name = {}
        for decl in pipeline.barriers:
            if decl.identifier:
                declared.setdefault(decl.identifier, []).append(decl)
                if decl.name:
                    by_name.setdefault(decl.name, decl)
        guesses: dict[str, str | None] = {}
        section = "pipeline.barriers" if pipeline.syntax == "v1" else "pipeline.flowControl.barriers"
        consequence = "it never matches a declared barrier" if pipeline.syntax == "v1" else (
            "the legacy engine refuses to start the run and the current one never matches it with a declared barrier"
        )
        for occurrence in project.occurrences(pipeline):
            ref = occurrence.ref
            if not ref or is_expression(ref) or "${" in ref or ref.startswith("parent.") or ref in declared:
                continue
            if project.declaring(ref, pipeline):
                continue  # declared by another pipeline: BL501 says so
            if ref not in guesses:
                guesses[ref] = _closest(ref, declared, budget=SUGGESTION_WORK - len(guesses) * len(declared))
            guess = guesses[ref]
            if ref in by_name:
                hint = f"'{ref}' is the display name of barrier '{by_name[ref].identifier}'; barrierRef takes the identifier"
            elif guess:
                hint = f"did you mean '{guess}'?"
            else:
                hint = f"declare it under {section}"
            related = [Related(d.origin, f"barrier '{d.identifier}' is declared here") for d in declared.get(guess, ())]
            yield self.finding(
                occurrence.step.barrier_ref_origin,
                f"barrier '{ref}' used by step '{occurrence.step.label}' in stage '{occurrence.where}' is not declared in "
                f"{section}; {consequence}: {hint}",
                related=related,
                fix=f"use '{guess}'" if guess else f"declare '{ref}' in {section}",
                key=ref,
                **({"intended": by_name[ref].identifier if ref in by_name else guess} if ref in by_name or guess else {}),
            )


    def fix(self, finding, project):
        from barrierlint.fixes import Fix
        from barrierlint.fixes.barriers import declare, occurrence_at, point_at

        pipeline, occurrence = occurrence_at(finding, project)
        ref = occurrence.ref
        key = ("BL101-declared", id(pipeline))
        if key not in project._cache:
            by_name = {}
            for decl in pipeline.barriers:
                if decl.identifier and decl.name:
                    by_name.setdefault(decl.name, decl.identifier)
            project._cache[key] = (list(dict.fromkeys(d.identifier for d in pipeline.barriers if d.identifier)), by_name)
        declared, by_name = project._cache[key]
        if ref in by_name:
            target = by_name[ref]
        elif finding.related:  # the declarations of the suggested barrier: is it the only close one?
            target = next((d.identifier for d in pipeline.barriers if d.origin.route == finding.related[0].origin.route), None)
            if target is None or _close(ref, declared) != [target]:
                return None  # several declared identifiers are as close: the author must choose
        else:
            return Fix(f"declare '{ref}' in pipeline.flowControl.barriers", True, finding.origin.doc, (declare(pipeline, ref),))
        return Fix(f"use the declared barrier '{target}'", False, finding.origin.doc, (point_at(occurrence, target),))


SUGGESTION_WORK = 20_000  # name comparisons per pipeline (each up to 0.1 ms): thousands of typos among thousands of barriers stay fast


def _close(ref: str, declared: list[str]) -> list[str]:
    """The declared identifiers close to a reference (two when the choice is ambiguous); asked
    only for a reference the check found a suggestion for, within its budget."""
    import difflib

    return difflib.get_close_matches(ref, declared, n=2, cutoff=0.6)


def _closest(ref: str, declared: dict, budget: int) -> str | None:
    """The declared identifier nearest to a reference, if one is close (Harness identifiers are
    at most 128 characters; longer references get no suggestion)."""
    if len(ref) > 128 or len(declared) > budget:
        return None
    import difflib

    found = difflib.get_close_matches(ref, declared, n=1, cutoff=0.6)
    return found[0] if found else None
