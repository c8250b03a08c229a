"""The work list ("Việc cần làm"): dossiers to act on before they turn late
(kpi-definitions.md, "Early warning"; cli.md, "Dossiers to act on").

As of a day ``today`` (default: the real date, never before data_through), over the accepted
dossiers that are not finished and not withdrawn (status 2, 4, 5, 6 of the national portal):

- ``waiting_supplement`` (chờ bổ sung): status 5, whatever its dates; this state comes first;
- ``overdue`` (quá hạn): due day < today;
- ``due_soon`` (sắp đến hạn): today ≤ due day and at most N working days after today up to
  and including the due day (N = ``within``, default 2; "due today" has 0 left);
- ``no_due_date`` (không có ngày hẹn trả): no due day, received more than 30 calendar days
  before today; other dossiers are not listed.

Working days left (kpi.calendar, data/holidays.csv): for today ≤ due, the working days d with
today < d ≤ due; for an overdue dossier minus the working days d with due < d ≤ today.
Ordered overdue (most overdue first), due_soon (fewest left first), waiting_supplement,
no_due_date; ties by dossier code. Per officer (as the export spells the name; none: null)
the count of each state. ``effect``: the on-time rate of today's month if every due_soon
dossier (due within the month) is finished in time versus if none is.

    wl = work_list(engine, "Xã Lộc Tân", today=date(2026, 4, 29))
    wl.to_json()          # the JSON of ``python -m kpi alerts`` (cli.md)
    digest(wl)            # the short Vietnamese text (--format text)
    to_xlsx(wl)           # the Excel file (page download, --format xlsx)

Words (glossary): work list = "việc cần làm", due soon = "sắp đến hạn", waiting for
supplement = "chờ bổ sung", apology letter = "thư xin lỗi" (kpi.apology).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import sqlalchemy as sa

from kpi import calendar as cal
from kpi import compiler as C
from kpi import config
from kpi import coverage as COV
from kpi import definitions as D
from kpi import format as fmt
from kpi import schema as S
from kpi import targets as T
from kpi.db import connect
from kpi.periods import Period, month

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OVERDUE", "DUE_SOON", "WAITING_SUPPLEMENT", "NO_DUE_DATE", "STATES", "STATE_LABELS",
    "DEFAULT_WITHIN", "NO_DUE_DATE_DAYS", "STALE_DAYS", "TodayBeforeData", "WorkItem",
    "OnTimeEffect", "WorkList", "working_days_left", "classify", "work_list", "digest",
    "to_xlsx", "frame", "officer_frame", "file_name", "XLSX_MEDIA_TYPE", "md_escape",
]

OVERDUE, DUE_SOON, WAITING_SUPPLEMENT, NO_DUE_DATE = (
    "overdue", "due_soon", "waiting_supplement", "no_due_date")
STATES = (OVERDUE, DUE_SOON, WAITING_SUPPLEMENT, NO_DUE_DATE)  # the list's order
STATE_LABELS = {
    OVERDUE: "Quá hạn",
    DUE_SOON: "Sắp đến hạn",
    WAITING_SUPPLEMENT: "Chờ bổ sung",
    NO_DUE_DATE: "Không có ngày hẹn trả",
}
DEFAULT_WITHIN = 2
NO_DUE_DATE_DAYS = 30  # a dossier without a due day is listed once older than this
STALE_DAYS = 3  # data older than this (days before today) earns a warning
PENDING_STATUSES = (2, 4, 5, 6)  # accepted, not finished, not withdrawn
SUPPLEMENT_STATUS = 5
NO_OFFICER = "(Chưa ghi cán bộ)"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TodayBeforeData(ValueError):
    """``today`` is before the data's own date; ``str(exc)`` is Vietnamese."""


# ------------------------------------------------------------------------------ the rules


