"""Tải dữ liệu — staff turn a monthly export into fresh numbers.

Drop one or several files → see the detected kind and the column mapping (fix a header that
was not recognised, map a status or channel word the product does not know) → read the
validation report → load with a progress bar → see the counts. Mappings made by hand are
remembered for the unit when the file is loaded, shown below and removable. Below: the
upload history, with undo behind a confirmation, and per kind of file a month strip of the
year (which months the loaded files cover). Everything goes through ingest.service;
after a change, ui.data.data_changed() clears the cached answers of every page.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from ingest import service
from ingest.headers import COLUMN_LABELS, KIND_LABELS
from ingest.model import IngestError
from kpi import config
from kpi import dashboard as DB
from kpi import format as fmt
from kpi.definitions import CHANNEL_LABELS, STATUS_LABELS
from kpi.schema import KINDS
from ui import auth, nav, safe
from ui.common import current_unit, engine, friendly_errors
from ui import data as ui_data
from ui.data import data_changed
from ui.uploader import vietnamese_uploader

nav.require_frame()
nav.guard("tai-du-lieu")

IGNORE = "(bỏ qua cột này)"
NOT_CHOSEN = "(chưa chọn)"
CODE_LABELS = {"status": STATUS_LABELS, "channel": CHANNEL_LABELS}
VALUE_COLUMN_LABELS = {"status": "Trạng thái", "channel": "Kênh thực hiện"}
BATCH_STATUS = {"loaded": "Đã nạp", "undone": "Đã hoàn tác"}

@st.cache_data(show_spinner=False, max_entries=32)
def _read(url: str, data: bytes, name: str, unit: str | None, kind: str, columns: tuple, values: tuple):
    """Read once per database, file content, unit, kind and hand mappings (``data_changed``
    clears it when the remembered mappings change); errors come back as text."""
    hand_values: dict[str, dict[str, int]] = {}
    for column, word, code in values:
        hand_values.setdefault(column, {})[word] = code
    try:
        return service.read(engine(), data, filename=name, unit=unit, kind=kind,
                            mapping_overrides=dict(columns), value_overrides=hand_values), None
    except IngestError as exc:
        return None, str(exc)


def _widget_key(*parts: str) -> str:
    """A widget key that stays with its header or word when the list around it changes."""
    return "_".join([parts[0], hashlib.sha1("\x1f".join(parts[1:]).encode()).hexdigest()[:12]])


def column_label(name: str) -> str:
    return COLUMN_LABELS.get(name, name)


def _kind_label(kind: str) -> str:
    return "Tự nhận biết" if kind == "auto" else KIND_LABELS[kind]


def _code_label(column: str):
    labels = CODE_LABELS[column]
    return lambda code: NOT_CHOSEN if code is None else f"{code} — {labels[code]}"


def _column_choices(idx: int, upload: service.Upload, hand: dict[str, str]) -> None:
    """A selectbox per header the reader did not recognise (and per header mapped by hand,
    to change it back); a change reads the file again."""
    parsed = upload.parsed
    st.markdown("**Cột chưa nhận biết được** — chọn dữ liệu tương ứng nếu cần:")
    choices = [IGNORE, *service.mapping_choices(parsed.kind)]
    new = dict(hand)
    for header in [*parsed.unmapped, *[h for h in hand if h not in parsed.unmapped]]:
        current = new.get(header, IGNORE)
        picked = st.selectbox(
            f"«{safe.md(header)}»", choices, index=choices.index(current) if current in choices else 0,
            format_func=lambda c: c if c == IGNORE else column_label(c), key=_widget_key(f"map_{idx}", header),
        )
        if picked != IGNORE:
            new[header] = picked
        else:
            new.pop(header, None)
    if new != hand:
        st.session_state[f"overrides_{idx}"] = new
        st.rerun()


def _value_choices(idx: int, upload: service.Upload, hand: dict[str, dict[str, int]]) -> None:
    """Each unknown status or channel word with its row count (and each mapped by hand for
    this file, to change it), mapped by hand to a code; a change reads the file again."""
    rows = st.session_state.setdefault(f"value_rows_{idx}", {})
    for column, words in upload.unknown_values.items():
        for word, n in words.items():
            rows[(column, word)] = n
    new = {c: dict(w) for c, w in hand.items()}
    for column in service.VALUE_COLUMNS:
        words = sorted({w for c, w in rows if c == column and (
            w in upload.unknown_values.get(column, {}) or w in hand.get(column, {}))},
            key=lambda w: (-rows[(column, w)], w))
        if not words:
            continue
        st.markdown(
            f"**Giá trị «{VALUE_COLUMN_LABELS[column]}» chưa nhận biết được** — chọn ý nghĩa "
            "của từng giá trị (được ghi nhớ cho đơn vị khi nạp tệp):"
        )
        codes = [None, *CODE_LABELS[column]]
        for word in words:
            current = new.get(column, {}).get(word)
            picked = st.selectbox(
                f"«{safe.md(word)}» ({fmt.integer(rows[(column, word)])} dòng)", codes,
                index=codes.index(current) if current in codes else 0,
                format_func=_code_label(column), key=_widget_key(f"value_{idx}", column, word),
            )
            if picked is None:
                new.get(column, {}).pop(word, None)
            else:
                new.setdefault(column, {})[word] = picked
    new = {c: w for c, w in new.items() if w}
    if new != hand:
        st.session_state[f"values_{idx}"] = new
        st.rerun()


def _file_panel(idx: int, upload_file, unit: str | None) -> dict | None:
    """One uploaded file: kind, mapping, validation. Returns what to load, or None."""
    data = upload_file.getvalue()
    kind = st.selectbox(
        "Loại tệp", ["auto", *KINDS], format_func=_kind_label, key=f"kind_{idx}",
        help="Loại tệp được nhận biết từ tiêu đề cột; chọn lại nếu nhận biết sai.",
    )
    hand_columns = st.session_state.get(f"overrides_{idx}", {})
    hand_values = st.session_state.get(f"values_{idx}", {})
    values_key = tuple(sorted((c, w, code) for c, words in hand_values.items() for w, code in words.items()))
    with st.spinner("Đang đọc tệp…"):
        upload, error = _read(config.db_url(), data, upload_file.name, unit, kind,
                              tuple(sorted(hand_columns.items())), values_key)
    if error:
        st.error(safe.md(error))
        return None
    parsed = upload.parsed

    st.markdown(
        f"**Loại dữ liệu:** {KIND_LABELS[parsed.kind]} · **Trang tính:** {safe.md(parsed.sheet) or '—'} · "
        f"**Dòng tiêu đề:** {parsed.header_row or '—'} · **Dữ liệu đến ngày:** {fmt.date(parsed.as_of)}"
    )
    if parsed.period:
        st.caption(f"Kỳ báo cáo: {fmt.date(parsed.period[0])} – {fmt.date(parsed.period[1])}")
    c1, c2, c3 = st.columns(3)
    c1.metric("Dòng đọc được", fmt.integer(parsed.rows_read))
    c2.metric("Dòng hợp lệ", fmt.integer(len(parsed.frame)))
    c3.metric("Dòng lỗi", fmt.integer(len(parsed.rejects)))

    def source(header: str) -> str:
        if header in hand_columns:
            return "Chọn tay"
        return "Đã nhớ" if header in upload.remembered_columns else "Tự nhận biết"

    st.markdown("**Ghép cột** (cột trong tệp → dữ liệu chuẩn)")
    st.dataframe(
        [{"Cột trong tệp": h, "Dữ liệu chuẩn": column_label(c), "Cách ghép": source(h)}
         for h, c in parsed.mapping.items()],
        hide_index=True, width="stretch",
    )
    if parsed.unmapped or hand_columns:
        _column_choices(idx, upload, hand_columns)
    if upload.unknown_values or hand_values:
        _value_choices(idx, upload, hand_values)
    if parsed.dropped_personal:
        st.info(
            "Đã bỏ các cột chứa thông tin cá nhân, không lưu vào hệ thống: "
            + ", ".join(safe.md(h) for h in parsed.dropped_personal)
        )
    for w in parsed.warnings:
        st.warning(safe.md(w))
    if upload.needs_mapping:  # a required column or every status word unknown: map by hand first
        st.warning(f"{safe.md(upload.needs_mapping)} Chọn dữ liệu tương ứng cho cột hoặc giá trị ở trên; "
                   "tệp được đọc lại ngay sau mỗi lựa chọn.")
        return None

    allow = False
    if parsed.rejects:
        st.error(f"Có {fmt.integer(len(parsed.rejects))} dòng không hợp lệ:")
        st.dataframe(
            [{"Dòng": r.row_number, "Cột": r.column or "", "Lý do": r.reason} for r in parsed.rejects],
            hide_index=True, width="stretch",
        )
        if len(parsed.frame):
            allow = st.checkbox(
                "Chỉ nạp các dòng hợp lệ (các dòng lỗi được lưu lại trong nhật ký tải)", key=f"allow_{idx}"
            )
        if not allow:
            st.caption("Tệp sẽ không được nạp cho đến khi sửa các dòng lỗi hoặc chọn chỉ nạp các dòng hợp lệ.")
            return None
    return {"upload": upload, "allow": allow}


def _load(ready: list[dict], unit: str | None, uploaded_by: str) -> None:
    bar = st.progress(0.0, text="Đang nạp dữ liệu…")
    results, failures = [], []
    for n, item in enumerate(ready):
        upload = item["upload"]
        bar.progress(n / len(ready), text=f"Đang nạp {upload.file_name}…")
        try:
            with friendly_errors():
                result = service.load_upload(engine(), upload, unit=unit, allow_rejects=item["allow"],
                                             uploaded_by=uploaded_by, actor=auth.actor())
            shown = set(upload.parsed.warnings)
            results.append((result, [w for w in result.warnings if w not in shown]))
        except IngestError as exc:
            failures.append(f"{upload.file_name}: {exc}")
    bar.progress(1.0, text="Hoàn tất.")
    data_changed()
    st.session_state["last_load"] = (results, failures)


def _show_last_load() -> None:
    results, failures = st.session_state["last_load"]
    for f in failures:
        st.error(safe.md(f))
    for r, warnings in results:
        if r.status == "duplicate":
            st.info(f"{safe.md(r.file_name)}: tệp này đã được nạp lúc {fmt.datetime(r.previous_load_at)}; không thay đổi gì.")
        else:
            extra = f" · cũ hơn dữ liệu đã có {fmt.integer(r.skipped_older)}" if r.skipped_older else ""
            extra += f" · giữ nguyên {fmt.integer(r.kept)}" if r.kept else ""
            st.success(
                f"{safe.md(r.file_name)}: đọc {fmt.integer(r.rows_read)} dòng · thêm mới {fmt.integer(r.inserted)} · "
                f"cập nhật {fmt.integer(r.updated)} · không đổi {fmt.integer(r.unchanged)}{extra} · "
                f"từ chối {fmt.integer(r.rejected)}"
            )
        for w in warnings:
            st.warning(safe.md(w))


def _remembered(unit: str | None) -> None:
    """The unit's remembered mappings, each removable."""
    if not unit:
        return
    with friendly_errors():
        memory = service.remembered(engine(), unit)
    with st.expander(
        f"Ghép cột và giá trị đã nhớ của đơn vị ({fmt.integer(len(memory.columns) + len(memory.values))})"
    ):
        if not memory.columns and not memory.values:
            st.caption("Chưa có. Khi bạn ghép một cột hoặc một giá trị bằng tay rồi nạp tệp, lựa chọn đó "
                       "được ghi nhớ và dùng lại cho các tệp sau (cả khi nạp bằng dòng lệnh).")
            return
        for m in memory.columns:
            c1, c2 = st.columns([5, 1])
            c1.text(f"Cột «{m.header}» → {column_label(m.canonical)} · {KIND_LABELS.get(m.kind, m.kind)} · "
                    f"{m.created_by or '—'}, {fmt.datetime(m.created_at)}")
            if auth.can("upload", unit) and c2.button("Xóa", key=f"forget_col_{m.id}"):
                with friendly_errors():
                    service.forget_column(engine(), unit, m.id, actor=auth.actor())
                data_changed()
                st.rerun()
        for v in memory.values:
            c1, c2 = st.columns([5, 1])
            c1.text(f"{VALUE_COLUMN_LABELS.get(v.column, v.column)} «{v.word}» → {_code_label(v.column)(v.code)} · "
                    f"{v.created_by or '—'}, {fmt.datetime(v.created_at)}")
            if auth.can("upload", unit) and c2.button("Xóa", key=f"forget_val_{v.id}"):
                with friendly_errors():
                    service.forget_value(engine(), unit, v.id, actor=auth.actor())
                data_changed()
                st.rerun()


