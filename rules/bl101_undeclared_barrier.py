from __future__ import annotations

import difflib

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
        if pipeline.syntax == "firstgen" or pipeline.template is not None:
            return  # FirstGen declares nothing; an unresolved pipeline template holds the flowControl
        declared = [d.identifier for d in pipeline.barriers if d.identifier]
        for occurrence in project.occurrences(pipeline):
            ref = occurrence.ref
            if ref is None or is_expression(ref) or "${" in ref or ref.startswith("parent.") or ref in declared:
                continue
            if any(other is not pipeline for other in project.declaring(ref)):
                continue  # declared by another pipeline: BL501 says so
            guess = difflib.get_close_matches(ref, declared, n=1, cutoff=0.6)
            by_name = [d for d in pipeline.barriers if d.name == ref and d.identifier]
            if by_name:
                hint = f"'{ref}' is the display name of barrier '{by_name[0].identifier}'; barrierRef takes the identifier"
            elif guess:
                hint = f"did you mean '{guess[0]}'?"
            else:
                hint = "declare it under pipeline.flowControl.barriers"
            related = [Related(d.origin, f"barrier '{d.identifier}' is declared here") for d in pipeline.barriers if d.identifier in guess]
            yield self.finding(
                occurrence.step.barrier_ref_origin,
                f"barrier '{ref}' used by step '{occurrence.step.label}' in stage '{occurrence.where}' is not declared in "
                f"flowControl.barriers; the legacy engine refuses to start the run and the current one never matches it "
                f"with a declared barrier: {hint}",
                related=related,
                fix=f"use '{guess[0]}'" if guess else f"declare '{ref}' in pipeline.flowControl.barriers",
                key=ref,
            )
