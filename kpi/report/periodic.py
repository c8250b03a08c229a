"""The periodic CCHC report ("Báo cáo kết quả thực hiện công tác cải cách hành chính",
reports.md): quarterly, six-monthly, yearly or on a Nghị định 09/2019 window, for one unit.

ONE function builds it for the page and the command line alike::

    report = periodic_report(engine, "Xã Lộc Tân", "2026-Q3")
    report.parts["assessment"].text            # the stored text, else the draft from the data
    render_bytes("docx", report)               # DOCX (officials edit and sign), "pdf" the same

What it holds: the form of Nghị định 30/2020 (issuing body, number, place and date, title and
abstract, "Nơi nhận", the signature block), I. the direction work (the plan's "Chỉ đạo điều
hành" section and its narrative), II. one subsection per section of the plan with the plan
tracker's progress, the TTHC section with the targets for the period and the year to date,
the coverage of both when not complete ("tạm tính" and the missing days), III. the assessment
(ưu điểm; tồn tại, hạn chế; nguyên nhân; a "nguyên nhân – giải pháp" note per missed target),
IV. the next period's tasks, V. proposals, and the Phụ lục: the period's Biểu số 06.
Every narrative part starts from a draft written from the data; the edited text stored by
``kpi.report.texts`` (per unit, period, part) replaces it in every later export.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

from kpi import config
from kpi import definitions as D
from kpi import format as fmt
from kpi.periods import Period, parse_period

from . import texts as store
from .bieu06 import Bieu06
from .bieu06 import compute as compute_bieu06
from .common import place_name, unit_in_sentence

TITLE = "BÁO CÁO"
ABSTRACT = "Kết quả thực hiện công tác cải cách hành chính"
DEFAULT_RECIPIENTS = (
    "- UBND tỉnh (qua Sở Nội vụ);",
    "- Thường trực Đảng ủy;",
    "- Thường trực HĐND xã;",
    "- Chủ tịch và các Phó Chủ tịch UBND xã;",
    "- Lưu: VT.",
)
DEFAULT_SIGNER_TITLE = "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"
SIGNER_TITLES = (DEFAULT_SIGNER_TITLE, "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
DOC_NUMBER = "Số:        /BC-UBND"

# The narrative parts in report order: key -> the heading the page and the files show.
PART_TITLES = {
    "direction": "I. Công tác chỉ đạo, điều hành",
    "strengths": "III.1. Ưu điểm",
    "weaknesses": "III.2. Tồn tại, hạn chế",
    "causes": "III.3. Nguyên nhân",
    "tasks": "IV. Phương hướng, nhiệm vụ kỳ tới",
    "proposals": "V. Đề xuất, kiến nghị",
}
MISSED_PREFIX = "missed:"  # + KPI key: the "nguyên nhân – giải pháp" note of a missed target
DOC_NUMBER_PART = "doc_number"

FORMATS = ("docx", "pdf")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# --------------------------------------------------------------------------- the model

@dataclass
class Part:
    key: str
    title: str
    draft: str
    stored: str | None = None

    @property
    def text(self) -> str:
        """What the report prints: the stored (edited) text, else the draft."""
        return self.stored if self.stored is not None else self.draft

    @property
    def edited(self) -> bool:
        return self.stored is not None

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.text.split("\n") if p.strip()]


@dataclass
class TargetRow:
    key: str
    label: str
    section: str
    noun: str
    target: float | None
    target_text: str
    value: float | None
    value_text: str
    ratio_text: str
    met: bool | None
    status_text: str
    ytd_value_text: str
    ytd_ratio_text: str
    ytd_met: bool | None
    ytd_status_text: str
    numerator: int
    denominator: int


@dataclass
class Activity:
    activity_id: str
    text: str
    timing: str
    status_label: str
    overdue: bool
    note: str


@dataclass
class PlanSection:
    number: str  # "1"
    title: str  # "Cải cách thể chế"
    total: int
    done: int
    in_progress: int
    delayed: int
    not_started: int
    overdue: int
    activities: list[Activity]
    tthc: bool = False  # the section of administrative procedures: the targets go here

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def progress_text(self) -> str:
        """"Tổng số 11 nhiệm vụ: 2 hoàn thành, 3 đang thực hiện, 1 chậm tiến độ, 5 chưa thực
        hiện; 1 nhiệm vụ quá hạn chưa hoàn thành."."""
        return progress_sentence(self.total, self.done, self.in_progress, self.delayed,
                                 self.not_started, self.overdue)


