"""The plan itself: the appendix of the yearly CCHC plan as data, and the tracker of its activities.

Two halves:

* **Parser** (``parse_appendix``): the appendix "Nhiệm vụ triển khai kế hoạch CCHC" is a
  table extracted from a PDF into tab-separated text with ``<b>`` markup. Its quirks, and how
  they are read:

  - the header line ``STT  1- Mục tiêu  2- Nhiệm vụ ...`` is repeated after every page break;
  - a table row split by a page break continues on the first line of the next page: that line
    carries only text cells (no output, lead, partner, timing or funding), and each of its cells
    is appended to the same cell of the row above (e.g. "... trong quá" + "trình xây dựng ...");
    on such a first line a single cell that starts with a lower-case letter also continues the
    cell above while the rest of the line is a new row (goal II.3.3 "... trên môi" +
    "trường điện tử ..." beside a new activity);
  - a row whose leading empty cells were lost in the extraction (its lead unit sits left of the
    "5-Chủ trì" column) is shifted back into place;
  - the goal ("Mục tiêu"), the task ("Nhiệm vụ") and the funding ("Kinh phí") are merged cells
    in the original: each is carried down to the activities under it;
  - section headers are Roman numerals in bold; the plan uses "VI" twice, so every section also
    gets its ordinal (1..7), and an activity id uses ``VI(6)`` / ``VI(7)`` for a repeated label;
  - a lead or partner cell may name several units, separated by ";".

  An activity id is ``<section>.<goal number>-<nn>``, e.g. ``II.3.1-02`` (the second activity
  of goal 3.1 of section II), stable as long as the plan text is.

* **Tracker**: per unit (``units``) and plan year, each activity's status, progress note,
  evidence, who updated it and when, with every change kept in a history table
  (``kpi.plan_tables``); late flags from the timing; counts and progress per section and per
  lead unit; export to Excel and status updates by uploading that Excel back.

No Streamlit here: the page ``pages/plan.py`` only calls these functions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kpi import config
from kpi import definitions as _D

PLANS_DIR = config.DATA_DIR / "plans"

# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"\s*[\u2013\u2014\u2012\u2212-]\s*")


def clean(text: str | None) -> str:
    """NFC, markup removed, whitespace collapsed."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", _TAG.sub("", str(text)))
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """A comparison key: cleaned, case-folded, accents removed, đ → d."""
    text = clean(text).casefold().replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


# ---------------------------------------------------------------------------------------------
# Units named in the plan (lead units and partners, the offices inside the commune)
# ---------------------------------------------------------------------------------------------

# Spelling variants found in the appendix -> the name shown on screen. Keys are
# ``_unit_key`` of the variant (case, dashes, commas and a trailing "xã" ignored).
_UNIT_CANONICAL = {
    "trung tam phuc vu hanh chinh cong": "Trung tâm Phục vụ hành chính công",
    "van phong hdnd va ubnd": "Văn phòng HĐND và UBND xã",
    "cac co quan don vi": "Các cơ quan, đơn vị",
    "phong van hoa - xa hoi": "Phòng Văn hóa - Xã hội",
    "phong kinh te": "Phòng Kinh tế",
}

_UNIT_CELL = re.compile(
    r"(phong [^;]{2,40}|trung tam phuc vu hanh chinh cong|van phong hdnd va ubnd( xa)?"
    r"|cac co quan,? don vi( cap xa| co lien quan)?|co quan cap tren|cac don vi cung cap dich vu)",
)


def _unit_key(name: str) -> str:
    key = _DASHES.sub(" - ", fold(name)).replace(",", " ")
    key = _SPACES.sub(" ", key).strip(" ;.")
    if key.endswith(" xa") and key.startswith("van phong"):
        key = key[: -len(" xa")]
    return key


def normalize_unit(name: str) -> str:
    """One spelling per unit: "Phòng Văn hóa – Xã hội" and "Phòng Văn hóa - Xã hội" are one."""
    name = clean(name).strip(" ;,.")
    name = _DASHES.sub(" - ", name) if re.search(r"[\u2013\u2014-]", name) else name
    return _UNIT_CANONICAL.get(_unit_key(name), name)


def split_units(cell: str) -> list[str]:
    """The units of a lead/partner cell, normalised, in the order written, without repeats."""
    out: list[str] = []
    for part in clean(cell).split(";"):
        if part.strip(" ,."):
            name = normalize_unit(part)
            if name not in out:
                out.append(name)
    return out


def _is_unit_cell(cell: str) -> bool:
    parts = [p for p in fold(cell).split(";") if p.strip()]
    return bool(parts) and all(_UNIT_CELL.fullmatch(p.strip(" ,.")) for p in parts)


# ---------------------------------------------------------------------------------------------
# Timing -> deadline
# ---------------------------------------------------------------------------------------------

TIMING_RECURRING = "recurring"  # "Thường xuyên": never late
TIMING_DATED = "dated"  # a deadline could be read ("Quý I/2026", "Hàng năm", a date)
TIMING_OPEN = "open"  # "Theo chương trình…", "Khi có quy định…": no deadline of its own

TIMING_KIND_LABELS = {
    TIMING_RECURRING: "Thường xuyên",
    TIMING_DATED: "Có thời hạn",
    TIMING_OPEN: "Theo yêu cầu, hướng dẫn",
}

