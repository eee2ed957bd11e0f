"""Build the Sacramento sample districts from the 2000 census tracts in ../shared/data.

Run from the repository root: ``python sample_districts/build_sacramento.py``. Writes
``sample_districts/sacramento_2000.gpkg`` (the four-county metropolitan area) and
``sample_districts/sacramento_county_2000.gpkg`` (Sacramento County only), each with layers
``neighborhoods`` and ``schools``. The rules are stated in ``sample_districts/README.md``; the
script is deterministic (seeded), so the files can be rebuilt byte-for-byte in content.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np

SOURCE = Path(__file__).resolve().parents[1].parent / "shared/data/sacramento2000/sacramentot2.shp"
GROUPS = {"black": "BLACK_", "white": "WHITE_", "hispanic": "HISP_", "asian": "ASIAN_"}
PROJECTED = "EPSG:3310"  # California Albers (metres)
SLACK = 1.10  # capacity = students of the catchment x 1.10, rounded up


def largest_remainder(shares: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Whole numbers per row proportional to ``shares`` that sum exactly to ``totals``."""
    raw = shares * totals[:, None]
    base = np.floor(raw)
    left = (totals - base.sum(axis=1)).astype(int)
    order = np.argsort(-(raw - base), axis=1, kind="stable")
    rank = np.argsort(order, axis=1, kind="stable")
    return (base + (rank < left[:, None])).astype(int)


def neighborhoods(tracts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Students by tract, group and poverty status (see README for the rules)."""
    students = tracts["POP_16"].to_numpy(dtype=float)
    race = np.column_stack([tracts[c].to_numpy(dtype=float) for c in GROUPS.values()])
    other = np.clip(tracts["TOT_POP"].to_numpy(dtype=float) - race.sum(axis=1), 0, None)
    race = np.column_stack([race, other])
    race_share = race / race.sum(axis=1, keepdims=True)
    by_group = largest_remainder(race_share, students)
    rate = (tracts["POV_TOT"] / tracts["POV_POP"]).fillna(0).to_numpy()
    out = gpd.GeoDataFrame(
        {"tract": tracts["FIPS"].astype(str).to_numpy()},
        geometry=tracts.geometry.to_numpy(),
        crs=tracts.crs,
    )
    names = [*GROUPS, "other"]
    for m, group in enumerate(names):
        poor = largest_remainder(np.column_stack([rate, 1 - rate]), by_group[:, m].astype(float))
        out[f"{group}_poor"] = poor[:, 0]
        out[f"{group}_nonpoor"] = poor[:, 1]
    out["students"] = by_group.sum(axis=1)
    out["poverty_rate_tract"] = rate
    return out


def weighted_kmeans(
    xy: np.ndarray, weight: np.ndarray, k: int, seed: int = 2000, iterations: int = 100
) -> np.ndarray:
    """Lloyd's algorithm with weights, started from k weighted draws (seeded)."""
    rng = np.random.default_rng(seed)
    centers = xy[rng.choice(len(xy), size=k, replace=False, p=weight / weight.sum())]
    for _ in range(iterations):
        label = np.argmin(((xy[:, None] - centers[None]) ** 2).sum(-1), axis=1)
        new = np.array(
            [
                np.average(xy[label == j], axis=0, weights=weight[label == j])
                if weight[label == j].sum() > 0
                else centers[j]
                for j in range(k)
            ]
        )
        if np.allclose(new, centers):
            break
        centers = new
    return centers


def schools(hoods: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    """Schools at weighted k-means centres of tract points; capacity = catchment x slack."""
    points = hoods.geometry.representative_point()
    xy = np.column_stack([points.x, points.y])
    weight = hoods["students"].to_numpy(dtype=float)
    centers = weighted_kmeans(xy, np.maximum(weight, 1e-9), k)
    label = np.argmin(((xy[:, None] - centers[None]) ** 2).sum(-1), axis=1)
    served = np.bincount(label, weights=weight, minlength=k)
    capacity = np.ceil(np.maximum(served, 1) * SLACK)
    return gpd.GeoDataFrame(
        {
            "name": [f"school {j + 1:02d}" for j in range(k)],
            "capacity": capacity,
            "catchment_students": served,
        },
        geometry=gpd.points_from_xy(centers[:, 0], centers[:, 1]),
        crs=hoods.crs,
    )


def build(out_dir: Path, source: Path = SOURCE) -> list[Path]:
    """Write both sample districts and return their paths."""
    tracts = gpd.read_file(source)
    tracts = tracts.set_crs("EPSG:4269").to_crs(PROJECTED)  # no .prj ships: NAD83 lon/lat
    hoods = neighborhoods(tracts)
    written = []
    for name, part, k in (
        ("sacramento_2000", hoods, 40),
        ("sacramento_county_2000", hoods[hoods["tract"].str[2:5] == "067"], 30),
    ):
        part = part.reset_index(drop=True)
        path = out_dir / f"{name}.gpkg"
        path.unlink(missing_ok=True)
        part.to_file(path, layer="neighborhoods", driver="GPKG")
        schools(part, k).to_file(path, layer="schools", driver="GPKG")
        written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    for p in build(args.out, args.source):
        print(f"wrote {p}")
