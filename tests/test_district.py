"""Reading and validating districts: ids as written, the caller's frames untouched, school
tables with coordinates, classes that would drop students, messages that name ids."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from assignopt.errors import InputError
from assignopt.spatial.district import District, read_district, write_district

CRS = "EPSG:3310"


def frames(ids=("07", "12"), names=("07", "12"), counts=((10, 0, 0, 0), (0, 0, 0, 10))):
    """Two 1 km square neighborhoods 9 km apart, a school beside each (metres, EPSG:3310)."""
    columns = ("black_poor", "black_nonpoor", "white_poor", "white_nonpoor")
    hoods = gpd.GeoDataFrame(
        {"tract": list(ids), **{c: [row[j] for row in counts] for j, c in enumerate(columns)}},
        geometry=[box(0, 0, 1000, 1000), box(9000, 0, 10000, 1000)],
        crs=CRS,
    )
    schools = gpd.GeoDataFrame(
        {"name": list(names), "capacity": [10, 10]},
        geometry=[Point(500, 500), Point(9500, 500)],
        crs=CRS,
    )
    return hoods, schools


def test_district_leaves_the_callers_frames_alone():
    hoods, schools = frames()
    before_h, before_s = hoods.copy(), schools.copy()
    District(hoods, schools.to_crs("EPSG:4326"), ("black", "white"))
    District(hoods, schools, ("black", "white"))
    # Count columns stay int64 (validation made them float in place before), capacities too.
    pd.testing.assert_frame_equal(hoods, before_h)
    pd.testing.assert_frame_equal(schools, before_s)
    assert hoods["black_poor"].dtype == np.int64


def test_ids_round_trip_as_written(tmp_path):
    hoods, schools = frames(ids=("06067000101", "0007"), names=("07", "7"))
    d = District(hoods, schools, ("black", "white"))
    assert d.id_column == "tract"
    assert d.neighborhood_ids == ("06067000101", "0007")
    back = read_district(write_district(d, tmp_path / "d.gpkg"))
    assert back.neighborhood_ids == ("06067000101", "0007")
    assert back.school_names == ("07", "7")  # two schools: "07" is not "7"


def test_without_an_id_column_neighborhoods_are_numbered_and_noted():
    hoods, schools = frames()
    d = District(hoods.drop(columns="tract"), schools, ("black", "white"))
    assert d.neighborhood_ids == ("1", "2") and d.id_label == "neighborhood"
    assert "numbered 1 to 2 in file order" in d.notes[0]


def test_blank_and_repeated_ids_are_refused_by_position_and_by_id():
    hoods, schools = frames(ids=("07", None))
    with pytest.raises(InputError, match="feature 2 has no 'tract'"):
        District(hoods, schools, ("black", "white"))
    hoods, schools = frames(ids=("07", "  "))
    with pytest.raises(InputError, match="feature 2 has no 'tract'"):
        District(hoods, schools, ("black", "white"))
    hoods, schools = frames(ids=("07", "07"))
    with pytest.raises(InputError, match="tract '07' appears more than once"):
        District(hoods, schools, ("black", "white"))
    hoods, schools = frames(names=("Lincoln", "Lincoln"))
    with pytest.raises(InputError, match="name 'Lincoln' appears more than once"):
        District(hoods, schools, ("black", "white"))
    with pytest.raises(InputError, match="id column 'geoid' not found"):
        District(hoods, schools, ("black", "white"), id_column="geoid")


def test_messages_name_ids_and_columns_not_positions():
    hoods, schools = frames()
    hoods.loc[1, "white_nonpoor"] = np.nan
    with pytest.raises(InputError, match="column 'white_nonpoor', tract 12: blank is not"):
        District(hoods, schools, ("black", "white"))
    hoods, schools = frames()
    schools["capacity"] = [10.0, np.nan]
    with pytest.raises(InputError, match="school 12: capacity blank is not a positive"):
        District(hoods, schools, ("black", "white"))
    hoods, schools = frames(names=("07", "Lincoln High"))
    schools.loc[1, "geometry"] = None
    with pytest.raises(InputError, match="school 'Lincoln High' has no geometry"):
        District(hoods, schools, ("black", "white"))


def write_pair(tmp_path, table: str):
    hoods, schools = frames()
    d = District(hoods, schools, ("black", "white"))
    path = tmp_path / "hoods.geojson"
    d.neighborhoods.to_crs("EPSG:4326").to_file(path)
    csv = tmp_path / "schools.csv"
    csv.write_text(table)
    return path, csv


def lonlat(x, y):
    point = gpd.GeoSeries([Point(x, y)], crs=CRS).to_crs("EPSG:4326").iloc[0]
    return point.x, point.y


@pytest.mark.parametrize("columns", [("longitude", "latitude"), ("lon", "lat")])
def test_a_csv_school_table_with_longitude_and_latitude(tmp_path, columns):
    (x0, y0), (x1, y1) = lonlat(500, 500), lonlat(9500, 500)
    table = f"name,capacity,{columns[0]},{columns[1]}\n07,10,{x0!r},{y0!r}\n12,10,{x1!r},{y1!r}\n"
    path, csv = write_pair(tmp_path, table)
    d = read_district(path, csv)
    assert d.school_names == ("07", "12")
    assert d.capacity.tolist() == [10.0, 10.0]
    # Back in the neighborhoods' CRS (WGS84 here) the schools sit where they were written.
    assert d.schools.geometry.x.tolist() == pytest.approx([x0, x1], abs=1e-9)


def test_a_csv_school_table_with_x_and_y_needs_its_crs(tmp_path):
    path, csv = write_pair(tmp_path, "name,capacity,x,y\n07,10,500,500\n12,10,9500,500\n")
    with pytest.raises(InputError, match="columns x and y need their coordinate reference"):
        read_district(path, csv)
    d = read_district(path, csv, schools_crs=CRS)
    # Reprojected to the neighborhoods' WGS84: the first school is at (500, 500) in EPSG:3310.
    assert (d.schools.geometry.x.iloc[0], d.schools.geometry.y.iloc[0]) == pytest.approx(
        lonlat(500, 500), abs=1e-9
    )


def test_a_csv_school_table_without_coordinates_is_refused(tmp_path):
    path, csv = write_pair(tmp_path, "name,capacity\n07,10\n12,10\n")
    with pytest.raises(InputError, match="no coordinates; a schools table needs longitude"):
        read_district(path, csv)
    path, csv = write_pair(tmp_path, "name,capacity,lon,lat\n07,10,-121.5,38.5\n12,10,,38.5\n")
    with pytest.raises(InputError, match=r"line 3 \(school 12\): lon blank is not a number"):
        read_district(path, csv)
    path, csv = write_pair(tmp_path, "name,capacity,lon,lat\n07,10,-121.5,38.5\n,10,-121,38\n")
    with pytest.raises(InputError, match="line 3 has no 'name'"):
        read_district(path, csv)


def test_classes_that_leave_students_out_are_refused():
    hoods, schools = frames(counts=((5, 3, 0, 0), (0, 0, 4, 6)))
    with pytest.raises(
        InputError,
        match=r"leave out the count column\(s\) 'black_nonpoor', 'white_nonpoor' \(9 students",
    ):
        District(hoods, schools, ("black", "white"), ("poor",))
    # With no nonpoor students every student is covered: accepted.
    hoods, schools = frames(counts=((5, 0, 0, 0), (0, 0, 5, 0)))
    District(hoods, schools, ("black", "white"), ("poor",))
    # A group's total over the listed classes and a share are not classes left out.
    hoods, schools = frames(counts=((5, 5, 0, 0), (0, 0, 5, 5)))
    hoods["black_total"] = hoods["black_poor"] + hoods["black_nonpoor"]
    hoods["white_total"] = hoods["white_poor"] + hoods["white_nonpoor"]
    hoods["black_share"] = [1.0, 0.0]
    hoods["white_share"] = [0.0, 1.0]
    District(hoods, schools, ("black", "white"))
