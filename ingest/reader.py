"""Read one export of the one-stop centre into a ``ParsedFile`` (exports.md).

    from ingest.reader import parse_file, detect_kind
    parsed = parse_file("Danh sach ho so T3.xlsx", kind="auto", today=date(2026, 4, 2))

The file is recognised by its content (xlsx, xls, CSV in any usual encoding); the sheet that
holds the table, its header block (below a title, over one to three rows, with merged cells),
the kind and the column mapping are found from the headers. Each column is named by its header
path ("Ngày, tháng, năm › Nhận hồ sơ"): the whole path first, then what its group says of the
leaf, then the leaf (ingest.headers.match_column); summaries are read by the meaning of each
column (ingest.summary). Footer rows, column-number rows and blank lines are skipped; cells
merged down across data rows give their value to every row of the merge; personal data is
dropped on read. Rows that can't be read become ``Reject``s, keeping only the cells of the
columns the product reads; status and channel words the product does not know are listed in
``unknown_values`` (never guessed). A file that can't be read at all, or a kind chosen by hand
that its headers contradict, raises ``IngestError`` with a Vietnamese message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest import files
from ingest import headers as H
from ingest import summary as S
from ingest import validate as V
from ingest import values as X
from ingest.headers import COLUMN_LABELS, KIND_LABELS, KINDS, ONLINE_FLAG
from ingest.model import IngestError, MappingNeeded, ParsedFile, frame_to_arrow
from kpi.columns import value_columns

__all__ = ["parse_file", "detect_kind", "KIND_LABELS", "COLUMN_LABELS", "KINDS"]

DATE_COLUMNS = {"submitted_at", "received_at", "due_at", "finished_at", "returned_at", "rated_at"}
BOOL_COLUMNS = {
    "inputs_digitized", "e_result", "data_reused", "full_online_eligible", "full_online",
    "has_fee", "online_payment", "boundary_free", "paper_result",
}
HINTS = {
    "date": "cần dạng dd/mm/yyyy, ví dụ 05/03/2026",
    "status": "cần mã 1–10 hoặc tên trạng thái, ví dụ “Đã trả kết quả”",
    "channel": "cần 1, 2, 3 hoặc Trực tiếp / Trực tuyến / Bưu chính công ích",
    "bool": "cần Có/Không, x hoặc để trống",
    "amount": "cần số tiền, ví dụ 50.000",
    "count": "cần số nguyên không âm",
    "rating": "cần Rất hài lòng / Hài lòng / Bình thường / Không hài lòng / Rất không hài lòng, "
              "Thích / Không thích hoặc điểm",
}
WHAT_MISSING = {
    "dossier_code": "mã hồ sơ",
    "received_at": "ngày tiếp nhận",
    "feedback_code": "mã phản ánh, kiến nghị",
    "procedure_code": "mã thủ tục",
    "rating": "mức đánh giá",
}
KEY_WHAT = {
    "dossiers": "mã hồ sơ",
    "ratings": "lượt đánh giá (mã hồ sơ và ngày đánh giá)",
    "procedures": "mã thủ tục",
    "feedback": "mã phản ánh, kiến nghị",
    "summary": "lĩnh vực",
}
# ---------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------
class _Progress:
    def __init__(self, fn: Callable[[float], None] | None):
        self.fn = fn
        self.last = -1.0

    def __call__(self, fraction: float) -> None:
        fraction = max(0.0, min(1.0, float(fraction)))
        if self.fn is not None and (fraction >= self.last + 0.01 or fraction == 1.0) and fraction > self.last:
            self.last = fraction
            self.fn(fraction)


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
def detect_kind(source: str | os.PathLike | bytes, filename: str | None = None, *,
                mapping_overrides: dict[str, str] | None = None) -> str:
    """The kind of an export (dossiers | ratings | procedures | feedback | summary), found
    from its headers and title. Raises ``IngestError`` (Vietnamese) when the file can't be
    read or its kind can't be told; the user then picks the kind."""
    src = files.open_source(source, filename)
    fmt = files.sniff_format(src)
    _, hb = _pick_table(files.tables(src, fmt), src.name, mapping_overrides)
    return _resolve_kind("auto", hb, src.name, mapping_overrides)