def working_days_left(today: dt.date, due: dt.date) -> int:
    """Working days d with today < d ≤ due; overdue: minus those with due < d ≤ today."""
    if due >= today:
        return cal.working_days_between(today + dt.timedelta(days=1), due)
    return -cal.working_days_late(due, today)


def classify(status: int | None, received: dt.date | None, due: dt.date | None,
             today: dt.date, within: int = DEFAULT_WITHIN) -> str | None:
    """The state of one not-finished, not-withdrawn dossier, or None when it is not listed."""
    if status == SUPPLEMENT_STATUS:
        return WAITING_SUPPLEMENT
    if due is None:
        if received is not None and (today - received).days > NO_DUE_DATE_DAYS:
            return NO_DUE_DATE
        return None
    if due < today:
        return OVERDUE
    return DUE_SOON if working_days_left(today, due) <= within else None


def _first_not_due_soon(today: dt.date, within: int) -> dt.date:
    """The first due day that is not due soon: the (within + 1)-th working day after today."""
    return cal.add_working_days(today, within + 1)


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class WorkItem:
    dossier_code: str
    state: str  # STATES
    working_days_left: int | None  # None for waiting_supplement and no_due_date
    procedure_name: str | None
    field: str | None
    handling_unit: str | None
    officer: str | None
    received_at: dt.date | None
    due_at: dt.date | None
    procedure_code: str | None = None
    status: int | None = None
    supplement_count: int | None = None
    apology_day: dt.date | None = None  # the day of the latest apology letter issued
    unit_id: int | None = None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def apology_text(self) -> str:
        """"Đã gửi thư xin lỗi (30/04/2026)" or ""."""
        return f"Đã gửi thư xin lỗi ({fmt.date(self.apology_day)})" if self.apology_day else ""

    def to_json(self) -> dict:
        """One entry of the alerts JSON (cli.md), keys in that order."""
        return {
            "dossier_code": self.dossier_code,
            "state": self.state,
            "working_days_left": self.working_days_left,
            "procedure_name": self.procedure_name,
            "field": self.field,
            "handling_unit": self.handling_unit,
            "officer": self.officer,
            "received_at": self.received_at.isoformat() if self.received_at else None,
            "due_at": self.due_at.isoformat() if self.due_at else None,
        }


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def text(self) -> str:
        """"98,7% (1.203/1.218 hồ sơ)"; no denominator: "—"."""
        if not self.denominator:
            return fmt.NO_DATA
        return (f"{fmt.pct(self.value)} ({fmt.integer(self.numerator)}/"
                f"{fmt.integer(self.denominator)} hồ sơ)")


@dataclass(frozen=True)
class OnTimeEffect:
    """The month's on-time rate (the chosen definition) as of today, and if every due_soon
    dossier due within the month is finished in time versus if none is."""

    month: Period
    definition: str  # the variant's name ("766", "resolved", "due")
    definition_label: str
    counted: int  # due_soon dossiers due within the month (the ones that can move it)
    later: int  # due_soon dossiers due after the month's end (they do not move it)
    current: Rate
    if_all: Rate
    if_none: Rate
    target: float | None
    # False when no loaded export covers a day of the month (kpi-definitions.md "Coverage":
    # "Chưa có dữ liệu"): no rate is given, only that there is no data for the month.
    covered: bool = True
    data_through: dt.date | None = None

    @property
    def message(self) -> str:
        """The Vietnamese sentence of the page, the digest and the Excel file."""
        label = self.month.label.lower()
        if not self.covered:
            through = (f"dữ liệu đã tải mới đến ngày {fmt.date(self.data_through)}"
                       if self.data_through else "chưa tải tệp danh sách hồ sơ nào")
            return (f"Tỷ lệ hồ sơ giải quyết đúng hạn {label}: {COV.STATUS_LABELS[COV.NONE]} "
                    f"({through}), nên chưa tính được giải quyết kịp các hồ sơ sắp đến hạn sẽ "
                    "đưa tỷ lệ tới đâu.")
        if self.counted == 0:
            text = (f"Không có hồ sơ sắp đến hạn nào trong {label}: tỷ lệ đúng hạn hiện là "
                    f"{self.current.text}.")
        else:
            text = (f"Tỷ lệ hồ sơ giải quyết đúng hạn {label} ({self.definition_label}): "
                    f"{self.if_all.text} nếu giải quyết đúng hạn cả {fmt.integer(self.counted)} "
                    f"hồ sơ sắp đến hạn; {self.if_none.text} nếu không hồ sơ nào kịp.")
        if self.target is not None:
            text += f" Chỉ tiêu: {fmt.target(self.target)}."
        if self.later:
            text += (f" ({fmt.integer(self.later)} hồ sơ sắp đến hạn có ngày hẹn trả sang tháng "
                     "sau, không tính vào tháng này.)")
        return text


