"""ingest.worker: the parse runs in a contained child, so a file that crashes the reader, eats
its memory or never ends is a refused file — and the parent (the dashboard) goes on."""

from __future__ import annotations

import datetime as dt
import pickle
import threading

import pytest

from ingest.model import IngestError
from ingest.reader import detect_kind, parse_file
from ingest.worker import detect_kind_in_worker, parse_in_worker
from tests import hostile as H
from tests.filemakers import csv_bytes, write, xlsx

TODAY = dt.date(2026, 4, 10)
ROWS = [["DANH SÁCH HỒ SƠ"], ["Mã hồ sơ", "Ngày tiếp nhận", "Tên thủ tục", "Trạng thái"],
        ["HS-1", "02/03/2026", "Đăng ký khai sinh", "Đã trả kết quả"],
        ["HS-2", "03/03/2026", "Đăng ký kết hôn", "Đang xử lý"],
        ["HS-1", "04/03/2026", "Đăng ký khai sinh", "Đã trả kết quả"]]
STOPPED_TAIL = ("), tệp bị từ chối; hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi tải lên lại. Nếu vẫn "
                "không được, hãy xuất lại tệp từ hệ thống một cửa điện tử.")


def refusal(*args, **kw) -> str:
    with pytest.raises(IngestError) as err:
        parse_in_worker(*args, **kw)
    return str(err.value)


@pytest.fixture
def good(tmp_path):
    return xlsx(tmp_path / "ho-so.xlsx", ROWS)


def test_same_result_as_parse_file(good):
    here = parse_file(good, today=TODAY)
    seen = []
    there = parse_in_worker(good, today=TODAY, progress=seen.append)
    assert there.frame.equals(here.frame)
    assert list(there.frame.dtypes) == list(here.frame.dtypes)
    assert (there.kind, there.rows_read, there.warnings, there.mapping, there.sheet, there.header_row) == (
        here.kind, here.rows_read, here.warnings, here.mapping, here.sheet, here.header_row)
    # Progress came back through the pipe, in order, ending at 1.
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 4


def test_bytes_and_file_objects_with_a_name(good):
    import io

    data = good.read_bytes()
    assert parse_in_worker(data, "t3.xlsx", today=TODAY).frame["dossier_code"].tolist() == ["HS-2", "HS-1"]
    assert parse_in_worker(io.BytesIO(data), "t3.xlsx", kind="dossiers",
                           today=TODAY).frame["dossier_code"].tolist() == ["HS-2", "HS-1"]
    assert detect_kind_in_worker(data, "t3.xlsx") == detect_kind(good) == "dossiers"


def test_refusals_keep_the_readers_message(tmp_path):
    path = write(tmp_path / "rong.csv", b"")
    with pytest.raises(IngestError) as here:
        parse_file(path)
    assert refusal(path) == str(here.value)
    assert refusal(tmp_path / "khong-co.xlsx").startswith("Không tìm thấy tệp “khong-co.xlsx”")


def test_environment_of_the_caller_reaches_the_child(tmp_path, monkeypatch):
    # The fork server started long before: the caller's settings still apply (CCHC_TODAY).
    path = write(tmp_path / "d.csv", csv_bytes([["Mã hồ sơ", "Ngày tiếp nhận"], ["A", "15/03/2026"],
                                                ["B", "16/03/2026"]]))
    monkeypatch.setenv("CCHC_TODAY", "2026-03-15")
    p = parse_in_worker(path)
    assert p.frame["dossier_code"].tolist() == ["A"]
    assert p.rejects[0].reason == "Ngày tiếp nhận 16/03/2026 sau ngày hôm nay (15/03/2026)"


def test_the_far_cell_workbook_is_refused_by_the_limits_in_the_child(tmp_path):
    msg = refusal(H.far_cell_xlsx(tmp_path / "xa.xlsx"))
    assert msg.startswith("Tệp “xa.xlsx”: trang tính “Sheet1” có dữ liệu ở ô XFD1048576 (cột 16.384)")


def test_the_real_reader_aborting_on_the_far_cell_is_a_refused_file(tmp_path):
    # Without the limits, calamine asks for 512 GB and aborts the process ("memory
    # allocation of 549755813888 bytes failed", SIGABRT): only the child dies.
    path = H.far_cell_xlsx(tmp_path / "xa.xlsx")
    assert refusal(path, _child_hook="tests.hostile:hook_no_limits") == (
        f"Tệp “xa.xlsx” làm trình đọc dừng bất thường (tệp đòi cấp phát quá nhiều bộ nhớ{STOPPED_TAIL}")
    # The parent is fine and the next file reads.
    assert parse_in_worker(H.far_cell_xlsx(tmp_path / "gan.xlsx", "C9"), today=TODAY).rows_read == 1


def test_a_reader_overrunning_the_memory_cap(good):
    assert refusal(good, memory_mb=768, _child_hook="tests.hostile:hook_eat_memory") == (
        f"Tệp “ho-so.xlsx” làm trình đọc dừng bất thường (việc đọc cần quá 768 MB bộ nhớ{STOPPED_TAIL}")


def test_the_cap_comes_from_the_environment(good, monkeypatch):
    monkeypatch.setenv("CCHC_PARSE_MEMORY_MB", "640")
    assert "(việc đọc cần quá 640 MB bộ nhớ)" in refusal(good, _child_hook="tests.hostile:hook_eat_memory")


