"""Coverage-guided fuzzing of the whole check (load, model, every rule, both reporters) with
atheris. atheris is not a dependency of barrierlint: install it beside it, then run

    .venv/bin/pip install atheris
    mkdir -p fuzz/corpus && .venv/bin/python fuzz/atheris_target.py -atheris_runs=100000 fuzz/corpus ../shared/corpus/real

(the first folder collects the inputs atheris finds interesting; every further folder seeds it).
A crash is any exception: the command would end with exit 3 ("internal error"). The default
libFuzzer limits `-timeout=10` and `-rss_limit_mb=2048` turn a hang or a memory blow-up into a
crash too.
"""

from __future__ import annotations

import sys


def rules():
    """Every rule (importing barrierlint and its rule modules on first use)."""
    from barrierlint.rule import select

    return select()


def test_one_input(data: bytes) -> None:
    """One input, every stage of a check, in memory (atheris calls this for each case)."""
    from barrierlint import engine
    from barrierlint.project import Settings
    from barrierlint.report import json as json_report
    from barrierlint.report import text as text_report

    result = engine.analyse([engine.Input("fuzz.yaml", data, True)], rules(), Settings(), engine.Result())
    text_report.render(result.findings, result.files)
    json_report.render(result.findings, result.files)


def main() -> None:
    import atheris  # only when fuzzing: the tests import this module without it

    with atheris.instrument_imports(include=["barrierlint"]):
        test_one_input(b"")  # imports barrierlint and every rule under instrumentation
    atheris.Setup([sys.argv[0], "-timeout=10", "-rss_limit_mb=2048", *sys.argv[1:]], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
