import os
import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

# The gate replays the same examples on every run; BARRIERLINT_HYPOTHESIS=explore draws new ones.
settings.register_profile("gate", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("BARRIERLINT_HYPOTHESIS", "gate"))
