"""The audit rows of each change (access.md "Audit"), written in the same transaction as the
change: an upload (file name, SHA-256, counts), an undo, a forgotten remembered mapping, a plan
progress update; the command line records "dòng lệnh"; a change whose audit row cannot be
written is not made, and an undo refused for another unit changes nothing. DuckDB and
PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from ingest import service
from kpi import audit
from kpi import db as kdb
from kpi import schema as S
from tests.filemakers import csv_bytes

LOC_TAN = "Xã Lộc Tân"
BAC_HA = "Phường Bắc Hà"
HEADER = ["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"]
ROWS = [["HS-1", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026", "03/03/2026", "Đã trả kết quả"],
        ["HS-2", "Chứng thực", "Chứng thực", "03/03/2026", "03/03/2026", "Đang xử lý"]]


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setenv("CCHC_NOW", "2026-04-15T09:00:00")
    monkeypatch.setenv("CCHC_TODAY", "2026-04-15")


def _rows(engine, action: str) -> list[tuple]:
    f = audit.query(engine, action=action)
    return list(zip(f["actor"], f["unit"], f["summary"], f["details"]))


def _count(engine, table) -> int:
    with kdb.connect(engine) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_upload_and_undo_are_audited_with_file_sha_and_counts(engine):
    data = csv_bytes([HEADER, *ROWS], sep=";")
    result = service.load(engine, data, filename="ho-so-3.csv", unit=LOC_TAN)
    sha = hashlib.sha256(data).hexdigest()
    assert _rows(engine, "upload") == [(
        "dòng lệnh", LOC_TAN,
        "Tải lên tệp ho-so-3.csv (Danh sách hồ sơ): thêm mới 2, cập nhật 0, từ chối 0",
        {"batch_id": result.batch_id, "file_name": "ho-so-3.csv", "inserted": 2, "kind": "dossiers",
         "rejected": 0, "rows_read": 2, "sha256": sha, "unchanged": 0, "updated": 0,
         "uploaded_by": None})]
    # The same content again changes nothing, and records nothing.
    service.load(engine, data, filename="ban-sao.csv", unit=LOC_TAN, actor="lan")
    assert len(_rows(engine, "upload")) == 1
    service.undo(engine, result.batch_id, actor="lan", units=[LOC_TAN])
    assert _rows(engine, "undo") == [(
        "lan", LOC_TAN,
        f"Hoàn tác lần tải số {result.batch_id} (ho-so-3.csv): xóa 2 dòng thêm mới, khôi phục 0 dòng",
        {"batch_id": result.batch_id, "file_name": "ho-so-3.csv", "removed": 2, "restored": 0,
         "sha256": sha})]


def test_mappings_chosen_by_hand_are_in_the_upload_row(engine):
    header = ["Số hồ sơ XYZ", *HEADER[1:]]
    rows = [[*ROWS[0][:5], "Xong rồi"], ROWS[1]]
    service.load(engine, csv_bytes([header, *rows], sep=";"), filename="tay.csv", unit=LOC_TAN,
                 mapping_overrides={"Số hồ sơ XYZ": "dossier_code"},
                 value_overrides={"status": {"Xong rồi": 10}}, actor="lan")
    detail = _rows(engine, "upload")[0][3]
    assert detail["remembered_columns"] == {"Số hồ sơ XYZ": "dossier_code"}
    assert detail["remembered_values"] == {"status": {"Xong rồi": 10}}
    assert detail["inserted"] == 2


def test_undo_of_another_units_upload_is_refused_and_changes_nothing(engine):
    result = service.load(engine, csv_bytes([HEADER, *ROWS], sep=";"), filename="b.csv", unit=BAC_HA)
    with kdb.connect(engine, write=True) as conn:
        kdb.get_or_create_unit(conn, LOC_TAN)
    with pytest.raises(service.UndoRefused, match=f"Không tìm thấy lần tải số {result.batch_id}."):
        service.undo(engine, result.batch_id, actor="lan", units=[LOC_TAN])
    assert _count(engine, S.dossiers) == 2
    with kdb.connect(engine) as conn:
        assert conn.execute(sa.select(S.batches.c.status)).scalars().all() == ["loaded"]
    assert _rows(engine, "undo") == []


def test_a_change_whose_audit_row_fails_is_not_made(engine, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        service.load(engine, csv_bytes([HEADER, *ROWS], sep=";"), filename="x.csv", unit=LOC_TAN)
    assert (_count(engine, S.dossiers), _count(engine, S.batches)) == (0, 0)


def test_forgetting_a_remembered_mapping_is_audited(engine):
    with kdb.connect(engine, write=True) as conn:
        uid = kdb.get_or_create_unit(conn, LOC_TAN)
        mid = conn.execute(sa.insert(S.value_mappings).values(
            unit_id=uid, column_name="status", word="Xong", word_key="xong", code=10,
            created_by="lan", created_at=audit.config.wall_clock(),
        ).returning(S.value_mappings.c.id)).scalar_one()
    assert service.forget_value(engine, LOC_TAN, mid, actor="lan") is True
    assert service.forget_value(engine, LOC_TAN, mid, actor="lan") is False
    assert _rows(engine, "mapping_forget") == [(
        "lan", LOC_TAN, "Xóa ghép đã nhớ: giá trị «Xong» (status) → 10",
        {"code": 10, "column": "status", "word": "Xong"})]


def test_plan_updates_are_audited_once_per_save(engine):
    from kpi.plan import exchange, tracker

    year = tracker.default_year()
    a, b = tracker.activity_ids(year)[:2]
    tracker.update_statuses(engine, LOC_TAN, year, {a: {"status": "done"}, b: {"note": "Đã họp"}},
                            "Nguyễn Văn A", actor="lan")
    tracker.update_statuses(engine, LOC_TAN, year, {a: {"status": "done"}}, "Nguyễn Văn A",
                            actor="lan")  # nothing changes: no row
    assert _rows(engine, "plan_update") == [(
        "lan", LOC_TAN, f"Cập nhật tiến độ kế hoạch {year}: {a}, {b}",
        {"activities": [a, b], "file_name": None, "source": "form", "updated_by": "Nguyễn Văn A",
         "year": year})]
    data = exchange.export_excel(engine, LOC_TAN, year)
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    ws.cell(row=3, column=headers.index("Ghi chú tiến độ") + 1, value="Đã họp lần 2")
    out = io.BytesIO()
    wb.save(out)
    exchange.import_excel(engine, LOC_TAN, year, out.getvalue(), "Trần B", file_name="kh.xlsx")
    assert _rows(engine, "plan_update")[0][:3] == (
        "Trần B", LOC_TAN, f"Cập nhật tiến độ kế hoạch {year} từ tệp kh.xlsx: {b}")
