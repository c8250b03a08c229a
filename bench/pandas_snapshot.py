"""The straightforward pandas way to compute a snapshot, as the baseline the SQL engine is
compared with (bench item c). Not used by the application.

It does what a first version of the dashboard would do: load every dossier that can matter to
the period (received on or before its end) with the columns the KPIs need into a DataFrame,
classify each dossier with vectorised pandas/numpy, and count. The rules are those of
kpi-definitions.md as ``kpi.compiler`` implements them, NULL semantics included (a column the
file did not carry makes the row unknown for the KPIs that need it).

Scope: the dossier-based KPIs (on-time under the three definitions, satisfaction ``766``,
digitization, online submission, online payment, e-result, data reuse) and the CLI counts.
The benchmark data has no procedure catalogue, ratings or PAKN, so the two joins the SQL
compiler adds when those exist (procedures that issue no result; dossiers named by a negative
rating or a PAKN) are not reproduced here: ``snapshot_pandas`` refuses a database that has
them rather than give different numbers.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi import db as kdb
from kpi import schema as S

EARLY, ON_TIME, LATE = "early", "on_time", "late"
PENDING_IN_TIME, PENDING_OVERDUE = "pending_in_time", "pending_overdue"
UNVERIFIABLE, WITHDRAWN, OUT = "unverifiable", "withdrawn", "out"
CLASSES = (EARLY, ON_TIME, LATE, PENDING_IN_TIME, PENDING_OVERDUE)

NEEDED = ["status", "received_at", "due_at", "finished_at", "returned_at", "supplement_count",
          "channel", "fee", "paid_online", "inputs_digitized", "e_result", "data_reused"]

ON_TIME_SETS = {
    "766": ((EARLY, ON_TIME, PENDING_IN_TIME), CLASSES),
    "resolved": ((EARLY, ON_TIME), (EARLY, ON_TIME, LATE)),
    "due": ((EARLY, ON_TIME), (EARLY, ON_TIME, LATE, PENDING_OVERDUE)),
}


def _query(unit_ids, end_ts: dt.datetime):
    d = S.dossiers
    q = sa.select(*[d.c[c] for c in NEEDED]).where(d.c.received_at < end_ts)
    if unit_ids is not None:
        q = q.where(d.c.unit_id.in_(unit_ids))
    return q


def _unit_ids(conn, unit) -> list[int] | None:
    if unit is None:
        return None
    uid = conn.execute(sa.select(S.units.c.id).where(S.units.c.name == unit)).scalar()
    if uid is None:
        raise LookupError(unit)
    return [uid]


def _check_scope(conn) -> None:
    p, r, f = S.procedures, S.ratings, S.feedback
    extra = conn.execute(sa.select(
        sa.exists(sa.select(p.c.unit_id).where(p.c.paper_result.is_(False))),
        sa.exists(sa.select(r.c.unit_id).where(r.c.negative.is_(True), r.c.dossier_code.is_not(None))),
        sa.exists(sa.select(f.c.unit_id).where(f.c.dossier_code.is_not(None))),
    )).one()
    if any(extra):
        raise NotImplementedError("the pandas baseline covers dossier data without catalogue or flags")


def load_frame(engine, unit, start: dt.date, as_of_day: dt.date, fetch: str = "read_sql") -> pd.DataFrame:
    """The dossiers received on or before the as-of day, NEEDED columns.

    ``fetch="read_sql"``: ``pandas.read_sql_query`` over the SQLAlchemy connection (the
    straightforward way, either engine); ``"arrow"``: DuckDB's own result-to-DataFrame
    (columnar, the best case for pandas; DuckDB only)."""
    end_ts = dt.datetime.combine(as_of_day + dt.timedelta(days=1), dt.time())
    with kdb.connect(engine) as conn:
        _check_scope(conn)
        q = _query(_unit_ids(conn, unit), end_ts)
        if fetch == "arrow":
            compiled = q.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            raw = conn.connection.dbapi_connection
            return raw.execute(str(compiled)).df()
        return pd.read_sql_query(q, conn)


def _bool(s: pd.Series) -> pd.Series:
    return s.astype("boolean")


def _days(s: pd.Series) -> np.ndarray:
    """Calendar day as datetime64[D] (NaT stays NaT)."""
    return pd.to_datetime(s).to_numpy(dtype="datetime64[D]")


def classify(df: pd.DataFrame, start: dt.date, as_of_day: dt.date) -> pd.DataFrame:
    """Relevant rows with ``on_time_class`` and the derived columns of kpi.compiler."""
    s_ts = pd.Timestamp(start)
    e1_ts = pd.Timestamp(as_of_day + dt.timedelta(days=1))
    e_day = np.datetime64(as_of_day, "D")
    st = df["status"].astype("Int64")
    received = pd.to_datetime(df["received_at"])
    finished = pd.to_datetime(df["finished_at"])
    returned = pd.to_datetime(df["returned_at"])
    due = pd.to_datetime(df["due_at"])

    st_known = st.notna().to_numpy()
    st0 = st.fillna(0).to_numpy(dtype=np.int64)
    ends = np.isin(st0, (8, 9, 10)) & st_known
    fin = finished.where(ends)
    fin = fin.where(fin.notna(), returned.where((st0 == 10) & st_known))
    fin_na = fin.isna().to_numpy()
    fin_before = (fin < s_ts).to_numpy()  # NaT compares False
    fin_in = ((fin >= s_ts) & (fin < e1_ts)).to_numpy()

    rec = received.to_numpy()
    open_status = ~st_known | ~np.isin(st0, (1, 3, 7))
    relevant = (rec < e1_ts.to_datetime64()) & (
        (rec >= s_ts.to_datetime64()) | (open_status & (fin_na | ~fin_before))
    )

    many = df["supplement_count"].fillna(0).to_numpy(dtype=np.int64) > 1
    due_na = due.isna().to_numpy()
    due_day = _days(due)
    fin_day = _days(fin)
    finished_class = np.select(
        [many, due_na, fin_day < due_day, fin_day == due_day],
        [LATE, ON_TIME, EARLY, ON_TIME], default=LATE)
    pending_class = np.select(
        [many, due_na, due_day >= e_day], [PENDING_OVERDUE, UNVERIFIABLE, PENDING_IN_TIME],
        default=PENDING_OVERDUE)
    unknown_status_class = np.where((finished < s_ts).to_numpy(), OUT, None)
    cls = np.select(
        [~st_known, np.isin(st0, (1, 3)), st0 == 7, ends & fin_na, fin_before, fin_in],
        [unknown_status_class, OUT, WITHDRAWN, UNVERIFIABLE, OUT, finished_class],
        default=pending_class)

    fin_known_in = ((finished >= s_ts) & (finished < e1_ts)).to_numpy()
    resolved = pd.array(np.isin(st0, (9, 10)) & fin_in, dtype="boolean")
    resolved[~st_known & fin_known_in] = pd.NA

    out = pd.DataFrame({
        "on_time_class": cls,
        "status": st,
        "accepted": pd.array(~np.isin(st0, (1, 3)), dtype="boolean"),
        "received_in_period": received >= s_ts,
        "resolved_in_period": resolved,
        "channel": df["channel"].astype("Int64"),
        "fee": df["fee"].astype("Int64"),
        "paid_online": _bool(df["paid_online"]),
        "inputs_digitized": _bool(df["inputs_digitized"]),
        "e_result": _bool(df["e_result"]),
        "data_reused": _bool(df["data_reused"]),
    })
    out.loc[~st_known, "accepted"] = pd.NA
    out["no_result"] = False
    out["flagged"] = False
    return out[relevant].reset_index(drop=True)


def _yes(x) -> np.ndarray:
    """SQL FILTER semantics: NULL counts as false."""
    if isinstance(x, pd.Series):
        return x.fillna(False).to_numpy(dtype=bool)
    return np.asarray(x, dtype=bool)


def _ratio(den0, missing, num) -> tuple[int, int, int]:
    """(numerator, denominator, unknown) like kpi.compiler.ratio_exprs."""
    den0 = den0.astype("boolean") if isinstance(den0, pd.Series) else pd.Series(den0, dtype="boolean")
    missing = np.asarray(missing, dtype=bool)
    known = _yes(den0) & ~missing
    unknown = den0.isna().to_numpy() | (_yes(den0) & missing)
    return int((known & _yes(num)).sum()), int(known.sum()), int(unknown.sum())


def kpis(f: pd.DataFrame) -> dict:
    """{"ratios": {(key, variant): (num, den, unknown)}, "counts": {...}} for classified facts."""
    cls = f["on_time_class"].to_numpy(dtype=object)
    st_na = f["status"].isna().to_numpy()
    rip = f["received_in_period"].to_numpy(dtype=bool)
    acc = f["accepted"]
    rip_acc = pd.Series(rip, dtype="boolean") & acc
    res = f["resolved_in_period"]
    ratios = {}
    for name, (num_set, den_set) in ON_TIME_SETS.items():
        ratios[("on_time_rate", name)] = _ratio(np.isin(cls, den_set), st_na, np.isin(cls, num_set))
    ratios[("satisfaction_rate", "766")] = _ratio(
        np.isin(cls, CLASSES), st_na,
        np.isin(cls, (EARLY, ON_TIME, PENDING_IN_TIME)) & ~f["flagged"].to_numpy(dtype=bool))
    no_result = f["no_result"].to_numpy(dtype=bool)
    dig, er = f["inputs_digitized"], f["e_result"]
    ratios[("digitization_rate", "default")] = _ratio(
        res, dig.isna().to_numpy() | (er.isna().to_numpy() & ~no_result),
        _yes(dig) & (no_result | _yes(er)))
    ratios[("online_submission_rate", "default")] = _ratio(
        rip_acc, st_na | f["channel"].isna().to_numpy(), _yes(f["channel"] == 2))
    fee = f["fee"]
    ratios[("online_payment_rate", "default")] = _ratio(
        rip_acc & (fee > 0), st_na | fee.isna().to_numpy() | f["paid_online"].isna().to_numpy(),
        _yes(f["paid_online"]))
    ratios[("e_result_rate", "default")] = _ratio(res & ~no_result, er.isna().to_numpy(), _yes(er))
    ratios[("data_reuse_rate", "default")] = _ratio(
        rip_acc, st_na | f["data_reused"].isna().to_numpy(), _yes(f["data_reused"]))

    n = {c: int((cls == c).sum()) for c in (*CLASSES, UNVERIFIABLE)}
    counts = {
        "received": int(_yes(rip_acc).sum()),
        "resolved": n[EARLY] + n[ON_TIME] + n[LATE],
        "pending": n[PENDING_IN_TIME] + n[PENDING_OVERDUE],
        "pending_overdue": n[PENDING_OVERDUE],
        "withdrawn": int((rip & (f["status"].fillna(0).to_numpy() == 7)).sum()),
        "unverifiable": n[UNVERIFIABLE],
        "carried_over": int((np.isin(cls, CLASSES) & ~rip).sum()),
        **{c: n[c] for c in CLASSES},
    }
    return {"ratios": ratios, "counts": counts}


def snapshot_pandas(engine, unit, start: dt.date, as_of_day: dt.date, fetch: str = "read_sql") -> dict:
    """Load, classify, count. Returns the KPIs, the counts, the row count and the time of each
    step (seconds)."""
    t0 = time.perf_counter()
    df = load_frame(engine, unit, start, as_of_day, fetch)
    t1 = time.perf_counter()
    facts = classify(df, start, as_of_day)
    result = kpis(facts)
    t2 = time.perf_counter()
    result["rows_loaded"] = len(df)
    result["seconds"] = {"load": t1 - t0, "compute": t2 - t1, "total": t2 - t0}
    return result


def compare_with(sql_snapshot_json: dict, result: dict, on_time: str = "766") -> list[str]:
    """Differences between ``Snapshot.to_json()`` and a pandas result (empty list = equal)."""
    diffs = []
    chosen = {"on_time_rate": on_time, "satisfaction_rate": "766"}
    for k in sql_snapshot_json["kpis"]:
        key = (k["key"], chosen.get(k["key"], "default"))
        if key not in result["ratios"]:
            continue
        num, den, _ = result["ratios"][key]
        if (num, den) != (k["numerator"], k["denominator"]):
            diffs.append(f"{k['key']}: SQL {k['numerator']}/{k['denominator']}, pandas {num}/{den}")
    for c, v in sql_snapshot_json["counts"].items():
        if result["counts"].get(c) != v:
            diffs.append(f"counts.{c}: SQL {v}, pandas {result['counts'].get(c)}")
    return diffs