def parse_file(source: str | os.PathLike | bytes, filename: str | None = None, *, kind: str = "auto",
               period: tuple[dt.date, dt.date] | None = None, today: dt.date | None = None,
               mapping_overrides: dict[str, str] | None = None,
               value_overrides: dict[str, dict[str, int]] | None = None,
               unit: str | None = None,
               remembered_columns: dict[str, dict[str, dict[str, str]]] | None = None,
               progress: Callable[[float], None] | None = None) -> ParsedFile:
    """Read one export into a ParsedFile (see ingest.model). Raises IngestError for a file
    that can't be read at all; row-level problems become ``rejects``.

    ``mapping_overrides``: {file header, or its header path "Nhóm › Cột": canonical column
    ('' to leave the column out)} mapped by hand. ``value_overrides``: {"status" | "channel":
    {word: code}} for words the product does not know (ParsedFile.unknown_values lists them).
    ``unit``: for a summary table listing several units, keep only this unit's row.
    ``remembered_columns``: {kind: {header signature: {header: canonical}}}, the column
    mappings a unit made by hand before; those of this file's kind and header row are
    applied in the same read (a hand mapping of ``mapping_overrides`` wins), and
    ``ParsedFile.remembered_columns`` lists the ones applied."""
    prog = _Progress(progress)
    if kind not in ("auto", *KINDS):
        raise IngestError(
            f"Loại dữ liệu “{kind}” không hợp lệ. Hãy chọn một trong: "
            + "; ".join(f"{k} ({KIND_LABELS[k]})" for k in KINDS) + "."
        )
    if today is None:
        today = files.today_default()
    prog(0.0)
    src = files.open_source(source, filename)
    fmt = files.sniff_format(src)
    table, hb = _pick_table(files.tables(src, fmt), src.name, mapping_overrides)
    prog(0.05)
    if kind == "auto" and remembered_columns:
        # A header row mapped by hand before for one kind is that kind (the kind its
        # remembered mapping was made for), even when its headers alone do not say it.
        sig = H.header_signature(hb.columns)
        known = [k for k, sigs in remembered_columns.items() if sig in sigs]
        if len(known) == 1 and H.guess_kind(hb.cells, [c.chain for c in hb.columns], hb.title) is None:
            kind = known[0]
    kind = _resolve_kind(kind, hb, src.name, mapping_overrides)
    applied = _remembered_for(kind, hb, remembered_columns, mapping_overrides)
    overrides = {**applied, **(mapping_overrides or {})}
    title_period = X.parse_period(hb.title)
    ctx = _Context(src.name, table, hb, kind, today, prog, title_period, period)
    ctx.warnings.extend(table.warnings)  # e.g. a CSV under an Excel name (ingest.files)
    try:
        if kind == "summary":
            parsed = S.read(ctx, overrides, unit)
        else:
            parsed = _read_records(ctx, overrides, value_overrides or {})
    except MappingNeeded as exc:
        exc.parsed.remembered_columns = applied
        raise
    parsed.remembered_columns = applied
    prog(1.0)
    return parsed


def _remembered_for(kind: str, hb: H.HeaderBlock, remembered, hand) -> dict[str, str]:
    """The remembered column mappings that apply to this header row: same kind, same header
    signature, a header the row has, not mapped by hand for this file."""
    if not remembered:
        return {}
    mine = (remembered.get(kind) or {}).get(H.header_signature(hb.columns)) or {}
    if not mine:
        return {}
    names = set()
    for col in hb.columns:
        names.update((H.norm(col.label), H.norm(H.path_text(col.chain))))
    hand_keys = {H.norm(h) for h in (hand or {})}
    return {h: c for h, c in mine.items() if H.norm(h) in names and H.norm(h) not in hand_keys}


