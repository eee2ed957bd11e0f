"""Memory a maximum's model will take, estimated before it is built, against a budget.

Estimates are bytes per nonzero of the constraint matrix, measured as the peak resident memory
above the interpreter's baseline (``resource.getrusage``) for gamma incomes in K classes:

- column generation (perfect balance): the seed columns alone hold ``K^2 + 3K`` nonzeros;
  peak +54, +193, +748 MB at K = 500, 1,000, 2,000, i.e. 187-193 bytes per nonzero
  (dense column arrays, the sparse copy, HiGHS's copy and factors): 200 is used;
- the cell bracket (tolerance 0.05, 17 cells): peak +35 and +67 MB at K = 500 and 1,000
  (about 205,000 nonzeros at K = 1,000): 330 bytes per nonzero, 350 is used.

The budget is ``min(available memory, MEMORY_CAP)``, available memory read from
``/proc/meminfo`` (``MemAvailable``), else ``os.sysconf``, else the cap itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from assignopt.errors import InputError
from assignopt.policy import BalanceRule
from assignopt.population import Population

__all__ = [
    "BRACKET_BYTES_PER_NONZERO",
    "COLGEN_BYTES_PER_NONZERO",
    "MEMORY_CAP",
    "available_memory",
    "bracket_nonzeros",
    "check_memory",
    "colgen_nonzeros",
    "format_bytes",
    "memory_budget",
    "scaled",
]

#: Largest memory a model may take, whatever the machine has (bytes).
MEMORY_CAP = 16 * 2**30
#: Measured bytes per constraint-matrix nonzero of column generation (see the module note).
COLGEN_BYTES_PER_NONZERO = 200
#: Measured bytes per constraint-matrix nonzero of the cell bracket (see the module note).
BRACKET_BYTES_PER_NONZERO = 350


def available_memory() -> int | None:
    """Memory the system can give without swapping (bytes), or None when it cannot say."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def memory_budget(limit: float | None = None) -> float:
    """Bytes a model may take: ``limit`` when given, else ``min(available, MEMORY_CAP)``."""
    if limit is not None:
        return float(limit)
    available = available_memory()
    return float(MEMORY_CAP if available is None else min(available, MEMORY_CAP))


def colgen_nonzeros(n_classes: int) -> int:
    """Nonzeros of the first column-generation master: K + 1 nested seeds and the district."""
    return (n_classes + 1) * n_classes + 2 * n_classes


def bracket_nonzeros(
    population: Population,
    rules: list[BalanceRule],
    n_cells: int,
    size: tuple[float, float] | None,
) -> int:
    """Nonzeros of the bracket LP over ``n_cells`` cells (see ``bracket.bracket_lp``)."""
    m, c = population.n_groups, population.n_categories
    nnz = 2 * n_cells * m * c + n_cells * m * m  # supply, composition
    for rule in rules:
        sides = 1 if rule.lower == rule.upper else 2
        nnz += sides * n_cells * (m * int(rule.categories.sum()) + m)
    if size is not None:
        nnz += 2 * (n_cells * m + n_cells)
    return nnz


def _largest_fitting(bytes_of: Callable[[int], float], budget: float, k: int) -> int:
    """The largest number of classes k' <= k with ``bytes_of(k') <= budget`` (0 if none)."""
    lo, hi = 0, k
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if bytes_of(mid) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


def check_memory(
    what: str,
    population: Population,
    bytes_of: Callable[[int], float],
    limit: float | None,
    alternative: str = "",
) -> None:
    """Refuse a model whose estimated memory exceeds the budget, naming the largest K that fits.

    Parameters
    ----------
    what : str
        The model, in words.
    population : Population
        The district (its number of income classes K).
    bytes_of : callable
        Estimated bytes of the model as a function of K (the other sizes held).
    limit : float, optional
        Budget in bytes (default: :func:`memory_budget`).
    alternative : str
        A sentence to add (another method's needs).

    Raises
    ------
    InputError
        When ``bytes_of(K)`` exceeds the budget.
    """
    k = population.n_classes
    need = float(bytes_of(k))
    budget = memory_budget(limit)
    if need <= budget:
        return
    fits = _largest_fitting(bytes_of, budget, k)
    source = "given limit" if limit is not None else "available memory, at most 16 GiB"
    raise InputError(
        f"the {what} for {k:,} income classes needs about {format_bytes(need)}, more than the "
        f"{format_bytes(budget)} budget ({source}); at most {fits:,} income classes fit. "
        f"Use fewer income classes{alternative}"
    )


def format_bytes(n: float) -> str:
    """Bytes for people: GB from 1 GB up, else MB."""
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def scaled(bytes_now: float, k_now: int) -> Callable[[int], float]:
    """Bytes as a function of K for a model whose size grows in proportion to K."""
    return lambda k: bytes_now * k / max(k_now, 1)
