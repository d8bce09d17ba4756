"""Every fixture under fixtures/ yields exactly the findings written inside it."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from barrierlint import engine

from expectations import Case, cases


def _actual(case: Case):
    base = case.root if case.root.is_dir() else case.root.parent
    result = engine.check([str(case.root)], select_rules=case.select, ignore_rules=case.ignore, inputs=case.inputs)
    assert not result.errors, result.errors
    return result.findings, base


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.name)
def test_fixture(case: Case):
    findings, base = _actual(case)
    actual = {(os.path.relpath(f.path, base), f.span.line, f.code): f for f in findings}
    expected = {(e.path, e.line, e.code): e for e in case.expected}
    got_counts = Counter((os.path.relpath(f.path, base), f.span.line, f.code) for f in findings)
    want_counts = Counter((e.path, e.line, e.code) for e in case.expected)
    missing = sorted((want_counts - got_counts).elements())
    unexpected = sorted((got_counts - want_counts).elements())
    report = [f"missing   {p}:{line}: {code}" for p, line, code in missing]
    report += [f"unexpected {p}:{line}: {code} {actual[(p, line, code)].message}" for p, line, code in unexpected]
    for key in set(expected) & set(actual):
        want, got = expected[key], actual[key]
        if want.column is not None and want.column != got.span.column:
            report.append(f"column     {key}: expected {want.column}, got {got.span.column}")
        if want.text is not None and want.text not in got.message:
            report.append(f"message    {key}: '{want.text}' not in '{got.message}'")
    assert not report, "\n".join(report)
