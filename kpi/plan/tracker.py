"""The plan tracker: the plan as data, each activity's status per unit, its history, and the
counts, filters and groupings the page and the Excel file show, all as plain data.

Per unit (``units``) and plan year, each activity of ``data/plans/<year>.csv`` has a status,
a progress note, evidence, who updated it and when; every change is kept in a history table
(``kpi.schema``). Late flags come from the timing's deadline. Every write goes through
``kpi.db.connect(engine, write=True)``: one transaction per request, DuckDB's lock retried.

A goal of the plan is measured by the KPIs declared with its number as their ``section``
(``kpi.definitions``; "II.3.1" → on-time rate); their live values come from the KPI engine's
snapshot (``kpi_values``).

No Streamlit here: the screen pieces (tables with icons, colours, the chart, the editor) are
in ``ui/plan.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from kpi import config
from kpi.plan import parser
from kpi.plan.parser import CSV_COLUMNS, clean, fold, plan_csv_path

# ---------------------------------------------------------------------------------------------
# The plan as data (data/plans/<year>.csv)
# ---------------------------------------------------------------------------------------------


def available_years() -> list[int]:
    """Plan years with a committed plan CSV, oldest first."""
    years = []
    for p in parser.PLANS_DIR.glob("*.csv"):
        if p.stem.isdigit():
            years.append(int(p.stem))
    return sorted(years)


def default_year(today: dt.date | None = None) -> int | None:
    """This year's plan if there is one, else the latest plan before it, else the first one."""
    years = available_years()
    if not years:
        return None
    year = (today or config.today()).year
    if year in years:
        return year
    before = [y for y in years if y < year]
    return before[-1] if before else years[0]


_REMAKE = "Hãy tạo lại tệp từ phụ lục kế hoạch: python -m kpi.plan"


@lru_cache(maxsize=8)
def _read_plan(path: str) -> tuple[dict[str, str], ...]:
    """The rows of a plan CSV, checked: every column there, ordinals whole numbers, deadlines
    ISO dates or empty; else ``PlanError`` naming the file and the line."""
    name = Path(path).name
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PlanError([f"Tệp kế hoạch {name} thiếu cột: {', '.join(missing)}. {_REMAKE}"])
        rows = tuple(reader)
    for n, r in enumerate(rows, start=2):
        try:
            int(r["section_ordinal"])
            if r["deadline"]:
                dt.date.fromisoformat(r["deadline"])
        except (TypeError, ValueError):
            raise PlanError([
                f"Tệp kế hoạch {name}, dòng {n}: số thứ tự phần «{r['section_ordinal']}» hoặc "
                f"hạn «{r['deadline']}» không hợp lệ. {_REMAKE}"
            ]) from None
    return rows


def _plan_rows(year: int) -> tuple[dict[str, str], ...]:
    path = plan_csv_path(year)
    if not path.exists():
        raise PlanError([f"Chưa có kế hoạch CCHC năm {year} (thiếu tệp {path.name})."])
    return _read_plan(str(path))


def load_plan(year: int):
    """The plan's activities as a DataFrame, one row per activity in plan order.

    Columns: ``CSV_COLUMNS`` with ``section_ordinal`` as int, ``deadline`` as a date (or
    None), ``lead_units`` / ``partners`` as lists, plus ``section_name`` ("VI. CHỈ ĐẠO …").
    """
    import pandas as pd

    rows = []
    for r in _plan_rows(year):
        r = dict(r)
        r["section_ordinal"] = int(r["section_ordinal"])
        r["deadline"] = dt.date.fromisoformat(r["deadline"]) if r["deadline"] else None
        r["lead_units"] = [u for u in r["lead_units"].split("; ") if u]
        r["partners"] = [u for u in r["partners"].split("; ") if u]
        r["section_name"] = f"{r['section_label']}. {r['section_title']}"
        rows.append(r)
    df = pd.DataFrame(rows, columns=[*CSV_COLUMNS, "section_name"])
    df["deadline"] = pd.Series([r["deadline"] for r in rows], index=df.index, dtype=object)
    return df


