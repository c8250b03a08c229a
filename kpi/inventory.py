"""What is loaded: counts per kind and per month, the newest upload. Small aggregates only."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from kpi import db as kdb
from kpi.schema import FACT_TABLES, batches, dossiers, units


def data_inventory(engine: sa.Engine, unit: str | None) -> dict:
    """Counts of stored rows per kind for a unit, and when the newest upload was loaded."""
    out: dict = {"unit": unit, "kinds": {}, "last_upload": None, "received_range": None}
    with kdb.connect(engine) as conn:
        unit_id = kdb.find_unit(conn, unit) if unit else None
        if unit_id is None:
            return out
        for kind, (table, _, _) in FACT_TABLES.items():
            out["kinds"][kind] = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.unit_id == unit_id)
            ).scalar_one()
        out["last_upload"] = conn.execute(
            sa.select(sa.func.max(batches.c.uploaded_at)).where(
                batches.c.unit_id == unit_id, batches.c.status == "loaded"
            )
        ).scalar()
        lo, hi = conn.execute(
            sa.select(sa.func.min(dossiers.c.received_at), sa.func.max(dossiers.c.received_at)).where(
                dossiers.c.unit_id == unit_id
            )
        ).one()
        if lo is not None:
            out["received_range"] = (lo.date(), hi.date())
    return out


def dossiers_per_month(engine: sa.Engine, unit: str) -> pd.DataFrame:
    """Dossiers received per month (year, month, count) for a unit."""
    y = sa.extract("year", dossiers.c.received_at)
    m = sa.extract("month", dossiers.c.received_at)
    q = (
        sa.select(y.label("year"), m.label("month"), sa.func.count().label("dossiers"))
        .join(units, units.c.id == dossiers.c.unit_id)
        .where(units.c.name == unit)
        .group_by(y, m)
        .order_by(y, m)
    )
    with kdb.connect(engine) as conn:
        rows = conn.execute(q).all()
    frame = pd.DataFrame(rows, columns=["year", "month", "dossiers"])
    return frame.astype({"year": int, "month": int, "dossiers": int})


def units_with_data(engine: sa.Engine) -> list[str]:
    with kdb.connect(engine) as conn:
        return kdb.list_units(conn)

