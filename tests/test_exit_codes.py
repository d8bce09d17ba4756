"""A bug must never look like the user's mistake: only UsageError exits 2, anything else exits 3."""

import pytest

from barrierlint import console, engine
from barrierlint.errors import UsageError


@pytest.mark.parametrize(
    "raised, code, message",
    [
        (UsageError("--output takes FORMAT:PATH"), 2, "barrierlint: error: --output takes FORMAT:PATH"),
        (ValueError("a bug"), 3, "barrierlint: internal error: ValueError: a bug"),
        (KeyError("bug"), 3, "barrierlint: internal error: KeyError"),
    ],
)
def test_only_usage_errors_are_the_users(monkeypatch, capsys, tmp_path, raised, code, message):
    def check(*args, **kwargs):
        raise raised

    monkeypatch.setattr(engine, "check", check)
    monkeypatch.delenv("BARRIERLINT_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit:
        console.guarded(lambda: console.check(["pipeline.yaml"], "text"))
    assert exit.value.code == code
    assert message in capsys.readouterr().err