def progress_sentence(total, done, in_progress, delayed, not_started, overdue) -> str:
    text = (f"Tổng số {fmt.integer(total)} nhiệm vụ: {fmt.integer(done)} hoàn thành, "
            f"{fmt.integer(in_progress)} đang thực hiện, {fmt.integer(delayed)} chậm tiến độ, "
            f"{fmt.integer(not_started)} chưa thực hiện")
    if overdue:
        text += f"; {fmt.integer(overdue)} nhiệm vụ quá hạn chưa hoàn thành"
    return text + "."


@dataclass
class PeriodicReport:
    unit: str
    period: Period
    ytd: Period
    report_date: dt.date
    data_through: dt.date | None
    coverage_note: str | None  # the period's, when not complete
    ytd_coverage_note: str | None
    coverage_label: str  # "Đủ dữ liệu", "Tạm tính", "Chưa có dữ liệu"
    definition_lines: list[str]
    unit_header: list[str]
    doc_number: str
    place: str
    recipients: list[str]
    signer_title: str
    signer_name: str
    targets: list[TargetRow]
    counts: list[tuple[str, str, int | None, int | None]]  # key, label, period, year to date
    plan_year: int
    plan_note: str | None  # why there is no plan progress
    direction: PlanSection | None
    sections: list[PlanSection]
    plan_total: dict
    parts: dict[str, Part]
    bieu06: Bieu06
    snapshot_json: dict = field(default_factory=dict)

    @property
    def title_line(self) -> str:
        """"Kết quả thực hiện công tác cải cách hành chính quý III năm 2026"."""
        return f"{ABSTRACT} {self.period.words}"

    @property
    def period_range(self) -> str:
        return f"từ ngày {fmt.date(self.period.start)} đến ngày {fmt.date(self.period.end)}"

    @property
    def missed(self) -> list[TargetRow]:
        return [t for t in self.targets if t.met is False]

    @property
    def missed_notes(self) -> list[tuple[TargetRow, Part]]:
        """Each missed target with its "nguyên nhân – giải pháp" part."""
        return [(t, self.parts[MISSED_PREFIX + t.key]) for t in self.missed
                if MISSED_PREFIX + t.key in self.parts]

    @property
    def closing_sections(self) -> list[tuple[str, list[str] | None]]:
        """Parts III–V as (heading, paragraphs) in report order — a heading alone has None —
        for the DOCX and the PDF alike."""
        out: list[tuple[str, list[str] | None]] = [("III. ĐÁNH GIÁ CHUNG", None)]
        for key, title in (("strengths", "1. Ưu điểm"), ("weaknesses", "2. Tồn tại, hạn chế"),
                           ("causes", "3. Nguyên nhân")):
            out.append((title, self.parts[key].paragraphs))
        for i, (t, part) in enumerate(self.missed_notes):
            out.append((f"3.{i + 1}. Nguyên nhân – giải pháp: {t.label}", part.paragraphs))
        out.append(("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI", self.parts["tasks"].paragraphs))
        out.append(("V. ĐỀ XUẤT, KIẾN NGHỊ", self.parts["proposals"].paragraphs))
        return out

    @property
    def narrative(self) -> list[Part]:
        """Every narrative part, in report order (the missed targets' notes after the causes)."""
        order = ["direction", "strengths", "weaknesses", "causes"]
        order += [MISSED_PREFIX + t.key for t in self.missed]
        order += ["tasks", "proposals"]
        return [self.parts[k] for k in order if k in self.parts]

    @property
    def has_targets(self) -> bool:
        """The plan of the period's year sets targets (kpi-definitions.md: a year without a
        plan is never "Đạt 0/11")."""
        return any(t.target is not None for t in self.targets)

    @property
    def summary(self) -> str:
        if not self.has_targets:
            return (f"Chưa có chỉ tiêu cho năm {self.plan_year}: số liệu để tham khảo, không "
                    "đánh giá Đạt / Chưa đạt.")
        met = sum(1 for t in self.targets if t.met is True)
        missed = sum(1 for t in self.targets if t.met is False)
        return (f"Đạt {met}/{len(self.targets)} chỉ tiêu; chưa đạt {missed}; chưa đánh giá "
                f"{len(self.targets) - met - missed}.")


# --------------------------------------------------------------------------- drafts

def kpi_sentence(t: TargetRow, ytd: bool = False) -> str:
    """"Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,2% (1.236/1.259 hồ sơ), đạt chỉ tiêu ≥ 98%."."""
    value, ratio, met = ((t.ytd_value_text, t.ytd_ratio_text, t.ytd_met) if ytd
                         else (t.value_text, t.ratio_text, t.met))
    if value == fmt.NO_DATA:
        return f"{t.label}: chưa có dữ liệu để đánh giá."
    text = f"{t.label} đạt {value} ({ratio} {t.noun})"
    if t.target is None:
        return text + "; kế hoạch chưa đặt chỉ tiêu."
    return text + f", {'đạt' if met else 'chưa đạt'} chỉ tiêu {t.target_text}."


