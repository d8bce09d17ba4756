"""Rules are found without importlib.metadata unless another distribution registers some: the
built-in package is imported directly, and a plugin's entry point is still found."""

from __future__ import annotations

import sys

import pytest

from barrierlint import rule

PLUGIN = '''
from barrierlint.rule import Rule


class PluginRule(Rule):
    """A rule shipped by another package."""

    code = "XX901"
    name = "plugin-rule"
'''


@pytest.fixture
def fresh_registry():
    rule.all_rules.cache_clear()
    yield
    rule.all_rules.cache_clear()


def test_builtin_rules_need_no_entry_point_scan(fresh_registry):
    codes = {r.code for r in rule.all_rules()}
    assert {"BL001", "BL002", "BL101", "BL301"} <= codes
    assert not rule._registered_elsewhere()  # this environment holds no plugin


def test_a_plugin_distribution_is_found_through_its_entry_point(tmp_path, fresh_registry):
    info = tmp_path / "barrierlint_plugin_example-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: barrierlint-plugin-example\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[barrierlint.rules]\nexample = plugin_rules_example\n")
    (tmp_path / "plugin_rules_example.py").write_text(PLUGIN)
    sys.path.insert(0, str(tmp_path))
    try:
        assert rule._registered_elsewhere()
        codes = {r.code for r in rule.all_rules()}
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("plugin_rules_example", None)
    assert "XX901" in codes and "BL101" in codes