@dataclass(frozen=True)
class WorkList:
    unit: str
    today: dt.date
    data_through: dt.date | None
    within: int
    items: tuple[WorkItem, ...]
    effect: OnTimeEffect | None = None
    unit_ids: tuple[int, ...] | None = None

    @property
    def totals(self) -> dict[str, int]:
        out = {s: 0 for s in STATES}
        for it in self.items:
            out[it.state] += 1
        return out

    @property
    def by_officer(self) -> list[dict]:
        """[{"officer": name or None, "overdue": n, "due_soon": n, ...}], by name (NFC,
        case-folded), the dossiers without an officer last."""
        counts: dict[str | None, dict[str, int]] = {}
        for it in self.items:
            row = counts.setdefault(it.officer, {s: 0 for s in STATES})
            row[it.state] += 1
        names = sorted((n for n in counts if n is not None), key=fmt.sort_key)
        if None in counts:
            names.append(None)
        return [{"officer": n, **counts[n]} for n in names]

    @property
    def stale_days(self) -> int | None:
        """Days between data_through and today (None without data)."""
        return (self.today - self.data_through).days if self.data_through else None

    @property
    def stale(self) -> bool:
        """The data is more than STALE_DAYS days old: what was finished since is unknown."""
        return self.stale_days is not None and self.stale_days > STALE_DAYS

    @property
    def stale_warning(self) -> str | None:
        if self.data_through is None:
            return ("Chưa có dữ liệu hồ sơ của đơn vị: hãy tải tệp danh sách hồ sơ ở trang "
                    "«Tải dữ liệu».")
        if not self.stale:
            return None
        return (f"Dữ liệu mới đến ngày {fmt.date(self.data_through)}, cũ hơn "
                f"{STALE_DAYS} ngày so với hôm nay ({fmt.date(self.today)}): danh sách không biết "
                "các hồ sơ đã giải quyết xong từ đó đến nay. Hãy tải tệp danh sách hồ sơ mới nhất.")

    def filtered(self, *, officer=..., handling_unit=..., field=..., state=...) -> WorkList:
        """The list narrowed to the given values (``...`` = no filter; None = the rows with no
        value). Each filter is a value or a collection of values."""
        def ok(value, wanted) -> bool:
            if wanted is ...:
                return True
            if isinstance(wanted, (list, tuple, set, frozenset)):
                return not wanted or value in wanted
            return value == wanted

        items = tuple(it for it in self.items
                      if ok(it.officer, officer) and ok(it.handling_unit, handling_unit)
                      and ok(it.field, field) and ok(it.state, state))
        return replace(self, items=items)

    def options(self, attr: str) -> list:
        """The distinct values of ``officer``, ``handling_unit`` or ``field`` in the list
        (None last), for the page's filters."""
        vals = {getattr(it, attr) for it in self.items}
        out = sorted((v for v in vals if v is not None), key=fmt.sort_key)
        return out + ([None] if None in vals else [])

    def to_json(self) -> dict:
        """Exactly the JSON of ``python -m kpi alerts`` (cli.md)."""
        return {
            "unit": self.unit,
            "today": self.today.isoformat(),
            "data_through": self.data_through.isoformat() if self.data_through else None,
            "within": self.within,
            "dossiers": [it.to_json() for it in self.items],
            "totals": self.totals,
            "by_officer": self.by_officer,
        }


