"""Reading the NCES EDGE "Public School Characteristics" file (one row per US public school).

The file researchers download from the National Center for Education Statistics (the Common Core
of Data) holds, per school, its id ``NCESSCH`` and its district's ``LEAID`` (text with leading
zeros), enrolment by race and ethnicity (``BL``, ``WH``, ``HI``, ``AS``, ``AM``, ``HP``, ``TR``),
free/reduced-price lunch (``TOTFRL`` = ``FRELCH`` + ``REDLCH``), ``MEMBER`` and coordinates
(``LATCOD``, ``LONCOD``). Negative values are NCES codes, not counts: -1 missing, -2 not
applicable, -9 suppressed (some states report no FRL at all); cells may also be blank. A school
with a code or a blank in any column used is excluded, and the exclusions are counted per
district and reason, so a code is never read as a count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from assignopt.errors import InputError

__all__ = [
    "NCES_CODES",
    "NCES_GROUPS",
    "NcesSchools",
    "is_nces_school_table",
    "nces_schools",
    "read_nces_schools",
]

#: Group names and the NCES columns that count them (Black and White first).
NCES_GROUPS: dict[str, str] = {
    "black": "BL",
    "white": "WH",
    "hispanic": "HI",
    "asian": "AS",
    "american_indian": "AM",
    "pacific_islander": "HP",
    "two_or_more": "TR",
}

#: Meanings of NCES's negative codes.
NCES_CODES: dict[int, str] = {-1: "missing", -2: "not applicable", -9: "suppressed"}

_ID_COLUMNS = ("NCESSCH", "LEAID")
_TEXT_COLUMNS = ("NCESSCH", "LEAID", "ST_LEAID", "LEA_NAME", "SCH_NAME", "STABR", "LSTATE")


def is_nces_school_table(columns: Iterable[str]) -> bool:
    """Whether a table's columns are those of the NCES school file (ids, Black and White)."""
    names = {str(c).strip() for c in columns}
    return {"NCESSCH", "LEAID", "BL", "WH"} <= names


@dataclass(frozen=True)
class NcesSchools:
    """NCES schools ready for :func:`assignopt.districts.district_table`.

    Attributes
    ----------
    schools : pandas.DataFrame
        The usable schools: ``district`` (LEAID), ``district_name``, ``school`` (NCESSCH),
        ``school_name``, ``state``, one column per group, ``poor``, ``students`` (MEMBER),
        ``latitude``, ``longitude``; ids are text with their leading zeros.
    exclusions : pandas.DataFrame
        One row per district, column and reason (``blank``, ``missing``, ``not applicable``,
        ``suppressed``, ``code -k``): ``district``, ``district_name``, ``column``, ``reason``,
        ``schools`` (how many schools were excluded for it).
    districts : pandas.DataFrame
        One row per district: ``district``, ``district_name``, ``schools_read``,
        ``schools_used``, ``schools_excluded``.
    groups : list of str
        Group columns of ``schools`` (Black and White first).
    """

    schools: pd.DataFrame
    exclusions: pd.DataFrame
    districts: pd.DataFrame
    groups: list[str]
    district: str = "district"
    poor: str = "poor"
    school: str = "school"

    def exclusion_message(self, district_id: str) -> str:
        """Why schools of one district were left out, e.g. ``"4 schools blank in TOTFRL"``."""
        rows = self.exclusions[self.exclusions["district"] == district_id]
        parts = []
        for (reason, schools), part in rows.groupby(["reason", "schools"], sort=False):
            noun = "school" if schools == 1 else "schools"
            parts.append(f"{schools} {noun} {reason} in {', '.join(part['column'])}")
        return "; ".join(parts)


