"""Summary reports read by the meaning of their columns (exports.md, kpi-definitions.md
"From a summary report").

The standard Biểu số 06/VPCP/KSTT has 13 columns, but systems print their own layouts: by
unit instead of by field, a third header row under "Trong đó", 15 columns with "Số đầu kỳ (3 =
4 + 5)", "Kỳ trước chuyển qua", "Tiếp nhận trong kỳ", "Sớm hạn / Đúng hạn / Trễ hạn",
"Hồ sơ trả lại", "Hồ sơ rút", new receipts split three ways (trực tuyến | trực tiếp | qua
BCCI). Each column is named by its header path: the nearest group that says what it counts
(received, resolved, pending) and the leaf that says which part. Nothing is read by
position, so a layout with more or fewer columns never shifts the numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field

import numpy as np
import pandas as pd

from ingest import headers as H
from ingest import validate as V
from ingest import values as X
from ingest.headers import COLUMN_LABELS
from ingest.model import IngestError, ParsedFile

SUMMARY_NUMBERS = [
    "received_total", "received_online", "received_direct", "carried_over", "resolved_total",
    "early", "on_time", "late", "pending_total", "pending_in_time", "pending_overdue",
]
SUMMARY_LABELS = {
    "received_total": "(3) Số hồ sơ nhận giải quyết - Tổng số",
    "received_online": "(4) Trực tuyến",
    "received_direct": "(5) Trực tiếp, dịch vụ bưu chính",
    "carried_over": "(6) Từ kỳ trước",
    "resolved_total": "(7) Số hồ sơ đã giải quyết - Tổng số",
    "early": "(8) Trước hạn",
    "on_time": "(9) Đúng hạn",
    "late": "(10) Quá hạn",
    "pending_total": "(11) Số hồ sơ đang giải quyết - Tổng số",
    "pending_in_time": "(12) Trong hạn",
    "pending_overdue": "(13) Quá hạn",
}
# Rows of a table by unit answer for all of the unit's fields.
ALL_FIELDS = "Tất cả lĩnh vực"
# New receipts (carried over excluded) when a table does not split them by channel.
RECEIVED_NEW = "received_new"
# Parts added into one canonical column: new receipts by channel.
_PART_OF = {"online": "received_online", "direct": "received_direct", "postal": "received_direct"}
REQUIRED = ["on_time", "late"]
# Columns a file may be mapped to by hand (mapping_overrides) besides the numbers.
TARGETS = set(SUMMARY_NUMBERS) | {RECEIVED_NEW, "field", "unit"}

# What a header path counts: the nearest level naming one of these, leaf first.
_SECTIONS = [
    ("ignore", ["tralai", "hosorut", "ruthoso", "darut", "tyle", "phantram", "tongsotrehan",
                "tongtrehan", "ghichu", "xinloi"]),
    ("pending", ["danggiaiquyet", "dangxuly", "chuagiaiquyet", "chuaxuly", "dangthuly",
                 "chuyenkysau", "tonchuyen", "chuahoanthanh", "chuatraketqua"]),
    ("resolved", ["dagiaiquyet", "ketquagiaiquyet", "daxuly", "giaiquyetxong", "xulyxong",
                  "hoanthanh", "datraketqua"]),
    ("received", ["nhangiaiquyet", "tiepnhan", "sodauky", "hosonhan", "kytruoc", "nhanmoi",
                  "moinhan", "tongsohoso", "tonky", "phaigiaiquyet"]),
]
_TOTALS = {"tongso", "tong", "cong", "tongcong", "sodauky", "tongsohoso", "soluong"}
_STT = {"stt", "tt", "sothutu", "sott"}
_UNIT_WORDS = {"donvi", "tendonvi", "coquan", "tencoquan", "coquandonvi", "donvihanhchinh",
               "xaphuong", "phuongxa", "tenxaphuong", "diaphuong", "tendiaphuong", "donvicapxa"}
_FIELD_WORDS = {"noidung", "tenthutuc", "thutuchanhchinh", "tentthc", "thutuc"}


def _section(text: str) -> str | None:
    key = H.fold(text)
    for name, words in _SECTIONS:
        if any(w in key for w in words):
            return name
    return None


def _role(text: str) -> str | None:
    f = H.fold(text)
    if "kytruoc" in f or "tonky" in f:
        return "carried"
    if "tructuyen" in f or f == "online":
        return "online"
    if "tructiep" in f:
        return "direct"
    if "buuchinh" in f or "bcci" in f:
        return "postal"
    if any(w in f for w in ("moitiepnhan", "tiepnhantrongky", "nhanmoi", "moinhan", "tiepnhanmoi",
                            "trongky")):
        return "new"
    if "truochan" in f or "somhan" in f:
        return "early"
    if "dunghan" in f:
        return "on_time"
    if any(w in f for w in ("tronghan", "chuadenhan", "conhan", "chuaquahan")):
        return "in_time"
    if "quahan" in f or "trehan" in f:
        return "late"
    if f in _TOTALS or f.startswith("tongso"):
        return "total"
    return None


def _label_role(text: str) -> str | None:
    f = H.fold(text)
    if f in _STT:
        return "stt"
    if "linhvuc" in f or f in _FIELD_WORDS:
        return "field"
    if f in _UNIT_WORDS or f.startswith(("donvi", "tendonvi")):
        return "unit"
    return None


_BY_SECTION = {
    "received": {"total": "received_total", "carried": "carried_over", "online": "online",
                 "direct": "direct", "postal": "postal", "new": RECEIVED_NEW},
    "resolved": {"total": "resolved_total", "early": "early", "on_time": "on_time",
                 "in_time": "on_time", "late": "late"},
    "pending": {"total": "pending_total", "in_time": "pending_in_time", "late": "pending_overdue"},
}


def classify(chain: list[str], pending_seen: bool = False) -> str | None:
    """What a summary column counts: 'field', 'unit', 'stt', a canonical number column,
    'received_new', a channel part ('online', 'direct', 'postal'), '' (known, not kept: returned,
    withdrawn, total late, rates), or None (not recognised). ``pending_seen``: a column of
    pending dossiers stands to the left (a flat "Quá hạn" then counts pending ones)."""
    levels = [H._PAREN_RE.sub(" ", t).strip() or t for t in chain]
    levels = [t for t in levels if not H.is_transparent(t)] or levels
    leaf = levels[-1]
    label = _label_role(leaf)
    if label:
        return label
    section = next((s for s in map(_section, reversed(levels)) if s), None)
    if section == "ignore":
        return ""
    roles = [_role(t) for t in reversed(levels)]
    role = roles[0]
    if role in ("online", "direct", "postal") and "carried" in roles[1:]:
        return ""  # carried-over dossiers split by channel: the carried total is enough
    if role in (None, "total"):
        role = next((r for r in roles[1:] if r not in (None, "total")), None) or (
            "total" if roles[0] == "total" or _section(leaf) else None)
    if role is None:
        return None
    if section is None:  # a flat header: "Sớm hạn", "Chưa đến hạn", "Trực tuyến"
        if role in ("carried", "online", "direct", "postal", "new"):
            section = "received"
        elif role == "in_time" or (role == "late" and pending_seen):
            section = "pending"
        elif role in ("early", "on_time", "late"):
            section = "resolved"
        else:
            return None
    return _BY_SECTION[section].get(role)


@dataclass
class Layout:
    stt: H.Column | None = None
    field: H.Column | None = None
    unit: H.Column | None = None
    numbers: dict[str, list[H.Column]] = dc_field(default_factory=dict)  # role -> columns
    mapping: dict[str, str] = dc_field(default_factory=dict)
    unmapped: list[str] = dc_field(default_factory=list)
    warnings: list[str] = dc_field(default_factory=list)

    @property
    def has(self) -> set[str]:
        return set(self.numbers)


def layout(hb: H.HeaderBlock, overrides: dict[str, str]) -> Layout:
    """Name every column of a summary table by its meaning."""
    out = Layout()
    pending_seen = False
    for col in hb.columns:
        key = H.override_key(col, overrides)
        role = overrides[key] if key is not None else classify(col.chain, pending_seen)
        if role in ("pending_total", "pending_in_time", "pending_overdue"):
            pending_seen = True
        if role is None:
            if not H.is_ignored(col.label) and not H.is_ignored(col.chain[-1]):
                out.unmapped.append(col.label)
            continue
        if role == "":
            continue
        if role in ("stt", "field", "unit"):
            if getattr(out, role) is None:
                setattr(out, role, col)
                if role != "stt":
                    out.mapping[col.label] = role
            continue
        cols = out.numbers.setdefault(role, [])
        if cols and role not in _PART_OF:
            out.warnings.append(
                f"Cột “{col.label}” trùng ý nghĩa với cột “{cols[0].label}” "
                f"({COLUMN_LABELS.get(role, role)}); chỉ dùng cột “{cols[0].label}”."
            )
            out.unmapped.append(col.label)
            continue
        cols.append(col)
        out.mapping[col.label] = _PART_OF.get(role, role)
    return out


def _refuse_missing(name: str, hb: H.HeaderBlock, lay: Layout) -> None:
    missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in lay.has]
    if lay.field is None and lay.unit is None:
        missing.insert(0, "Lĩnh vực (hoặc Đơn vị)")
    if not missing:
        return
    found = ", ".join(f"“{H.path_text(c.chain)}”" for c in hb.columns) or "(không có)"
    names = ", ".join(f"“{m}”" for m in missing)
    raise IngestError(
        f"Báo cáo tổng hợp “{name}” thiếu cột {names} nên không tính được tỷ lệ giải quyết "
        f"đúng hạn. Các cột tìm thấy ({len(hb.columns)} cột): {found}. Hãy dùng bảng có các cột "
        "này (mẫu Biểu số 06/VPCP/KSTT) hoặc ghép cột trên trang Tải dữ liệu."
    )


def read(ctx, overrides: dict[str, str], unit: str | None) -> ParsedFile:
    """The summary rows of ``ctx.table`` (see ingest.reader._Context)."""
    hb = ctx.hb
    period = ctx.title_period or ctx.period_arg
    if period is None:
        raise IngestError(
            f"Không xác định được kỳ báo cáo của Biểu số 06 “{ctx.name}”: tiêu đề không ghi "
            "“Từ ngày … đến ngày …”, “Tháng … năm …” hay “Quý … năm …”. Hãy chọn kỳ báo cáo "
            "trên trang Tải dữ liệu (dòng lệnh: --period 2026-01-01..2026-01-31)."
        )
    if ctx.title_period and ctx.period_arg and ctx.title_period != ctx.period_arg:
        a, b = ctx.title_period
        ctx.warnings.append(
            f"Kỳ báo cáo ghi trong tiêu đề ({a:%d/%m/%Y} – {b:%d/%m/%Y}) khác kỳ đã chọn; "
            "dùng kỳ trong tiêu đề."
        )
    lay = layout(hb, H.checked_overrides(overrides, TARGETS, "summary"))
    if lay.field is None and lay.unit is None:
        # No label header: the text column left of the first number column.
        first_num = min((c.index for cs in lay.numbers.values() for c in cs), default=None)
        taken = {lay.stt.index} if lay.stt else set()
        cands = [c for c in hb.columns if first_num is not None and c.index < first_num
                 and c.index not in taken and c.label not in lay.mapping]
        if cands:
            lay.field = cands[-1]
            lay.mapping[cands[-1].label] = "field"
            if cands[-1].label in lay.unmapped:
                lay.unmapped.remove(cands[-1].label)
    _refuse_missing(ctx.name, hb, lay)
    ctx.warnings.extend(lay.warnings)

    label_cols = [c for c in (lay.stt, lay.unit, lay.field) if c is not None]
    num_cols = [c for cs in lay.numbers.values() for c in cs]
    idx = list(dict.fromkeys(c.index for c in label_cols + num_cols))
    raw, rownums = ctx.table.loader(hb.data_start, idx, ctx.prog)
    raw = ctx.fill_merged(raw, rownums)
    texts = {i: X.as_text(raw[i]) for i in idx}
    first_idx = (lay.stt or label_cols[0]).index
    name_cols = [c.index for c in (lay.unit, lay.field) if c is not None]
    num_idx = [c.index for c in num_cols]

    rows, total_row, footer_seen = [], None, False
    for i in range(len(raw)):
        first = texts[first_idx].iloc[i]
        names = [texts[j].iloc[i] for j in name_cols]
        nums = [texts[j].iloc[i] for j in num_idx]
        if not first and not any(names) and not any(nums):
            continue
        if H.footer_text(first) or any(H.footer_text(n) for n in names):
            if total_row is None and any(nums) and not footer_seen:
                total_row = i  # "Tổng cộng" / "Tổng số", above or below the rows
                footer_seen = bool(rows)
                continue
            footer_seen = True
            continue
        if footer_seen or not any(nums):
            continue  # signatures, or a heading such as "Cấp xã"
        rows.append(i)
    if lay.stt is not None:  # group rows ("I. Lĩnh vực Tư pháp") add up their children
        groups = set(_group_rows(rows, texts[lay.stt.index]))
        rows = [i for i in rows if i not in groups]
    if not rows:
        raise IngestError(
            f"Biểu số 06 “{ctx.name}” không có dòng lĩnh vực nào dưới dòng tiêu đề. Hãy kiểm "
            "tra lại tệp rồi tải lên lại."
        )
    if lay.unit is not None and lay.field is not None:
        # Rows by unit and field: a unit written once over its fields (merged, or left blank
        # below it in a CSV) holds for the rows under it.
        unit_text = texts[lay.unit.index].copy()
        last = ""
        for i in rows:
            if unit_text.iloc[i]:
                last = unit_text.iloc[i]
            elif last:
                unit_text.iloc[i] = last
        texts[lay.unit.index] = unit_text
    units_all = (list(dict.fromkeys(t for t in (texts[lay.unit.index].iloc[i] for i in rows) if t))
                 if lay.unit is not None else [])
    if lay.unit is not None and unit:
        # The unit chosen: only its rows are read (the total row then checks nothing).
        rows = [i for i in rows if X.same_unit(texts[lay.unit.index].iloc[i], unit)]
        if not rows:
            listed = ", ".join(f"“{u}”" for u in units_all)
            raise IngestError(
                f"Báo cáo “{ctx.name}” không có dòng của đơn vị “{unit}”. Các đơn vị trong bảng: "
                f"{listed}. Hãy chọn đúng đơn vị (dòng lệnh: --unit), hoặc để trống để nạp dòng "
                "của từng đơn vị cho đơn vị đó."
            )
        others = [u for u in units_all if not X.same_unit(u, unit)]
        if others:
            ctx.warnings.append(
                f"Bảng có dòng của {len(units_all)} đơn vị; chỉ nạp dòng của đơn vị “{unit}” (bỏ qua "
                + ", ".join(f"“{u}”" for u in others) + ")."
            )
        total_row = None
    sel = np.array(rows)
    sub = {k: v.iloc[sel].reset_index(drop=True) for k, v in texts.items()}
    sub_rows = rownums[sel]
    n = len(sel)
    problems = V.Problems(n)
    if lay.field is not None:
        V.check_required(problems, sub[lay.field.index], lay.field.label, "tên lĩnh vực")
    if lay.unit is not None:
        V.check_required(problems, sub[lay.unit.index], lay.unit.label, "tên đơn vị")
    parsed_cols: dict[int, pd.Series] = {}
    for c in num_cols:
        v, bad = X.parse_count(sub[c.index], blank=0)
        V.check_unreadable(problems, bad, c.label, sub[c.index], "cần số nguyên không âm")
        parsed_cols[c.index] = v
    read_labels = {c.index: c.label for c in sorted(label_cols + num_cols, key=lambda c: c.index)
                   if c is not lay.stt}
    rejects = problems.rejects(sub_rows, lambda i: {lab: sub[j].iloc[i] for j, lab in read_labels.items()})
    if len(rejects) == n:
        raise IngestError(
            f"Không có dòng nào hợp lệ trong Biểu số 06 “{ctx.name}”. Một số lý do: "
            f"{V.summarise(rejects)}. Hãy sửa tệp rồi tải lên lại."
        )
    ok = ~problems.any_mask()
    numbers = _numbers(lay, parsed_cols)
    keep = [c for c in SUMMARY_NUMBERS if c in numbers]
    k = int(ok.sum())
    frame = pd.DataFrame({
        "period_start": pd.Series([period[0]] * k, dtype=object),
        "period_end": pd.Series([period[1]] * k, dtype=object),
        "field": (X.parse_text(sub[lay.field.index])[ok].reset_index(drop=True) if lay.field is not None
                  else pd.Series([ALL_FIELDS] * k, dtype=object)),
        **{c: numbers[c][ok].reset_index(drop=True) for c in keep},
        "source_row": pd.Series(sub_rows[ok], dtype=np.int64),
    })
    if lay.unit is not None:
        frame.insert(0, "unit", X.parse_text(sub[lay.unit.index])[ok].reset_index(drop=True))
    _check_total(ctx, lay, frame, keep, texts, total_row, rownums)
    _check_rows(ctx, lay, frame, parsed_cols, ok)
    if lay.unit is not None and unit:
        frame = frame.drop(columns=["unit"])  # every row is the chosen unit's
    frame = _deduplicate(ctx, frame)
    paths = {c.label: H.path_text(c.chain) for c in hb.columns}
    return ParsedFile(
        kind="summary", frame=frame, columns=keep, rows_read=n, rejects=rejects,
        warnings=ctx.warnings, as_of=period[1], period=period, sheet=ctx.table.sheet,
        header_row=hb.top + 1, mapping=lay.mapping, unmapped=lay.unmapped, dropped_personal=[],
        title=hb.title, header_signature=H.header_signature(hb.columns), paths=paths,
        units=units_all,
    )


_ROMAN_RE = re.compile(r"^(?:X{0,3})(?:IX|IV|V?I{0,3})\.?$|^[A-Z]\.?$")
_NUMBERED_RE = re.compile(r"^\d+(?:\.\d+)*\.?$")


def _group_rows(rows: list[int], stt: pd.Series) -> list[int]:
    """Rows that add up rows below them, told by their numbering: "I", "II" (or "A", "B")
    over rows numbered 1, 2, …; "1" over "1.1", "1.2". They are subtotals, never one more row."""
    numbers = {i: stt.iloc[i].strip() for i in rows}
    roman = [i for i, n in numbers.items() if n and _ROMAN_RE.match(n)]
    arabic = [i for i, n in numbers.items() if n and _NUMBERED_RE.match(n)]
    groups = set(roman) if roman and arabic else set()
    dotted = {n.rstrip(".") for n in numbers.values() if n and _NUMBERED_RE.match(n)}
    for i, n in numbers.items():
        if n and _NUMBERED_RE.match(n) and any(d.startswith(n.rstrip(".") + ".") for d in dotted):
            groups.add(i)
    return sorted(groups)


def _numbers(lay: Layout, parsed: dict[int, pd.Series]) -> dict[str, pd.Series]:
    """Canonical columns from the file's columns: channel parts added up, totals derived
    from their parts where the file leaves them out. A table that does not split new
    receipts by channel has no online/direct numbers (the online rate is then unknown)."""
    def col(role):
        cols = lay.numbers.get(role)
        if not cols:
            return None
        out = parsed[cols[0].index].astype("Int64")
        for c in cols[1:]:
            out = out + parsed[c.index]
        return out

    out = {c: col(c) for c in SUMMARY_NUMBERS if c in lay.numbers}
    online, direct, postal = col("online"), col("direct"), col("postal")
    new = col(RECEIVED_NEW)
    if online is not None:
        out["received_online"] = online
    if direct is not None or postal is not None:
        out["received_direct"] = (direct if direct is not None else 0) + (postal if postal is not None else 0)
    if new is not None:
        if "received_online" in out and "received_direct" not in out:
            out["received_direct"] = (new - out["received_online"]).clip(lower=0)
        elif "received_direct" in out and "received_online" not in out:
            out["received_online"] = (new - out["received_direct"]).clip(lower=0)
    if new is None and "received_online" in out and "received_direct" in out:
        new = out["received_online"] + out["received_direct"]
    if "received_total" not in out and new is not None and "carried_over" in out:
        out["received_total"] = new + out["carried_over"]
    if "carried_over" not in out and new is not None and "received_total" in out:
        out["carried_over"] = (out["received_total"] - new).clip(lower=0)
    if "resolved_total" not in out and "on_time" in out and "late" in out:
        out["resolved_total"] = out.get("early", 0) + out["on_time"] + out["late"]
    if "pending_total" not in out and "pending_in_time" in out and "pending_overdue" in out:
        out["pending_total"] = out["pending_in_time"] + out["pending_overdue"]
    return {k: v.astype("Int64") for k, v in out.items()}


def _relations(lay: Layout) -> list[tuple[str, list[str]]]:
    """(total role, part roles) the file states both sides of."""
    has = lay.has
    rel = []
    recv = [r for r in ("online", "direct", "postal") if r in has]
    if "received_total" in has:
        if "carried_over" in has and RECEIVED_NEW in has:
            rel.append(("received_total", ["carried_over", RECEIVED_NEW]))
        elif "carried_over" in has and "online" in has and ("direct" in has or "postal" in has):
            rel.append(("received_total", recv + ["carried_over"]))
    if RECEIVED_NEW in has and "online" in has and ("direct" in has or "postal" in has):
        rel.append((RECEIVED_NEW, recv))
    if "resolved_total" in has and {"early", "on_time", "late"} <= has:
        rel.append(("resolved_total", ["early", "on_time", "late"]))
    if "pending_total" in has and {"pending_in_time", "pending_overdue"} <= has:
        rel.append(("pending_total", ["pending_in_time", "pending_overdue"]))
    return rel


_STANDARD = {"received_total", "online", "direct", "carried_over", "resolved_total", "early",
             "on_time", "late", "pending_total", "pending_in_time", "pending_overdue"}


def _is_standard(lay: Layout) -> bool:
    """The 13 columns of Biểu số 06, whose numbers (3)…(13) messages may cite."""
    return set(lay.numbers) == _STANDARD and all(len(v) == 1 for v in lay.numbers.values())


def _check_rows(ctx, lay: Layout, frame: pd.DataFrame, parsed: dict[int, pd.Series], ok) -> None:
    rels = _relations(lay)
    if not rels:
        return
    def sums(role):
        cols = lay.numbers[role]
        s = parsed[cols[0].index].astype("Int64")
        for c in cols[1:]:
            s = s + parsed[c.index]
        return s[ok].reset_index(drop=True)

    bad = np.zeros(len(frame), dtype=bool)
    for total, parts in rels:
        s = sums(parts[0])
        for p in parts[1:]:
            s = s + sums(p)
        bad |= (sums(total) != s).fillna(False).to_numpy(dtype=bool)
    if not bad.any():
        return
    names = frame["field"] if "unit" not in frame else frame["unit"]
    odd = [f"{nm} (dòng {int(r)})" for nm, r in zip(names[bad], frame["source_row"][bad])]
    if _is_standard(lay):
        how = "cột (3) = (4)+(5)+(6), (7) = (8)+(9)+(10), (11) = (12)+(13)"
    else:
        how = "; ".join(
            f"“{lay.numbers[t][0].label}” = " + " + ".join(f"“{c.label}”" for p in parts for c in lay.numbers[p])
            for t, parts in rels)
    ctx.warnings.append(
        f"Số liệu trong dòng không cộng khớp ({how}) ở: " + ", ".join(odd[:10])
        + ("…" if len(odd) > 10 else "") + "."
    )


def _check_total(ctx, lay, frame, keep, texts, total_row, rownums) -> None:
    """The total row ("Tổng cộng", "Tổng số") checks the rows; it is never one more row."""
    if total_row is None:
        return
    parsed = {}
    for cs in lay.numbers.values():
        for c in cs:
            v, bad = X.parse_count(pd.Series([texts[c.index].iloc[total_row]], dtype="str"), blank=0)
            if bad[0]:
                return
            parsed[c.index] = v
    totals = _numbers(lay, parsed)
    what = "đơn vị" if lay.field is None else "lĩnh vực"
    standard = _is_standard(lay)

    def name(c: str) -> str:
        if standard:
            return SUMMARY_LABELS[c]
        cols = lay.numbers.get(c, [])
        return f"“{cols[0].label}”" if len(cols) == 1 else COLUMN_LABELS[c]

    diffs = [
        f"{name(c)}: dòng tổng ghi {int(totals[c].iloc[0])}, cộng các {what} được "
        f"{int(frame[c].sum())}"
        for c in keep if int(totals[c].iloc[0]) != int(frame[c].sum())
    ]
    if diffs:
        cells = [texts[c.index].iloc[total_row] for c in (lay.stt, lay.unit, lay.field) if c is not None]
        label = next((t for t in cells if H.footer_text(t)), "Tổng cộng")
        ctx.warnings.append(
            f"Dòng “{label}” (dòng {int(rownums[total_row])}) không khớp với tổng các dòng "
            f"{what}: " + "; ".join(diffs) + f". Số liệu được lấy theo từng {what}."
        )


def _deduplicate(ctx, frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["unit", "field"] if "unit" in frame else ["field"]
    key = frame[cols].astype(str).agg("|".join, axis=1) if len(cols) > 1 else frame["field"]
    what = "dòng đơn vị, lĩnh vực" if len(cols) > 1 else "lĩnh vực"
    keep, warning = V.duplicate_warning(key, frame["source_row"].to_numpy(), what)
    if warning:
        ctx.warnings.append(warning)
        frame = frame[keep].reset_index(drop=True)
    return frame