_ROMAN_QUARTER = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER = re.compile(r"quy\s*(iv|iii|ii|i|[1-4])\s*/\s*(\d{4})")
_MONTH = re.compile(r"thang\s*(\d{1,2})\s*/\s*(\d{4})")
_DATE = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")
_YEAR = re.compile(r"nam\s*(\d{4})")
_ANNUAL = ("hang nam", "trong nam", "ca nam")


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_timing(timing: str, plan_year: int) -> tuple[str, dt.date | None]:
    """(kind, deadline) of a timing cell.

    "Thường xuyên" is recurring (never late). "Quý IV /2025 và Quý I/2026" ends with its last
    quarter (31/03/2026); "Tháng 6/2026" with the month; a date is itself; "Hàng năm" / "Trong
    năm" / "Năm 2026" end on 31/12 of the plan year (or that year). Anything else ("Theo
    Chương trình công tác…", "Khi có quy định…") has no deadline of its own.
    """
    key = fold(timing)
    if not key:
        return TIMING_OPEN, None
    if "thuong xuyen" in key:
        return TIMING_RECURRING, None
    ends: list[dt.date] = []
    for q, year in _QUARTER.findall(key):
        quarter = _ROMAN_QUARTER.get(q) or int(q)
        ends.append(_month_end(int(year), quarter * 3))
    for month, year in _MONTH.findall(key):
        if 1 <= int(month) <= 12:
            ends.append(_month_end(int(year), int(month)))
    for day, month, year in _DATE.findall(key):
        try:
            ends.append(dt.date(int(year), int(month), int(day)))
        except ValueError:
            pass
    if not ends:
        for year in _YEAR.findall(key):
            ends.append(dt.date(int(year), 12, 31))
    if not ends and any(word in key for word in _ANNUAL):
        ends.append(dt.date(plan_year, 12, 31))
    if ends:
        return TIMING_DATED, max(ends)
    return TIMING_OPEN, None


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------

N_COLUMNS = 9  # STT, goal, task, activity, output, lead, partner, timing, funding
C_STT, C_GOAL, C_TASK, C_ACTIVITY, C_OUTPUT, C_LEAD, C_PARTNER, C_TIMING, C_FUNDING = range(9)

_ROMAN = re.compile(r"[IVXLC]+")
_GOAL_NUMBER = re.compile(r"\d+(\.\d+)*")

# Columns of data/plans/<year>.csv, one row per activity, in plan order.
CSV_COLUMNS = [
    "activity_id",
    "section_ordinal",
    "section_label",
    "section_code",
    "section_title",
    "goal_id",
    "goal_number",
    "goal",
    "parent_goal",
    "task",
    "activity",
    "output",
    "lead_unit",  # the cell as written (cleaned)
    "lead_units",  # normalised names, "; "-separated
    "partner",
    "partners",
    "timing",
    "timing_kind",
    "deadline",  # ISO date or empty
    "funding",
    "source_lines",  # line numbers of the appendix the activity was read from
]


class PlanParseError(ValueError):
    """The appendix has a line the parser cannot place (message in Vietnamese)."""


@dataclass
class Section:
    ordinal: int
    label: str
    title: str
    code: str = ""


@dataclass
class Goal:
    section: Section
    number: str
    text: str
    parent: Goal | None = None

    @property
    def id(self) -> str:
        return f"{self.section.code}.{self.number}"


@dataclass
class _Task:
    text: str


@dataclass
class Activity:
    section: Section
    goal: Goal
    task: _Task
    index: int
    activity: str
    output: str
    lead_unit: str
    partner: str
    timing: str
    funding: str
    lines: list[int] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.goal.id}-{self.index:02d}"


@dataclass
class ParsedPlan:
    year: int
    unit: str | None
    sections: list[Section]
    goals: list[Goal]
    activities: list[Activity]

    def rows(self) -> list[dict[str, str]]:
        """One dict per activity with the ``CSV_COLUMNS``."""
        out = []
        for a in self.activities:
            kind, deadline = parse_timing(a.timing, self.year)
            out.append(
                {
                    "activity_id": a.id,
                    "section_ordinal": str(a.section.ordinal),
                    "section_label": a.section.label,
                    "section_code": a.section.code,
                    "section_title": a.section.title,
                    "goal_id": a.goal.id,
                    "goal_number": a.goal.number,
                    "goal": a.goal.text,
                    "parent_goal": a.goal.parent.text if a.goal.parent else "",
                    "task": a.task.text,
                    "activity": a.activity,
                    "output": a.output,
                    "lead_unit": a.lead_unit,
                    "lead_units": "; ".join(split_units(a.lead_unit)),
                    "partner": a.partner,
                    "partners": "; ".join(split_units(a.partner)),
                    "timing": a.timing,
                    "timing_kind": kind,
                    "deadline": deadline.isoformat() if deadline else "",
                    "funding": a.funding,
                    "source_lines": ",".join(str(n) for n in a.lines),
                }
            )
        return out


def _join(before: str, after: str) -> str:
    return clean(f"{before} {after}")


def _is_header(line: str) -> bool:
    return line.startswith("STT\t") and "Mục tiêu" in unicodedata.normalize("NFC", line)


