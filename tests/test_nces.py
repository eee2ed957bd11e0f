"""Reading the NCES EDGE school file: ids as text, codes and blanks excluded and counted."""

from pathlib import Path

import pandas as pd
import pytest

from assignopt.districts import district_table, run_districts
from assignopt.errors import InputError
from assignopt.nces import is_nces_school_table, read_nces_schools

FIXTURE = (
    Path(__file__).parent / "data" / "nces" / "Public_School_Characteristics_2020-21_first100.csv"
)


def test_ids_keep_their_leading_zeros():
    nces = read_nces_schools(FIXTURE)
    assert nces.schools["district"].iloc[0] == "0100005"  # LEAID as printed in the file
    assert nces.schools["school"].iloc[0] == "010000500870"  # NCESSCH as printed
    assert all(len(d) == 7 for d in nces.schools["district"])
    assert all(len(s) == 12 for s in nces.schools["school"])


def test_counts_equal_hand_sums_for_albertville_city():
    nces = read_nces_schools(FIXTURE)
    albertville = nces.schools[nces.schools["district"] == "0100005"]
    assert len(albertville) == 6 and set(albertville["district_name"]) == {"Albertville City"}
    # The fixture's six Albertville City rows (LEAID 0100005), summed by hand:
    # BL 33+70+24+48+33+37 = 245; WH 371+706+345+340+216+351 = 2329;
    # HI 469+785+481+497+288+553 = 3073; TOTFRL 332+456+330+397+181+422 = 2118;
    # MEMBER 908+1606+891+908+556+973 = 5842 (= the seven race columns' total).
    sums = albertville[["black", "white", "hispanic", "poor", "students"]].sum()
    assert sums.to_dict() == {
        "black": 245,
        "white": 2329,
        "hispanic": 3073,
        "poor": 2118,
        "students": 5842,
    }
    assert albertville[nces.groups].to_numpy().sum() == 5842


def test_blank_rows_are_counted_and_excluded():
    nces = read_nces_schools(FIXTURE)
    # Marshall County (0100006): 15 schools; 2 have blank race counts and TOTFRL
    # (010000600986, 010000600987), 2 more a blank TOTFRL only (010000600876, 010000600878).
    marshall = nces.districts.set_index("district").loc["0100006"]
    assert (marshall["schools_read"], marshall["schools_used"], marshall["schools_excluded"]) == (
        15,
        11,
        4,
    )
    rows = nces.exclusions[nces.exclusions["district"] == "0100006"].set_index("column")
    assert rows.loc["TOTFRL", "schools"] == 4 and rows.loc["BL", "schools"] == 2
    assert set(rows["reason"]) == {"blank"}
    used = set(nces.schools.loc[nces.schools["district"] == "0100006", "school"])
    assert not used & {"010000600986", "010000600987", "010000600876", "010000600878"}
    # The fixture: 100 schools, 37 with a blank TOTFRL (35 of them also without race counts).
    assert len(nces.schools) == 63
    assert nces.districts["schools_excluded"].sum() == 37


def test_nces_codes_are_never_read_as_counts(tmp_path):
    frame = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    albertville = frame["LEAID"] == "0100005"
    # A state that suppresses FRL: TOTFRL -9 in two schools; a missing Black count (-1).
    frame.loc[frame.index[albertville][:2], "TOTFRL"] = "-9"
    frame.loc[frame.index[albertville][2], "BL"] = "-1"
    path = tmp_path / "coded.csv"
    frame.to_csv(path, index=False)
    nces = read_nces_schools(path)
    kept = nces.schools[nces.schools["district"] == "0100005"]
    assert len(kept) == 3
    # Hand sums without the first three schools: BL 48+33+37 = 118, TOTFRL 397+181+422 = 1000.
    assert kept["black"].sum() == 118 and kept["poor"].sum() == 1000
    rows = nces.exclusions[nces.exclusions["district"] == "0100005"]
    assert set(zip(rows["column"], rows["reason"], rows["schools"])) == {
        ("TOTFRL", "suppressed", 2),
        ("BL", "missing", 1),
    }
    assert "2 schools suppressed in TOTFRL" in nces.exclusion_message("0100005")


