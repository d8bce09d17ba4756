"""BL002 asks fastjsonschema whether a barrier part is well formed and jsonschema what is wrong
with it only when it is not; the two must reach the same verdict on every value, or BL002 would
stay silent where jsonschema reports (or run jsonschema where it finds nothing)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from barrierlint.rules.bl002_invalid_structure import _validator, _well_formed

KEYS = ["type", "identifier", "name", "spec", "barrierRef", "barriers", "timeout", "when", "x"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.floats(allow_nan=True), st.sampled_from(["", "Barrier", "barrier", "b1", "<+input>"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=12,
)
BARRIER_STEPS = st.fixed_dictionaries(
    {"type": st.sampled_from(["Barrier", "ShellScript"])},
    optional={"identifier": VALUES, "name": VALUES, "spec": st.one_of(VALUES, st.fixed_dictionaries({}, optional={"barrierRef": VALUES}))},
)
FLOW_CONTROLS = st.fixed_dictionaries(
    {}, optional={"barriers": st.one_of(VALUES, st.lists(st.fixed_dictionaries({}, optional={"identifier": VALUES, "name": VALUES}), max_size=3))}
)


def agree(definition: str, data) -> None:
    jsonschema_verdict = next(iter(_validator(definition).iter_errors(data)), None) is None
    assert _well_formed(definition)(data) is jsonschema_verdict, data


@settings(max_examples=400, deadline=None)
@given(st.one_of(VALUES, BARRIER_STEPS))
def test_steps(data):
    agree("step", data)


@settings(max_examples=400, deadline=None)
@given(st.one_of(VALUES, FLOW_CONTROLS))
def test_flow_control(data):
    agree("flowControl", data)


def test_both_verdicts_occur():
    """The generators reach both sides of each definition, so agreement is not agreement on 'yes'."""
    good = {"type": "Barrier", "identifier": "s", "name": "s", "spec": {"barrierRef": "b"}}
    assert _well_formed("step")(good) and not _well_formed("step")({**good, "spec": {}})
    assert _well_formed("flowControl")({"barriers": [{"identifier": "b", "name": "b"}]})
    assert not _well_formed("flowControl")({"barriers": [{"identifier": ""}]})