def _month_strip(unit: str | None) -> None:
    """Per kind of file, which months of a year the loaded (not undone) files cover."""
    st.subheader("Dải tháng: dữ liệu đã nạp theo tháng")
    url = config.db_url()
    today = config.today()
    with friendly_errors():
        through = ui_data.data_through(url, unit) if unit else None
        span = ui_data.span(url, unit) if unit else None
    newest = max(today.year, span[1].year) if span else today.year
    oldest = min(span[0].year, newest) if span else newest
    years = list(range(newest, oldest - 1, -1))
    default = through.year if through and through.year in years else years[0]
    if st.session_state.get("strip_year") not in years:
        st.session_state["strip_year"] = default
    year = st.selectbox("Năm", years, key="strip_year")
    with friendly_errors():
        strip = ui_data.month_strip(url, unit, int(year))
    # Narrow month columns (one mark each): all twelve months show beside the kinds of file.
    months = {f"T{m}": st.column_config.TextColumn(f"T{m}", width=40, help=f"Tháng {m}/{year}")
              for m in range(1, 13)}
    # A narrow window scrolls the months only; the kind of file stays in view.
    months["Loại tệp"] = st.column_config.TextColumn("Loại tệp", pinned=True)
    st.dataframe(DB.month_strip_table(strip, KIND_LABELS), hide_index=True, width="stretch",
                 key="month_strip", column_config=months)
    st.caption(DB.STRIP_LEGEND + " "
               + (f"Danh sách hồ sơ đã nạp đến ngày {fmt.date(through)}." if through else
                  "Chưa nạp danh sách hồ sơ nào."))


