"""Job ``synth``: one seeded synthetic city and its realized segregation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assignopt.workflows.base import Result
from assignopt.workflows.requests import SynthRequest

__all__ = ["SynthResult", "run"]


@dataclass
class SynthResult(Result):
    """The city (a District) and its realized residential and income segregation."""

    city: Any = None

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write the city as ``synthetic_city.gpkg`` into ``folder``."""
        return self.write_file(Path(folder) / "synthetic_city.gpkg")

    def write_file(self, path: str | Path) -> dict[str, Path]:
        """Write the city as a GeoPackage (layers neighborhoods and schools) at ``path``."""
        from assignopt.spatial.district import write_district

        self.files = {"file": write_district(self.city, path)}
        self.data["file"] = str(path)
        return self.files

    def to_dict(self) -> dict[str, Any]:
        """The file written and the realized segregation (``residential_v``, ...)."""
        return dict(self.data)


def run(request: SynthRequest, progress: bool = False, out: Path | None = None) -> SynthResult:
    """Generate the city the request describes."""
    from assignopt.spatial.synth import realized_segregation, segregated_city, synthetic_city

    common = {
        "grid": request.grid,
        "black_share": request.black_share,
        "black_poverty": request.black_poverty,
        "white_poverty": request.white_poverty,
        "n_schools": request.schools,
        "noise": request.noise,
        "income_axis": request.income_axis,
        "seed": request.seed,
    }
    if request.residential_v is not None:
        income_v = (request.income_v_black or 0.0, request.income_v_white or 0.0)
        city = segregated_city(request.residential_v, income_v, **common)
    else:
        city = synthetic_city(
            racial_segregation=request.racial_segregation,
            income_segregation=request.income_segregation,
            **common,
        )
    return SynthResult(dict(realized_segregation(city)), city=city)