def activity_ids(year: int) -> list[str]:
    return [r["activity_id"] for r in _plan_rows(year)]


# ---------------------------------------------------------------------------------------------
# Measurable goals -> KPI keys: a KPI declared with a goal's number as its section measures it
# ---------------------------------------------------------------------------------------------


def section_kpis() -> dict[str, tuple[str, ...]]:
    """{plan section: its KPI keys} from the KPI declarations, in declaration order."""
    from kpi.definitions import KPIS

    out: dict[str, list[str]] = {}
    for k in KPIS:
        section = (k.section or "").strip()
        if section:
            out.setdefault(section, []).append(k.key)
    return {s: tuple(keys) for s, keys in out.items()}


def goal_kpis(year: int) -> dict[str, list[str]]:
    """For every goal of the plan (in plan order), the KPI keys that measure it ([] if none)."""
    links = section_kpis()
    out: dict[str, list[str]] = {}
    for r in _plan_rows(year):
        out.setdefault(r["goal_id"], list(links.get(r["goal_id"], ())))
    return out


def _get(obj, name: str):
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def kpi_values(snapshot) -> dict[str, dict]:
    """KPI entries by key from a snapshot of the KPI engine.

    Accepts the shape of ``python -m kpi snapshot --format json`` (a mapping with a ``kpis``
    list of ``{"key", "value", "target", "met", ...}``), an object with a ``kpis`` attribute,
    or the list itself; entries may be mappings or objects. Anything else gives ``{}``.
    """
    if snapshot is None:
        return {}
    entries = _get(snapshot, "kpis")
    if entries is None and isinstance(snapshot, (list, tuple)):
        entries = snapshot
    out: dict[str, dict] = {}
    for e in entries or []:
        key = _get(e, "key")
        if key:
            out[str(key)] = {f: _get(e, f) for f in ("value", "target", "met", "numerator", "denominator")}
    return out


# ---------------------------------------------------------------------------------------------
# Tracker: statuses, history
# ---------------------------------------------------------------------------------------------

NOT_STARTED, IN_PROGRESS, DONE, DELAYED = "not_started", "in_progress", "done", "delayed"
STATUSES = [NOT_STARTED, IN_PROGRESS, DONE, DELAYED]
STATUS_LABELS = {
    NOT_STARTED: "Chưa thực hiện",
    IN_PROGRESS: "Đang thực hiện",
    DONE: "Hoàn thành",
    DELAYED: "Chậm tiến độ",
}
OVERDUE_LABEL = "Quá hạn"  # the flag of the tracker frame and the Excel file: "⚠️ Quá hạn"
OVERDUE_ICON = "⚠️"
SOURCE_LABELS = {"form": "Sửa trên trang", "excel": "Tệp Excel"}

_STATUS_WORDS = {fold(label): code for code, label in STATUS_LABELS.items()}
_STATUS_WORDS.update({code: code for code in STATUSES})


class PlanError(ValueError):
    """A request the tracker refuses; ``messages`` are Vietnamese, one per problem."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


def status_label(code: str) -> str:
    """The Vietnamese word of a status code (the code itself when unknown)."""
    return STATUS_LABELS.get(code, code)


def parse_status(text) -> str | None:
    """The status code of a word as people write it ("Hoàn thành", "✅ hoàn thành",
    "hoan thanh", "done"); None when it is not one of the four."""
    if text is None:
        return None
    key = fold(str(text))
    key = re.sub(r"^[^a-z0-9]+", "", key).strip()  # a leading icon
    return _STATUS_WORDS.get(key)


def text_or_none(value) -> str | None:
    """A cell or form value as trimmed NFC text (dates as dd/mm/yyyy); None when empty."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, dt.datetime):
        value = value.strftime("%d/%m/%Y") if value.time() == dt.time(0) else value.strftime("%d/%m/%Y %H:%M")
    elif isinstance(value, dt.date):
        value = value.strftime("%d/%m/%Y")
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def require_unit(unit: str | None) -> str:
    if not unit or not str(unit).strip():
        raise PlanError(["Chưa chọn đơn vị (xã, phường). Chọn đơn vị ở thanh bên hoặc đặt CCHC_UNIT."])
    return str(unit).strip()


