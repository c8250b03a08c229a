"""What every report format shares: Vietnamese labels, number formats, and one prepared view
of a snapshot (``Report``) that the PDF, DOCX and XLSX writers lay out.

The snapshot is the JSON shape of ``python -m kpi snapshot`` (shared/spec/cli.md). Extras the
pages or the command line may pass (all optional):

    labels        {key: Vietnamese label}          overrides DEFAULT_LABELS
    sections      {key: plan section "II.3.1"}     overrides DEFAULT_SECTIONS
    formulas      {key: Vietnamese formula text}   overrides default_formulas()
    previous      {key: previous-period value}     -> change in percentage points
    trend         {key: [["2026-01", 0.97], ...]}  12-month trend (headline KPIs)
    notes         [Vietnamese strings]             notes on missing data (after the automatic ones)
    period_label  "Tháng 3/2026"                   else derived from the period
    unit_header   "UBND XÃ LỘC TÂN\\nTRUNG TÂM …"  str (lines split on newline) or list of lines
    signer        "Nguyễn Văn A" or {"title": "GIÁM ĐỐC", "name": "Nguyễn Văn A"}
    report_date   date or "YYYY-MM-DD"             the date printed as "…, ngày … tháng … năm …"
    place         "Lộc Tân"                        else the unit name without "Xã"/"Phường"
    doc_number    "Số:    /BC-UBND"                the number/symbol line of the DOCX
    recipients    ["- Như trên;", "- Lưu: VT."]    the "Nơi nhận" list of the DOCX
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from kpi import definitions as _D

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NO_DATA = "—"

TITLE = "BÁO CÁO"
SUBTITLE = "Kết quả thực hiện chỉ tiêu cải cách hành chính"

# Labels, plan sections and the headline five come from the KPI declarations (one source).
HEADLINE_KEYS = tuple(_D.HEADLINE_KEYS)
DEFAULT_LABELS = {k.key: k.label for k in _D.KPIS}
DEFAULT_SECTIONS = {k.key: k.section for k in _D.KPIS}

# Short titles for the small trend charts.
SHORT_LABELS = {
    "on_time_rate": "Giải quyết đúng hạn",
    "satisfaction_rate": "Mức độ hài lòng",
    "digitization_rate": "Số hóa hồ sơ, kết quả",
    "online_submission_rate": "Hồ sơ trực tuyến",
    "online_payment_rate": "Thanh toán trực tuyến",
    "e_result_rate": "Kết quả điện tử",
    "data_reuse_rate": "Tái sử dụng dữ liệu",
    "online_payment_procedure_rate": "TTHC thanh toán trực tuyến",
    "full_online_procedure_rate": "DVC toàn trình",
    "boundary_free_procedure_rate": "Không phụ thuộc địa giới",
    "feedback_on_time_rate": "PAKN đúng hạn",
}

ON_TIME_DEFINITIONS = {
    "766": "theo Chỉ số 766 (Quyết định 766/QĐ-TTg): (trước hạn + đúng hạn + đang giải quyết "
    "trong hạn) / tổng số hồ sơ đã và đang giải quyết",
    "resolved": "theo hồ sơ đã giải quyết: (trước hạn + đúng hạn) / số hồ sơ đã giải quyết",
    "due": "theo hồ sơ đến hạn: (trước hạn + đúng hạn) / (số hồ sơ đã giải quyết + đang giải "
    "quyết quá hạn)",
}

SATISFACTION_DEFINITIONS = {
    "766": "theo Chỉ số 766: hồ sơ không trễ hạn, không bị đánh giá không hài lòng, không bị "
    "phản ánh / tổng số hồ sơ đã và đang giải quyết",
    "ratings": "theo phiếu đánh giá: số lượt đánh giá hài lòng, rất hài lòng / tổng số lượt "
    "đánh giá trong kỳ",
}

_OTHER_FORMULAS = {
    "digitization_rate": "Hồ sơ đã giải quyết (trạng thái 9, 10) có thành phần hồ sơ số hóa và "
    "kết quả điện tử / hồ sơ đã giải quyết trong kỳ",
    "online_submission_rate": "Hồ sơ tiếp nhận trực tuyến / tổng số hồ sơ tiếp nhận trong kỳ",
    "online_payment_rate": "Hồ sơ có phí, lệ phí được thanh toán trực tuyến / hồ sơ có phí, "
    "lệ phí tiếp nhận trong kỳ",
    "e_result_rate": "Hồ sơ đã giải quyết có kết quả điện tử / hồ sơ đã giải quyết trong kỳ "
    "(không tính TTHC không cấp giấy tờ kết quả)",
    "data_reuse_rate": "Hồ sơ có thành phần tái sử dụng dữ liệu số hóa / hồ sơ tiếp nhận "
    "trong kỳ",
    "online_payment_procedure_rate": "TTHC có phí, lệ phí đã triển khai thanh toán trực tuyến "
    "/ TTHC có phí, lệ phí (tại ngày cuối kỳ)",
    "full_online_procedure_rate": "TTHC cung cấp dịch vụ công trực tuyến toàn trình / TTHC đủ "
    "điều kiện toàn trình (tại ngày cuối kỳ)",
    "boundary_free_procedure_rate": "TTHC thuộc danh mục không phụ thuộc địa giới hành chính "
    "/ tổng số TTHC cấp xã (tại ngày cuối kỳ)",
    "feedback_on_time_rate": "(PAKN xử lý xong đúng hạn trong kỳ + PAKN chưa xử lý xong, chưa "
    "đến hạn) / PAKN phải xử lý trong kỳ",
}

COUNT_LABELS = {
    "received": "Hồ sơ tiếp nhận (kể cả hồ sơ rút)",
    "resolved": "Hồ sơ đã giải quyết (trước hạn, đúng hạn, quá hạn)",
    "pending": "Hồ sơ đang giải quyết",
    "pending_overdue": "Trong đó: đang giải quyết quá hạn",
    "withdrawn": "Hồ sơ công dân rút",
    "unverifiable": "Hồ sơ không xác định được hạn (không tính)",
}

STATUS_MET = "Đạt"
STATUS_NOT_MET = "Chưa đạt"
STATUS_NO_DATA = "Chưa có dữ liệu"
STATUS_NO_TARGET = "Chưa có chỉ tiêu"
STATUS_SYMBOLS = {True: "✓", False: "✗", None: "○"}

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


# --------------------------------------------------------------------------- formats

def nfc(text) -> str:
    """Any value as NFC-normalised text (None -> '')."""
    if text is None:
        return ""
    return unicodedata.normalize("NFC", str(text))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return ".".join(out)


def _fixed(value: Decimal, decimals: int) -> str:
    """A non-negative Decimal already quantised, in Vietnamese style: 1.234,5."""
    text = f"{value:.{decimals}f}"
    whole, _, frac = text.partition(".")
    return _group(whole) + ("," + frac if frac else "")


def fmt_int(value) -> str:
    """1234 -> '1.234'; None -> '—'."""
    if _missing(value):
        return NO_DATA
    n = int(value)
    return ("-" if n < 0 else "") + _group(str(abs(n)))


def fmt_pct(value, decimals: int = 1) -> str:
    """A fraction as a Vietnamese percentage rounded half-up: 0.98512 -> '98,5%'; None -> '—'."""
    if _missing(value):
        return NO_DATA
    d = (_dec(value) * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return ("-" if d < 0 else "") + _fixed(abs(d), decimals) + "%"


def fmt_value(value, target) -> str:
    """A KPI's value for display, never contradicting its verdict.

    One decimal, half-up (98,5%). When that rounding would reach the target although the
    unrounded value misses it (0.97996 -> '98,0%' against ≥ 98%), show two decimals rounded
    down instead ('97,99%'), so the number and "Chưa đạt" agree.
    """
    if _missing(value):
        return NO_DATA
    if target is not None and value < target:
        shown = (_dec(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if shown >= _dec(target) * 100:
            d = (_dec(value) * 100).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
            return _fixed(d, 2) + "%"
    return fmt_pct(value)


def _pct_compact(value) -> str:
    """98 -> '98%', 0.985 -> '98,5%' (targets are round numbers)."""
    d = (_dec(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if d == d.to_integral_value():
        return _fixed(d, 0) + "%"
    return _fixed(d, 1) + "%"


def fmt_target(target) -> str:
    """0.98 -> '≥ 98%'; 1.0 -> '100%'; None -> '—'."""
    if _missing(target):
        return NO_DATA
    if target >= 1:
        return _pct_compact(target)
    return "≥ " + _pct_compact(target)


def fmt_pp(delta, decimals: int = 1) -> str:
    """A change of a rate in percentage points: +1,2 điểm % · −0,5 điểm % · ±0,0 điểm %."""
    if _missing(delta):
        return NO_DATA
    d = (_dec(delta) * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "+" if d > 0 else ("−" if d < 0 else "±")
    return f"{sign}{_fixed(abs(d), decimals)} điểm %"


def fmt_ratio(numerator, denominator) -> str:
    """'1.203/1.218'."""
    return f"{fmt_int(numerator)}/{fmt_int(denominator)}"


def to_date(value) -> dt.date | None:
    """A date from a date, a datetime (converted to Vietnam time when aware) or ISO text."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            value = dt.date.fromisoformat(text[:10])
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TZ)
        return value.date()
    return value


