"""Small districts the tests build by hand, shared by the spatial and command-line tests."""

import geopandas as gpd
from shapely.geometry import Point, box

from assignopt.spatial.district import District

CRS = "EPSG:3310"  # metres


TRACTS = ["06067000101", "06067000102", "06067000103", "06067000104"]


def tiny_district(counts, capacity, school_x=(0.5, 9.5), crs=CRS):
    """Neighborhoods are 1 km squares at x = 0, 9 km (and further, 1 km apart for more), with
    tract ids TRACTS; schools s0, s1, ..."""
    xs = [0.0, 9.0, 4.0, 5.0][: len(counts)]
    hoods = gpd.GeoDataFrame(
        {
            "tract": TRACTS[: len(counts)],
            **{
                f"{g}_{c}": [row[m][k] for row in counts]
                for m, g in enumerate(("black", "white"))
                for k, c in enumerate(("poor", "nonpoor"))
            },
        },
        geometry=[box(x * 1000, 0, x * 1000 + 1000, 1000) for x in xs],
        crs=crs,
    )
    schools = gpd.GeoDataFrame(
        {"name": [f"s{j}" for j in range(len(capacity))], "capacity": capacity},
        geometry=[Point(x * 1000, 500) for x in school_x],
        crs=crs,
    )
    return District(hoods, schools, ("black", "white"))