def _current_rows(conn, unit_id: int | None, year: int) -> dict[str, dict]:
    import sqlalchemy as sa

    from kpi.schema import plan_status

    if unit_id is None:
        return {}
    rows = conn.execute(
        sa.select(plan_status).where(
            plan_status.c.unit_id == unit_id, plan_status.c.plan_year == year
        )
    ).mappings()
    return {r["activity_id"]: dict(r) for r in rows}


def tracker(engine, unit: str | None, year: int, today: dt.date | None = None):
    """Every activity of the plan with the unit's status, note, evidence, who and when.

    Adds ``status`` (code; "not_started" where nothing was recorded), ``status_label``,
    ``note``, ``evidence``, ``updated_by``, ``updated_at``, ``overdue`` (its timing has passed
    — ``deadline`` < today — and it is not done) and ``flag`` ("⚠️ Quá hạn" or "").
    """
    from kpi import db as kdb

    unit = require_unit(unit)
    today = today or config.today()
    df = load_plan(year)
    with kdb.connect(engine) as conn:
        current = _current_rows(conn, kdb.find_unit(conn, unit), year)
    statuses, notes, evidence, by, at = [], [], [], [], []
    for aid in df["activity_id"]:
        r = current.get(aid)
        statuses.append(r["status"] if r else NOT_STARTED)
        notes.append(r["note"] if r else None)
        evidence.append(r["evidence"] if r else None)
        by.append(r["updated_by"] if r else None)
        at.append(r["updated_at"] if r else None)
    import pandas as pd

    def obj(values):  # keep None as None (not NaN / NaT) for the screen and the Excel file
        return pd.Series(values, index=df.index, dtype=object)

    df["status"] = statuses
    df["status_label"] = [STATUS_LABELS[s] for s in statuses]
    df["note"] = obj(notes)
    df["evidence"] = obj(evidence)
    df["updated_by"] = obj(by)
    df["updated_at"] = obj([v.to_pydatetime() if hasattr(v, "to_pydatetime") else v for v in at])
    df["overdue"] = [
        d is not None and d < today and s != DONE for d, s in zip(df["deadline"], statuses)
    ]
    df["flag"] = [f"{OVERDUE_ICON} {OVERDUE_LABEL}" if o else "" for o in df["overdue"]]
    return df