def to_datetime(value) -> dt.datetime | None:
    """A naive Vietnam-time datetime from ISO text or a datetime (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip())
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TZ).replace(tzinfo=None)
        return value
    return dt.datetime.combine(value, dt.time())


def fmt_date(value) -> str:
    """dd/mm/yyyy; None -> '—'."""
    d = to_date(value)
    return d.strftime("%d/%m/%Y") if d else NO_DATA


def period_label(start: dt.date, end: dt.date) -> str:
    """'Tháng 3/2026', 'Quý I/2026', 'Năm 2026', else 'Từ 01/01/2026 đến 15/02/2026'."""
    nxt = end + dt.timedelta(days=1)
    if start.day == 1 and nxt.day == 1:
        months = (nxt.year - start.year) * 12 + nxt.month - start.month
        if months == 1:
            return f"Tháng {start.month}/{start.year}"
        if months == 3 and start.month in (1, 4, 7, 10):
            return f"Quý {ROMAN[(start.month - 1) // 3 + 1]}/{start.year}"
        if months == 6 and start.month in (1, 7):
            return f"6 tháng {'đầu' if start.month == 1 else 'cuối'} năm {start.year}"
        if months == 12 and start.month == 1:
            return f"Năm {start.year}"
    return f"Từ {fmt_date(start)} đến {fmt_date(end)}"


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def official_date(place: str, day: dt.date) -> str:
    """'Lộc Tân, ngày 02 tháng 4 năm 2026' (Nghị định 30/2020: a day below 10 and the months
    1 and 2 take a leading zero)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def place_name(unit: str) -> str:
    """'Xã Lộc Tân' -> 'Lộc Tân'."""
    for prefix in ("xã ", "phường ", "thị trấn ", "đặc khu "):
        if unit.lower().startswith(prefix):
            return unit[len(prefix):].strip()
    return unit


