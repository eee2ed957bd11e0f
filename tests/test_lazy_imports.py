"""What ``assignopt assign`` loads: reading, distances, solving and writing a district do not
import the libraries only other commands use (they cost the command about half a second)."""

import subprocess
import sys
from pathlib import Path

import assignopt

# The modules the assign command runs through, from the command to its files and page.
COMMAND_PATH = (
    "assignopt.commands.assign_cmd",
    "assignopt.workflows.assign",
    "assignopt.spatial.district",
    "assignopt.spatial.distance",
    "assignopt.spatial.assign",
    "assignopt.spatial.output",
    "assignopt.report",
)
# SciPy's statistics and optimizers serve income models and reassignment; networkx and the
# KD-tree serve road networks.
NOT_NEEDED = ("scipy.stats", "scipy.optimize", "scipy.spatial", "networkx")


def test_the_assign_command_path_leaves_unused_libraries_unloaded():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in COMMAND_PATH)
        + f"print(','.join(m for m in {NOT_NEEDED!r} if m in sys.modules))"
    )
    # From the folder holding the assignopt under test: ``python -c`` imports from there first.
    here = Path(assignopt.__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=here
    )
    assert done.stdout.strip() == ""


def test_income_models_load_scipy_where_they_use_it():
    import pytest

    from assignopt.income import GammaIncome, optimal_poverty_threshold

    # The CDF of a gamma of shape a at its mean a * theta is the regularized lower incomplete
    # gamma P(a, a); for a = 1.56, 0.6063 (scipy.special.gammainc(1.56, 1.56)).
    black = GammaIncome(1.56, 10_000.0)
    assert float(black.cdf(black.mean)) == pytest.approx(0.6063, abs=5e-5)
    # Different shapes: no closed form, the crossing is found with SciPy's root finder and
    # is where the two densities are equal.
    white = GammaIncome(2.5, 15_000.0)
    crossing = optimal_poverty_threshold(black, white)
    assert float(black.pdf(crossing)) == pytest.approx(float(white.pdf(crossing)), rel=1e-6)
