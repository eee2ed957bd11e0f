"""Bad inputs and faults, table-driven: each ends in a named error (exit 2, one JSON object) or
a correct result (exit 0, or 3 for a batch whose other jobs were written) - never a traceback.

Every case builds its files in a temporary folder, runs the command line with ``--json`` and
checks the exact kind of outcome: the exit status, that standard output is exactly one JSON
object, and for a refusal the words that name the input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from assignopt.cli import main

HERE = Path(__file__).resolve().parent.parent  # tests/
SAMPLE = HERE.parent / "sample_districts" / "sacramento_2000.gpkg"


@dataclass(frozen=True)
class Case:
    """A command line built from a temporary folder, and the outcome it must have."""

    name: str
    args: Callable[[Path], list]
    exit_code: int
    says: str = ""  # words the error must contain (exit 2)


def _file(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def _bytes(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _schools(tmp: Path, rows: list[dict]) -> Path:
    path = tmp / "schools.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


GOOD_SCHOOLS = [
    {"district": "a", "black": 40, "white": 60, "poor": 30},
    {"district": "a", "black": 10, "white": 90, "poor": 20},
]


CASES = [
    # --- output paths, checked before computing -------------------------------------------
    Case(
        "out is a file",
        lambda t: ["verify", "--quick", "--out", _file(t, "f", "x")],
        2,
        "is a file",
    ),
    Case(
        "out inside a file",
        lambda t: ["figures", "--out", _file(t, "f", "x") / "sub"],
        2,
        "lies inside the file",
    ),
    Case(
        "assign out is a file",
        lambda t: ["assign", SAMPLE, "--out", _file(t, "f", "x")],
        2,
        "is a file",
    ),
    Case(
        "witness into a missing folder",
        lambda t: [
            "maxseg",
            "--white-poverty",
            "0.2",
            "--black-poverty",
            "0.5",
            "--witness",
            t / "missing" / "w.csv",
        ],
        2,
        "does not exist",
    ),
    Case(
        "synth out into a missing folder",
        lambda t: ["synth", "--out", t / "missing" / "city.gpkg"],
        2,
        "does not exist",
    ),
    # --- ranges and counts --------------------------------------------------------------
    Case(
        "workers 0",
        lambda t: ["districts", _schools(t, GOOD_SCHOOLS), "--workers", "0", "--out", t / "o"],
        2,
        "--workers",
    ),
    Case(
        "workers negative",
        lambda t: ["districts", _schools(t, GOOD_SCHOOLS), "--workers", "-3", "--out", t / "o"],
        2,
        "--workers",
    ),
    Case(
        "sweep levels 0",
        lambda t: ["sweep-residential", "--tolerance", "0.1", "--levels", "0", "--out", t],
        2,
        "--levels",
    ),
    Case(
        "sweep seeds 0",
        lambda t: ["sweep-residential", "--tolerance", "0.1", "--seeds", "0", "--out", t],
        2,
        "--seeds",
    ),
    Case(
        "tolerance 0.5",
        lambda t: ["assign", SAMPLE, "--tolerance", "0.5", "--out", t],
        2,
        "--tolerance",
    ),
    Case(
        "negative travel cap",
        lambda t: ["assign", SAMPLE, "--travel-cap-km", "-1"],
        2,
        "--travel-cap-km",
    ),
    Case(
        "poverty rate above 1",
        lambda t: ["bounds", "--white-poverty", "1.2", "--black-poverty", "0.5"],
        2,
        "--white-poverty",
    ),
    Case(
        "maxseg with two descriptions",
        lambda t: [
            "maxseg",
            "--white-poverty",
            "0.2",
            "--black-poverty",
            "0.5",
            "--white-mean",
            "52100",
            "--black-mean",
            "24600",
        ],
        2,
        "describe the district one way",
    ),
    Case(
        "maxseg --pair with one group",
        lambda t: ["maxseg", "--white-poverty", "0.2", "--black-poverty", "0.5", "--pair", "black"],
        2,
        "--pair",
    ),
    Case(
        "sweep without a tolerance",
        lambda t: ["sweep-residential", "--out", t],
        2,
        "Missing option '--tolerance'",
    ),
    Case(
        "tolerance not a number",
        lambda t: ["maxseg", "--tolerance", "abc"],
        2,
        "'abc' is not a valid float",
    ),
    Case(
        "unknown flag",
        lambda t: ["bounds", "--white-poverti", "0.2"],
        2,
        "No such option '--white-poverti'",
    ),
    # --- files --------------------------------------------------------------------------
    Case(
        "maxseg counts header only",
        lambda t: ["maxseg", "--counts", _file(t, "c.csv", "group,income_class,count\n")],
        2,
        "no rows",
    ),
    Case(
        "index missing file",
        lambda t: ["index", t / "none.csv", "--groups", "a,b"],
        2,
        "no such file",
    ),
    Case(
        "index unknown group column",
        lambda t: ["index", _file(t, "u.csv", "a,b\n1,2\n"), "--groups", "a,c"],
        2,
        "'c'",
    ),
    Case(
        "scenario tolerances not numbers",
        lambda t: [
            "run",
            _file(
                t,
                "m.toml",
                '[data]\npoverty = {white = 0.1, black = 0.3}\n[policy]\ntolerances = ["a", 0.1]\n',
            ),
            "--out",
            t / "o",
        ],
        2,
        "tolerances item 1 at line 4 must be float",
    ),
    Case(
        "scenario not UTF-8",
        lambda t: ["run", _bytes(t, "m.toml", b'[scenario]\nname = "caf\xe9"\n'), "--out", t / "o"],
        2,
        "not a UTF-8 text file",
    ),
    Case(
        "scenario with an ignored key",
        lambda t: [
            "run",
            _file(
                t,
                "m.toml",
                "[data]\npoverty = {white = 0.1, black = 0.3}\n[methods]\nspatial = true\n",
            ),
            "--out",
            t / "o",
        ],
        2,
        "does not apply to poverty data",
    ),
    Case(
        "districts header only",
        lambda t: ["districts", _file(t, "s.csv", "district,black,white,poor\n"), "--out", t / "o"],
        2,
        "no rows",
    ),
    Case(
        "every district fails",
        lambda t: [
            "districts",
            _schools(t, [{"district": "b", "black": 5, "white": 5, "poor": 20}]),
            "--workers",
            "1",
            "--out",
            t / "o",
        ],
        2,
        "district",
    ),
    Case(
        "blank district id",
        lambda t: [
            "districts",
            _file(t, "s.csv", "district,black,white,poor\na,4,6,3\n,5,5,2\n"),
            "--out",
            t / "o",
        ],
        2,
        "line 3",
    ),
    Case(
        "unreachable Dask scheduler",
        lambda t: [
            "districts",
            _schools(t, GOOD_SCHOOLS),
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--scheduler-timeout",
            "2",
            "--out",
            t / "o",
        ],
        2,
        "scheduler",
    ),
    Case(
        "scheduler that is not an address",
        lambda t: [
            "districts",
            _schools(t, GOOD_SCHOOLS),
            "--scheduler",
            "notaurl",
            "--scheduler-timeout",
            "2",
            "--out",
            t / "o",
        ],
        2,
        "scheduler",
    ),
    Case(
        "attribute flags yes/no",
        lambda t: [
            "maxseg",
            "--counts",
            _file(
                t,
                "c.csv",
                "group,income_class,ell,count\nblack,poor,yes,5\nblack,nonpoor,no,5\n"
                "white,poor,no,5\nwhite,nonpoor,yes,5\n",
            ),
            "--attribute",
            "ell",
        ],
        2,
        "'yes'",
    ),
    Case(
        "counts that overflow",
        lambda t: ["index", _file(t, "u.csv", "a,b\n1e308,1e308\n1e308,1\n"), "--groups", "a,b"],
        2,
        "overflow",
    ),
    Case(
        "a total read as a group",
        lambda t: [
            "index",
            _file(t, "u.csv", "black,white,asian,total\n1,2,3,6\n4,1,1,6\n2,2,5,9\n"),
            "--groups",
            "black,white,asian,total",
        ],
        2,
        "total",
    ),
    Case(
        "too many income classes for memory",
        lambda t: [
            "maxseg",
            "--white-mean",
            "52100",
            "--black-mean",
            "24600",
            "--classes",
            "20000",
        ],
        2,
        "income classes fit",
    ),
    Case(
        "classes that leave students out",
        lambda t: ["assign", SAMPLE, "--classes", "poor", "--out", t / "o"],
        2,
        "nonpoor",
    ),
    # --- batches: the others are written, the failures listed, exit 3 ------------------------
    Case(
        "one district fails",
        lambda t: [
            "districts",
            _schools(t, [*GOOD_SCHOOLS, {"district": "b", "black": 5, "white": 5, "poor": 20}]),
            "--workers",
            "1",
            "--out",
            t / "o",
        ],
        3,
    ),
    # --- correct results on inputs that used to fail ---------------------------------------
    Case(
        "index reads a district file",
        lambda t: ["index", SAMPLE, "--groups", "black,white"],
        0,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_ends_in_its_named_outcome(case, tmp_path):
    result = CliRunner().invoke(main, [str(a) for a in case.args(tmp_path)] + ["--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback: {result.exception!r}"
    )
    assert result.exit_code == case.exit_code, result.output
    payload = json.loads(result.stdout)  # exactly one JSON object on standard output
    assert isinstance(payload, dict)
    if case.exit_code == 2:
        assert set(payload) == {"error", "error_type"}
        assert case.says in payload["error"]
        assert "Traceback" not in payload["error"]
    else:
        assert "error" not in payload


def test_the_catalogue_is_large():
    # The README's error section points here; keep every class of mistake covered.
    assert len(CASES) >= 20