def unit_in_sentence(unit: str) -> str:
    """'Xã Lộc Tân' -> 'xã Lộc Tân' inside a sentence ('UBND xã Lộc Tân')."""
    for prefix in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu "):
        if unit.startswith(prefix):
            return lower_first(unit)
    return unit


def default_formulas(definitions: dict | None) -> dict[str, str]:
    definitions = definitions or {}
    on_time = ON_TIME_DEFINITIONS.get(str(definitions.get("on_time", "766")))
    satisfaction = SATISFACTION_DEFINITIONS.get(str(definitions.get("satisfaction", "766")))
    out = dict(_OTHER_FORMULAS)
    if on_time:
        out["on_time_rate"] = on_time[0].upper() + on_time[1:]
    if satisfaction:
        out["satisfaction_rate"] = satisfaction[0].upper() + satisfaction[1:]
    return out


def status_word(met, value=None, target=None) -> str:
    """Đạt / Chưa đạt; not judged: Chưa có dữ liệu, or Chưa có chỉ tiêu when only the target
    is missing."""
    if met is None:
        return STATUS_NO_TARGET if value is not None and target is None else STATUS_NO_DATA
    return STATUS_MET if met else STATUS_NOT_MET


# --------------------------------------------------------------------------- the prepared view

@dataclass
class Row:
    """One KPI, with raw numbers (for XLSX) and display strings (for PDF/DOCX)."""

    index: int
    key: str
    label: str
    short_label: str
    section: str
    formula: str
    value: float | None
    numerator: int | None
    denominator: int | None
    target: float | None
    met: bool | None
    previous: float | None
    change: float | None
    value_text: str
    target_text: str
    ratio_text: str
    status_text: str
    status_symbol: str
    change_text: str
    previous_text: str