def update_statuses(
    engine,
    unit: str | None,
    year: int,
    changes: Mapping[str, Mapping[str, object]],
    updated_by: str | None,
    *,
    source: str = "form",
    file_name: str | None = None,
    actor: str | None = None,
) -> list[str]:
    """Write status/note/evidence changes of activities; returns the ids that changed.

    ``changes`` maps an activity id to any of ``status`` (a code or a Vietnamese word),
    ``note``, ``evidence``; a key left out keeps its stored value, an empty text clears it.
    Values equal to the stored ones change nothing and leave no history. Everything is
    validated first (unknown id, unknown status, no name) and written in one transaction,
    with one history row per changed activity.
    """
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    from kpi import db as kdb
    from kpi.schema import plan_status, plan_status_history

    unit = require_unit(unit)
    who = text_or_none(updated_by)
    errors = []
    if not who:
        errors.append("Vui lòng nhập tên người cập nhật.")
    known = set(activity_ids(year))
    wanted: dict[str, dict[str, object]] = {}
    for aid, values in changes.items():
        aid = clean(aid)
        if aid not in known:
            errors.append(f"Mã hoạt động «{aid}» không có trong kế hoạch năm {year}.")
            continue
        entry: dict[str, object] = {}
        if "status" in values:
            code = parse_status(values["status"])
            if code is None:
                errors.append(bad_status_message(values["status"], f"Hoạt động {aid}"))
                continue
            entry["status"] = code
        for f in ("note", "evidence"):
            if f in values:
                entry[f] = text_or_none(values[f])
        wanted[aid] = entry
    if errors:
        raise PlanError(errors)
    if not wanted:
        return []

    now = config.now()
    changed: list[str] = []
    with kdb.connect(engine, write=True) as conn:
        unit_id = kdb.get_or_create_unit(conn, unit)
        current = _current_rows(conn, unit_id, year)
        for aid, entry in wanted.items():
            old = current.get(aid) or {"status": NOT_STARTED, "note": None, "evidence": None}
            new = {f: entry.get(f, old[f]) for f in ("status", "note", "evidence")}
            if all(new[f] == old[f] for f in new):
                continue
            values = dict(
                unit_id=unit_id, plan_year=year, activity_id=aid, **new, updated_by=who, updated_at=now
            )
            stmt = postgresql.insert(plan_status).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=[plan_status.c.unit_id, plan_status.c.plan_year, plan_status.c.activity_id],
                set_={k: stmt.excluded[k] for k in ("status", "note", "evidence", "updated_by", "updated_at")},
            )
            conn.execute(stmt)
            conn.execute(
                sa.insert(plan_status_history).values(
                    unit_id=unit_id,
                    plan_year=year,
                    activity_id=aid,
                    **new,
                    previous_status=old["status"],
                    previous_note=old["note"],
                    previous_evidence=old["evidence"],
                    updated_by=who,
                    updated_at=now,
                    source=source,
                    file_name=file_name,
                )
            )
            changed.append(aid)
        if changed:  # the audit row in the same transaction (actor: the account; else the name typed)
            from kpi import audit

            where = f" từ tệp {file_name}" if file_name else ""
            audit.record(conn, actor or who, "plan_update", unit_id,
                         f"Cập nhật tiến độ kế hoạch {year}{where}: {', '.join(changed)}",
                         {"year": year, "activities": changed, "updated_by": who,
                          "source": source, "file_name": file_name})
    return changed


def set_status(
    engine,
    unit: str | None,
    year: int,
    activity_id: str,
    status: str,
    updated_by: str | None,
    note: str | None = None,
    evidence: str | None = None,
) -> bool:
    """Set one activity's status (and note, evidence where given); True if anything changed."""
    values: dict[str, object] = {"status": status}
    if note is not None:
        values["note"] = note
    if evidence is not None:
        values["evidence"] = evidence
    return bool(update_statuses(engine, unit, year, {activity_id: values}, updated_by))


def bad_status_message(value, where: str) -> str:
    allowed = ", ".join(STATUS_LABELS.values())
    shown = text_or_none(value)
    if not shown:
        return f"{where}: chưa ghi trạng thái; dùng một trong: {allowed}."
    return f"{where}: trạng thái «{shown}» không hợp lệ; dùng một trong: {allowed}."


def history(engine, unit: str | None, year: int, activity_id: str | None = None, limit: int = 500):
    """The changes recorded for the unit's plan (newest first), optionally of one activity."""
    import pandas as pd
    import sqlalchemy as sa

    from kpi import db as kdb
    from kpi.schema import plan_status_history as h

    unit = require_unit(unit)
    cols = [
        "updated_at", "activity_id", "previous_status", "status", "previous_note", "note",
        "previous_evidence", "evidence", "updated_by", "source", "file_name",
    ]  # fmt: skip
    with kdb.connect(engine) as conn:
        unit_id = kdb.find_unit(conn, unit)
        if unit_id is None:
            return pd.DataFrame(columns=cols, dtype=object)
        q = sa.select(*[h.c[c] for c in cols]).where(h.c.unit_id == unit_id, h.c.plan_year == year)
        if activity_id:
            q = q.where(h.c.activity_id == activity_id)
        rows = conn.execute(q.order_by(h.c.id.desc()).limit(limit)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=cols, dtype=object)


# ---------------------------------------------------------------------------------------------
# Filters, counts and progress per section and per lead unit
# ---------------------------------------------------------------------------------------------


