"""What every report format shares: one prepared view of a snapshot (``Report``) that the PDF,
DOCX and XLSX writers lay out. Labels, sections, formulas and the definitions' wording come
from the KPI declarations (kpi.definitions); every number and date is formatted by kpi.format.

The snapshot is the JSON shape of ``python -m kpi snapshot`` (shared/spec/cli.md). Extras the
pages or the command line may pass (all optional):

    labels        {key: Vietnamese label}          overrides the declaration's label
    sections      {key: plan section "II.3.1"}     overrides the declaration's section
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
from dataclasses import dataclass, field

from kpi import coverage as CV
from kpi import dashboard as DB
from kpi import definitions as D
from kpi import format as fmt
from kpi.format import NO_DATA, nfc

TITLE = "BÁO CÁO"
SUBTITLE = "Kết quả thực hiện chỉ tiêu cải cách hành chính"

STATUS_SYMBOLS = {True: "✓", False: "✗", None: "○"}


# --------------------------------------------------------------------------- words of a report

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
            return fmt.in_sentence(unit)
    return unit


def _variants(definitions: dict) -> dict[str, tuple[str, D.Ratio | None]]:
    """{KPI key: (variant name, its declaration or None when unknown)} under the snapshot's
    "definitions" ({"on_time": "766", …}; a choice left out is the KPI's default)."""
    out = {}
    for k in D.KPIS:
        name = str(definitions.get(k.choice, k.default)) if k.choice else k.default
        out[k.key] = (name, k.variants.get(name))
    return out


def default_formulas(definitions: dict | None) -> dict[str, str]:
    """{KPI key: the formula of the variant the definitions pick} (the declarations')."""
    return {key: v.formula for key, (_, v) in _variants(definitions or {}).items() if v}


def definition_lines(definitions: dict) -> list[str]:
    """One sentence per chosen definition: "Tỷ lệ … tính theo Bộ chỉ số 766: (…) / …"."""
    lines = []
    chosen = _variants(definitions)
    for k in D.choice_kpis():
        if k.choice not in definitions:
            continue
        name, v = chosen[k.key]
        lines.append(f"{k.label} tính {v.short}: {fmt.in_sentence(v.explanation)}" if v
                     else f"{k.label} tính {name}.")
    return lines


def unverifiable_note(count: int, definitions: dict, keys) -> str:
    """The note for dossiers whose on-time class cannot be known, naming the KPIs (of
    ``keys``) whose chosen variant leaves them out."""
    chosen = _variants(definitions)
    names = [fmt.in_sentence(D.KPI_BY_KEY[key].label) for key in keys
             if key in chosen and chosen[key][1] is not None and chosen[key][1].unverifiable]
    return (f"{fmt.integer(count)} hồ sơ chưa giải quyết xong và không có ngày hẹn trả: không "
            "xác định được đúng hạn hay quá hạn, không tính vào "
            f"{fmt.enumeration(names) or 'các tỷ lệ'}.")


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
    as_of: dt.datetime | None  # when the newest data used was loaded
    data_through: dt.date | None
    as_of_text: str  # "Dữ liệu đến ngày": data_through (the export's own last day)
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
    # The snapshot's coverage (cli.md "coverage"): a partly covered period is "tạm tính" (its
    # summary and every verdict say so) and ``coverage_note`` names the missing days, stated
    # near the top of every format; None for a fully covered period.
    provisional: bool = False
    coverage_note: str | None = None

    @property
    def title_line(self) -> str:
        return f"{SUBTITLE} {fmt.in_sentence(self.period_label)}"

    @property
    def summary(self) -> str:
        met = sum(1 for r in self.rows if r.met is True)
        not_met = sum(1 for r in self.rows if r.met is False)
        none = sum(1 for r in self.rows if r.met is None)
        text = f"Đạt {met}/{len(self.rows)} chỉ tiêu"
        if self.provisional:
            text += f" ({DB.PROVISIONAL})"
        text += f"; chưa đạt {not_met}"
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


def snapshot_coverage(snapshot: dict, data_through: dt.date | None = None) -> CV.Coverage | None:
    """The ``kpi.coverage.Coverage`` of a snapshot JSON's ``coverage`` ({"status": "partial",
    "missing": [{"start", "end"}, …]}), so that its ``note`` is the very sentence the screens
    show (``kpi.dashboard.period_note``); None when the snapshot carries none."""
    cov = snapshot.get("coverage")
    if not isinstance(cov, dict) or not cov.get("status"):
        return None
    period = snapshot.get("period") or {}
    missing = tuple((fmt.to_date(m.get("start")), fmt.to_date(m.get("end")))
                    for m in cov.get("missing") or [])
    return CV.Coverage(str(cov["status"]), missing, data_through,
                       fmt.to_date(period.get("start")), fmt.to_date(period.get("end")))


def build(snapshot: dict, extras: dict | None = None, today: dt.date | None = None) -> Report:
    """Prepare one snapshot (and optional extras) for the writers; every text NFC."""
    extras = dict(extras or {})
    labels = {**{k.key: k.label for k in D.KPIS}, **(extras.get("labels") or {})}
    sections = {**{k.key: k.section for k in D.KPIS}, **(extras.get("sections") or {})}
    definitions = dict(snapshot.get("definitions") or {})
    formulas = {**default_formulas(definitions), **(extras.get("formulas") or {})}
    previous = extras.get("previous") or {}

    unit = nfc(snapshot.get("unit") or "").strip()
    period = snapshot.get("period") or {}
    start, end = fmt.to_date(period.get("start")), fmt.to_date(period.get("end"))
    if extras.get("period_label"):
        plabel = nfc(extras["period_label"]).strip()
    elif start and end:
        plabel = fmt.period_label(start, end)
    else:
        plabel = NO_DATA
    prange = f"từ ngày {fmt.date(start)} đến ngày {fmt.date(end)}"

    as_of = fmt.to_datetime(snapshot.get("as_of"))
    # "Dữ liệu đến ngày" is the data's own last day (data_through), not the upload time; a
    # snapshot of an older release without the field falls back to the upload's date.
    if "data_through" in snapshot:
        through = fmt.to_date(snapshot["data_through"]) if snapshot["data_through"] else None
    else:
        through = as_of.date() if as_of else None

    coverage = snapshot_coverage(snapshot, through)
    provisional = coverage is not None and coverage.provisional
    coverage_note = coverage.note if coverage is not None else None

    rows: list[Row] = []
    notes: list[str] = []
    for i, k in enumerate(snapshot.get("kpis") or [], start=1):
        key = k.get("key")
        value = None if fmt.missing(k.get("value")) else float(k["value"])
        target = None if fmt.missing(k.get("target")) else float(k["target"])
        met = k.get("met")
        prev = previous.get(key)
        prev = None if fmt.missing(prev) else float(prev)
        change = value - prev if value is not None and prev is not None else None
        label = nfc(labels.get(key, key))
        rows.append(
            Row(
                index=i,
                key=key,
                label=label,
                short_label=nfc(D.KPI_BY_KEY[key].short_label if key in D.KPI_BY_KEY
                                else label),
                section=nfc(sections.get(key, "")),
                formula=nfc(formulas.get(key, "")),
                value=value,
                numerator=k.get("numerator"),
                denominator=k.get("denominator"),
                target=target,
                met=met,
                previous=prev,
                change=change,
                value_text=fmt.kpi_value(value, target),
                target_text=fmt.target(target),
                ratio_text=fmt.ratio(k.get("numerator"), k.get("denominator")),
                status_text=fmt.verdict(met, value, target) + (
                    f" ({DB.PROVISIONAL})" if provisional and met in (True, False) else ""),
                status_symbol=STATUS_SYMBOLS[met if met in (True, False) else None],
                change_text=fmt.pp(change),
                previous_text=fmt.pct(prev),
            )
        )
        if value is None:
            notes.append(f"{label}: chưa có dữ liệu trong kỳ (mẫu số bằng 0), không đánh giá.")
        elif target is None:
            notes.append(f"{label}: kế hoạch của năm chưa đặt chỉ tiêu, không đánh giá.")

    counts_in = snapshot.get("counts") or {}
    counts = [(key, label, counts_in.get(key)) for key, label in D.COUNT_LABELS.items()
              if key in counts_in]
    counts += [(key, nfc(key), v) for key, v in counts_in.items() if key not in D.COUNT_LABELS]
    unverifiable = counts_in.get("unverifiable") or 0
    if unverifiable:
        notes.append(unverifiable_note(unverifiable, definitions, [r.key for r in rows]))
    for note in _lines(extras.get("notes")):
        if note not in notes:
            notes.append(note)

    trend = {}
    for key, points in (extras.get("trend") or {}).items():
        series = []
        for month, val in points or []:
            series.append((_month(month), None if fmt.missing(val) else float(val)))
        trend[key] = sorted(series)

    def_lines = definition_lines(definitions)

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
        rdate = fmt.to_date(extras["report_date"])
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
        data_through=through,
        as_of_text=fmt.date(through) if through else NO_DATA,
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
        provisional=provisional,
        coverage_note=nfc(coverage_note) if coverage_note else None,
    )