def _history(unit: str | None) -> None:
    st.subheader("Nhật ký tải dữ liệu")
    with friendly_errors():
        log = service.history(engine(), unit)
    if log.empty:
        st.caption("Chưa có lần tải nào.")
        return
    n = fmt.integer
    st.dataframe(
        [
            {
                "Số": str(b.id), "Tệp": b.file_name, "Loại": KIND_LABELS.get(b.kind, b.kind),
                "Dữ liệu đến": fmt.date(b.as_of), "Người tải": b.uploaded_by or "—",
                "Thời điểm": fmt.datetime(b.uploaded_at), "Đọc": n(b.rows_read), "Thêm mới": n(b.inserted),
                "Cập nhật": n(b.updated), "Từ chối": n(b.rejected),
                "Trạng thái": BATCH_STATUS.get(b.status, b.status), "Mã tệp (SHA-256)": b.sha256[:12],
            }
            for b in log.itertuples()
        ],
        hide_index=True, width="stretch",
    )
    loaded = log[log["status"] == "loaded"]
    if loaded.empty or not auth.can("undo", unit):
        return
    options = loaded["id"].tolist()
    names = dict(zip(loaded["id"], loaded["file_name"]))
    col1, col2 = st.columns([3, 1])
    target = col1.selectbox(
        "Hoàn tác lần tải", options, format_func=lambda i: f"Số {i} — {names[i]}", key="undo_batch"
    )
    if col2.button("Hoàn tác…", key="undo_button"):
        st.session_state["undo_pending"] = target
    pending = st.session_state.get("undo_pending")
    if pending is None:
        return
    st.warning(
        f"Hoàn tác lần tải số {pending} ({safe.md(names.get(pending, ''))}): các hồ sơ nó thêm mới sẽ bị xóa, "
        "các hồ sơ nó cập nhật trở lại như trước. Bạn chắc chắn?"
    )
    c1, c2 = st.columns(2)
    if c1.button("Xác nhận hoàn tác", key="undo_confirm", type="primary"):
        st.session_state.pop("undo_pending", None)
        try:
            with friendly_errors():
                account = auth.current_account()
                res = service.undo(engine(), int(pending), actor=auth.actor(),
                                   units=None if account.all_units else account.unit_names)
            data_changed()
            st.session_state["undo_message"] = (
                "success",
                f"Đã hoàn tác lần tải số {res.batch_id} ({res.file_name}): xóa {fmt.integer(res.removed)} "
                f"dòng thêm mới, khôi phục {fmt.integer(res.restored)} dòng.",
            )
        except service.UndoRefused as exc:
            st.session_state["undo_message"] = ("error", str(exc))
        st.rerun()
    if c2.button("Hủy", key="undo_cancel"):
        st.session_state.pop("undo_pending", None)
        st.rerun()


