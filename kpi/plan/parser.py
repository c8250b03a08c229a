"""The appendix of the yearly CCHC plan read into data: ``parse_appendix`` → ``ParsedPlan`` →
``data/plans/<year>.csv`` (``write_plan_csv``), which the tracker (``kpi.plan.tracker``) reads.

The appendix "Nhiệm vụ triển khai kế hoạch CCHC" is a table extracted from a PDF into
tab-separated text with ``<b>`` markup. Its quirks, and how they are read:

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

Also here: the text helpers (``clean``, ``fold``) and the reading of a timing cell into a
deadline (``parse_timing``). ``python -m kpi.plan`` runs ``kpi.plan.__main__``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kpi import config

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