def still_needed(t: TargetRow) -> int:
    """How many more of the denominator would have had to pass for the target to be met."""
    if t.target is None or not t.denominator:
        return 0
    need = math.ceil(Fraction(t.target).limit_denominator(10_000) * t.denominator) - t.numerator
    return max(0, need)


def _missed_draft(t: TargetRow) -> str:
    short = t.denominator - t.numerator
    need = still_needed(t)
    cause = (f"Nguyên nhân: trong kỳ còn {fmt.integer(short)}/{fmt.integer(t.denominator)} "
             f"{t.noun} chưa đạt yêu cầu; cần thêm {fmt.integer(need)} {t.noun} đạt yêu cầu thì "
             f"đạt chỉ tiêu {t.target_text}.")
    fix = (f"Giải pháp: rà soát từng {t.noun} chưa đạt (danh sách ở trang Chi tiết chỉ tiêu), "
           f"xác định trách nhiệm của bộ phận liên quan, đôn đốc thực hiện để đạt chỉ tiêu "
           f"{t.target_text} trong kỳ tới.")
    return f"{cause}\n{fix}"


def _drafts(r: PeriodicReport, next_deadlines: int) -> dict[str, str]:
    unit = unit_in_sentence(r.unit)
    met = [t for t in r.targets if t.met is True]
    missed = r.missed
    nodata = [t for t in r.targets if t.met is None and t.value is None]
    pt = r.plan_total
    out: dict[str, str] = {}

    lines = []
    if r.plan_note:
        lines.append(r.plan_note)
    else:
        lines.append(f"UBND {unit} ban hành và triển khai Kế hoạch cải cách hành chính năm "
                     f"{r.plan_year}, phân công nhiệm vụ cho từng cơ quan, đơn vị.")
        if r.direction is not None:
            lines.append("Nhiệm vụ chỉ đạo, điều hành của kế hoạch — "
                         + fmt.in_sentence(r.direction.progress_text))
    out["direction"] = "\n".join(lines)

    lines = [kpi_sentence(t) for t in met]
    if not r.has_targets:
        lines = [kpi_sentence(t) for t in r.targets if t.value is not None]
        lines.append(f"Chưa có chỉ tiêu cho năm {r.plan_year}: không đánh giá Đạt / Chưa đạt.")
    elif not met:
        lines.append(f"Chưa có chỉ tiêu nào đạt trong {r.period.words}.")
    # Ưu điểm states only what is met or progressing: no tasks done is no strength (it is
    # stated under Tồn tại, hạn chế instead).
    if not r.plan_note and pt.get("total") and pt.get("done"):
        lines.append(f"Đã hoàn thành {fmt.integer(pt['done'])}/{fmt.integer(pt['total'])} nhiệm "
                     "vụ của kế hoạch.")
    out["strengths"] = "\n".join(lines)

    lines = [kpi_sentence(t) for t in missed]
    if not r.plan_note and pt.get("total") and not pt.get("done"):
        lines.append(f"Chưa hoàn thành nhiệm vụ nào trong {fmt.integer(pt['total'])} nhiệm vụ "
                     "của kế hoạch.")
    if not r.plan_note and pt.get("overdue"):
        lines.append(f"{fmt.integer(pt['overdue'])} nhiệm vụ của kế hoạch đã quá hạn nhưng chưa "
                     "hoàn thành.")
    if nodata:
        lines.append("Chưa có dữ liệu để đánh giá: "
                     + fmt.enumeration([fmt.in_sentence(t.label) for t in nodata]) + ".")
    if r.coverage_note:
        lines.append(r.coverage_note)
    out["weaknesses"] = "\n".join(lines) or "Không có."

    lines = []
    for t in missed:
        lines.append(f"{t.label}: còn {fmt.integer(t.denominator - t.numerator)}/"
                     f"{fmt.integer(t.denominator)} {t.noun} chưa đạt yêu cầu.")
    if missed:
        lines.append("Nguyên nhân chủ quan và khách quan của từng chỉ tiêu chưa đạt nêu tại "
                     "các mục dưới đây.")
    out["causes"] = "\n".join(lines) or "Không có chỉ tiêu chưa đạt."

    for t in missed:
        out[MISSED_PREFIX + t.key] = _missed_draft(t)

    lines = []
    if not r.plan_note and pt.get("total"):
        left = pt["total"] - pt["done"]
        text = f"Tiếp tục thực hiện {fmt.integer(left)} nhiệm vụ chưa hoàn thành của kế hoạch"
        if pt.get("overdue"):
            text += f", ưu tiên {fmt.integer(pt['overdue'])} nhiệm vụ đã quá hạn"
        lines.append(text + ".")
        if next_deadlines:
            lines.append(f"{fmt.integer(next_deadlines)} nhiệm vụ có thời hạn hoàn thành trong kỳ "
                         "tới.")
    if missed:
        lines.append("Tập trung nâng các chỉ tiêu chưa đạt: "
                     + fmt.enumeration([f"{fmt.in_sentence(t.label)} (hiện {t.value_text}, chỉ "
                                        f"tiêu {t.target_text})" for t in missed]) + ".")
    lines.append("Duy trì kết quả các chỉ tiêu đã đạt; cập nhật đầy đủ, kịp thời dữ liệu trên "
                 "Hệ thống thông tin giải quyết thủ tục hành chính.")
    out["tasks"] = "\n".join(lines)

    lines = []
    if nodata:
        lines.append("Đề nghị cơ quan quản lý Hệ thống thông tin giải quyết thủ tục hành chính "
                     "hỗ trợ kết xuất đủ dữ liệu để đánh giá: "
                     + fmt.enumeration([fmt.in_sentence(t.label) for t in nodata]) + ".")
    out["proposals"] = "\n".join(lines) or "Không có."
    return out