# ---------------------------------------------------------------------------------------
# Table, header and kind
# ---------------------------------------------------------------------------------------
def _pick_table(tables: list[files.Table], name: str, overrides: dict[str, str] | None):
    extra = {H.norm(k) for k in (overrides or {})}
    best = None
    for i, t in enumerate(tables):
        hb = H.find_header(t.head, t.merges, extra)
        if hb is None:
            continue
        rank = (hb.score, len(hb.columns), not t.hidden, -i)
        if best is None or rank > best[0]:
            best = (rank, t, hb)
    if best is None:
        where = ""
        if len(tables) > 1 or tables and tables[0].sheet:
            where = " trên các trang tính: " + ", ".join(f"“{t.sheet}”" for t in tables)
        nonblank = any(any(v not in (None, "") for v in r) for t in tables for r in t.head)
        if not nonblank:
            raise IngestError(
                f"Tệp “{name}” không có dữ liệu (các trang tính đều trống). Hãy xuất lại tệp từ "
                "hệ thống một cửa điện tử rồi tải lên lại."
            )
        raise IngestError(
            f"Không tìm thấy dòng tiêu đề cột trong tệp “{name}” (đã xem {files.HEAD_ROWS} dòng "
            f"đầu{where}). Dòng tiêu đề cần có tên cột như “Mã hồ sơ”, “Ngày tiếp nhận”, "
            "“Trạng thái”. Hãy kiểm tra đúng tệp xuất từ hệ thống một cửa điện tử, hoặc chọn "
            "loại dữ liệu và ghép cột trên trang Tải dữ liệu."
        )
    return best[1], best[2]


def _resolve_kind(kind: str, hb: H.HeaderBlock, name: str, overrides: dict[str, str] | None) -> str:
    guessed = H.guess_kind(hb.cells, [c.chain for c in hb.columns], hb.title)
    if kind != "auto":
        _guard_forced_kind(kind, guessed, hb, name, overrides)
        return kind
    if guessed is None:
        found = ", ".join(f"“{c.label}”" for c in hb.columns[:20])
        raise IngestError(
            f"Không nhận ra loại dữ liệu của tệp “{name}” từ các cột: {found}. Hãy chọn loại "
            "dữ liệu (" + ", ".join(KIND_LABELS.values()) + ") rồi tải lên lại "
            "(dòng lệnh: --kind dossiers|ratings|procedures|feedback|summary)."
        )
    return guessed


def _guard_forced_kind(kind: str, guessed: str | None, hb: H.HeaderBlock, name: str,
                       overrides: dict[str, str] | None) -> None:
    """A kind chosen by hand that the headers contradict is refused (exports.md): the file
    carries the identifying column of another kind that the chosen kind does not read (a
    PAKN list's “Mã PAKN” loaded as dossiers would turn finished dossiers back into pending
    ones). Columns staff mapped by hand are theirs to decide."""
    if guessed is None or guessed == kind:
        return
    by_hand = {H.norm(k) for k in (overrides or {})}
    evidence = []
    for col in hb.columns:
        if H.override_key(col, by_hand) is not None:
            continue
        theirs = H.match_column(col.chain, guessed)
        if not theirs or H.match_column(col.chain, kind):
            continue
        identifying = H.REQUIRED[guessed][:1] or ["_summary"]
        if theirs in identifying:
            evidence.append(col.label)
    if not evidence:
        return
    cols = ", ".join(f"“{c}”" for c in evidence[:5])
    raise IngestError(
        f"Tệp “{name}” có vẻ là {KIND_LABELS[guessed]}, không phải {KIND_LABELS[kind]}: tệp có "
        f"cột {cols} của {KIND_LABELS[guessed]} mà {KIND_LABELS[kind]} không có. Nạp theo loại "
        "đã chọn sẽ ghi sai dữ liệu. Hãy chọn loại dữ liệu “"
        f"{KIND_LABELS[guessed]}” (dòng lệnh: --kind {guessed}) hoặc để tự nhận biết."
    )


