from __future__ import annotations

from barrierlint.rules.bl001_yaml_syntax import InputProblems


class InvalidStructure(InputProblems):
    """The pipeline's shape is wrong where the analysis reads it.

    ## What goes wrong
    A field holds the wrong kind of value (`stages` as a mapping, `barrierRef` as a list,
    `maxConcurrency` as a word), a stage or step list item holds none of the known keys, a key
    is written twice, or anchors and aliases expand the pipeline beyond what can be read.

    ## At run time
    Harness rejects the YAML when the pipeline is saved or started; the barrier analysis skips
    the element, so mistakes inside it stay hidden until the shape is fixed.

    ## How to fix
    Give the field the shape the message names; remove the duplicate key.
    """

    code = "BL002"
    name = "invalid-structure"
    tags = ("correctness",)