def _realign(cells: list[str], line_no: int) -> list[str]:
    """Shift a row whose leading empty cells were lost back into place (lead in column 5).

    Only a row with nothing in the timing column can be shifted (a row in place has its
    timing there), so an activity that merely starts with "Phòng …" is never moved."""
    if cells[C_TIMING]:
        return cells
    for i in range(C_GOAL, C_LEAD):
        if cells[i] and _is_unit_cell(cells[i]):
            shift = C_LEAD - i
            if any(cells[N_COLUMNS - shift :]):
                raise PlanParseError(
                    f"Dòng {line_no}: không xác định được các cột (ô «{cells[i]}» nằm lệch cột)."
                )
            return [""] * shift + cells[: N_COLUMNS - shift]
    return cells


def parse_appendix(text: str, year: int | None = None) -> ParsedPlan:
    """Parse the appendix text (see the module docstring for the layout it handles)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")

    title = " ".join(clean(line) for line in lines[:12] if line and not _is_header(line))
    if year is None:
        m = re.search(r"NĂM\s+(\d{4})", title.upper())
        if not m:
            raise PlanParseError("Không đọc được năm kế hoạch trong tiêu đề phụ lục.")
        year = int(m.group(1))
    m = re.search(r"của UBND\s+((?:xã|phường|thị trấn)\s+[^)]+)\)", title, re.IGNORECASE)
    unit = clean(m.group(1)) if m else None
    if unit:
        unit = unit[0].upper() + unit[1:]

    sections: list[Section] = []
    goals: list[Goal] = []
    activities: list[Activity] = []
    section: Section | None = None
    goal: Goal | None = None
    header_goal: Goal | None = None  # a goal row with no task of its own ("3 Thực hiện …")
    task: _Task | None = None
    funding = ""
    last: Activity | None = None
    seen_header = False
    after_break = False

    for line_no, raw in enumerate(lines, start=1):
        if _is_header(raw):
            seen_header = True
            after_break = True
            continue
        if not seen_header or not raw.strip():
            continue
        first_after_break, after_break = after_break, False
        cells = [clean(c) for c in raw.split("\t")]
        if len(cells) > N_COLUMNS and any(cells[N_COLUMNS:]):
            raise PlanParseError(f"Dòng {line_no}: có nhiều hơn {N_COLUMNS} cột.")
        cells = (cells + [""] * N_COLUMNS)[:N_COLUMNS]
        cells = _realign(cells, line_no)
        stt = cells[C_STT]

        # A section: "I  CẢI CÁCH THỂ CHẾ".
        if _ROMAN.fullmatch(stt) and cells[C_GOAL] and not any(cells[C_TASK:]):
            section = Section(len(sections) + 1, stt, cells[C_GOAL])
            sections.append(section)
            goal = header_goal = task = last = None
            funding = ""
            continue
        if section is None:
            raise PlanParseError(f"Dòng {line_no}: dữ liệu nằm trước phần (I, II, …) đầu tiên.")

        # The first line of a page: continuation of the row the page break split.
        if first_after_break and not stt and last is not None:
            if not any(cells[C_OUTPUT:]):
                _continue_row(cells, goal, task, last)
                last.lines.append(line_no)
                continue
            for col in (C_GOAL, C_TASK, C_ACTIVITY):
                if cells[col] and cells[col][0].islower():
                    _continue_row(
                        [cells[i] if i == col else "" for i in range(N_COLUMNS)], goal, task, last
                    )
                    cells[col] = ""

        # A goal.
        if stt:
            if not _GOAL_NUMBER.fullmatch(stt) or not cells[C_GOAL]:
                raise PlanParseError(f"Dòng {line_no}: không đọc được mục tiêu «{stt}».")
            parent = None
            if "." in stt and header_goal and stt.startswith(header_goal.number + "."):
                parent = header_goal
            goal = Goal(section, stt, cells[C_GOAL], parent)
            goals.append(goal)
            task = last = None
            if not any(cells[C_TASK:]):  # a heading goal whose sub-goals (3.1, 3.2…) follow
                header_goal = goal
                continue
            if "." not in stt:
                header_goal = None
        elif cells[C_GOAL]:
            raise PlanParseError(
                f"Dòng {line_no}: ô mục tiêu «{cells[C_GOAL][:40]}…» không có số thứ tự."
            )

        if not cells[C_ACTIVITY]:
            if any(cells[C_TASK:]):
                raise PlanParseError(f"Dòng {line_no}: có nội dung nhưng không có hoạt động.")
            continue
        if goal is None:
            raise PlanParseError(f"Dòng {line_no}: hoạt động không thuộc mục tiêu nào.")
        if cells[C_TASK]:
            task = _Task(cells[C_TASK])
        if task is None:
            raise PlanParseError(f"Dòng {line_no}: hoạt động không thuộc nhiệm vụ nào.")
        if cells[C_FUNDING]:
            funding = cells[C_FUNDING]
        last = Activity(
            section=section,
            goal=goal,
            task=task,
            index=0,
            activity=cells[C_ACTIVITY],
            output=cells[C_OUTPUT],
            lead_unit=cells[C_LEAD],
            partner=cells[C_PARTNER],
            timing=cells[C_TIMING],
            funding=funding,
            lines=[line_no],
        )
        activities.append(last)

    if not activities:
        raise PlanParseError("Không tìm thấy hoạt động nào trong phụ lục.")

    # Section codes: the label as written, with the ordinal where the label repeats ("VI").
    label_counts: dict[str, int] = {}
    for s in sections:
        label_counts[s.label] = label_counts.get(s.label, 0) + 1
    for s in sections:
        s.code = s.label if label_counts[s.label] == 1 else f"{s.label}({s.ordinal})"
    per_goal: dict[int, int] = {}
    for a in activities:
        per_goal[id(a.goal)] = per_goal.get(id(a.goal), 0) + 1
        a.index = per_goal[id(a.goal)]
    ids = [a.id for a in activities]
    if len(set(ids)) != len(ids):
        raise PlanParseError("Mã hoạt động bị trùng; kiểm tra số thứ tự mục tiêu trong phụ lục.")
    return ParsedPlan(year, unit, sections, goals, activities)


def _continue_row(cells: list[str], goal: Goal | None, task: _Task | None, last: Activity) -> None:
    """Append the text cells of a continuation line to the row above."""
    if cells[C_GOAL] and goal is not None:
        goal.text = _join(goal.text, cells[C_GOAL])
    if cells[C_TASK] and task is not None:
        task.text = _join(task.text, cells[C_TASK])
    if cells[C_ACTIVITY]:
        last.activity = _join(last.activity, cells[C_ACTIVITY])


def parse_appendix_file(path: str | Path, year: int | None = None) -> ParsedPlan:
    return parse_appendix(Path(path).read_text(encoding="utf-8-sig"), year)


def write_plan_csv(plan: ParsedPlan, path: str | Path) -> None:
    """Write the parsed plan as CSV (UTF-8, one row per activity, ``CSV_COLUMNS``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(plan.rows())


def appendix_path(year: int) -> Path:
    """The appendix text kept with the project (a copy of the commune's document)."""
    return PLANS_DIR / f"ke-hoach-cchc-{year}-phu-luc.txt"


def plan_csv_path(year: int) -> Path:
    return PLANS_DIR / f"{year}.csv"


# ---------------------------------------------------------------------------------------------
# The plan as data (data/plans/<year>.csv)
# ---------------------------------------------------------------------------------------------


def available_years() -> list[int]:
    """Plan years with a committed plan CSV, oldest first."""
    years = []
    for p in PLANS_DIR.glob("*.csv"):
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


@lru_cache(maxsize=8)
def _plan_rows(year: int) -> tuple[dict[str, str], ...]:
    path = plan_csv_path(year)
    if not path.exists():
        raise PlanError([f"Chưa có kế hoạch CCHC năm {year} (thiếu tệp {path.name})."])
    with open(path, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


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
# Measurable goals -> KPI keys (kpi-definitions.md); live values come from the KPI engine
# ---------------------------------------------------------------------------------------------

GOAL_KPI_LINKS: dict[str, tuple[str, ...]] = {
    "II.3.1": ("on_time_rate",),
    "II.3.2": ("satisfaction_rate", "feedback_on_time_rate"),
    "II.3.3": ("digitization_rate", "e_result_rate", "data_reuse_rate"),
    "II.3.4": ("online_payment_procedure_rate", "online_payment_rate"),
    "II.3.5": ("full_online_procedure_rate", "online_submission_rate"),
    "II.3.6": ("boundary_free_procedure_rate",),
}

KPI_LABELS = {k.key: k.label for k in _D.KPIS}


def goal_kpis(year: int) -> dict[str, list[str]]:
    """For every goal of the plan (in plan order), the KPI keys that measure it ([] if none)."""
    out: dict[str, list[str]] = {}
    for r in _plan_rows(year):
        out.setdefault(r["goal_id"], list(GOAL_KPI_LINKS.get(r["goal_id"], ())))
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


def goal_kpi_lines(goal_id: str, values: Mapping[str, Mapping]) -> list[str]:
    """Vietnamese lines for the KPIs of a goal: value, target, Đạt / Chưa đạt (icon + word)."""
    from kpi import format as fmt

    lines = []
    for key in GOAL_KPI_LINKS.get(goal_id, ()):
        label = KPI_LABELS.get(key, key)
        entry = values.get(key)
        if not entry or entry.get("value") is None:
            lines.append(f"📊 {label}: — Chưa có dữ liệu")
            continue
        text = f"📊 {label}: **{fmt.pct(entry['value'])}**"
        details = []
        if entry.get("numerator") is not None and entry.get("denominator"):
            details.append(f"{fmt.integer(entry['numerator'])}/{fmt.integer(entry['denominator'])}")
        if entry.get("target") is not None:
            details.append(f"chỉ tiêu {fmt.pct(entry['target'])}")
        if details:
            text += f" ({'; '.join(details)})"
        if entry.get("met") is True:
            text += " — ✅ Đạt"
        elif entry.get("met") is False:
            text += " — ❌ Chưa đạt"
        lines.append(text)
    return lines


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
STATUS_ICONS = {NOT_STARTED: "⚪", IN_PROGRESS: "🔵", DONE: "✅", DELAYED: "🔴"}
STATUS_COLORS = {
    NOT_STARTED: "#9AA5B1",
    IN_PROGRESS: "#2F80ED",
    DONE: "#2E7D32",
    DELAYED: "#C62828",
}
OVERDUE_LABEL = "Quá hạn"
OVERDUE_ICON = "⚠️"
OVERDUE_COLOR = "#C62828"
SOURCE_LABELS = {"form": "Sửa trên trang", "excel": "Tệp Excel"}

_STATUS_WORDS = {fold(label): code for code, label in STATUS_LABELS.items()}
_STATUS_WORDS.update({code: code for code in STATUSES})


class PlanError(ValueError):
    """A request the tracker refuses; ``messages`` are Vietnamese, one per problem."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class PlanImportError(PlanError):
    """An uploaded tracker file refused as a whole (nothing was changed)."""


def status_label(code: str, icon: bool = False) -> str:
    label = STATUS_LABELS.get(code, code)
    return f"{STATUS_ICONS[code]} {label}" if icon and code in STATUS_ICONS else label


def parse_status(text) -> str | None:
    """The status code of a word as people write it ("Hoàn thành", "✅ hoàn thành",
    "hoan thanh", "done"); None when it is not one of the four."""
    if text is None:
        return None
    key = fold(str(text))
    key = re.sub(r"^[^a-z0-9]+", "", key).strip()  # a leading icon
    return _STATUS_WORDS.get(key)


def _text_or_none(value) -> str | None:
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


def _require_unit(unit: str | None) -> str:
    if not unit or not str(unit).strip():
        raise PlanError(["Chưa chọn đơn vị (xã, phường). Chọn đơn vị ở thanh bên hoặc đặt CCHC_UNIT."])
    return str(unit).strip()


def _current_rows(conn, unit_id: int | None, year: int) -> dict[str, dict]:
    import sqlalchemy as sa

    from kpi.plan_tables import plan_status

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

    unit = _require_unit(unit)
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
    from kpi.plan_tables import plan_status, plan_status_history

    unit = _require_unit(unit)
    who = _text_or_none(updated_by)
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
                errors.append(_bad_status_message(values["status"], f"Hoạt động {aid}"))
                continue
            entry["status"] = code
        for f in ("note", "evidence"):
            if f in values:
                entry[f] = _text_or_none(values[f])
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


def _bad_status_message(value, where: str) -> str:
    allowed = ", ".join(STATUS_LABELS.values())
    shown = _text_or_none(value)
    if not shown:
        return f"{where}: chưa ghi trạng thái; dùng một trong: {allowed}."
    return f"{where}: trạng thái «{shown}» không hợp lệ; dùng một trong: {allowed}."


def history(engine, unit: str | None, year: int, activity_id: str | None = None, limit: int = 500):
    """The changes recorded for the unit's plan (newest first), optionally of one activity."""
    import pandas as pd
    import sqlalchemy as sa

    from kpi import db as kdb
    from kpi.plan_tables import plan_status_history as h

    unit = _require_unit(unit)
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


def history_display(hist):
    """The history with Vietnamese headers, for the screen."""
    import pandas as pd

    from kpi import format as fmt

    return pd.DataFrame(
        {
            "Thời điểm": [fmt.datetime(v) for v in hist["updated_at"]],
            "Mã hoạt động": hist["activity_id"],
            "Trạng thái trước": [status_label(s, icon=True) for s in hist["previous_status"]],
            "Trạng thái mới": [status_label(s, icon=True) for s in hist["status"]],
            "Ghi chú tiến độ": hist["note"],
            "Minh chứng": hist["evidence"],
            "Người cập nhật": hist["updated_by"],
            "Nguồn": [
                SOURCE_LABELS.get(s, s) + (f": {f}" if f else "")
                for s, f in zip(hist["source"], hist["file_name"])
            ],
        }
    )


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


def summary_display(summary, group_label: str):
    """A summary with Vietnamese headers and formatted progress."""
    import pandas as pd

    from kpi import format as fmt

    data = {group_label: summary["group"], "Số hoạt động": summary["total"]}
    for s in STATUSES:
        data[status_label(s, icon=True)] = summary[s]
    data[f"{OVERDUE_ICON} {OVERDUE_LABEL}"] = summary["overdue"]
    data["Tiến độ (hoàn thành)"] = [fmt.pct(v) for v in summary["progress"]]
    return pd.DataFrame(data)


def progress_chart(summary, title: str):
    """A horizontal stacked bar per group: activities by status (Plotly)."""
    import plotly.graph_objects as go

    from kpi import format as fmt

    labels = list(summary["group"])
    fig = go.Figure()
    for s in STATUSES:
        fig.add_trace(
            go.Bar(
                y=labels,
                x=list(summary[s]),
                name=status_label(s),
                orientation="h",
                marker_color=STATUS_COLORS[s],
                hovertemplate="%{y}<br>" + status_label(s) + ": %{x}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        barmode="stack",
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": "Số hoạt động", "dtick": 5},
        legend={"orientation": "h", "y": -0.2, "traceorder": "normal"},
        height=120 + 42 * max(len(labels), 1),
        margin={"l": 10, "r": 60, "t": 50, "b": 10},
        separators=",.",
    )
    for label, total, progress in zip(labels, summary["total"], summary["progress"]):
        fig.add_annotation(
            x=total, y=label, text=f" {fmt.pct(progress, 0)}", showarrow=False, xanchor="left"
        )
    return fig


# Columns of the activity lists on screen.
def activities_display(df):
    """Activities with Vietnamese headers: status and overdue flag as icon + word."""
    import pandas as pd

    from kpi import format as fmt

    return pd.DataFrame(
        {
            "Mã hoạt động": df["activity_id"],
            "Hoạt động": df["activity"],
            "Kết quả/Sản phẩm": df["output"],
            "Chủ trì": ["; ".join(u) for u in df["lead_units"]],
            "Phối hợp": df["partner"],
            "Thời gian": df["timing"],
            "Trạng thái": [status_label(s, icon=True) for s in df["status"]],
            "Cảnh báo": [
                f"{f} (hạn {fmt.date(d)})" if f else "" for f, d in zip(df["flag"], df["deadline"])
            ],
            "Ghi chú tiến độ": df["note"],
            "Minh chứng": df["evidence"],
            "Người cập nhật": df["updated_by"],
            "Cập nhật lúc": [fmt.datetime(v) if v is not None else "" for v in df["updated_at"]],
        }
    )


def style_activities(display):
    """Colour the status and warning columns of ``activities_display`` (word + icon + colour)."""
    colors = {status_label(c, icon=True): STATUS_COLORS[c] for c in STATUSES}

    def status_css(v):
        return f"color: {colors[v]}; font-weight: 600" if v in colors else ""

    def flag_css(v):
        return f"color: {OVERDUE_COLOR}; font-weight: 600" if v else ""

    return display.style.map(status_css, subset=["Trạng thái"]).map(flag_css, subset=["Cảnh báo"])


def grouped_by_section(df) -> list[dict]:
    """Sections in plan order, each with its goals in order and each goal's activities:
    ``[{"name", "ordinal", "total", "done", "goals": [{"id", "number", "text", "parent",
    "rows"}]}]``. Only sections and goals with activities in ``df`` appear."""
    out: list[dict] = []
    for ordinal in sorted(set(df["section_ordinal"])):
        part = df[df["section_ordinal"] == ordinal]
        goals = []
        for goal_id in dict.fromkeys(part["goal_id"]):
            rows = part[part["goal_id"] == goal_id].reset_index(drop=True)
            first = rows.iloc[0]
            goals.append(
                {
                    "id": goal_id,
                    "number": first["goal_number"],
                    "text": first["goal"],
                    "parent": first["parent_goal"],
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


def overdue_lines(df) -> list[str]:
    """One Vietnamese line per overdue activity: id, activity, timing, deadline."""
    from kpi import format as fmt

    lines = []
    for r in df[df["overdue"]].to_dict("records"):
        text = r["activity"] if len(r["activity"]) <= 120 else r["activity"][:117] + "…"
        lines.append(
            f"**{r['activity_id']}** — {text} (chủ trì: {'; '.join(r['lead_units'])}; thời gian: "
            f"{r['timing']}; hạn {fmt.date(r['deadline'])}; đang: {status_label(r['status'])})"
        )
    return lines


def excel_file_name(unit: str, year: int) -> str:
    """theo-doi-ke-hoach-2026-xa-loc-tan.xlsx"""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(unit)).strip("-")
    return f"theo-doi-ke-hoach-{year}-{slug or 'don-vi'}.xlsx"


def editor_key(df, version: int = 0) -> str:
    """A key for the page's table editor that changes with the rows shown (and after a save),
    so edits typed for one set of rows can never land on another."""
    import hashlib

    digest = hashlib.sha1("|".join(df["activity_id"]).encode()).hexdigest()[:10]
    return f"plan_editor_{version}_{digest}"


EDITOR_COLUMNS = {"status": "Trạng thái", "note": "Ghi chú tiến độ", "evidence": "Minh chứng"}


def editor_frame(df):
    """The table the page lets staff edit: the three editable columns right after the id."""
    import pandas as pd

    return pd.DataFrame(
        {
            "Mã hoạt động": df["activity_id"],
            "Trạng thái": df["status_label"],
            "Ghi chú tiến độ": [v or "" for v in df["note"]],
            "Minh chứng": [v or "" for v in df["evidence"]],
            "Cảnh báo": df["flag"],
            "Hoạt động": df["activity"],
            "Chủ trì": ["; ".join(u) for u in df["lead_units"]],
            "Thời gian": df["timing"],
        }
    )


def editor_changes(before, after) -> dict[str, dict[str, object]]:
    """The status/note/evidence cells that differ between two ``editor_frame`` tables."""
    old = {r["Mã hoạt động"]: r for r in before.to_dict("records")}
    out: dict[str, dict[str, object]] = {}
    for r in after.to_dict("records"):
        prev = old.get(r["Mã hoạt động"])
        if prev is None:
            continue
        diff = {}
        for field_name, header in EDITOR_COLUMNS.items():
            a, b = _text_or_none(prev[header]), _text_or_none(r[header])
            if field_name == "status":
                a, b = parse_status(a) or a, parse_status(b) or b
            if a != b:
                diff[field_name] = r[header]
        if diff:
            out[r["Mã hoạt động"]] = diff
    return out


# ---------------------------------------------------------------------------------------------
# Excel: export the tracker, update statuses by uploading it back
# ---------------------------------------------------------------------------------------------

# (field, header, width). The three editable columns are marked in the file.
EXCEL_COLUMNS = [
    ("activity_id", "Mã hoạt động", 14),
    ("section_name", "Phần", 28),
    ("goal", "Mục tiêu", 40),
    ("task", "Nhiệm vụ", 40),
    ("activity", "Hoạt động", 60),
    ("output", "Kết quả/Sản phẩm", 30),
    ("lead_unit", "Chủ trì", 26),
    ("partner", "Phối hợp", 22),
    ("timing", "Thời gian", 22),
    ("deadline", "Hạn hoàn thành", 14),
    ("status_label", "Trạng thái", 18),
    ("note", "Ghi chú tiến độ", 40),
    ("evidence", "Minh chứng", 30),
    ("updated_by", "Người cập nhật", 18),
    ("updated_at", "Cập nhật lúc", 17),
    ("flag", "Cảnh báo", 14),
]
EDITABLE_HEADERS = ("Trạng thái", "Ghi chú tiến độ", "Minh chứng")
INFO_SHEET = "Thông tin"


@dataclass
class ImportResult:
    rows_read: int
    changed: list[str]
    unchanged: int

    def message(self) -> str:
        if not self.changed:
            return f"Đã đọc {self.rows_read} dòng; không có thay đổi nào so với dữ liệu hiện có."
        return (
            f"Đã đọc {self.rows_read} dòng: cập nhật {len(self.changed)} hoạt động "
            f"({', '.join(self.changed[:10])}{'…' if len(self.changed) > 10 else ''}), "
            f"{self.unchanged} dòng không đổi."
        )


def export_excel(engine, unit: str | None, year: int, today: dt.date | None = None) -> bytes:
    """The tracker as an .xlsx workbook: one row per activity with its id, Vietnamese headers,
    a drop-down of the four status words; a second sheet names the unit and the plan year."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from kpi import format as fmt

    unit = _require_unit(unit)
    df = tracker(engine, unit, year, today)
    wb = Workbook()
    ws = wb.active
    ws.title = f"Kế hoạch {year}"
    header_fill = PatternFill("solid", fgColor="0B5394")
    edit_fill = PatternFill("solid", fgColor="FFF2CC")
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, (_, header, width) in enumerate(EXCEL_COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill if header not in EDITABLE_HEADERS else PatternFill("solid", fgColor="BF9000")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[cell.column_letter].width = width
    for i, rec in enumerate(df.to_dict("records"), start=2):
        for col, (name, header, _) in enumerate(EXCEL_COLUMNS, start=1):
            value = rec[name]
            if name == "deadline":
                value = fmt.date(value) if value else ""
            elif name == "updated_at":
                value = fmt.datetime(value) if value is not None else ""
            cell = ws.cell(row=i, column=col, value=value if value is not None else None)
            cell.alignment = wrap
            if header in EDITABLE_HEADERS:
                cell.fill = edit_fill
    status_col = [h for _, h, _ in EXCEL_COLUMNS].index("Trạng thái") + 1
    letter = ws.cell(row=1, column=status_col).column_letter
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUS_LABELS.values()) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Trạng thái không hợp lệ",
        error="Chọn một trong: " + ", ".join(STATUS_LABELS.values()),
    )
    dv.add(f"{letter}2:{letter}{len(df) + 1}")
    ws.add_data_validation(dv)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(EXCEL_COLUMNS)).column_letter}{len(df) + 1}"

    info = wb.create_sheet(INFO_SHEET)
    for r, (k, v) in enumerate(
        [
            ("Đơn vị", unit),
            ("Năm kế hoạch", year),
            ("Ngày xuất", fmt.datetime(config.now())),
            ("Hướng dẫn", "Chỉ sửa các cột Trạng thái, Ghi chú tiến độ, Minh chứng (nền vàng) rồi "
                          "tải tệp lên trang Kế hoạch. Không sửa cột Mã hoạt động."),
            ("Trạng thái hợp lệ", ", ".join(STATUS_LABELS.values())),
        ],
        start=1,
    ):
        info.cell(row=r, column=1, value=k).font = Font(bold=True)
        info.cell(row=r, column=2, value=v)
    info.column_dimensions["A"].width = 20
    info.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _find_table(wb) -> tuple[object, int, dict[str, int]] | None:
    """The sheet, header row and {header key: column} of the tracker table."""
    wanted = {fold(h) for _, h, _ in EXCEL_COLUMNS}
    id_key = fold("Mã hoạt động")
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 10)):
            keys = {fold(c.value): c.column for c in row if isinstance(c.value, str) and fold(c.value) in wanted}
            if id_key in keys:
                return ws, row[0].row, keys
    return None


def _check_info_sheet(wb, unit: str, year: int) -> list[str]:
    if INFO_SHEET not in wb.sheetnames:
        return []
    info = {}
    for row in wb[INFO_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row and isinstance(row[0], str):
            info[fold(row[0])] = row[1]
    errors = []
    file_year = info.get(fold("Năm kế hoạch"))
    if file_year not in (None, "") and str(file_year).strip() != str(year):
        errors.append(
            f"Tệp là bảng theo dõi kế hoạch năm {file_year}, không phải năm {year}. "
            f"Chọn đúng năm kế hoạch hoặc tải tệp của năm {year}."
        )
    file_unit = _text_or_none(info.get(fold("Đơn vị")))
    if file_unit and fold(file_unit) != fold(unit):
        errors.append(
            f"Tệp là bảng theo dõi của đơn vị «{file_unit}», không phải «{unit}». "
            "Chọn đúng đơn vị hoặc tải tệp của đơn vị này."
        )
    return errors


def read_excel_updates(data: bytes, unit: str, year: int) -> tuple[int, dict[str, dict[str, object]], list[str]]:
    """Read an uploaded tracker workbook: (rows read, {activity id: values}, errors).

    Values are the file's status, and its note and evidence where the file has those columns.
    Errors name the row as Excel shows it. Blank rows are skipped.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:
        return 0, {}, [
            "Không đọc được tệp như một tệp Excel (.xlsx). Hãy tải lên tệp đã xuất từ trang "
            "Kế hoạch (nút «Tải bảng theo dõi (Excel)»), sửa rồi lưu lại dạng .xlsx."
        ]
    errors = _check_info_sheet(wb, unit, year)
    found = _find_table(wb)
    if found is None:
        return 0, {}, errors + [
            "Không tìm thấy cột «Mã hoạt động» trong tệp. Hãy dùng tệp xuất từ trang Kế hoạch "
            "và giữ nguyên dòng tiêu đề."
        ]
    ws, header_row, cols = found
    if fold("Trạng thái") not in cols:
        return 0, {}, errors + ["Không tìm thấy cột «Trạng thái» trong tệp; giữ nguyên dòng tiêu đề."]
    known = set(activity_ids(year))
    c_id = cols[fold("Mã hoạt động")]
    c_status = cols[fold("Trạng thái")]
    optional = {f: cols.get(fold(h)) for f, h in (("note", "Ghi chú tiến độ"), ("evidence", "Minh chứng"))}
    seen: dict[str, int] = {}
    updates: dict[str, dict[str, object]] = {}
    rows_read = 0
    for row in ws.iter_rows(min_row=header_row + 1):
        by_col = {c.column: c.value for c in row}
        aid = _text_or_none(by_col.get(c_id))
        status_raw = by_col.get(c_status)
        others = [by_col.get(c) for c in optional.values() if c]
        if aid is None and _text_or_none(status_raw) is None and not any(_text_or_none(v) for v in others):
            continue
        rows_read += 1
        n = row[0].row
        if aid is None:
            errors.append(f"Dòng {n}: thiếu mã hoạt động.")
            continue
        aid = clean(aid)
        if aid not in known:
            errors.append(f"Dòng {n}: mã hoạt động «{aid}» không có trong kế hoạch năm {year}.")
            continue
        if aid in seen:
            errors.append(f"Dòng {n}: mã hoạt động «{aid}» lặp lại (đã có ở dòng {seen[aid]}).")
            continue
        seen[aid] = n
        code = parse_status(status_raw)
        if code is None:
            errors.append(_bad_status_message(status_raw, f"Dòng {n}"))
            continue
        values: dict[str, object] = {"status": code}
        for f, c in optional.items():
            if c:
                values[f] = _text_or_none(by_col.get(c))
        updates[aid] = values
    return rows_read, updates, errors


def import_excel(engine, unit: str | None, year: int, data: bytes, updated_by: str | None,
                 file_name: str | None = None) -> ImportResult:  # fmt: skip
    """Apply an edited tracker workbook: only activities whose status, note or evidence differ
    from what is stored change (each with a history row). A file with any error — unknown id,
    unknown status word, a repeated id, another unit or year — is refused as a whole with
    ``PlanImportError`` (messages with row numbers) and changes nothing."""
    unit = _require_unit(unit)
    errors = [] if _text_or_none(updated_by) else ["Vui lòng nhập tên người cập nhật."]
    rows_read, updates, file_errors = read_excel_updates(data, unit, year)
    errors += file_errors
    if errors:
        raise PlanImportError(errors)
    changed = update_statuses(
        engine, unit, year, updates, updated_by, source="excel", file_name=file_name
    )
    return ImportResult(rows_read=rows_read, changed=changed, unchanged=rows_read - len(changed))


def main(argv: list[str] | None = None) -> int:
    """``python -m kpi.plan [SOURCE] [--year Y] [--out FILE]``: parse the appendix to CSV."""
    from kpi.cli import VietnameseArgumentParser

    ap = VietnameseArgumentParser(
        prog="python -m kpi.plan", description="Đọc phụ lục kế hoạch CCHC và ghi ra tệp CSV."
    )
    ap.add_argument("source", nargs="?", help="tệp phụ lục (.txt)")
    ap.add_argument("--year", type=int, default=None, help="năm kế hoạch")
    ap.add_argument("--out", default=None, help="tệp CSV ghi ra (mặc định data/plans/<năm>.csv)")
    args = ap.parse_args(argv)
    source = Path(args.source) if args.source else appendix_path(args.year or config.today().year)
    try:
        plan = parse_appendix_file(source, args.year)
    except (OSError, PlanParseError) as exc:
        print(f"lỗi: {exc}")
        return 1
    out = Path(args.out) if args.out else plan_csv_path(plan.year)
    write_plan_csv(plan, out)
    print(f"{out}: {len(plan.activities)} hoạt động, {len(plan.sections)} phần, năm {plan.year}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