@dataclass
class _Context:
    name: str
    table: files.Table
    hb: H.HeaderBlock
    kind: str
    today: dt.date
    prog: _Progress
    title_period: tuple[dt.date, dt.date] | None
    period_arg: tuple[dt.date, dt.date] | None
    warnings: list[str] = field(default_factory=list)

    def fill_merged(self, raw: pd.DataFrame, rownums: np.ndarray) -> pd.DataFrame:
        """Cells merged down across data rows ("Lĩnh vực" written once for a group of
        rows): every row of the group takes the value of the merge's first cell."""
        merges = [m for m in self.table.merges if m[0] >= self.hb.data_start and m[2] > m[0]]
        if not merges or not len(raw):
            return raw
        pos = {int(r) - 1: i for i, r in enumerate(rownums)}
        fills: dict[int, list[tuple[list[int], object]]] = {}
        for r1, c1, r2, _ in merges:
            if c1 not in raw.columns or r1 not in pos:
                continue
            value = raw[c1].iloc[pos[r1]]
            if value is None or value == "" or (isinstance(value, float) and value != value):
                continue
            rows = [pos[r] for r in range(r1 + 1, r2 + 1) if r in pos]
            if rows:
                fills.setdefault(c1, []).append((rows, value))
        if not fills:
            return raw
        raw = raw.copy()
        for c, groups in fills.items():
            values = raw[c].astype(object).to_numpy(copy=True)
            for rows, value in groups:
                values[rows] = value
            raw[c] = pd.Series(values, index=raw.index, dtype=object)
        return raw


@dataclass
class _Plan:
    by_canon: dict[str, H.Column]  # canonical -> the file's column
    mapping: dict[str, str]  # file header -> canonical
    unmapped: list[str]
    personal: list[str]
    keep: list[H.Column]  # columns read from the file (mapped, unmapped, ignored)


def _plan_columns(ctx: _Context, overrides: dict[str, str]) -> _Plan:
    kind = ctx.kind
    allowed = set(value_columns(kind)) | set(H.KEY_COLUMNS[kind]) | set(H.ALIASES[kind])
    allowed -= {"rating_key", "rating_label", "satisfied", "negative", "_summary"}
    if kind == "ratings":
        allowed.add("rating")
    over = H.checked_overrides(overrides, allowed, kind)
    plan = _Plan({}, {}, [], [], [])
    for col in ctx.hb.columns:
        label = col.label
        key = H.override_key(col, over)
        known = H.match_column(col.chain, kind)
        if not known and (H.is_personal(label) or H.is_personal(" ".join(col.chain))):
            # Personal data (Nghị định 13/2023/NĐ-CP) is never read, even when mapped by hand.
            plan.personal.append(label)
            if key is not None and over.get(key):
                ctx.warnings.append(
                    f"Cột “{label}” chứa dữ liệu cá nhân nên không được ghép và không được lưu."
                )
            continue
        canon = (over[key] or None) if key is not None else (known or None)
        if canon is None or canon.startswith("_summary"):
            plan.keep.append(col)
            ignored = known == "" or H.is_ignored(label) or H.is_ignored(col.chain[-1])
            if not ignored and key is None:
                plan.unmapped.append(label)
            continue
        if canon in plan.by_canon or (canon == ONLINE_FLAG and "channel" in plan.by_canon):
            first = plan.by_canon.get(canon) or plan.by_canon["channel"]
            ctx.warnings.append(
                f"Cột “{label}” trùng ý nghĩa với cột “{first.label}” "
                f"({COLUMN_LABELS.get(canon, canon)}); chỉ dùng cột “{first.label}”."
            )
            plan.keep.append(col)
            plan.unmapped.append(label)
            continue
        if canon == "channel" and ONLINE_FLAG in plan.by_canon:
            flag = plan.by_canon.pop(ONLINE_FLAG)
            del plan.mapping[flag.label]
            plan.unmapped.append(flag.label)
        plan.by_canon[canon] = col
        plan.mapping[label] = "channel" if canon == ONLINE_FLAG else canon
        plan.keep.append(col)
    missing = [c for c in H.REQUIRED[kind] if c not in plan.by_canon]
    if missing:
        found = ", ".join(f"“{H.path_text(c.chain)}”" for c in ctx.hb.columns) or "(không có)"
        names = " và ".join(f"“{COLUMN_LABELS[c]}”" for c in missing)
        message = (
            f"Tệp “{ctx.name}” ({KIND_LABELS[kind]}) thiếu cột bắt buộc {names}. Các cột tìm "
            f"thấy: {found}. Hãy thêm hoặc đổi tên cột trong tệp, hoặc ghép cột trên trang Tải "
            "dữ liệu."
        )
        # Every header found that is not mapped is offered for mapping by hand.
        offered = [c.label for c in plan.keep if c.label not in plan.mapping]
        raise MappingNeeded(message, _skeleton(ctx, plan.mapping, offered, plan.personal, message), missing)
    return plan


