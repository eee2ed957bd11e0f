"""The labelled count array: a district's students by group and balance category.

A *category* is an income class, or an (income class, second attribute) pair when a second
attribute such as English-learner status is balanced too. ``counts[m, c]`` is the number (or
share) of students of group m in category c.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assignopt.errors import InputError
from assignopt.income import IncomeDistribution
from assignopt.validation import check_count_table, check_rate, check_share

__all__ = ["Population"]


@dataclass(frozen=True)
class Population:
    """Students of a district by group and balance category.

    Parameters
    ----------
    counts : array_like
        Shape ``(M, C)``: students (counts or shares) of group m in category c.
    groups : sequence of str
        M group labels; two-group indices use the first two (b, w).
    income_class : array_like of int
        Shape ``(C,)``: the income class (0 = poorest) of each category.
    class_labels : sequence of str
        K labels of the income classes.
    attribute : array_like of bool, optional
        Shape ``(C,)``: whether category c holds students with the second attribute.
    attribute_name : str, optional
        Name of the second attribute.
    """

    counts: np.ndarray
    groups: tuple[str, ...]
    income_class: np.ndarray
    class_labels: tuple[str, ...]
    attribute: np.ndarray | None = None
    attribute_name: str | None = None
    category_labels: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=float)
        if counts.ndim != 2:
            raise InputError(f"population counts must be groups x categories, got {counts.ndim}-D")
        groups = tuple(str(g) for g in self.groups)
        if len(groups) != counts.shape[0]:
            raise InputError(f"{len(groups)} group labels for {counts.shape[0]} groups")
        if counts.shape[1] == 0:
            raise InputError("population has no categories (income classes)")
        income_class = np.asarray(self.income_class, dtype=int)
        labels = tuple(str(c) for c in self.class_labels)
        if income_class.shape != (counts.shape[1],):
            raise InputError("income_class needs one class index per category")
        if income_class.min() < 0 or income_class.max() >= len(labels):
            raise InputError("income_class indices must refer to class_labels")
        attribute = None if self.attribute is None else np.asarray(self.attribute, dtype=bool)
        if attribute is not None and attribute.shape != (counts.shape[1],):
            raise InputError("attribute needs one flag per category")
        names = tuple(self.category_labels)
        if not names:
            names = tuple(labels[k] for k in income_class)
            if attribute is not None:
                tag = self.attribute_name or "attribute"
                names = tuple(f"{n}/{tag if a else 'not ' + tag}" for n, a in zip(names, attribute))
        check_count_table(counts.T, list(groups), name="population", rows=names)
        empty = [groups[m] for m in range(len(groups)) if counts[m].sum() <= 0]
        if empty:
            raise InputError(
                f"group(s) {', '.join(map(repr, empty))} have no students; segregation between "
                "groups needs every group present"
            )
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "income_class", income_class)
        object.__setattr__(self, "class_labels", labels)
        object.__setattr__(self, "attribute", attribute)
        object.__setattr__(self, "category_labels", names)

    # --- sizes and shares -------------------------------------------------------------------

    @property
    def n_groups(self) -> int:
        """Number of groups M."""
        return self.counts.shape[0]

    @property
    def n_categories(self) -> int:
        """Number of categories C."""
        return self.counts.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of income classes K."""
        return len(self.class_labels)

    @property
    def total(self) -> float:
        """All students T."""
        return float(self.counts.sum())

    @property
    def group_shares(self) -> np.ndarray:
        """District group shares pi_m."""
        return self.counts.sum(axis=1) / self.total

    @property
    def class_shares(self) -> np.ndarray:
        """District income-class shares (K,)."""
        per_category = self.counts.sum(axis=0)
        return np.bincount(self.income_class, per_category, self.n_classes) / self.total

    def class_matrix(self) -> np.ndarray:
        """Students by group and income class, summing out the attribute: shape ``(M, K)``."""
        out = np.zeros((self.n_groups, self.n_classes))
        np.add.at(out.T, self.income_class, self.counts.T)
        return out

    # --- constructors -----------------------------------------------------------------------

    @classmethod
    def from_class_table(
        cls,
        table: np.ndarray,
        groups: Sequence[str] = ("black", "white"),
        class_labels: Sequence[str] | None = None,
    ) -> Population:
        """Population from a table of students by group (rows) and income class (columns)."""
        table = np.asarray(table, dtype=float)
        if table.ndim != 2:
            raise InputError("class table must be 2-D: groups x income classes")
        k = table.shape[1]
        labels = class_labels or [f"class {c + 1}" for c in range(k)]
        return cls(table, tuple(groups), np.arange(k), tuple(labels))

    @classmethod
    def from_cells(
        cls,
        cells: np.ndarray,
        groups: Sequence[str],
        classes: Sequence[str],
        units: Sequence[str] | None = None,
    ) -> Population:
        """Population from students by unit, group and income class, summed over the units.

        Parameters
        ----------
        cells : array_like
            Shape ``(N, M, K)``: students of group m in income class k living in (or enrolled
            at) unit n, e.g. :meth:`assignopt.spatial.district.District.counts`.
        groups : sequence of str
            M group labels (the first two are b and w of two-group indices).
        classes : sequence of str
            K income-class labels, poorest first.
        units : sequence of str, optional
            N unit ids, named in messages (as written in the user's file).

        Returns
        -------
        Population
        """
        cells = np.asarray(cells, dtype=float)
        groups, classes = tuple(str(g) for g in groups), tuple(str(c) for c in classes)
        if cells.ndim != 3 or cells.shape[1:] != (len(groups), len(classes)):
            raise InputError(
                f"cells must have shape (units, {len(groups)} groups, {len(classes)} classes), "
                f"got {cells.shape}"
            )
        if units is not None and len(units) != cells.shape[0]:
            raise InputError(f"{len(units)} unit ids for {cells.shape[0]} units")
        if cells.shape[0] == 0:
            raise InputError("cells: no units (rows)")
        labels = [f"{g}_{c}" for g in groups for c in classes]
        check_count_table(cells.reshape(cells.shape[0], -1), labels, name="cells", rows=units)
        return cls.from_class_table(cells.sum(axis=0), groups, classes)

    @classmethod
    def dichotomous(
        cls,
        black_share: float,
        black_poverty: float,
        white_poverty: float,
        total: float = 1.0,
    ) -> Population:
        """Two groups, poor and nonpoor, from the group shares and poverty rates."""
        black_poverty = check_rate(black_poverty, "black_poverty")
        white_poverty = check_rate(white_poverty, "white_poverty")
        pb = check_share(black_share, "black_share")
        pw = 1.0 - pb
        table = total * np.array(
            [
                [pb * black_poverty, pb * (1 - black_poverty)],
                [pw * white_poverty, pw * (1 - white_poverty)],
            ]
        )
        return cls.from_class_table(table, class_labels=("poor", "nonpoor"))

    @classmethod
    def gamma(
        cls,
        black: IncomeDistribution,
        white: IncomeDistribution,
        black_share: float,
        n_classes: int,
    ) -> Population:
        """Two groups with modelled incomes, in ``n_classes`` equal-share income classes."""
        from assignopt.bounds import income_class_table

        return cls.from_class_table(income_class_table(black, white, black_share, n_classes))

    @classmethod
    def from_long_frame(
        cls,
        frame: pd.DataFrame,
        group: str = "group",
        income_class: str = "income_class",
        count: str = "count",
        attribute: str | None = None,
        groups: Sequence[str] | None = None,
    ) -> Population:
        """Population from a long table: one row per (group, income class[, attribute]) cell.

        Income classes are taken in order of first appearance (list them poorest first);
        ``groups`` fixes the group order (the first two are b and w of two-group indices).
        The ``attribute`` column holds booleans: true/false or 1/0 (any case); any other
        value (yes/no, Y/N, blanks) is refused, naming it.
        """
        needed = [group, income_class, count] + ([attribute] if attribute else [])
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InputError(
                f"counts table: column(s) {', '.join(map(repr, missing))} not found; "
                f"available columns: {', '.join(map(str, frame.columns))}"
            )
        if len(frame) == 0:
            raise InputError(
                "counts table: the table has a header but no rows; give one row per "
                f"({group}, {income_class}) cell with its {count}"
            )
        values = pd.to_numeric(frame[count], errors="coerce")
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise InputError(
                f"counts table: column {count!r}, row {row}: {frame[count].iloc[row]!r} is not "
                "a number"
            )
        check_count_table(values.to_numpy(dtype=float)[:, None], [count], name="counts table")
        group_order = list(groups) if groups else list(dict.fromkeys(frame[group].astype(str)))
        unknown = set(frame[group].astype(str)) - set(group_order)
        if unknown:
            raise InputError(f"counts table: groups {sorted(unknown)} are not in {group_order}")
        class_order = list(dict.fromkeys(frame[income_class].astype(str)))
        attr_values = [False, True] if attribute else [False]
        cats = [(k, a) for k in range(len(class_order)) for a in attr_values]
        index = {cat: i for i, cat in enumerate(cats)}
        counts = np.zeros((len(group_order), len(cats)))
        g_idx = frame[group].astype(str).map({g: i for i, g in enumerate(group_order)})
        k_idx = frame[income_class].astype(str).map({c: i for i, c in enumerate(class_order)})
        a_idx = (
            _boolean_column(frame[attribute], attribute)
            if attribute
            else pd.Series(False, frame.index)
        )
        c_idx = [index[(k, bool(a))] for k, a in zip(k_idx, a_idx)]
        np.add.at(counts, (g_idx.to_numpy(), np.asarray(c_idx)), values.to_numpy(dtype=float))
        return cls(
            counts,
            tuple(group_order),
            np.array([k for k, _ in cats]),
            tuple(class_order),
            np.array([a for _, a in cats]) if attribute else None,
            attribute,
        )


_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


def _boolean_column(values: pd.Series, column: str) -> pd.Series:
    """Read true/false or 1/0 (any case) as booleans; refuse anything else naming it."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool)
    if pd.api.types.is_numeric_dtype(values):
        text = values.map(lambda v: "1" if v == 1 else "0" if v == 0 else repr(v))
    else:
        text = values.map(lambda v: str(v).strip().lower() if isinstance(v, str) else repr(v))
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        value = values[bad].iloc[0]
        shown = "a blank" if pd.isna(value) else repr(getattr(value, "item", lambda: value)())
        raise InputError(
            f"counts table: column {column!r} holds {shown}, which is not a boolean; write "
            "true/false or 1/0 (yes/no and other words are not read as booleans)"
        )
    return text.isin(_TRUE)