def _cells(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse one count column: values, a blank mask and the NCES code (0 where none)."""
    text = frame[column].astype(str).str.strip()
    text = text.where(frame[column].notna(), "")
    blank = (text == "").to_numpy()
    values = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=float)
    wrong = ~blank & ~np.isfinite(values)
    if wrong.any():
        j = int(np.flatnonzero(wrong)[0])
        raise InputError(
            f"NCES table: column {column!r} holds {frame[column].iloc[j]!r} for school "
            f"{frame['NCESSCH'].iloc[j]!r}, which is neither a count nor an NCES code"
        )
    codes = np.where(~blank & (values < 0), values, 0.0)
    return values, blank, codes


def _reason(code: float) -> str:
    return NCES_CODES.get(int(code), f"code {code:g}")


def nces_schools(
    frame: pd.DataFrame,
    *,
    groups: Mapping[str, str] | None = None,
    poor: str = "TOTFRL",
) -> NcesSchools:
    """Turn an NCES school table (cells as read, ideally text) into usable school rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The NCES file's rows; ``NCESSCH`` and ``LEAID`` should be text (as
        :func:`read_nces_schools` reads them), else their leading zeros are already lost.
    groups : mapping of str to str, optional
        Group name to NCES column (default :data:`NCES_GROUPS`, Black and White first); only
        columns present in the file are used, but ``BL`` and ``WH`` are required.
    poor : str
        Column of poor students (default ``TOTFRL``, free or reduced-price lunch).

    Returns
    -------
    NcesSchools

    Raises
    ------
    InputError
        If a required column is missing, a count cell holds text, or no school is usable.
    """
    frame = frame.rename(columns=lambda c: str(c).strip())
    wanted = dict(groups) if groups is not None else dict(NCES_GROUPS)
    if groups is None:
        wanted = {name: col for name, col in wanted.items() if col in frame.columns}
    required = [*_ID_COLUMNS, *wanted.values(), poor]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"NCES table: column(s) {', '.join(map(repr, missing))} not found; available: "
            f"{', '.join(map(str, frame.columns))}"
        )
    if len(wanted) < 2:
        raise InputError(f"groups: at least two NCES group columns are needed, got {wanted}")
    if len(frame) == 0:
        raise InputError("NCES table: no rows (only a header); nothing to compute")
    district_ids = frame["LEAID"].astype(str).str.strip()
    blank_ids = (frame["LEAID"].isna() | (district_ids == "")).to_numpy()
    if blank_ids.any():
        j = int(np.flatnonzero(blank_ids)[0])
        raise InputError(
            f"NCES table: school {str(frame['NCESSCH'].iloc[j])!r} has a blank district id "
            "(column 'LEAID')"
        )
    names = frame["LEA_NAME"].astype(str) if "LEA_NAME" in frame.columns else district_ids
    used_columns = [*wanted.values(), poor]
    excluded = np.zeros(len(frame), dtype=bool)
    values: dict[str, np.ndarray] = {}
    reasons = []
    for column in used_columns:
        col_values, blank, codes = _cells(frame, column)
        values[column] = col_values
        bad = blank | (codes < 0)
        excluded |= bad
        for j in np.flatnonzero(bad):
            reasons.append(
                (district_ids.iloc[j], column, "blank" if blank[j] else _reason(codes[j]))
            )
    exclusions = (
        pd.DataFrame(reasons, columns=["district", "column", "reason"])
        .groupby(["district", "column", "reason"], sort=True)
        .size()
        .rename("schools")
        .reset_index()
    )
    name_of = dict(zip(district_ids, names))
    exclusions.insert(1, "district_name", exclusions["district"].map(name_of))
    keep = ~excluded
    schools = pd.DataFrame(
        {
            "district": district_ids[keep].to_numpy(dtype=object),
            "district_name": names[keep].to_numpy(dtype=object),
            "school": frame["NCESSCH"].astype(str).str.strip()[keep].to_numpy(dtype=object),
        }
    )
    for label, column in (("school_name", "SCH_NAME"), ("state", "STABR")):
        if column in frame.columns:
            schools[label] = frame[column].astype(str)[keep].to_numpy(dtype=object)
    for name, column in wanted.items():
        schools[name] = values[column][keep]
    schools["poor"] = values[poor][keep]
    for label, column in (("students", "MEMBER"), ("latitude", "LATCOD"), ("longitude", "LONCOD")):
        if column in frame.columns:
            number = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
            if label == "students":
                number = np.where(number < 0, np.nan, number)
            schools[label] = number[keep]
    per_district = pd.DataFrame({"district": district_ids, "used": keep}).groupby(
        "district", sort=True
    )["used"]
    districts = pd.DataFrame(
        {"schools_read": per_district.size(), "schools_used": per_district.sum()}
    ).reset_index()
    districts.insert(1, "district_name", districts["district"].map(name_of))
    districts["schools_used"] = districts["schools_used"].astype(int)
    districts["schools_excluded"] = districts["schools_read"] - districts["schools_used"]
    if len(schools) == 0:
        raise InputError(
            f"NCES table: no usable school among {len(frame)}: every school has a blank or an "
            f"NCES code (missing, not applicable, suppressed) in {', '.join(used_columns)}"
        )
    return NcesSchools(schools, exclusions, districts, list(wanted))


def read_nces_schools(
    path: str | Path,
    *,
    groups: Mapping[str, str] | None = None,
    poor: str = "TOTFRL",
) -> NcesSchools:
    """Read the NCES EDGE "Public School Characteristics" CSV (ids as text, codes excluded).

    Parameters
    ----------
    path : str or Path
        The CSV as downloaded (any subset of its rows).
    groups, poor
        As in :func:`nces_schools`.

    Returns
    -------
    NcesSchools

    Raises
    ------
    InputError
        If the file is missing, unreadable or not the NCES school file.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({type(exc).__name__}: {exc})") from None
    if not is_nces_school_table(frame.columns):
        raise InputError(
            f"{path}: not the NCES school file (columns NCESSCH, LEAID, BL, WH not all found)"
        )
    return nces_schools(frame, groups=groups, poor=poor)