def _skeleton(ctx: _Context, mapping: dict[str, str], unmapped: list[str], personal: list[str],
              message: str, rows_read: int = 0, rejects=None, unknown=None) -> ParsedFile:
    """What a read that needs a mapping by hand gives back (MappingNeeded): the headers, no
    valid rows."""
    keys = H.KEY_COLUMNS[ctx.kind]
    frame = pd.DataFrame({**{k: pd.Series([], dtype=object) for k in keys},
                          "source_row": pd.Series([], dtype=np.int64)})
    return ParsedFile(
        kind=ctx.kind, frame=frame, columns=[], rows_read=rows_read, rejects=list(rejects or []),
        warnings=[*ctx.warnings, message], as_of=None, period=ctx.title_period or ctx.period_arg,
        sheet=ctx.table.sheet, header_row=ctx.hb.top + 1, mapping=dict(mapping), unmapped=list(unmapped),
        dropped_personal=list(personal), title=ctx.hb.title, unknown_values=dict(unknown or {}),
        header_signature=H.header_signature(ctx.hb.columns),
        paths={c.label: H.path_text(c.chain) for c in ctx.hb.columns},
    )


# ---------------------------------------------------------------------------------------
# Rows: data, footer, headings
# ---------------------------------------------------------------------------------------
def _data_rows(texts: dict[int, pd.Series], order: list[int], key_idx: int | None,
               date_idx: set[int]) -> np.ndarray:
    n = len(next(iter(texts.values()))) if texts else 0
    arrow = {idx: X.arrow_text(t) for idx, t in texts.items()}  # cleaned text: never null

    def mask(values) -> np.ndarray:
        return pc.fill_null(values, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)

    nonblank = np.zeros(n, dtype=np.int64)
    for arr in arrow.values():
        nonblank += mask(pc.not_equal(arr, ""))
    data = nonblank > 0
    cand = nonblank <= 2
    key = texts.get(key_idx) if key_idx is not None else None
    if key is not None:
        cand |= ~mask(pc.not_equal(arrow[key_idx], ""))
        cand |= mask(pc.match_substring(arrow[key_idx], " "))
    if key is None:
        # With a key column, a footer ("Tổng cộng", "Người lập biểu", "…, ngày 5 tháng 3") can
        # only end the data on a row that is already a candidate (no code, a code with a
        # space, at most two cells): a row with a real code stays data below whatever it
        # says, so the costly case-blind scan of every row is needed only without a key.
        for idx in order[:3]:
            cand |= mask(pc.match_substring_regex(arrow[idx], H.FOOTER_PATTERN, ignore_case=True))
    cand &= nonblank > 0
    footer_seen = False
    for i in np.flatnonzero(cand):
        cells = [(idx, texts[idx].iloc[i]) for idx in order if texts[idx].iloc[i] != ""]
        key_text = "" if key is None else key.iloc[i]
        key_blank = key_text == ""
        # A row with a real code is data even if a cell reads "Xác nhận tình trạng hôn nhân".
        keyed = not key_blank and " " not in key_text and len(cells) > 2
        if not keyed and any(H.footer_text(v) for _, v in cells[:3]):
            data[i] = False
            footer_seen = True
            continue
        if footer_seen and (key_blank or len(cells) <= 2):
            data[i] = False
        elif len(cells) == 1 and cells[0][0] not in date_idx and (key_blank or " " in cells[0][1]):
            data[i] = False  # a heading or a note ("Lĩnh vực Hộ tịch", a lone STT)
    return data


def _raw_getter(texts: dict[int, pd.Series], labels: dict[int, str]):
    def raw_of(i: int) -> dict[str, str]:
        return {labels[idx]: texts[idx].iloc[i] for idx in labels}

    return raw_of


