"""The upload page (Tải dữ liệu) through AppTest: a real file through file_uploader, the
detected kind and mapping, the validation report, loading, the history and a confirmed undo."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import pytest
from streamlit.testing.v1 import AppTest

from kpi import db as kdb
from kpi.schema import batches, dossiers
from tests.filemakers import csv_bytes

HEADER = ["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái", "Số điện thoại"]
GOOD = [
    ["HS-001", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026", "03/03/2026", "Đã trả kết quả", "0912345678"],
    ["HS-002", "Chứng thực bản sao từ bản chính", "Chứng thực", "03/03/2026", "03/03/2026", "Đang xử lý", "0987654321"],
]
ROOT = Path(__file__).resolve().parent.parent
BAD = ["HS-003", "Đăng ký kết hôn", "Hộ tịch", "05/03/2026", "01/03/2026", "Đang xử lý", ""]


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'upload.duckdb'}"
    monkeypatch.setenv("CCHC_DB_URL", url)
    monkeypatch.setenv("CCHC_UNIT", "Xã Lộc Tân")
    monkeypatch.setenv("CCHC_TODAY", "2026-11-27")
    kdb.init_db(kdb.get_engine(url))
    yield kdb.get_engine(url)
    kdb.get_engine.cache_clear()


def _page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "tai-du-lieu.py"), default_timeout=60)
    at.session_state["unit"] = "Xã Lộc Tân"
    return at.run()


def _count(engine, table) -> int:
    with kdb.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.success] + [e.value for e in at.error] + [e.value for e in at.info]
    parts += [e.value for e in at.warning]
    return "\n".join(str(p) for p in parts)


def test_upload_validate_load_and_undo(app_env):
    at = _page()
    assert not at.exception
    assert "Chưa có lần tải nào." in _texts(at)

    data = csv_bytes([HEADER, *GOOD, BAD], sep=";")
    at.file_uploader(key="upload_files").set_value(("ho-so-thang-3.csv", data, "text/csv")).run()
    assert not at.exception
    text = _texts(at)
    assert "Danh sách hồ sơ" in text  # detected kind
    assert "Số điện thoại" in text  # personal-data column announced as dropped
    # The validation report names the bad row (row 4 of the file: header is row 1).
    report = at.dataframe[-1].value
    assert list(report["Dòng"]) == [4]
    assert "hẹn trả" in report["Lý do"].iloc[0].lower()
    # Refused by default: the load button is disabled until the user accepts the valid rows only.
    assert at.button(key="load_button").disabled
    at.checkbox(key="allow_0").check().run()
    at.text_input(key="uploaded_by").input("Nguyễn Văn A").run()
    at.button(key="load_button").click().run()
    assert not at.exception
    assert "thêm mới 2" in _texts(at)
    assert _count(app_env, dossiers) == 2
    with kdb.connect(app_env) as conn:
        b = conn.execute(sa.select(batches)).mappings().one()
    assert (b["uploaded_by"], b["inserted"], b["rejected"]) == ("Nguyễn Văn A", 2, 1)

    # Undo needs a confirmation; cancelling changes nothing.
    at.button(key="undo_button").click().run()
    assert "Bạn chắc chắn?" in _texts(at)
    at.button(key="undo_cancel").click().run()
    assert _count(app_env, dossiers) == 2
    at.button(key="undo_button").click().run()
    at.button(key="undo_confirm").click().run()
    assert not at.exception
    assert "Đã hoàn tác lần tải số" in _texts(at)
    assert _count(app_env, dossiers) == 0


def test_unreadable_file_shows_vietnamese_error_and_changes_nothing(app_env):
    at = _page()
    at.file_uploader(key="upload_files").set_value(("anh.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 200, "image/png")).run()
    assert not at.exception
    assert at.error, "an error message is shown"
    assert "xlsx" in at.error[0].value.lower() or "tệp" in at.error[0].value.lower()
    assert at.button(key="load_button").disabled
    assert _count(app_env, dossiers) == 0


def test_sizes_and_counts_in_vietnamese(app_env, tmp_path):
    """No "163.7KB" and no "1295": the file's size beside its name, counts with '.' groups."""
    from kpi import format as fmt

    assert [fmt.file_size(n) for n in (0, 1023, 167_629, 1_300_000, None)] == [
        "0 B", "1.023 B", "163,7 KB", "1,2 MB", "—"]
    rows = [[f"HS-{i:04d}", "Đăng ký khai sinh", "Hộ tịch", f"{1 + i % 28:02d}/03/2026", "30/03/2026",
             "Đang xử lý", ""] for i in range(1295)]
    data = csv_bytes([HEADER, *rows], sep=";")
    at = _page()
    at.file_uploader(key="upload_files").set_value(("ho-so-lon.csv", data, "text/csv")).run()
    assert [e.label for e in at.expander if "ho-so-lon.csv" in e.label] == [
        f"📄 ho-so-lon.csv · {fmt.file_size(len(data))}"]
    assert [m.value for m in at.metric] == ["1.295", "1.295", "0"]
    at.button(key="load_button").click().run()
    assert not at.exception
    log = at.dataframe[-1].value
    assert (log["Đọc"].iloc[0], log["Thêm mới"].iloc[0], log["Loại"].iloc[0], log["Trạng thái"].iloc[0]) == (
        "1.295", "1.295", "Danh sách hồ sơ", "Đã nạp")
    assert "đọc 1.295 dòng · thêm mới 1.295" in _texts(at)


def test_a_file_that_needs_mapping_offers_its_headers_and_loads_once_mapped(app_env):
    """A required column under a header the reader does not know ("Ngày nộp đơn"): the page
    names what is missing, offers the headers found, keeps the load button off; mapping the
    header by hand reads the file again and it loads."""
    header = ["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày nộp đơn", "Ngày hẹn trả", "Trạng thái"]
    rows = [r[:3] + [r[3], r[4], r[5]] for r in GOOD]
    at = _page()
    at.file_uploader(key="upload_files").set_value(("thieu-cot.csv", csv_bytes([header, *rows]), "text/csv")).run()
    assert not at.exception
    text = _texts(at)
    assert "Ngày tiếp nhận" in text  # the missing column is named
    assert at.button(key="load_button").disabled
    boxes = [b for b in at.selectbox if "Ngày nộp đơn" in b.label]
    assert boxes, [b.label for b in at.selectbox]
    boxes[0].set_value("received_at").run()
    assert not at.exception
    assert not at.button(key="load_button").disabled
    at.button(key="load_button").click().run()
    assert not at.exception
    assert _count(app_env, dossiers) == 2
