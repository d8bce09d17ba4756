"""The reference runtime: a deterministic discrete-event simulation of a pipeline run.

`simulate(pipeline, scenario)` executes the model (never the YAML) on a virtual clock and
returns a `Run`: the event trace, every node's final status, the barriers' fates, and what was
blocked where at quiescence. `verify` confirms static findings by running the scenario that
should show them.
"""

from .scenario import Profile, Scenario, ScenarioError
from .simulator import Run, clock_text, simulate

__all__ = ["Profile", "Run", "Scenario", "ScenarioError", "clock_text", "simulate"]