# ---------------------------------------------------------------------------------------
# Record kinds: dossiers, ratings, procedures, feedback
# ---------------------------------------------------------------------------------------
def _read_records(ctx: _Context, overrides: dict[str, str],
                  value_overrides: dict[str, dict[str, int]]) -> ParsedFile:
    kind = ctx.kind
    plan = _plan_columns(ctx, overrides)
    order = [c.index for c in plan.keep]
    raw, rownums = ctx.table.loader(ctx.hb.data_start, order, ctx.prog)
    raw = ctx.fill_merged(raw, rownums)
    ctx.prog(0.5)
    columns_raw = [raw[idx] for idx in order]
    texts = dict(zip(order, _map(X.as_text, columns_raw, len(raw))))
    # Text cells (CSV) are read from their cleaned text from here on: the raw strings of a
    # big file are let go (memory), only typed workbook cells keep their raw column.
    n_raw = len(raw)
    raw = {idx: (texts[idx] if isinstance(r.dtype, pd.StringDtype) else r) for idx, r in zip(order, columns_raw)}
    del columns_raw
    ctx.prog(0.6)
    key_canon = H.REQUIRED[kind][0]
    key_idx = plan.by_canon[key_canon].index
    date_idx = {c.index for k, c in plan.by_canon.items() if k in DATE_COLUMNS}
    is_data = _data_rows(texts, order, key_idx, date_idx) if n_raw else np.zeros(0, dtype=bool)
    sel = np.flatnonzero(is_data)
    if len(sel) < n_raw:
        shared = {k for k in raw if raw[k] is texts[k]}
        texts = {k: v.iloc[sel].reset_index(drop=True) for k, v in texts.items()}
        raw = {k: (texts[k] if k in shared else v.iloc[sel].reset_index(drop=True)) for k, v in raw.items()}
        rownums = rownums[sel]
    n = len(sel)
    if n == 0:
        raise IngestError(
            f"Tệp “{ctx.name}” không có dòng dữ liệu nào dưới dòng tiêu đề (dòng "
            f"{ctx.hb.top + 1}). Hãy kiểm tra lại tệp xuất từ hệ thống rồi tải lên lại."
        )
    # Rejected rows keep only the columns the product reads, never free text or a column it
    # does not recognise (it may hold a name or a phone number).
    labels = {c.index: c.label for c in sorted(plan.by_canon.values(), key=lambda c: c.index)}
    problems = V.Problems(n)
    values: dict[str, pd.Series] = {}
    unknown: dict[str, dict[str, int]] = {}

    def col(canon):
        c = plan.by_canon[canon]
        return raw[c.index], texts[c.index], c.label

    def parse_one(canon):
        # One column's values, problems and unknown words (run in a pool for big files:
        # Arrow compute releases the GIL); merged below in the plan's column order.
        local = V.Problems(n)
        vals: dict[str, pd.Series] = {}
        unk: dict[str, dict[str, int]] = {}
        r, t, label = cols[canon]
        if canon in DATE_COLUMNS:
            v, bad = X.parse_dates(r, t)
            V.check_unreadable(local, bad, label, t, HINTS["date"])
        elif canon == "status" and kind == "dossiers":
            v, bad = X.parse_status(t, value_overrides.get("status"))
            V.check_unreadable(local, bad, label, t, HINTS["status"])
            _note_unknown(unk, "status", X.unknown_words(t, bad, strip_timeliness=True))
        elif canon == "channel":
            v, bad = X.parse_channel(t, value_overrides.get("channel"))
            V.check_unreadable(local, bad, label, t, HINTS["channel"])
            _note_unknown(unk, "channel", X.unknown_words(t, bad))
        elif canon == ONLINE_FLAG:
            v, bad = X.parse_online_flag(t, value_overrides.get("channel"))
            V.check_unreadable(local, bad, label, t, HINTS["bool"])
            _note_unknown(unk, "channel", X.unknown_words(t, bad))
            canon = "channel"
        elif canon == "supplement_count":
            v, bad = X.parse_count(t)
            V.check_unreadable(local, bad, label, t, HINTS["count"])
        elif canon == "fee" and kind == "procedures":
            v, has = X.parse_fee_text(t)
            vals["_fee_has"] = has
        elif canon == "fee":
            v, bad = X.parse_amount(t)
            V.check_unreadable(local, bad, label, t, HINTS["amount"])
        elif canon == "paid_online":
            v, bad = X.parse_paid_online(t)
            V.check_unreadable(local, bad, label, t, HINTS["bool"])
        elif canon in BOOL_COLUMNS:
            v, bad = X.parse_bool(t)
            V.check_unreadable(local, bad, label, t, HINTS["bool"])
        elif canon == "rating" and kind == "ratings":
            label_s, sat, neg, bad, scale = X.parse_ratings(t)
            hint = HINTS["rating"] + (" 0–2" if scale == (0, 2) else " 1–5")
            V.check_unreadable(local, bad & (t != "").to_numpy(dtype=bool), label, t, hint)
            vals["rating_label"], vals["satisfied"], vals["negative"] = label_s, sat, neg
            return local.items, vals, unk
        else:
            v = X.parse_text_arrow(t)
        vals[canon] = v
        return local.items, vals, unk

    cols = {canon: col(canon) for canon in plan.by_canon}
    for items, vals, unk in _map(parse_one, list(plan.by_canon), n):
        problems.items.extend(items)
        values.update(vals)
        for column, words in unk.items():
            _note_unknown(unknown, column, words)

    if n >= PARALLEL_ROWS:
        pa.default_memory_pool().release_unused()  # the parsers' scratch buffers (memory)
    if kind == "dossiers" and "status" not in values and ({"finished_at", "returned_at"} & set(values)):
        values["status"] = _status_from_dates(values)
    ctx.prog(0.8)

    # Required values and date rules.
    for canon in H.REQUIRED[kind]:
        r, t, label = col(canon)
        V.check_required(problems, t, label, WHAT_MISSING[canon])
    if "due_at" in values and "received_at" in values:
        V.check_due_after_received(
            problems, values["due_at"], values["received_at"],
            plan.by_canon["due_at"].label, plan.by_canon["received_at"].label.lower(),
        )
    for canon in ("received_at", "finished_at", "rated_at"):
        if canon in values:
            V.check_not_after_today(problems, values[canon], plan.by_canon[canon].label, ctx.today)
    # Order reasons by the file's column order (the first one names the column).
    pos = {c.label: i for i, c in enumerate(ctx.hb.columns)}
    problems.items.sort(key=lambda p: pos.get(p.column, -1))
    rejects = problems.rejects(rownums, _raw_getter(texts, labels))
    if len(rejects) == n:
        message = (
            f"Không có dòng nào hợp lệ trong tệp “{ctx.name}” ({n} dòng đều bị từ chối). "
            f"Một số lý do: {V.summarise(rejects)}. Hãy sửa tệp rồi tải lên lại."
        )
        if unknown:  # words staff can map by hand: offer the value mapping
            raise MappingNeeded(message, _skeleton(ctx, plan.mapping, plan.unmapped, plan.personal, message,
                                                   n, rejects, unknown))
        raise IngestError(message)
    ok = ~problems.any_mask()

    frame, columns = _build_frame(ctx, kind, values, ok, rownums)
    frame = _deduplicate(ctx, kind, frame)
    ctx.prog(0.95)
    as_of = ctx.title_period[1] if ctx.title_period else (X.title_as_of(ctx.hb.title) or _latest_date(frame))
    return ParsedFile(
        kind=kind, frame=frame_to_arrow(frame), columns=columns, rows_read=n, rejects=rejects,
        warnings=ctx.warnings, as_of=as_of, period=ctx.title_period or ctx.period_arg,
        sheet=ctx.table.sheet, header_row=ctx.hb.top + 1, mapping=plan.mapping,
        unmapped=plan.unmapped, dropped_personal=plan.personal, title=ctx.hb.title,
        unknown_values=unknown, header_signature=H.header_signature(ctx.hb.columns),
        paths={c.label: H.path_text(c.chain) for c in ctx.hb.columns},
    )