@pytest.mark.parametrize("hook,why", [("hook_segfault", "lỗi truy cập bộ nhớ"),
                                      ("hook_abort", "trình đọc bị hủy giữa chừng"),
                                      ("hook_bug", "lỗi không lường trước khi đọc tệp")])
def test_a_crashing_reader(good, hook, why):
    assert refusal(good, _child_hook=f"tests.hostile:{hook}") == (
        f"Tệp “ho-so.xlsx” làm trình đọc dừng bất thường ({why}{STOPPED_TAIL}")


def test_a_reader_that_never_ends(good):
    assert refusal(good, timeout_s=1.5, _child_hook="tests.hostile:hook_sleep") == (
        "Tệp “ho-so.xlsx” đọc quá 1 giây nên trình đọc đã bị dừng, tệp bị từ chối. Nếu tệp rất lớn, hãy "
        "xuất từng kỳ ngắn hơn (ví dụ từng tháng); nếu không, hãy mở tệp bằng Excel, lưu lại dạng .xlsx "
        "rồi tải lên lại.")


def test_hostile_files_from_several_threads_at_once(tmp_path, good):
    """As on the dashboard: uploads in parallel threads, some hostile, none stops the others."""
    hostile = [H.far_cell_xlsx(tmp_path / "xa.xlsx"), H.zip_bomb_xlsx(tmp_path / "bom.xlsx"),
               write(tmp_path / "anh.xlsx", H.JPEG)]
    results = {}

    def one(key, path, **kw):
        try:
            results[key] = parse_in_worker(path, today=TODAY, **kw).frame["dossier_code"].tolist()
        except IngestError as exc:
            results[key] = str(exc)

    jobs = [("good", good, {}), ("crash", hostile[0], {"_child_hook": "tests.hostile:hook_no_limits"})]
    jobs += [(p.name, p, {}) for p in hostile]
    threads = [threading.Thread(target=one, args=j[:2], kwargs=j[2]) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results["good"] == ["HS-2", "HS-1"]
    assert results["crash"].startswith("Tệp “xa.xlsx” làm trình đọc dừng bất thường")
    assert "có dữ liệu ở ô XFD1048576" in results["xa.xlsx"]
    assert "khi giải nén có nội dung tới" in results["bom.xlsx"]
    assert results["anh.xlsx"].startswith("Tệp “anh.xlsx” là ảnh JPEG")


def test_no_child_is_left_behind(good):
    import multiprocessing as mp

    for _ in range(3):
        parse_in_worker(good, today=TODAY)
    with pytest.raises(IngestError):
        parse_in_worker(good, timeout_s=1, _child_hook="tests.hostile:hook_sleep")
    assert [p for p in mp.active_children() if p.name.startswith("cchc-parse")] == []


def test_text_columns_travel_as_arrow_and_come_back_the_same():
    import numpy as np
    import pandas as pd

    from ingest.model import ParsedFile
    from ingest.worker import _pack, _unpack

    frame = pd.DataFrame({
        "dossier_code": pd.Series(["A", None, "Đ"], dtype=object),
        "odd": pd.Series(["x", np.nan, pd.NA], dtype=object),  # not str/None: travels pickled
        "status": pd.Series([1, None, 4], dtype="Int64"),
    })
    parsed = ParsedFile(kind="dossiers", frame=frame.copy(), columns=["status"], rows_read=3)
    packed = _pack(parsed)
    assert list(packed[2]) == ["dossier_code"]
    back = _unpack(pickle.loads(pickle.dumps(packed)))
    assert back.frame.equals(frame) and list(back.frame.columns) == list(frame.columns)
    assert back.frame["dossier_code"].tolist() == ["A", None, "Đ"]
    assert back.frame["odd"].iloc[2] is pd.NA


def test_rows_come_back_through_shared_memory_only_when_it_has_room(good, tmp_path, monkeypatch):
    """The child's Arrow file goes to /dev/shm when it has room for the upload many times
    over (a container's 64 MB /dev/shm does not), else to the temporary folder; the result is
    the same either way."""
    import os

    from ingest import worker

    here = parse_file(good, today=TODAY)
    used = []
    real = worker.tempfile.TemporaryDirectory

    def tracking(*a, **kw):
        used.append(kw.get("dir"))
        return real(*a, **kw)

    monkeypatch.setattr(worker.tempfile, "TemporaryDirectory", tracking)
    shm = tmp_path / "shm"
    shm.mkdir()
    monkeypatch.setattr(worker, "SHM", shm)

    class Small:  # what os.statvfs says of a 64 MB /dev/shm
        f_bavail, f_frsize = 16_384, 4096

    for free, expected in ((None, str(shm)), (Small, None)):
        if free is not None:
            monkeypatch.setattr(worker.os, "statvfs", lambda _p, _f=free: _f)
        there = parse_in_worker(good, today=TODAY)
        assert used[-1] == expected
        assert there.frame.equals(here.frame)
    monkeypatch.setattr(worker, "SHM", tmp_path / "absent")
    parse_in_worker(good, today=TODAY)
    assert used[-1] is None
    assert os.path.isdir(shm) and not any(shm.iterdir())  # nothing left behind