# --------------------------------------------------------------------------- building

def _sentence_case(title: str) -> str:
    low = fmt.nfc(title).strip().lower()
    return low[:1].upper() + low[1:]


def _target_rows(snap, ytd_snap) -> list[TargetRow]:
    ytd = {k.key: k for k in ytd_snap.kpis}
    rows = []
    for k in snap.kpis:
        y = ytd.get(k.key)
        rows.append(TargetRow(
            key=k.key, label=k.label, section=k.section, noun=D.SOURCES[k.source].noun,
            target=k.target, target_text=fmt.target(k.target), value=k.value,
            value_text=fmt.kpi_value(k.value, k.target),
            ratio_text=fmt.ratio(k.numerator, k.denominator), met=k.met,
            status_text=fmt.verdict(k.met, k.value, k.target),
            ytd_value_text=fmt.kpi_value(y.value, y.target) if y else fmt.NO_DATA,
            ytd_ratio_text=fmt.ratio(y.numerator, y.denominator) if y else fmt.NO_DATA,
            ytd_met=y.met if y else None,
            ytd_status_text=fmt.verdict(y.met, y.value, y.target) if y else fmt.NO_DATA_WORD,
            numerator=k.numerator, denominator=k.denominator,
        ))
    return rows


def _plan(engine, unit: str, year: int, period: Period, today: dt.date):
    """(plan note, direction section, other sections, totals, activities due next period)."""
    from kpi.plan import tracker as TR
    from kpi.plan.parser import fold

    try:
        df = TR.tracker(engine, unit, year, today=today)
    except TR.PlanError as exc:
        return " ".join(exc.messages), None, [], {}, 0
    sections, direction = [], None
    number = 0
    for g in TR.grouped_by_section(df):
        part = df[df["section_ordinal"] == g["ordinal"]]
        first = part.iloc[0]
        acts = [Activity(str(r["activity_id"]), fmt.nfc(r["activity"]), fmt.nfc(r["timing"]),
                         TR.STATUS_LABELS[r["status"]], bool(r["overdue"]),
                         fmt.nfc(r["note"] or "")) for _, r in part.iterrows()]
        counts = {s: int((part["status"] == s).sum()) for s in TR.STATUSES}
        title = _sentence_case(first["section_title"])
        sec = PlanSection(number="", title=title, total=len(part), done=counts[TR.DONE],
                          in_progress=counts[TR.IN_PROGRESS], delayed=counts[TR.DELAYED],
                          not_started=counts[TR.NOT_STARTED], overdue=int(part["overdue"].sum()),
                          activities=acts, tthc="thu tuc hanh chinh" in fold(first["section_title"]))
        if "chi dao dieu hanh" in fold(first["section_title"]):
            sec.number = "I"
            direction = sec
            continue
        number += 1
        sec.number = str(number)
        sections.append(sec)
    total = TR.overall(df)
    length = dt.timedelta(days=period.days)
    nxt = sum(1 for d, s in zip(df["deadline"], df["status"])
              if d is not None and s != TR.DONE and period.end < d <= period.end + length)
    return None, direction, sections, total, nxt


