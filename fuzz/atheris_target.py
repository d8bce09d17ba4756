"""Coverage-guided fuzzing of the whole check (load, model, every rule, both reporters) with
atheris. atheris is not a dependency of barrierlint: install it beside it, then run

    .venv/bin/pip install atheris
    mkdir -p fuzz/corpus && .venv/bin/python fuzz/atheris_target.py -atheris_runs=100000 fuzz/corpus ../shared/corpus/real

(the first folder collects the inputs atheris finds interesting; every further folder seeds it).
A crash is any exception: the command would end with exit 3 ("internal error"), or an output
that a CI runner would read as a command. The default
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
    """One input, every stage of a check, in memory (atheris calls this for each case). The
    first line of the input is also its file name. Oracle: beside no exception, no line of the
    text or JSON output is a CI workflow command, and every GitHub annotation is one of ours."""
    import re

    from barrierlint import engine, report
    from barrierlint.project import Settings

    name = data.split(b"\n", 1)[0][:200].decode("utf-8", "replace") + ".yaml"
    result = engine.analyse([engine.Input(name, data, True)], rules(), Settings(), engine.Result())
    for output in (report.render("text", result), report.render("json", result)):
        for line in re.split(r"\r\n|\r|\n", output):
            assert not line.lstrip().startswith("::") and "##[" not in line and "\x1b" not in line, line
    for line in report.render("github", result).split("\n")[:-1]:
        assert re.match(r"::(error|warning|notice) file=[^:,\r]*,line=\d+,", line) and line.isprintable(), line


def main() -> None:
    import atheris  # only when fuzzing: the tests import this module without it

    with atheris.instrument_imports(include=["barrierlint"]):
        test_one_input(b"")  # imports barrierlint and every rule under instrumentation
    atheris.Setup([sys.argv[0], "-timeout=10", "-rss_limit_mb=2048", *sys.argv[1:]], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