@dataclass
class Report:
    unit: str
    period_start: dt.date | None
    period_end: dt.date | None
    period_label: str
    period_range: str
    as_of: dt.datetime | None
    as_of_text: str
    definitions: dict
    definition_lines: list[str]
    rows: list[Row]
    counts: list[tuple[str, str, int | None]]  # (key, label, value)
    trend: dict[str, list[tuple[dt.date, float | None]]]
    notes: list[str]
    unit_header: list[str]
    signer_title: str
    signer_name: str
    report_date: dt.date
    place: str
    doc_number: str
    recipients: list[str]
    extras: dict = field(default_factory=dict)

    @property
    def title_line(self) -> str:
        return f"{SUBTITLE} {lower_first(self.period_label)}"

    @property
    def summary(self) -> str:
        met = sum(1 for r in self.rows if r.met is True)
        not_met = sum(1 for r in self.rows if r.met is False)
        none = sum(1 for r in self.rows if r.met is None)
        text = f"Đạt {met}/{len(self.rows)} chỉ tiêu; chưa đạt {not_met}"
        if none:
            text += f"; chưa có dữ liệu hoặc chưa có chỉ tiêu {none}"
        return text + "."


def _month(text) -> dt.date:
    if isinstance(text, dt.date):
        return text.replace(day=1)
    s = str(text).strip()
    if len(s) == 7:
        s += "-01"
    return dt.date.fromisoformat(s[:10]).replace(day=1)


def _lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [nfc(x).strip() for x in value.splitlines() if x.strip()]
    return [nfc(x).strip() for x in value if str(x).strip()]