PARALLEL_ROWS = 50_000  # from this many rows, columns are cleaned and parsed on every core


def _map(fn, items: list, rows: int) -> list:
    """``[fn(x) for x in items]``, in a thread pool for big files (pyarrow and NumPy release
    the GIL, so the columns of a 1M-row file are parsed on every core); results in order."""
    workers = min(len(items), os.cpu_count() or 1)
    if rows < PARALLEL_ROWS or workers < 2:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def _note_unknown(unknown: dict[str, dict[str, int]], column: str, words: dict[str, int]) -> None:
    if words:
        into = unknown.setdefault(column, {})
        for word, count in words.items():
            into[word] = into.get(word, 0) + count


def _status_from_dates(values: dict[str, pd.Series]) -> pd.Series:
    """A dossier list without a status column (the tracking book, Sổ theo dõi hồ sơ): a row
    with a finish or return date is finished (10, Đã trả kết quả, ended that day), a row
    without one is being processed (4)."""
    ended = None
    for c in ("finished_at", "returned_at"):
        if c in values:
            has = values[c].notna()
            ended = has if ended is None else (ended | has)
    return pd.Series(np.where(ended.to_numpy(dtype=bool), 10, 4), index=ended.index).astype("Int64")


def _build_frame(ctx: _Context, kind: str, values: dict[str, pd.Series], ok: np.ndarray,
                 rownums: np.ndarray) -> tuple[pd.DataFrame, list[str]]:
    v = {k: s[ok].reset_index(drop=True) for k, s in values.items()}
    rows = rownums[ok]
    if kind == "procedures":
        has_from_fee = v.pop("_fee_has", None)
        if "full_online" not in v and "service_level" in v:
            v["full_online"] = X.full_online_from_level(v["service_level"].fillna("").astype(str))
        if has_from_fee is not None:
            v["has_fee"] = (v["has_fee"] | has_from_fee) if "has_fee" in v else has_from_fee
    if kind == "ratings":
        v["rating_key"] = _rating_keys(v)
    out: dict[str, pd.Series] = {}
    for k in H.KEY_COLUMNS[kind]:
        out[k] = v[k] if isinstance(v[k].dtype, pd.StringDtype) else v[k].astype(object)
    columns = [c for c in value_columns(kind) if c in v]
    for c in columns:
        out[c] = v[c]
    out["source_row"] = pd.Series(rows, dtype=np.int64)
    frame = pd.DataFrame(out)
    return frame, columns