unit = current_unit()
st.title("Tải dữ liệu")
st.caption(
    f"Đơn vị: **{safe.md(unit) or '—'}** · Nạp tệp xuất từ hệ thống một cửa điện tử: danh sách hồ sơ, "
    "đánh giá hài lòng, danh mục TTHC, phản ánh kiến nghị, Biểu số 06 (.xlsx, .xls, .csv)."
)

_month_strip(unit)
st.divider()
files = None
if auth.can("upload", unit):
    vietnamese_uploader(("XLSX", "XLS", "CSV"))
    if auth.signed_in():  # the account's name is the uploader
        uploader_name = auth.actor()
    else:
        uploader_name = st.text_input("Người tải", key="uploaded_by", placeholder="Họ tên cán bộ tải dữ liệu")
    files = st.file_uploader(
        "Chọn hoặc kéo thả tệp", type=["xlsx", "xls", "csv", "txt"], accept_multiple_files=True, key="upload_files"
    )

ready = []
for idx, upload_file in enumerate(files or []):
    with st.expander(f"📄 {safe.md(upload_file.name)} · {fmt.file_size(upload_file.size)}", expanded=True):
        item = _file_panel(idx, upload_file, unit)
        if item:
            ready.append(item)

if files and st.button(f"Nạp {len(ready)} tệp vào cơ sở dữ liệu", key="load_button", type="primary",
                       disabled=not ready):
    _load(ready, unit, uploader_name)
if "last_load" in st.session_state:
    _show_last_load()

_remembered(unit)
st.divider()
_history(unit)
msg = st.session_state.pop("undo_message", None)
if msg:
    (st.success if msg[0] == "success" else st.error)(safe.md(msg[1]))