def lead_unit_names(df) -> list[str]:
    """The lead units of the plan, most activities first."""
    counts: dict[str, int] = {}
    for units in df["lead_units"]:
        for u in units:
            counts[u] = counts.get(u, 0) + 1
    return sorted(counts, key=lambda u: (-counts[u], u))


def filter_tracker(df, leads: Iterable[str] | None = None, statuses: Iterable[str] | None = None,
                   overdue_only: bool = False):  # fmt: skip
    """Activities led by any of ``leads`` and in any of ``statuses`` (codes or words)."""
    mask = [True] * len(df)
    leads = set(leads or [])
    if leads:
        mask = [m and bool(leads & set(u)) for m, u in zip(mask, df["lead_units"])]
    codes = {parse_status(s) for s in statuses or []} - {None}
    if codes:
        mask = [m and s in codes for m, s in zip(mask, df["status"])]
    if overdue_only:
        mask = [m and bool(o) for m, o in zip(mask, df["overdue"])]
    return df[mask].reset_index(drop=True)


SUMMARY_COLUMNS = ["group", "total", *STATUSES, "overdue", "progress"]


def summarize(df, by: str = "section"):
    """Counts per section (``by="section"``, plan order) or per lead unit (``by="lead"``;
    an activity led by two units counts for each): total, one column per status, overdue,
    and progress = done / total."""
    import pandas as pd

    groups: dict[str, dict] = {}
    for _, r in df.iterrows():
        keys = [r["section_name"]] if by == "section" else (r["lead_units"] or ["(không ghi)"])
        for key in keys:
            g = groups.setdefault(key, {"group": key, "total": 0, **{s: 0 for s in STATUSES}, "overdue": 0})
            g["total"] += 1
            g[r["status"]] += 1
            g["overdue"] += int(bool(r["overdue"]))
    rows = list(groups.values())
    if by != "section":
        rows.sort(key=lambda g: (-g["total"], g["group"]))
    for g in rows:
        g["progress"] = g[DONE] / g["total"] if g["total"] else None
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def overall(df) -> dict[str, object]:
    """Totals of the whole plan: total, per status, overdue, progress."""
    out: dict[str, object] = {"total": len(df), **{s: int((df["status"] == s).sum()) for s in STATUSES}}
    out["overdue"] = int(df["overdue"].sum()) if len(df) else 0
    out["progress"] = out[DONE] / out["total"] if out["total"] else None
    return out


def grouped_by_section(df) -> list[dict]:
    """Sections in plan order, each with its goals in order and each goal's activities:
    ``[{"name", "ordinal", "total", "done", "goals": [{"id", "number", "text", "parent",
    "parent_number", "parent_id", "rows"}]}]``; ``parent`` is the text of the heading goal
    above a sub-goal ("3" above "3.1"), else "". Only sections and goals with activities in
    ``df`` appear."""
    out: list[dict] = []
    for ordinal in sorted(set(df["section_ordinal"])):
        part = df[df["section_ordinal"] == ordinal]
        goals = []
        for goal_id in dict.fromkeys(part["goal_id"]):
            rows = part[part["goal_id"] == goal_id].reset_index(drop=True)
            first = rows.iloc[0]
            number = first["goal_number"]
            parent_number = number.rsplit(".", 1)[0] if first["parent_goal"] else ""
            goals.append(
                {
                    "id": goal_id,
                    "number": number,
                    "text": first["goal"],
                    "parent": first["parent_goal"],
                    "parent_number": parent_number,
                    "parent_id": f"{first['section_code']}.{parent_number}" if parent_number else "",
                    "rows": rows,
                }
            )
        out.append(
            {
                "name": part.iloc[0]["section_name"],
                "ordinal": int(ordinal),
                "total": len(part),
                "done": int((part["status"] == DONE).sum()),
                "goals": goals,
            }
        )
    return out


def grouped_by_lead(df) -> list[tuple[str, object]]:
    """(lead unit, its activities) for every lead unit in ``df``, most activities first."""
    return [
        (u, df[[u in units for units in df["lead_units"]]].reset_index(drop=True))
        for u in lead_unit_names(df)
    ]