def periodic_report(engine, unit: str, period, choice: D.Choice | None = None, *,
                    today: dt.date | None = None) -> PeriodicReport:
    """The periodic CCHC report of ``unit`` for ``period`` (a Period or its text: "2026-Q3",
    "2026-H1", "2026", "2026-Q3@15"…) with the stored texts of that unit and period."""
    from kpi import coverage as COV
    from kpi import queries as Q

    from .common import definition_lines

    p = parse_period(period)
    today = today or config.today()
    snap = Q.snapshot(engine, unit, p, choice, today=today)
    ytd_p = p.year_to_date()
    ytd_snap = Q.snapshot(engine, unit, ytd_p, choice, today=today)
    name = snap.unit
    cov = COV.period_coverage(engine, name, (p.start, p.end))
    ytd_cov = COV.period_coverage(engine, name, (ytd_p.start, ytd_p.end))
    through = COV.data_through(engine, name)
    year = p.base.end.year
    plan_note, direction, sections, total, nxt = _plan(engine, name, year, p, today)
    saved = store.stored(engine, name, p)
    kept = store.settings(engine, name)
    recipients = [x.strip() for x in (kept.get("recipients") or "").split("\n") if x.strip()]
    report = PeriodicReport(
        unit=name, period=p, ytd=ytd_p, report_date=today, data_through=through,
        coverage_note=cov.note, ytd_coverage_note=ytd_cov.note, coverage_label=cov.label,
        definition_lines=definition_lines(snap.definitions),
        unit_header=["ỦY BAN NHÂN DÂN", name.upper()],
        doc_number=saved.get(DOC_NUMBER_PART) or DOC_NUMBER,
        place=place_name(name),
        recipients=recipients or list(DEFAULT_RECIPIENTS),
        signer_title=kept.get("signer_title") or DEFAULT_SIGNER_TITLE,
        signer_name=kept.get("signer_name") or "",
        targets=_target_rows(snap, ytd_snap),
        counts=[(k, lab, snap.counts.get(k), ytd_snap.counts.get(k))
                for k, lab in D.COUNT_LABELS.items() if k in Q.CLI_COUNT_KEYS],
        plan_year=year, plan_note=plan_note, direction=direction, sections=sections,
        plan_total=total, parts={},
        bieu06=compute_bieu06(engine, name, p, as_of_day=snap.as_of_day),
        snapshot_json=snap.to_json(),
    )
    drafts = _drafts(report, nxt)
    labels = {t.key: t.label for t in report.targets}
    for key, draft in drafts.items():
        if key.startswith(MISSED_PREFIX):
            title = f"Nguyên nhân – giải pháp: {labels[key[len(MISSED_PREFIX):]]}"
        else:
            title = PART_TITLES[key]
        report.parts[key] = Part(key, title, draft, saved.get(key))
    return report


# --------------------------------------------------------------------------- files

def _writer(fmt_: str):
    key = (fmt_ or "").strip().lower().lstrip(".")
    if key == "docx":
        from . import periodic_docx as module
    elif key == "pdf":
        from . import periodic_pdf as module
    else:
        raise ValueError(f"Định dạng báo cáo định kỳ không hỗ trợ: {fmt_!r}. Chọn docx hoặc pdf.")
    return module


def render(fmt_: str, report: PeriodicReport, target: str | Path | BinaryIO) -> None:
    """Write the report as DOCX or PDF to a path or a binary stream."""
    _writer(fmt_).write(report, target)


def render_bytes(fmt_: str, report: PeriodicReport) -> bytes:
    buf = io.BytesIO()
    render(fmt_, report, buf)
    return buf.getvalue()


def file_name(fmt_: str, report: PeriodicReport) -> str:
    """bao-cao-cchc_2026-Q3.docx"""
    code = report.period.code.replace("..", "_").replace("@", "-ky-")
    return f"bao-cao-cchc_{code}.{fmt_}"


def bieu06_xlsx(report: PeriodicReport, target: str | Path | BinaryIO | None = None):
    """The report's Biểu số 06 as the summary xlsx (kpi.report.bieu06.write_xlsx), signed by
    "Thủ trưởng đơn vị" with the unit's remembered signer; bytes when ``target`` is None."""
    from .bieu06 import write_xlsx

    buf = io.BytesIO() if target is None else target
    write_xlsx(report.bieu06, buf, place=report.place, report_date=report.report_date,
               signer={"title": "Thủ trưởng đơn vị", "name": report.signer_name})
    return buf.getvalue() if target is None else None


def bieu06_file_name(report: PeriodicReport) -> str:
    """bieu-06_2026-Q3.xlsx"""
    from .bieu06 import file_name as name

    return name(report.bieu06)
