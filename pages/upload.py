"""Tải dữ liệu — staff turn a monthly export into fresh numbers.

Drop one or several files → see the detected kind and the column mapping (fix a header that
was not recognised) → read the validation report → load with a progress bar → see the
counts. Below: the upload history, with undo behind a confirmation.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ingest.load import UndoRefused, list_batches, load_parsed, sha256_of, undo_batch
from ingest.model import IngestError
from ingest.reader import COLUMN_LABELS, KIND_LABELS, parse_file
from kpi import format as fmt
from kpi.schema import KINDS, value_columns
from ui.common import current_unit, engine, friendly_errors
from ui.uploader import vietnamese_uploader

IGNORE = "(bỏ qua cột này)"

@st.cache_data(show_spinner=False, max_entries=32)
def _parse(data: bytes, name: str, kind: str, overrides: tuple[tuple[str, str], ...]):
    """Parse once per file content, kind and mapping; errors come back as text."""
    try:
        return parse_file(data, name, kind=kind, mapping_overrides=dict(overrides) or None), None
    except IngestError as exc:
        return None, str(exc)


def column_label(name: str) -> str:
    return COLUMN_LABELS.get(name, name)


def _kind_label(kind: str) -> str:
    return "Tự nhận biết" if kind == "auto" else KIND_LABELS[kind]


def _file_panel(idx: int, upload) -> dict | None:
    """One uploaded file: kind, mapping, validation. Returns what to load, or None."""
    data = upload.getvalue()
    kind = st.selectbox(
        "Loại tệp", ["auto", *KINDS], format_func=_kind_label, key=f"kind_{idx}",
        help="Loại tệp được nhận biết từ tiêu đề cột; chọn lại nếu nhận biết sai.",
    )
    overrides = tuple(sorted(st.session_state.get(f"overrides_{idx}", {}).items()))
    with st.spinner("Đang đọc tệp…"):
        parsed, error = _parse(data, upload.name, kind, overrides)
    if error:
        st.error(error)
        return None

    st.markdown(
        f"**Loại dữ liệu:** {KIND_LABELS[parsed.kind]} · **Trang tính:** {parsed.sheet or '—'} · "
        f"**Dòng tiêu đề:** {parsed.header_row or '—'} · **Dữ liệu đến ngày:** {fmt.date(parsed.as_of)}"
    )
    if parsed.period:
        st.caption(f"Kỳ báo cáo: {fmt.date(parsed.period[0])} – {fmt.date(parsed.period[1])}")
    c1, c2, c3 = st.columns(3)
    c1.metric("Dòng đọc được", fmt.integer(parsed.rows_read))
    c2.metric("Dòng hợp lệ", fmt.integer(len(parsed.frame)))
    c3.metric("Dòng lỗi", fmt.integer(len(parsed.rejects)))

    st.markdown("**Ghép cột** (cột trong tệp → dữ liệu chuẩn)")
    st.dataframe(
        pd.DataFrame(
            [{"Cột trong tệp": h, "Dữ liệu chuẩn": column_label(c)} for h, c in parsed.mapping.items()]
        ),
        hide_index=True, width="stretch",
    )
    if parsed.unmapped:
        st.markdown("**Cột chưa nhận biết được** — chọn dữ liệu tương ứng nếu cần:")
        choices = [IGNORE, *value_columns(parsed.kind)]
        new_overrides = dict(overrides)
        for j, header in enumerate(parsed.unmapped):
            current = new_overrides.get(header, IGNORE)
            picked = st.selectbox(
                f"«{header}»", choices, index=choices.index(current) if current in choices else 0,
                format_func=lambda c: c if c == IGNORE else column_label(c), key=f"map_{idx}_{j}",
            )
            if picked != IGNORE:
                new_overrides[header] = picked
            else:
                new_overrides.pop(header, None)
        if tuple(sorted(new_overrides.items())) != overrides:
            st.session_state[f"overrides_{idx}"] = new_overrides
            st.rerun()
    if parsed.dropped_personal:
        st.info(
            "Đã bỏ các cột chứa thông tin cá nhân, không lưu vào hệ thống: "
            + ", ".join(parsed.dropped_personal)
        )
    for w in parsed.warnings:
        st.warning(w)

    allow = False
    if parsed.rejects:
        st.error(f"Có {len(parsed.rejects)} dòng không hợp lệ:")
        st.dataframe(
            pd.DataFrame(
                [{"Dòng": r.row_number, "Cột": r.column or "", "Lý do": r.reason} for r in parsed.rejects]
            ),
            hide_index=True, width="stretch",
        )
        if len(parsed.frame):
            allow = st.checkbox(
                "Chỉ nạp các dòng hợp lệ (các dòng lỗi được lưu lại trong nhật ký tải)", key=f"allow_{idx}"
            )
        if not allow:
            st.caption("Tệp sẽ không được nạp cho đến khi sửa các dòng lỗi hoặc chọn chỉ nạp các dòng hợp lệ.")
            return None
    return {"name": upload.name, "parsed": parsed, "sha": sha256_of(data), "allow": allow}


unit = current_unit()
st.title("Tải dữ liệu")
st.caption(
    f"Đơn vị: **{unit or '—'}** · Nạp tệp xuất từ hệ thống một cửa điện tử: danh sách hồ sơ, "
    "đánh giá hài lòng, danh mục TTHC, phản ánh kiến nghị, Biểu số 06 (.xlsx, .xls, .csv)."
)

vietnamese_uploader(("XLSX", "XLS", "CSV"))
uploader_name = st.text_input("Người tải", key="uploaded_by", placeholder="Họ tên cán bộ tải dữ liệu")
files = st.file_uploader(
    "Chọn hoặc kéo thả tệp", type=["xlsx", "xls", "csv", "txt"], accept_multiple_files=True, key="upload_files"
)

ready = []
for idx, upload in enumerate(files or []):
    with st.expander(f"📄 {upload.name}", expanded=True):
        item = _file_panel(idx, upload)
        if item:
            ready.append(item)

if files:
    if st.button(f"Nạp {len(ready)} tệp vào cơ sở dữ liệu", key="load_button", type="primary", disabled=not ready):
        bar = st.progress(0.0, text="Đang nạp dữ liệu…")
        results, failures = [], []
        for n, item in enumerate(ready):
            bar.progress(n / len(ready), text=f"Đang nạp {item['name']}…")
            try:
                with friendly_errors():
                    results.append(
                        load_parsed(
                            engine(), item["parsed"], file_name=item["name"], sha256=item["sha"], unit=unit,
                            allow_rejects=item["allow"], uploaded_by=uploader_name,
                        )
                    )
            except IngestError as exc:
                failures.append(f"{item['name']}: {exc}")
        bar.progress(1.0, text="Hoàn tất.")
        st.cache_data.clear()
        st.session_state["last_load"] = (results, failures)

if "last_load" in st.session_state:
    results, failures = st.session_state["last_load"]
    for f in failures:
        st.error(f)
    for r in results:
        if r.status == "duplicate":
            st.info(f"{r.file_name}: tệp này đã được nạp lúc {fmt.datetime(r.previous_load_at)}; không thay đổi gì.")
        else:
            st.success(
                f"{r.file_name}: đọc {fmt.integer(r.rows_read)} dòng · thêm mới {fmt.integer(r.inserted)} · "
                f"cập nhật {fmt.integer(r.updated)} · không đổi {fmt.integer(r.unchanged)} · "
                f"từ chối {fmt.integer(r.rejected)}"
            )

st.divider()
st.subheader("Nhật ký tải dữ liệu")
with friendly_errors():
    log = list_batches(engine(), unit)
if log.empty:
    st.caption("Chưa có lần tải nào.")
else:
    shown = pd.DataFrame(
        {
            "Số": log["id"],
            "Tệp": log["file_name"],
            "Loại": log["kind"].map(KIND_LABELS),
            "Dữ liệu đến": log["as_of"].map(fmt.date),
            "Người tải": log["uploaded_by"].fillna("—"),
            "Thời điểm": log["uploaded_at"].map(fmt.datetime),
            "Đọc": log["rows_read"],
            "Thêm mới": log["inserted"],
            "Cập nhật": log["updated"],
            "Từ chối": log["rejected"],
            "Trạng thái": log["status"].map({"loaded": "Đã nạp", "undone": "Đã hoàn tác"}),
            "SHA-256": log["sha256"].str[:12],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    loaded = log[log["status"] == "loaded"]
    if not loaded.empty:
        options = loaded["id"].tolist()
        names = dict(zip(loaded["id"], loaded["file_name"]))
        col1, col2 = st.columns([3, 1])
        target = col1.selectbox(
            "Hoàn tác lần tải", options, format_func=lambda i: f"Số {i} — {names[i]}", key="undo_batch"
        )
        if col2.button("Hoàn tác…", key="undo_button"):
            st.session_state["undo_pending"] = target
        pending = st.session_state.get("undo_pending")
        if pending is not None:
            st.warning(
                f"Hoàn tác lần tải số {pending} ({names.get(pending, '')}): các hồ sơ nó thêm mới sẽ bị xóa, "
                "các hồ sơ nó cập nhật trở lại như trước. Bạn chắc chắn?"
            )
            c1, c2 = st.columns(2)
            if c1.button("Xác nhận hoàn tác", key="undo_confirm", type="primary"):
                st.session_state.pop("undo_pending", None)
                try:
                    with friendly_errors():
                        res = undo_batch(engine(), int(pending))
                    st.cache_data.clear()
                    st.session_state["undo_message"] = (
                        "success",
                        f"Đã hoàn tác lần tải số {res.batch_id} ({res.file_name}): xóa {fmt.integer(res.removed)} "
                        f"dòng thêm mới, khôi phục {fmt.integer(res.restored)} dòng.",
                    )
                except UndoRefused as exc:
                    st.session_state["undo_message"] = ("error", str(exc))
                st.rerun()
            if c2.button("Hủy", key="undo_cancel"):
                st.session_state.pop("undo_pending", None)
                st.rerun()
msg = st.session_state.pop("undo_message", None)
if msg:
    (st.success if msg[0] == "success" else st.error)(msg[1])