_MARKDOWN = set("\\`*_{}[]()#+-.!:|<>~$=")


def md_escape(text) -> str:
    """Text from a file or a user inside a Streamlit label or alert (which render Markdown),
    shown as typed: every Markdown character backslash-escaped."""
    return "".join("\\" + ch if ch in _MARKDOWN else ch for ch in str(text))


# ------------------------------------------------------------------------------ the query


_as_date = fmt.to_date  # a date from a date, a datetime or ISO text


def _ts(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _resolve_unit(conn, unit):
    from kpi import queries as Q

    return Q._resolve_unit(conn, unit)


def _order_key(it: WorkItem) -> tuple:
    rank = STATES.index(it.state)
    days = it.working_days_left if it.working_days_left is not None else 0
    return (rank, days, it.dossier_code)


def _candidates(conn, unit_ids, today: dt.date, within: int) -> list[dict]:
    """The not-finished dossiers that can be listed, with their latest apology letter."""
    d = S.dossiers
    a = S.apology_letters
    letters = (sa.select(a.c.unit_id, a.c.dossier_code,
                         sa.func.max(a.c.letter_day).label("apology_day"))
               .group_by(a.c.unit_id, a.c.dossier_code).subquery("letters"))
    cutoff = _ts(_first_not_due_soon(today, within))
    old = _ts(today - dt.timedelta(days=NO_DUE_DATE_DAYS))
    q = (
        sa.select(d.c.unit_id, d.c.dossier_code, d.c.procedure_code, d.c.procedure_name,
                  d.c.field, d.c.handling_unit, d.c.officer, d.c.received_at, d.c.due_at,
                  d.c.status, d.c.supplement_count, letters.c.apology_day)
        .select_from(d.outerjoin(letters, sa.and_(letters.c.unit_id == d.c.unit_id,
                                                  letters.c.dossier_code == d.c.dossier_code)))
        .where(
            C._unit_cond(d.c.unit_id, unit_ids),
            d.c.status.in_(PENDING_STATUSES),
            sa.or_(
                d.c.status == SUPPLEMENT_STATUS,
                d.c.due_at < sa.literal(cutoff, sa.DateTime),
                sa.and_(d.c.due_at.is_(None), d.c.received_at < sa.literal(old, sa.DateTime)),
            ),
        )
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def _items(rows: list[dict], today: dt.date, within: int) -> list[WorkItem]:
    out = []
    for r in rows:
        received, due = _as_date(r["received_at"]), _as_date(r["due_at"])
        status = None if r["status"] is None else int(r["status"])
        state = classify(status, received, due, today, within)
        if state is None:
            continue
        left = working_days_left(today, due) if state in (OVERDUE, DUE_SOON) else None
        out.append(WorkItem(
            dossier_code=r["dossier_code"], state=state, working_days_left=left,
            procedure_name=r["procedure_name"], field=r["field"],
            handling_unit=r["handling_unit"], officer=r["officer"] or None,
            received_at=received, due_at=due, procedure_code=r["procedure_code"],
            status=status,
            supplement_count=None if r["supplement_count"] is None else int(r["supplement_count"]),
            apology_day=_as_date(r["apology_day"]), unit_id=int(r["unit_id"]),
        ))
    out.sort(key=_order_key)
    return out


def check_today(today: dt.date, data_through: dt.date | None, *,
                what: str = "Ngày xem danh sách") -> None:
    """``today`` may not be before data_through (TodayBeforeData, Vietnamese). ``what`` names
    the day in the message ("Ngày xem danh sách" for the work list, "Ngày lập thư" for a
    letter)."""
    if data_through is not None and today < data_through:
        raise TodayBeforeData(
            f"{what} ({fmt.date(today)}) trước ngày của dữ liệu "
            f"({fmt.date(data_through)}, ngày dữ liệu mới nhất đã tải): chọn một ngày từ "
            f"{fmt.date(data_through)} trở đi.")


def work_list(engine, unit, *, today: dt.date | None = None, within: int = DEFAULT_WITHIN,
              choice: D.Choice | None = None) -> WorkList:
    """The work list of ``unit`` (a name, an id, or None for every unit) as of ``today``
    (default ``kpi.config.today()``). Raises ``TodayBeforeData`` when today < data_through,
    ``kpi.queries.UnknownUnit`` for an unknown unit, ValueError for a negative ``within``."""
    if within < 0:
        raise ValueError("Số ngày làm việc (--within) phải từ 0 trở lên.")
    today = today or config.today()
    with connect(engine) as conn:
        unit_ids, name = _resolve_unit(conn, unit)
        through = COV.data_through(conn, unit_ids)
        check_today(today, through)
        items = _items(_candidates(conn, unit_ids, today, within), today, within)
        effect = _effect(conn, unit_ids, today, items, choice)
    return WorkList(unit=name, today=today, data_through=through, within=within,
                    items=tuple(items), effect=effect,
                    unit_ids=None if unit_ids is None else tuple(unit_ids))


# ------------------------------------------------------------------------------ acting now


def _classes(cond) -> frozenset[str]:
    """The on-time classes an on-time variant's numerator or denominator counts."""
    if isinstance(cond, D.Cond) and cond.column == "on_time_class" and cond.op == "in":
        return frozenset(cond.value)
    raise ValueError("on-time variant not declared as a set of classes")


def _rate(counts: dict[str, int], ratio: D.Ratio) -> Rate:
    num = sum(counts.get(c, 0) for c in _classes(ratio.numerator))
    den = sum(counts.get(c, 0) for c in _classes(ratio.denominator))
    return Rate(num, den)


def _effect(conn, unit_ids, today: dt.date, items: list[WorkItem],
            choice: D.Choice | None) -> OnTimeEffect:
    """Today's month judged as of today, the due_soon dossiers due within it moved to on time
    (late if more than one supplement request: the 766 rule) or to pending overdue. A month
    no loaded export covers has no rate ("Chưa có dữ liệu", ``covered`` False)."""
    m = month(today.year, today.month)
    kpi = D.KPI_BY_KEY["on_time_rate"]
    vname = (choice or D.Choice()).variant(kpi.key)
    ratio = kpi.variants[vname]
    tgt = T.target_for(kpi.key, m.end.year)
    cov = COV.period_coverage(conn, unit_ids, (m.start, m.end))
    if cov.empty:  # no day of the month is covered: the data cannot support a rate
        none = Rate(0, 0)
        return OnTimeEffect(
            month=m, definition=vname, definition_label=ratio.short, counted=0, later=0,
            current=none, if_all=none, if_none=none, target=tgt.value if tgt else None,
            covered=False, data_through=cov.data_through)
    facts = C.dossier_facts(C.literal_bounds(m.start, today), unit_ids,
                            C.Options(join_catalogue=False, join_flags=False))
    rows = conn.execute(sa.select(facts.c.on_time_class, sa.func.count())
                        .group_by(facts.c.on_time_class)).all()
    current = {cls: int(n) for cls, n in rows if cls is not None}
    soon = [it for it in items if it.state == DUE_SOON]
    moving = [it for it in soon if it.due_at is not None and it.due_at <= m.end]
    classes: dict[tuple, str] = {}
    if moving:
        codes = sorted({it.dossier_code for it in moving})
        for i in range(0, len(codes), 500):
            part = codes[i:i + 500]
            q = sa.select(facts.c.unit_id, facts.c.dossier_code, facts.c.on_time_class).where(
                facts.c.dossier_code.in_(part))
            for uid, code, cls in conn.execute(q):
                classes[(int(uid), code)] = cls
    if_all, if_none = dict(current), dict(current)
    for it in moving:
        was = classes.get((it.unit_id, it.dossier_code))
        if was not in D.CLASSES:
            continue
        done = D.LATE if (it.supplement_count or 0) > 1 else D.ON_TIME
        for counts, new in ((if_all, done), (if_none, D.PENDING_OVERDUE)):
            counts[was] -= 1
            counts[new] = counts.get(new, 0) + 1
    return OnTimeEffect(
        month=m, definition=vname, definition_label=ratio.short, counted=len(moving),
        later=len(soon) - len(moving), current=_rate(current, ratio),
        if_all=_rate(if_all, ratio), if_none=_rate(if_none, ratio),
        target=tgt.value if tgt else None)


# ------------------------------------------------------------------------------ outputs

COLUMNS = {
    "dossier_code": "Mã hồ sơ",
    "state": "Tình trạng",
    "working_days_left": "Số ngày làm việc còn lại",
    "procedure_name": "Tên thủ tục",
    "field": "Lĩnh vực",
    "handling_unit": "Đơn vị xử lý",
    "officer": "Cán bộ xử lý",
    "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả",
    "apology": "Thư xin lỗi",
}
OFFICER_COLUMNS = {"officer": "Cán bộ xử lý", **{s: STATE_LABELS[s] for s in STATES},
                   "total": "Tổng"}


def rows(wl: WorkList) -> list[list]:
    """The list's rows in COLUMNS order (dates as dates, the state as its Vietnamese word)."""
    return [[it.dossier_code, it.state_label, it.working_days_left, it.procedure_name, it.field,
             it.handling_unit, it.officer, it.received_at, it.due_at, it.apology_text]
            for it in wl.items]


def frame(wl: WorkList) -> pd.DataFrame:
    """The list as a frame with Vietnamese headers (the page's table)."""
    import pandas as pd

    df = pd.DataFrame(rows(wl), columns=list(COLUMNS.values()))
    df[COLUMNS["working_days_left"]] = df[COLUMNS["working_days_left"]].astype("Int64")
    return df


def officer_rows(wl: WorkList) -> list[list]:
    return [[r["officer"] if r["officer"] is not None else NO_OFFICER,
             *[r[s] for s in STATES], sum(r[s] for s in STATES)] for r in wl.by_officer]


def officer_frame(wl: WorkList) -> pd.DataFrame:
    """Counts per officer with Vietnamese headers (the page's table)."""
    import pandas as pd

    return pd.DataFrame(officer_rows(wl), columns=list(OFFICER_COLUMNS.values()))


def _totals_line(wl: WorkList) -> str:
    t = wl.totals
    return (f"Quá hạn: {fmt.integer(t[OVERDUE])} · Sắp đến hạn (còn không quá "
            f"{wl.within} ngày làm việc): {fmt.integer(t[DUE_SOON])} · Chờ bổ sung: "
            f"{fmt.integer(t[WAITING_SUPPLEMENT])} · Không có ngày hẹn trả (quá "
            f"{NO_DUE_DATE_DAYS} ngày): {fmt.integer(t[NO_DUE_DATE])}")


def header_line(wl: WorkList) -> str:
    return (f"Việc cần làm – {wl.unit} – ngày {fmt.date(wl.today)} "
            f"(dữ liệu đến ngày {fmt.date(wl.data_through)})")


def digest(wl: WorkList) -> str:
    """The short Vietnamese digest of ``--format text``: the totals, then per officer, then
    the overdue codes."""
    lines = [header_line(wl)]
    if wl.stale_warning:
        lines.append("⚠ " + wl.stale_warning)
    lines.append(_totals_line(wl))
    if wl.effect is not None:
        lines.append(wl.effect.message)
    lines.append("")
    lines.append("Theo cán bộ xử lý:")
    if not wl.by_officer:
        lines.append("- Không có hồ sơ nào cần xử lý.")
    for r in wl.by_officer:
        name = r["officer"] if r["officer"] is not None else NO_OFFICER
        lines.append(f"- {name}: quá hạn {r[OVERDUE]}, sắp đến hạn {r[DUE_SOON]}, chờ bổ sung "
                     f"{r[WAITING_SUPPLEMENT]}, không có ngày hẹn trả {r[NO_DUE_DATE]}")
    overdue = [it for it in wl.items if it.state == OVERDUE]
    lines.append("")
    if overdue:
        lines.append(f"Hồ sơ quá hạn ({fmt.integer(len(overdue))}):")
        for it in overdue:
            extra = f"; {it.apology_text.lower()}" if it.apology_day else ""
            lines.append(f"- {it.dossier_code} (quá {-it.working_days_left} ngày làm việc"
                         f"{extra})")
    else:
        lines.append("Không có hồ sơ quá hạn.")
    return "\n".join(lines) + "\n"


def file_name(wl: WorkList) -> str:
    return f"viec-can-lam_{wl.today.isoformat()}.xlsx"


def to_xlsx(wl: WorkList) -> bytes:
    """The list as an Excel workbook: "Việc cần làm" (one row per dossier, dates as dates, a
    filter on the header), "Theo cán bộ" (counts per officer) and "Thông tin" (unit, today,
    data_through, totals, what acting now is worth). Text that a spreadsheet could read as a
    formula is written with Excel's quote prefix."""
    from kpi import excel

    buf = io.BytesIO()
    wb = excel.workbook(buf)
    head = wb.add_format(excel.HEADER)
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    quoted = wb.add_format({"quote_prefix": True})
    bold = wb.add_format({"bold": True})

    def text(ws, r, c, value, cell_format=None):
        s = fmt.nfc(value)
        if excel.looks_like_formula(s):  # the one rule: kpi/excel.py
            ws.write_string(r, c, s, quoted)
        else:
            ws.write_string(r, c, s, cell_format)

    def table(ws, titles, data):
        for j, title in enumerate(titles):
            ws.write_string(0, j, title, head)
            ws.set_column(j, j, max(12, min(40, len(title) + 4)))
        for i, row in enumerate(data, start=1):
            for j, x in enumerate(row):
                if x is None or x == "":
                    continue
                if isinstance(x, dt.date):
                    ws.write_datetime(i, j, _ts(x), date_fmt)
                elif isinstance(x, int):
                    ws.write_number(i, j, x)
                else:
                    text(ws, i, j, x)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(1, len(data)), len(titles) - 1)

    table(wb.add_worksheet("Việc cần làm"), list(COLUMNS.values()), rows(wl))
    table(wb.add_worksheet("Theo cán bộ"), list(OFFICER_COLUMNS.values()), officer_rows(wl))
    info = wb.add_worksheet("Thông tin")
    info.set_column(0, 0, 24)
    info.set_column(1, 1, 90)
    t = wl.totals
    lines = [("Đơn vị", wl.unit), ("Ngày xem", fmt.date(wl.today)),
             ("Dữ liệu đến ngày", fmt.date(wl.data_through)),
             ("Sắp đến hạn", f"còn không quá {wl.within} ngày làm việc")]
    lines += [(STATE_LABELS[s], t[s]) for s in STATES]
    if wl.effect is not None:
        lines.append(("Tác động tới tỷ lệ đúng hạn", wl.effect.message))
    if wl.stale_warning:
        lines.append(("Lưu ý", wl.stale_warning))
    for i, (k, v) in enumerate(lines):
        info.write_string(i, 0, k, bold)
        if isinstance(v, int):
            info.write_number(i, 1, v)
        else:
            text(info, i, 1, v)
    wb.close()
    return buf.getvalue()
