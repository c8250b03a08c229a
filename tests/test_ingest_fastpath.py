"""The loader's fast path (issue 13 item 4) and the review's correctness gaps (item 3):
record frames held as Arrow from the reader to the database, the parallel column parse that
gives the same result as the serial one, the worker's Arrow hand-back, one hashing pass for
duplicate codes, one read with remembered mappings, the size limit checked from the file's
size before it is read."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ingest import files, reader, service
from ingest import validate as V
from ingest.model import ParsedFile, arrow_to_frame, frame_to_arrow
from ingest.worker import parse_in_worker
from tests.filemakers import csv_bytes

TODAY = dt.date(2026, 3, 31)
UNIT = "Xã Lộc Tân"
HEAD = ["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái",
        "Kênh thực hiện", "Đã số hóa", "Lệ phí"]
ROWS = [
    ["A1", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026 08:07", "05/03/2026", "Đã trả kết quả", "Trực tuyến", "Có", "8.000"],
    ["A2", "", "Hộ tịch", "03/03/2026", "04/03/2026", "Đang xử lý - Quá hạn", "Trực tiếp", "Không", ""],
    ["A3", "Chứng thực", "", "31/02/2026", "05/03/2026", "Đã trả kết quả", "BCCI", "", "0"],
    ["A4", "Chứng thực", "Chứng thực", "04/03/2026", "01/03/2026", "Chờ ký số", "Zalo", "x", "5000"],
    ["A1", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026 08:07", "06/03/2026", "Đã trả kết quả", "Trực tuyến", "Có", "8.000"],
]


def _csv(tmp_path, rows=ROWS, name="ds.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes([HEAD, *rows], sep=";"))
    return path


def _facts(p: ParsedFile):
    return (p.frame.to_dict("list"), [(r.row_number, r.column, r.reason, r.raw) for r in p.rejects],
            p.unknown_values, p.warnings, list(p.frame.dtypes.astype(str)))


def test_parallel_parse_equals_serial(tmp_path, monkeypatch):
    path = _csv(tmp_path)
    monkeypatch.setattr(reader, "PARALLEL_ROWS", 10**9)
    serial = reader.parse_file(path, today=TODAY)
    monkeypatch.setattr(reader, "PARALLEL_ROWS", 1)
    calls = []
    real = reader._map
    monkeypatch.setattr(reader, "_map", lambda fn, items, rows: calls.append(rows) or real(fn, items, rows))
    parallel = reader.parse_file(path, today=TODAY)
    assert calls == [5, 5]  # text clean-up, then the column parse, both through the pool
    assert _facts(parallel) == _facts(serial)
    assert [r.row_number for r in serial.rejects] == [4, 5]
    assert serial.unknown_values == {"status": {"Chờ ký số": 1}, "channel": {"Zalo": 1}}
    assert serial.frame["dossier_code"].tolist() == ["A2", "A1"]


def test_record_frame_is_arrow_until_used(tmp_path):
    p = reader.parse_file(_csv(tmp_path), today=TODAY)
    table = p.__dict__["_table"]
    assert isinstance(table, pa.Table) and p.__dict__["_frame"] is None
    assert p.arrow_table() is table and p.row_count == 2
    assert p.column_min("received_at") == dt.datetime(2026, 3, 2, 8, 7)
    assert p.__dict__["_frame"] is None  # nothing above turned it into pandas
    f = p.frame
    assert f["procedure_name"].tolist() == [None, "Đăng ký khai sinh"]  # blank is None, not NaN
    assert f["procedure_name"].dtype == object and str(f["status"].dtype) == "Int64"
    assert str(f["inputs_digitized"].dtype) == "boolean" and str(f["source_row"].dtype) == "int64"
    assert f["status"].tolist() == [4, 10] and f["inputs_digitized"].tolist() == [False, True]
    assert f["received_at"].tolist() == [pd.Timestamp(2026, 3, 3), pd.Timestamp(2026, 3, 2, 8, 7)]
    # through pickle (the worker) and back, the frame is the same
    back = pickle.loads(pickle.dumps(p))
    assert back.frame.equals(f) and list(back.frame.dtypes) == list(f.dtypes)


def test_frame_arrow_round_trip_keeps_dtypes():
    frame = pd.DataFrame({
        "code": pd.Series(["A", None, "Đ"], dtype=object),
        "n": pd.array([1, None, 3], dtype="Int64"),
        "b": pd.array([True, None, False], dtype="boolean"),
        "t": pd.Series([pd.Timestamp(2026, 3, 1, 8), pd.NaT, pd.Timestamp(2026, 3, 2)], dtype="datetime64[ns]"),
        "row": np.array([4, 5, 6], dtype=np.int64),
    })
    back = arrow_to_frame(frame_to_arrow(frame))
    assert back.equals(frame) and list(back.dtypes) == list(frame.dtypes)
    assert back["code"].tolist() == ["A", None, "Đ"]
    many = pd.DataFrame({"w": pd.Series(["x", None, "y"] * 100, dtype=object)})  # few distinct words
    assert arrow_to_frame(frame_to_arrow(many))["w"].tolist() == ["x", None, "y"] * 100


def test_worker_hands_rows_back_as_arrow(tmp_path):
    path = _csv(tmp_path)
    here = reader.parse_file(path, today=TODAY)
    there = parse_in_worker(path, today=TODAY)
    assert isinstance(there.__dict__["_table"], pa.Table)
    assert there.arrow_table().equals(here.arrow_table())
    assert _facts(there) == _facts(here)


def test_duplicate_check_hashes_once_without_duplicates(monkeypatch):
    calls = []
    real = pd.Series.duplicated
    monkeypatch.setattr(pd.Series, "duplicated", lambda self, keep="first": calls.append(keep) or real(self, keep=keep))
    keep, warning = V.duplicate_warning(pd.Series(["A", "B", None, None], dtype=object), np.array([2, 3, 4, 5]),
                                        "mã hồ sơ")
    assert calls == ["last"] and warning is None and keep.tolist() == [True] * 4
    keep, warning = V.duplicate_warning(pd.Series(["A", "B", "A", None, "B", "A"], dtype=object),
                                        np.array([2, 3, 4, 5, 6, 7]),
                                        "mã hồ sơ")
    assert keep.tolist() == [False, False, False, True, True, True]
    assert warning == ("Có 2 mã hồ sơ xuất hiện nhiều lần trong tệp; dùng dòng xuất hiện sau cùng: "
                       "A (dòng 2, 4, 7); B (dòng 3, 6).")


def test_size_limit_checked_before_reading(tmp_path, monkeypatch, engine):
    path = _csv(tmp_path)
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", str(100 / (1 << 20)))  # 100 bytes
    read = []
    monkeypatch.setattr(files.Source, "chunks", lambda self, size=0: read.append(1) or iter([]))
    monkeypatch.setattr(files.Source, "read", lambda self: read.append(1) or b"")
    with pytest.raises(files.IngestError, match="vượt giới hạn"):
        service.read(engine, path, unit=UNIT)
    assert read == []


def test_remembered_columns_applied_in_one_read(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("CCHC_TODAY", "2026-03-31")
    head = ["Số HS nội bộ", "Ngày tiếp nhận", "Trạng thái"]
    first = tmp_path / "t3.csv"
    first.write_bytes(csv_bytes([head, ["B1", "02/03/2026", "Đã trả kết quả"]]))
    up = service.read(engine, first, unit=UNIT, kind="dossiers", mapping_overrides={"Số HS nội bộ": "dossier_code"})
    service.load_upload(engine, up, unit=UNIT)
    nxt = tmp_path / "t4.csv"
    nxt.write_bytes(csv_bytes([head, ["B2", "03/03/2026", "Đã trả kết quả"]]))
    parses = []
    real = service._parser()
    monkeypatch.setattr(service, "_parser", lambda: (lambda *a, **k: parses.append(1) or real(*a, **k)))
    up2 = service.read(engine, nxt, unit=UNIT)  # kind auto: the remembered header row says dossiers
    assert parses == [1] and up2.parsed.kind == "dossiers"
    assert up2.remembered_columns == {"Số HS nội bộ": "dossier_code"}
    assert up2.parsed.mapping["Số HS nội bộ"] == "dossier_code"
    assert up2.parsed.frame["dossier_code"].tolist() == ["B2"]
    assert up2.sha256 == service.sha256_of(nxt.read_bytes()) and up2.size == nxt.stat().st_size


def test_command_line_starts_without_heavy_imports():
    import subprocess
    import sys

    import ingest.__main__ as cli
    from kpi.schema import KINDS

    assert list(cli.KINDS) == KINDS

    def loaded(imports: str, names: tuple[str, ...]) -> str:
        code = f"import sys, {imports}; print(sorted(x for x in {names!r} if x in sys.modules))"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    # --help needs argparse and kpi.cli only; a load needs SQLAlchemy and the database, the
    # readers (pandas, NumPy, pyarrow) run in the parse worker.
    assert loaded("ingest.__main__", ("sqlalchemy", "pandas", "numpy", "pyarrow")) == "[]"
    assert loaded("ingest.__main__, ingest.service, ingest.watch, ingest.worker, ingest.files",
                  ("pandas", "numpy", "pyarrow")) == "[]"


# --- a summary table by unit: each row to its unit -------------------------------------------
def _summary_rows(engine):
    import sqlalchemy as sa

    from kpi import db as kdb
    from kpi.schema import batches, summaries, units

    with kdb.connect(engine) as conn:
        rows = conn.execute(
            sa.select(units.c.name, summaries.c.field, summaries.c.received_total, summaries.c.on_time,
                      summaries.c.late, batches.c.file_name)
            .join(units, units.c.id == summaries.c.unit_id).join(batches, batches.c.id == summaries.c.batch_id)
            .order_by(units.c.name)).all()
    return [tuple(r) for r in rows]


def test_summary_by_unit_rows_stored_to_their_units(engine, tmp_path, monkeypatch):
    from kpi import config
    from kpi import queries as Q
    from tests import layouts as LY

    monkeypatch.setenv("CCHC_TODAY", "2026-04-10")
    monkeypatch.delenv("CCHC_UNIT", raising=False)
    monkeypatch.setattr(config, "default_unit", lambda: None)
    path = LY.write("xlsx", tmp_path / "don-vi", *LY.summary_by_unit())
    r = service.load(engine, path)  # no unit chosen: the rows name theirs
    assert (r.status, r.rows_read, r.inserted, r.rejected) == ("loaded", 3, 3, 0)
    assert r.warnings[-1] == ("Bảng có dòng của 3 đơn vị; mỗi dòng được nạp cho đơn vị của nó: "
                              "Xã Lộc Tân, Xã Lộc An, Xã Lộc Thành.")
    assert _summary_rows(engine) == [
        ("Xã Lộc An", "Tất cả lĩnh vực", 60, 8, 0, "don-vi.xlsx"),
        ("Xã Lộc Thành", "Tất cả lĩnh vực", 25, 6, 4, "don-vi.xlsx"),
        ("Xã Lộc Tân", "Tất cả lĩnh vực", 130, 45, 5, "don-vi.xlsx"),
    ]
    an = Q.snapshot(engine, "Xã Lộc An", "2026-03", today=dt.date(2026, 4, 10))
    kpi = next(k for k in an.kpis if k.key == "online_submission_rate")
    assert (kpi.numerator, kpi.denominator) == (20, 60)
    again = service.load(engine, path)
    assert (again.status, again.inserted) == ("duplicate", 0)
    assert len(service.history(engine)) == 3  # one upload log entry per unit


def test_summary_by_unit_with_a_unit_keeps_its_row(engine, tmp_path, monkeypatch):
    from tests import layouts as LY

    monkeypatch.setenv("CCHC_TODAY", "2026-04-10")
    path = LY.write("xlsx", tmp_path / "don-vi", *LY.summary_by_unit())
    r = service.load(engine, path, unit="Xã Lộc An")  # service passes the unit to the reader
    assert (r.rows_read, r.inserted) == (1, 1)
    assert _summary_rows(engine) == [("Xã Lộc An", "Tất cả lĩnh vực", 60, 8, 0, "don-vi.xlsx")]
    with pytest.raises(files.IngestError, match="không có dòng của đơn vị “Xã Khác”"):
        service.load(engine, path, unit="Xã Khác")


# --- files that load once staff map by hand ----------------------------------------------------
def test_missing_required_column_offers_the_headers_found(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-03-31")
    path = tmp_path / "thieu.csv"
    path.write_bytes(csv_bytes([["Mã hồ sơ", "Ngày nhận HS", "STT", "Trạng thái", "Họ tên người nộp"],
                                ["C1", "02/03/2026", "1", "Đã trả kết quả", "Nguyễn Văn A"],
                                ["C2", "03/03/2026", "2", "Đang xử lý", "Trần Thị B"]]))
    with pytest.raises(files.IngestError) as refused:
        reader.parse_file(path, today=TODAY)
    up = service.read(engine, path, unit=UNIT)
    assert up.needs_mapping == str(refused.value)
    assert up.needs_mapping.startswith("Tệp “thieu.csv” (Danh sách hồ sơ) thiếu cột bắt buộc “Ngày tiếp nhận”.")
    assert up.missing_columns == ["received_at"]
    p = up.parsed
    assert (p.kind, p.rows_read, len(p.frame), p.mapping) == ("dossiers", 0, 0, {"Mã hồ sơ": "dossier_code",
                                                                                 "Trạng thái": "status"})
    assert p.unmapped == ["Ngày nhận HS", "STT"]  # every header found, never the personal one
    assert p.dropped_personal == ["Họ tên người nộp"] and p.warnings[-1] == up.needs_mapping
    with pytest.raises(files.IngestError) as load_refused:
        service.load_upload(engine, up, unit=UNIT)
    assert str(load_refused.value) == up.needs_mapping
    with pytest.raises(files.IngestError, match="thiếu cột bắt buộc “Ngày tiếp nhận”"):
        service.load(engine, path, unit=UNIT)  # the command line: the same refusal
    mapped = service.read(engine, path, unit=UNIT, mapping_overrides={"Ngày nhận HS": "received_at"})
    assert mapped.needs_mapping is None
    r = service.load_upload(engine, mapped, unit=UNIT)
    assert (r.inserted, r.rejected) == (2, 0)


def test_every_status_unknown_offers_the_value_mapping(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", "2026-03-31")
    path = tmp_path / "tt.csv"
    path.write_bytes(csv_bytes([["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"],
                                ["D1", "02/03/2026", "Xong việc"], ["D2", "03/03/2026", "Xong việc"],
                                ["D3", "04/03/2026", "Đang làm"]]))
    up = service.read(engine, path, unit=UNIT)
    assert up.needs_mapping.startswith("Không có dòng nào hợp lệ trong tệp “tt.csv” (3 dòng đều bị từ chối).")
    assert up.unknown_values == {"status": {"Xong việc": 2, "Đang làm": 1}}
    assert [r.row_number for r in up.parsed.rejects] == [2, 3, 4] and up.parsed.rows_read == 3
    with pytest.raises(files.IngestError, match="3 dòng đều bị từ chối"):
        service.load_upload(engine, up, unit=UNIT)
    mapped = service.read(engine, path, unit=UNIT, value_overrides={"status": {"Xong việc": 10, "Đang làm": 4}})
    assert mapped.needs_mapping is None and mapped.unknown_values == {}
    r = service.load_upload(engine, mapped, unit=UNIT)
    assert (r.inserted, r.rejected) == (3, 0)
    assert service.read(engine, path, unit=UNIT).parsed.frame["status"].tolist() == [10, 10, 4]  # remembered


def test_duplicate_check_of_arrow_codes(monkeypatch):
    calls = []
    real = pd.Series.duplicated
    monkeypatch.setattr(pd.Series, "duplicated", lambda self, keep="first": calls.append(keep) or real(self, keep=keep))
    codes = pd.Series(["A", "B", None, "C"], dtype="str")
    keep, warning = V.duplicate_warning(codes, np.array([2, 3, 4, 5]), "mã hồ sơ")
    assert calls == [] and warning is None and keep.tolist() == [True] * 4  # no pandas pass at all
    keep, warning = V.duplicate_warning(pd.Series(["A", "B", "A"], dtype="str"), np.array([2, 3, 4]), "mã hồ sơ")
    assert keep.tolist() == [False, True, True]
    assert warning == "Có 1 mã hồ sơ xuất hiện nhiều lần trong tệp; dùng dòng xuất hiện sau cùng: A (dòng 2, 4)."


def test_first_load_of_a_unit_stores_what_the_full_upsert_stores(engine, tmp_path, monkeypatch):
    import sqlalchemy as sa

    from ingest import load as L
    from kpi import db as kdb
    from kpi.schema import dossiers, units

    monkeypatch.setenv("CCHC_TODAY", "2026-03-31")
    path = _csv(tmp_path)
    other = tmp_path / "khac.csv"
    other.write_bytes(csv_bytes([HEAD, ["Z9", "Khác", "Hộ tịch", "01/03/2026", "02/03/2026", "Đã trả kết quả",
                                        "Trực tiếp", "Có", "0"]], sep=";"))
    service.load(engine, other, unit="Xã B")  # Xã B has a row: its next load runs the full upsert
    used = []
    real = L._first_load
    monkeypatch.setattr(L, "_first_load", lambda *a, **k: used.append(r := real(*a, **k)) or r)
    a = service.load(engine, path, unit="Xã A", allow_rejects=True)
    b = service.load(engine, path, unit="Xã B", allow_rejects=True)
    assert [u is not None for u in used] == [True, False]
    assert (a.inserted, a.updated, a.rejected) == (b.inserted, b.updated, b.rejected) == (2, 0, 2)
    cols = [c for c in dossiers.columns.keys() if c not in ("unit_id", "batch_id", "created_batch_id")]

    def rows(unit):
        with kdb.connect(engine) as conn:
            q = (sa.select(*[dossiers.c[c] for c in cols]).join(units, units.c.id == dossiers.c.unit_id)
                 .where(units.c.name == unit, dossiers.c.dossier_code != "Z9").order_by(dossiers.c.dossier_code))
            return [tuple(r) for r in conn.execute(q)]

    assert rows("Xã A") == rows("Xã B") and [r[0] for r in rows("Xã A")] == ["A1", "A2"]


def test_worker_rows_read_into_memory_where_files_cannot_be_mapped(tmp_path, monkeypatch):
    from ingest import worker

    path = _csv(tmp_path)
    here = reader.parse_file(path, today=TODAY)
    monkeypatch.setattr(worker, "_can_map", lambda: False)  # as on Windows
    there = parse_in_worker(path, today=TODAY)
    assert there.arrow_table().equals(here.arrow_table())


def test_whole_file_csv_read_gives_what_the_streaming_read_gives(tmp_path, monkeypatch):
    """A large CSV is read by pyarrow's multi-threaded ``read_csv`` in one pass, a small one
    by the streaming reader: the same rows, rejects and warnings either way, and the same
    answer for ragged rows (padded by the pandas reader) and for a row wider than the limit."""
    from tests.filemakers import csv_bytes as make

    ragged = tmp_path / "ragged.csv"
    ragged.write_bytes("Mã hồ sơ;Ngày tiếp nhận;Trạng thái\nR1;01/03/2026\nR2;02/03/2026;4;x\n".encode())
    wide = tmp_path / "wide.csv"
    wide.write_bytes(make([["Mã hồ sơ", "Ngày tiếp nhận"]] + [[f"HS-{i}", "02/03/2026"] for i in range(50)]
                          + [["HS-X", "02/03/2026"] + [""] * 300]))
    wider = tmp_path / "wider.csv"  # rows over the limit past the head: the widest is named
    wider.write_bytes(make([["Mã hồ sơ", "Ngày tiếp nhận"]] + [[f"HS-{i}", "02/03/2026"] for i in range(20_000)]
                           + [["HS-Y", "02/03/2026"] + [""] * 250] + [["HS-Z", "02/03/2026"]]
                           + [["HS-X", "02/03/2026"] + [""] * 400] + [["HS-W", "02/03/2026"] + [""] * 300]))
    cases = [_csv(tmp_path), ragged]

    def read_all():
        out = [_facts(reader.parse_file(p, today=TODAY)) for p in cases]
        errors = []
        for bad in (wide, wider):
            with pytest.raises(files.IngestError) as exc:
                reader.parse_file(bad, today=TODAY)
            errors.append(str(exc.value))
        return out, errors

    calls = []
    import pyarrow.csv as pcsv

    whole = pcsv.read_csv
    monkeypatch.setattr(pcsv, "read_csv", lambda *a, **k: calls.append(1) or whole(*a, **k))
    streaming = read_all()
    assert calls == []  # small files: the streaming reader
    monkeypatch.setattr(files, "WHOLE_READ_BYTES", 0)
    assert read_all() == streaming
    assert len(calls) >= 2  # the plain file and the ragged one at least took the whole read
    assert "302 cột" in streaming[1][0] and "402 cột" in streaming[1][1]