def test_a_whole_state_without_frl_is_refused_by_name(tmp_path):
    frame = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    frame["TOTFRL"] = "-1"
    path = tmp_path / "nofrl.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="no usable school among 100.*TOTFRL"):
        read_nces_schools(path)


def test_recognised_by_its_columns():
    header = pd.read_csv(FIXTURE, nrows=0).columns
    assert is_nces_school_table(header)
    assert not is_nces_school_table(["district", "school", "black", "white", "poor"])


def test_feeds_the_district_table(tmp_path):
    nces = read_nces_schools(FIXTURE)
    frame, outcome = district_table(
        nces.schools, nces.groups, 0.1, tmp_path, poor=nces.poor, workers=1, progress=False
    )
    # Eight districts keep at least one school; Alexander City (0100030) has no Pacific
    # Islander students, which leaves its indices defined.
    assert sorted(frame["district"]) == [
        "0100005",
        "0100006",
        "0100007",
        "0100008",
        "0100011",
        "0100012",
        "0100013",
        "0100030",
    ]
    assert not outcome.failures


def test_run_districts_reads_the_file_directly(tmp_path):
    run = run_districts(FIXTURE, 0.1, tmp_path / "o", workers=1, figure6=True, progress=False)
    assert run.source == "nces" and run.computed == 8 and run.reused == 0
    # Sixteen districts have no usable school; each failure says why, by column.
    assert len(run.failures) == 16
    assert run.failures["0100009"] == (
        "no usable school of 5 (5 schools blank in AM, AS, BL, HI, HP, TOTFRL, TR, WH)"
    )
    table = pd.read_csv(run.files["csv"], dtype={"district": str})
    row = table.set_index("district").loc["0100006"]
    assert row["district_name"] == "Marshall County" and row["schools_excluded"] == 4
    assert run.files["figure6"].stat().st_size > 0
    assert pd.read_csv(run.files["exclusions"], dtype={"district": str})["schools"].sum() > 0
    again = run_districts(FIXTURE, 0.1, tmp_path / "o", workers=1, progress=False)
    assert again.reused == 8 and again.computed == 0


def test_a_header_only_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(FIXTURE.read_text(encoding="utf-8-sig").splitlines()[0] + "\n")
    with pytest.raises(InputError, match="no rows"):
        read_nces_schools(path)


def test_other_id_columns_are_refused_for_the_nces_file(tmp_path):
    with pytest.raises(InputError, match="district: .* column 'LEAID', not 'ST_LEAID'"):
        run_districts(FIXTURE, 0.1, tmp_path, district="ST_LEAID", workers=1, progress=False)


def test_free_lunch_only_as_the_poor_column():
    nces = read_nces_schools(FIXTURE, poor="FRELCH")
    leeds = nces.schools[nces.schools["district"] == "0100011"]
    # Leeds City (0100011), four schools: FRELCH 185+183+186+194 = 748, where TOTFRL gives
    # 196+197+195+204 = 792 (REDLCH 11+14+9+10 = 44).
    assert leeds["poor"].sum() == 748
    total = read_nces_schools(FIXTURE).schools
    assert total.loc[total["district"] == "0100011", "poor"].sum() == 792


def test_the_nces_file_is_a_schools_table_for_assign():
    from assignopt.spatial.district import read_school_table

    path = FIXTURE
    schools = read_school_table(path)
    raw = pd.read_csv(path, dtype=str).set_index("NCESSCH")
    assert schools["name"].iloc[0] == "010000500870"  # the leading zero kept
    # Capacity is today's enrolment (MEMBER), points from LONCOD/LATCOD, as written in the file.
    row = schools.set_index("name").loc["010000500870"]
    assert row["capacity"] == float(raw.loc["010000500870", "MEMBER"])
    assert row.geometry.x == pytest.approx(float(raw.loc["010000500870", "LONCOD"]))
    assert (schools["capacity"] > 0).all() and schools.crs.to_epsg() == 4326