def build(snapshot: dict, extras: dict | None = None, today: dt.date | None = None) -> Report:
    """Prepare one snapshot (and optional extras) for the writers; every text NFC."""
    extras = dict(extras or {})
    labels = {**DEFAULT_LABELS, **(extras.get("labels") or {})}
    sections = {**DEFAULT_SECTIONS, **(extras.get("sections") or {})}
    definitions = dict(snapshot.get("definitions") or {})
    formulas = {**default_formulas(definitions), **(extras.get("formulas") or {})}
    previous = extras.get("previous") or {}

    unit = nfc(snapshot.get("unit") or "").strip()
    period = snapshot.get("period") or {}
    start, end = to_date(period.get("start")), to_date(period.get("end"))
    if extras.get("period_label"):
        plabel = nfc(extras["period_label"]).strip()
    elif start and end:
        plabel = period_label(start, end)
    else:
        plabel = NO_DATA
    prange = f"từ ngày {fmt_date(start)} đến ngày {fmt_date(end)}"

    as_of = to_datetime(snapshot.get("as_of"))

    rows: list[Row] = []
    notes: list[str] = []
    for i, k in enumerate(snapshot.get("kpis") or [], start=1):
        key = k.get("key")
        value = None if _missing(k.get("value")) else float(k["value"])
        target = None if _missing(k.get("target")) else float(k["target"])
        met = k.get("met")
        prev = previous.get(key)
        prev = None if _missing(prev) else float(prev)
        change = value - prev if value is not None and prev is not None else None
        label = nfc(labels.get(key, key))
        rows.append(
            Row(
                index=i,
                key=key,
                label=label,
                short_label=nfc(SHORT_LABELS.get(key, label)),
                section=nfc(sections.get(key, "")),
                formula=nfc(formulas.get(key, "")),
                value=value,
                numerator=k.get("numerator"),
                denominator=k.get("denominator"),
                target=target,
                met=met,
                previous=prev,
                change=change,
                value_text=fmt_value(value, target),
                target_text=fmt_target(target),
                ratio_text=fmt_ratio(k.get("numerator"), k.get("denominator")),
                status_text=status_word(met, value, target),
                status_symbol=STATUS_SYMBOLS[met if met in (True, False) else None],
                change_text=fmt_pp(change),
                previous_text=fmt_pct(prev),
            )
        )
        if value is None:
            notes.append(f"{label}: chưa có dữ liệu trong kỳ (mẫu số bằng 0), không đánh giá.")
        elif target is None:
            notes.append(f"{label}: kế hoạch của năm chưa đặt chỉ tiêu, không đánh giá.")

    counts_in = snapshot.get("counts") or {}
    counts = [(key, COUNT_LABELS[key], counts_in.get(key)) for key in COUNT_LABELS if key in counts_in]
    counts += [(key, nfc(key), v) for key, v in counts_in.items() if key not in COUNT_LABELS]
    unverifiable = counts_in.get("unverifiable") or 0
    if unverifiable:
        notes.append(
            f"{fmt_int(unverifiable)} hồ sơ chưa giải quyết xong và không có ngày hẹn trả: không "
            "xác định được đúng hạn hay quá hạn, không tính vào tỷ lệ giải quyết đúng hạn."
        )
    for note in _lines(extras.get("notes")):
        if note not in notes:
            notes.append(note)

    trend = {}
    for key, points in (extras.get("trend") or {}).items():
        series = []
        for month, val in points or []:
            series.append((_month(month), None if _missing(val) else float(val)))
        trend[key] = sorted(series)

    def_lines = []
    on_time = definitions.get("on_time")
    if on_time is not None:
        text = ON_TIME_DEFINITIONS.get(str(on_time), str(on_time))
        def_lines.append(f"Tỷ lệ giải quyết đúng hạn tính {text}.")
    satisfaction = definitions.get("satisfaction")
    if satisfaction is not None:
        text = SATISFACTION_DEFINITIONS.get(str(satisfaction), str(satisfaction))
        def_lines.append(f"Mức độ hài lòng tính {text}.")

    header = _lines(extras.get("unit_header"))
    if not header:
        header = [f"UBND {unit.upper()}" if unit else "UBND", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"]

    signer = extras.get("signer")
    if isinstance(signer, dict):
        s_title, s_name = nfc(signer.get("title") or ""), nfc(signer.get("name") or "")
    else:
        s_title, s_name = "", nfc(signer or "")
    s_title = s_title or "THỦ TRƯỞNG ĐƠN VỊ"

    if extras.get("report_date"):
        rdate = to_date(extras["report_date"])
    elif today is not None:
        rdate = today
    else:
        from kpi.config import today as config_today

        rdate = config_today()

    return Report(
        unit=unit,
        period_start=start,
        period_end=end,
        period_label=plabel,
        period_range=prange,
        as_of=as_of,
        as_of_text=fmt_date(as_of),
        definitions=definitions,
        definition_lines=[nfc(x) for x in def_lines],
        rows=rows,
        counts=counts,
        trend=trend,
        notes=[nfc(n) for n in notes],
        unit_header=header,
        signer_title=s_title,
        signer_name=s_name,
        report_date=rdate,
        place=nfc(extras.get("place") or place_name(unit) or ""),
        doc_number=nfc(extras.get("doc_number") or "Số:        /BC-UBND"),
        recipients=_lines(extras.get("recipients")) or ["- Lãnh đạo UBND xã;", "- Lưu: VT."],
        extras=extras,
    )
