import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

# Deterministic property tests: the same examples on every run and machine.
settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.load_profile("deterministic")
