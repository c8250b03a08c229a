"""Plan targets ("chỉ tiêu"), one data file per plan year: ``data/targets/<year>.toml``.

Each target carries its value (a fraction) and the plan's own sentence; its plan section is the
KPI declaration's (``kpi.definitions``). A file that still states a ``section`` must state the
declaration's. A period is judged against the plan of the year in which it ends; with no file
for that year, target and ``met`` are null.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kpi import config
from kpi import definitions as D

TARGETS_DIR: Path = config.DATA_DIR / "targets"


@dataclass(frozen=True)
class Target:
    key: str
    value: float  # fraction in [0, 1]; met = unrounded KPI value >= value
    text: str  # the plan's sentence
    year: int
    plan: str = ""

    @property
    def section(self) -> str:
        """The plan section, e.g. "II.3.1": the KPI declaration's."""
        kpi = D.KPI_BY_KEY.get(self.key)
        return kpi.section if kpi else ""


@lru_cache(maxsize=32)
def _load(path: str) -> dict[str, Target]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    year = int(data["year"])
    plan = str(data.get("plan", ""))
    out = {}
    for key, t in (data.get("targets") or {}).items():
        value = float(t["value"])
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{path}: chỉ tiêu {key} phải là tỷ lệ từ 0 đến 1, đang là {value}")
        target = Target(key, value, str(t.get("text", "")), year, plan)
        if "section" in t and str(t["section"]) != target.section:
            raise ValueError(f"{path}: chỉ tiêu {key} ghi mục {t['section']}, nhưng khai báo chỉ "
                             f"số (kpi/definitions.py) ghi mục {target.section or '(không có)'}; "
                             "hãy bỏ dòng section trong tệp chỉ tiêu.")
        out[key] = target
    return out


def targets_for_year(year: int) -> dict[str, Target]:
    """All targets of the plan of ``year`` ({} when there is no plan file for that year)."""
    path = TARGETS_DIR / f"{year}.toml"
    if not path.exists():
        return {}
    return _load(str(path))


def target_for(key: str, year: int) -> Target | None:
    """The target of KPI ``key`` in the plan of ``year``, or None."""
    return targets_for_year(year).get(key)


def plan_years() -> list[int]:
    return sorted(int(p.stem) for p in TARGETS_DIR.glob("*.toml") if p.stem.isdigit())
