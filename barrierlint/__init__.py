"""barrierlint: find barrier synchronization mistakes in CI/CD pipelines before they run."""

__version__ = "0.3.0"  # the release tag is v<this>; pyproject.toml reads it from here


def check(paths, **options):
    """Check files and folders; returns the findings (see `barrierlint.engine.check`)."""
    from .engine import check as run

    return run(paths, **options).findings
