"""The one error type that means "the user's mistake": the CLI prints it in one line and exits 2.

Everything else that escapes is a bug in barrierlint and exits 3, so a CI gate never mistakes a
crash for a usage problem."""


class UsageError(ValueError):
    """A mistake in how barrierlint was called or configured (options, config, baseline, paths)."""