def _rating_keys(v: dict[str, pd.Series]) -> pd.Series:
    """Dossier code + rated day when a code is given, else a stable hash of
    (rated_at, rating, occurrence among identical rows)."""
    n = len(v["rating_label"])
    code = v.get("dossier_code", pd.Series([None] * n, dtype=object)).astype(object)
    code = code.where(code.notna(), None)
    rated = v.get("rated_at", pd.Series([pd.NaT] * n, dtype="datetime64[ns]"))
    rated_day = rated.dt.strftime("%Y-%m-%d").fillna("")
    rated_full = rated.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("")
    label = v["rating_label"].fillna("").astype(str)
    occurrence = pd.DataFrame({"a": rated_full, "b": label}).groupby(["a", "b"], sort=False).cumcount()
    keys = []
    for c, d, full, lab, occ in zip(code.tolist(), rated_day.tolist(), rated_full.tolist(),
                                    label.tolist(), occurrence.tolist()):
        if c:
            keys.append(f"{c}|{d}")
        else:
            digest = hashlib.sha256(f"{full}|{lab}|{occ}".encode()).hexdigest()[:20]
            keys.append(f"#{digest}")
    return pd.Series(keys, dtype=object)


def _deduplicate(ctx: _Context, kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    keys = H.KEY_COLUMNS[kind]
    key = frame[keys[0]] if len(keys) == 1 else frame[keys].astype(str).agg("|".join, axis=1)
    keep, warning = V.duplicate_warning(key, frame["source_row"].to_numpy(), KEY_WHAT[kind])
    if warning:
        ctx.warnings.append(warning)
        frame = frame[keep].reset_index(drop=True)
    return frame


def _latest_date(frame: pd.DataFrame) -> dt.date | None:
    """The latest day something happened in the rows (due dates lie ahead, so they don't
    count)."""
    latest = None
    for c in frame.columns:
        if c in DATE_COLUMNS and c != "due_at" and frame[c].notna().any():
            m = frame[c].max()
            latest = m if latest is None or m > latest else latest
    return latest.date() if latest is not None else None
