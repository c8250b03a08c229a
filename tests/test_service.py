"""ingest.service: the one load path of the page and the command line — native bulk paths
that store exactly what plain inserts store, the guard that never reopens a finished
dossier, and remembered column and value mappings made on the page and applied by the next
command-line load and the page's next upload. On DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import inspect
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from ingest import load as L
from ingest import service
from ingest.__main__ import main as ingest_main
from ingest.headers import fold
from ingest.model import ParsedFile
from kpi import db as kdb
from kpi.schema import batches, column_mappings, dossiers, value_mappings
from tests.filemakers import csv_bytes

ROOT = Path(__file__).resolve().parent.parent
UNIT = "Xã Lộc Tân"
TODAY = "2026-11-27"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("CCHC_TODAY", TODAY)
    monkeypatch.setenv("CCHC_UNIT", UNIT)


def cli(db_url: str, *args: str, capsys) -> tuple[int, str, str]:
    try:
        code = ingest_main(["--db", db_url, *args])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def rows_of(engine, unit=UNIT, columns=("dossier_code", "status", "received_at", "field")):
    with kdb.connect(engine) as conn:
        unit_id = kdb.find_unit(conn, unit)
        q = sa.select(*[dossiers.c[c] for c in columns]).where(dossiers.c.unit_id == unit_id)
        return [tuple(r) for r in conn.execute(q.order_by(dossiers.c.dossier_code))]


# --- native bulk paths -----------------------------------------------------------------------

TRICKY = [
    "Đăng ký khai sinh", "", None, 'có "ngoặc kép", dấu phẩy; chấm phẩy', "dòng 1\ndòng 2\r\ndòng 3",
    "\\N", "  khoảng trắng  ", "tab\tở giữa", "NULL", "Đăng ký khai sinh",  # NFD
]


def _tricky_file(numbers, shift_days=0, as_of=dt.date(2026, 3, 31)) -> ParsedFile:
    """Dossiers HS-000… whose values follow their number (the same dossier, the same values
    in every file, but the due day and supplement count moved by ``shift_days``)."""
    codes = [f"HS-{i:03d}" for i in numbers]
    n = len(codes)
    base = pd.Timestamp("2026-03-02 08:15:30.123456")
    frame = pd.DataFrame({
        "dossier_code": pd.Series(codes, dtype=object),
        "procedure_code": pd.Series([f"1.00{i}" if i % 3 else None for i in numbers], dtype=object),
        "procedure_name": pd.Series([TRICKY[i % len(TRICKY)] for i in numbers], dtype=object),
        "field": pd.Series([TRICKY[(i + 3) % len(TRICKY)] for i in numbers], dtype=object),
        "received_at": pd.Series([base + pd.Timedelta(days=i % 20, seconds=i) for i in numbers]),
        "due_at": pd.Series([base + pd.Timedelta(days=25 + shift_days) if i % 4 else pd.NaT for i in numbers]),
        "finished_at": pd.Series([base + pd.Timedelta(days=21) if i % 2 else pd.NaT for i in numbers]),
        "status": pd.array([(10 if i % 2 else 4) for i in numbers], dtype="Int64"),
        "channel": pd.array([None if i % 5 == 0 else 1 + i % 3 for i in numbers], dtype="Int64"),
        "supplement_count": pd.array([i % 3 + shift_days for i in numbers], dtype="Int64"),
        "inputs_digitized": pd.array([None if i % 7 == 0 else bool(i % 2) for i in numbers], dtype="boolean"),
        "fee": pd.array([None if i % 6 == 0 else 50_000 * i + 10**12 for i in numbers], dtype="Int64"),
        "officer": pd.Series(["Nguyễn Văn A" if i % 2 else None for i in numbers], dtype=object),
    })
    frame["source_row"] = range(2, 2 + n)
    columns = [c for c in frame.columns if c not in ("dossier_code", "source_row")]
    return ParsedFile(kind="dossiers", frame=frame, columns=columns, rows_read=n, as_of=as_of)


def _stored(engine, unit):
    cols = [c for c in dossiers.columns if c.name not in ("unit_id", "batch_id", "created_batch_id")]
    with kdb.connect(engine) as conn:
        unit_id = kdb.find_unit(conn, unit)
        q = sa.select(*cols).where(dossiers.c.unit_id == unit_id).order_by(dossiers.c.dossier_code)
        return [tuple(r) for r in conn.execute(q)]


def test_native_paths_store_exactly_what_plain_inserts_store(engine, monkeypatch, env):
    """Arrow (DuckDB) / COPY (PostgreSQL) against SQLAlchemy executemany, insert then update."""
    first = _tricky_file(range(40))
    second = _tricky_file([*range(10, 40), 100, 101], shift_days=1, as_of=dt.date(2026, 4, 30))
    counts = {}
    for unit, native in (("Xã Native", True), ("Xã Plain", False)):
        monkeypatch.setattr(L, "NATIVE_BULK", native)
        r1 = L.load_parsed(engine, first, file_name="t3.xlsx", sha256=f"a-{unit}", unit=unit)
        r2 = L.load_parsed(engine, second, file_name="t4.xlsx", sha256=f"b-{unit}", unit=unit)
        counts[unit] = [(r.inserted, r.updated, r.unchanged, r.kept) for r in (r1, r2)]
    assert counts["Xã Native"] == counts["Xã Plain"] == [(40, 0, 0, 0), (2, 30, 0, 0)]
    native, plain = _stored(engine, "Xã Native"), _stored(engine, "Xã Plain")
    assert native == plain
    # And both are exactly the files' values: the newer file's where it has the code.
    expected = {}
    for pf in (first, second):
        for rec in pf.frame.astype(object).where(pf.frame.notna(), None).to_dict("records"):
            expected[rec["dossier_code"]] = tuple(
                pf.as_of if c.name == "as_of" else _plain(rec.get(c.name))
                for c in dossiers.columns if c.name not in ("unit_id", "batch_id", "created_batch_id"))
    assert native == [expected[k] for k in sorted(expected)]
    assert {r[2] for r in native} == {t for t in TRICKY}  # NULL and "" kept apart, text byte for byte


def _plain(v):
    return v.to_pydatetime() if isinstance(v, pd.Timestamp) else v


# --- the finished -> pending guard ------------------------------------------------------------

HEADER = ["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý", "Trạng thái"]
MARCH = [
    ["HS-001", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026", "03/03/2026", "03/03/2026", "Đã trả kết quả"],
    ["HS-002", "Chứng thực bản sao", "Chứng thực", "03/03/2026", "03/03/2026", "03/03/2026", "Đã xử lý xong"],
    ["HS-003", "Đăng ký kết hôn", "Hộ tịch", "05/03/2026", "10/03/2026", "", "Đang xử lý"],
    ["HS-004", "Cấp phép xây dựng", "Xây dựng", "06/03/2026", "20/03/2026", "19/03/2026", "Đã trả kết quả"],
]
# Same codes, newer export: HS-001 and HS-002 back to pending with dates of 2026-10 (a list
# of PAKN codes that collide), HS-004 re-dated only, HS-003 really finished since.
OCTOBER = [
    ["HS-001", "Phản ánh về hồ sơ", "Hộ tịch", "02/10/2026", "12/10/2026", "", "Đang xử lý"],
    ["HS-002", "Phản ánh về hồ sơ", "Chứng thực", "03/03/2026", "13/03/2026", "", "Đã tiếp nhận"],
    ["HS-003", "Đăng ký kết hôn", "Hộ tịch", "05/03/2026", "10/03/2026", "09/03/2026", "Đã trả kết quả"],
    ["HS-004", "Cấp phép xây dựng", "Xây dựng", "16/03/2026", "20/03/2026", "19/03/2026", "Đã trả kết quả"],
]


def test_a_load_never_reopens_a_finished_dossier_nor_moves_its_received_day(db_url, tmp_path, env, capsys):
    march = tmp_path / "t3.csv"
    march.write_bytes(csv_bytes([HEADER, *MARCH], sep=";"))
    october = tmp_path / "t10.csv"
    october.write_bytes(csv_bytes([HEADER, *OCTOBER], sep=";"))
    assert cli(db_url, str(march), capsys=capsys)[0] == 0
    engine = kdb.get_engine(db_url)
    before = {r[0]: r for r in rows_of(engine)}
    code, out, err = cli(db_url, str(october), capsys=capsys)
    assert code == 0, err
    assert "thêm mới 0, cập nhật 1, từ chối 0 (giữ nguyên 3 hồ sơ đã lưu, xem cảnh báo)" in out
    warning = next(line for line in out.splitlines() if "Cảnh báo: Giữ nguyên 3 hồ sơ" in line)
    assert "HS-001 (Đã trả kết quả → Đang xử lý; ngày tiếp nhận 02/03/2026 → 02/10/2026)" in warning
    assert "HS-002 (Đã xử lý xong → Được tiếp nhận)" in warning
    assert "HS-004 (ngày tiếp nhận 06/03/2026 → 16/03/2026)" in warning
    assert "HS-003" not in warning and "không bị thay đổi" in warning
    after = {r[0]: r for r in rows_of(engine)}
    assert [after[c] for c in ("HS-001", "HS-002", "HS-004")] == [before[c] for c in ("HS-001", "HS-002", "HS-004")]
    assert after["HS-003"][1] == 10  # the real progress is loaded
    with kdb.connect(engine) as conn:
        b = conn.execute(sa.select(batches).order_by(batches.c.id.desc())).mappings().first()
    assert (b["inserted"], b["updated"], b["unchanged"]) == (0, 1, 3)
    assert "Giữ nguyên 3 hồ sơ" in b["warnings"]
    # Undo of the October upload restores HS-003 only; the kept rows never moved.
    res = service.undo(engine, b["id"])
    assert (res.removed, res.restored) == (0, 1)
    assert {r[0]: r for r in rows_of(engine)} == before


# --- one service for the page and the command line -----------------------------------------


def _page(db_url, monkeypatch) -> AppTest:
    monkeypatch.setenv("CCHC_DB_URL", db_url)
    at = AppTest.from_file(str(ROOT / "pages" / "tai-du-lieu.py"), default_timeout=60)
    at.session_state["unit"] = UNIT
    return at.run()



def _mapping_table(at):
    """The upload panel's column mapping (the page's month strip is a table too)."""
    return next(df.value for df in at.dataframe if "Cột trong tệp" in df.value.columns)

def _selectbox(at, label):
    (box,) = [s for s in at.selectbox if s.label == label]
    return box


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    parts += [e.value for e in [*at.success, *at.error, *at.info, *at.warning]]
    parts += [e.label for e in at.expander] + [s.label for s in at.selectbox]
    return "\n".join(str(p) for p in parts)


def test_the_page_and_the_command_line_load_through_the_service(db_url, tmp_path, monkeypatch, env, capsys):
    calls = []
    real = service.load_upload

    def spy(engine, upload, **kw):
        calls.append((upload.file_name, kw["unit"]))
        return real(engine, upload, **kw)

    monkeypatch.setattr(service, "load_upload", spy)
    at = _page(db_url, monkeypatch)
    at.file_uploader(key="upload_files").set_value(("t3.csv", csv_bytes([HEADER, *MARCH[:2]]), "text/csv")).run()
    assert "t3.csv · " in _texts(at) and " B" in _texts(at)  # the size in Vietnamese, beside the name
    at.button(key="load_button").click().run()
    assert not at.exception
    f = tmp_path / "t3b.csv"
    f.write_bytes(csv_bytes([HEADER, *MARCH[2:]]))
    assert cli(db_url, str(f), capsys=capsys)[0] == 0
    assert calls == [("t3.csv", UNIT), ("t3b.csv", UNIT)]
    assert [r[0] for r in rows_of(kdb.get_engine(db_url))] == ["HS-001", "HS-002", "HS-003", "HS-004"]


# --- remembered column mappings -------------------------------------------------------------

MAP_HEADER = ["Mã hồ sơ", "Tên thủ tục", "Nhóm việc", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"]


def _month(month: int, codes: range, header=MAP_HEADER) -> bytes:
    rows = [[f"HS-{month:02d}-{i}", "Đăng ký khai sinh", f"Hộ tịch {i}", f"0{i}/{month:02d}/2026",
             f"2{i}/{month:02d}/2026", "Đang xử lý"] for i in codes]
    if len(header) > len(MAP_HEADER):
        rows = [r + ["ghi chú nội bộ"] for r in rows]
    return csv_bytes([header, *rows], sep=";")


def test_column_mapped_on_the_page_is_remembered_for_that_header_row(db_url, tmp_path, monkeypatch, env, capsys):
    at = _page(db_url, monkeypatch)
    at.file_uploader(key="upload_files").set_value(("t3.csv", _month(3, range(1, 3)), "text/csv")).run()
    assert "«Nhóm việc»" in [s.label for s in at.selectbox]
    _selectbox(at, "«Nhóm việc»").set_value("field").run()
    assert not at.exception
    mapping = _mapping_table(at)
    assert list(mapping[mapping["Cột trong tệp"] == "Nhóm việc"]["Cách ghép"]) == ["Chọn tay"]
    at.text_input(key="uploaded_by").input("Trần Thị B").run()
    at.button(key="load_button").click().run()
    assert not at.exception
    engine = kdb.get_engine(db_url)
    assert rows_of(engine, columns=("dossier_code", "field")) == [("HS-03-1", "Hộ tịch 1"), ("HS-03-2", "Hộ tịch 2")]
    with kdb.connect(engine) as conn:
        stored = conn.execute(sa.select(column_mappings.c.header, column_mappings.c.canonical,
                                        column_mappings.c.kind, column_mappings.c.created_by)).all()
    assert stored == [("Nhóm việc", "field", "dossiers", "Trần Thị B")]
    assert "Cột «Nhóm việc» → Lĩnh vực · Danh sách hồ sơ · Trần Thị B" in _texts(at)

    # The next month's export with the same header row, from the command line.
    april = tmp_path / "t4.csv"
    april.write_bytes(_month(4, range(1, 3)))
    code, out, err = cli(db_url, str(april), capsys=capsys)
    assert code == 0, err
    assert "Ghép cột đã nhớ của đơn vị: «Nhóm việc» → Lĩnh vực" in out
    assert ("HS-04-2", "Hộ tịch 2") in rows_of(engine, columns=("dossier_code", "field"))
    # Another header row (one more column) is not that mapping's file: nothing applied.
    other = tmp_path / "khac.csv"
    other.write_bytes(_month(5, range(1, 2), header=MAP_HEADER + ["Mã vạch"]))
    code, out, _ = cli(db_url, str(other), capsys=capsys)
    assert code == 0 and "Ghép cột đã nhớ" not in out
    assert ("HS-05-1", None) in rows_of(engine, columns=("dossier_code", "field"))
    # Another unit does not get it either.
    code, out, _ = cli(db_url, "--unit", "Phường Khác", str(tmp_path / "t4.csv"), capsys=capsys)
    assert code == 0 and "Ghép cột đã nhớ" not in out

    # The page's next upload of that header row: mapped from memory, nothing to choose.
    at = _page(db_url, monkeypatch)
    at.file_uploader(key="upload_files").set_value(("t6.csv", _month(6, range(1, 2)), "text/csv")).run()
    mapping = _mapping_table(at)
    assert list(mapping[mapping["Cột trong tệp"] == "Nhóm việc"][["Dữ liệu chuẩn", "Cách ghép"]].iloc[0]) == [
        "Lĩnh vực", "Đã nhớ"]
    assert "«Nhóm việc»" not in [s.label for s in at.selectbox]

    # Removed on the page: the next command-line load leaves the column out again.
    (mapping,) = service.remembered(engine, UNIT).columns
    at.button(key=f"forget_col_{mapping.id}").click().run()
    assert not at.exception
    assert "«Nhóm việc»" in [s.label for s in at.selectbox]  # the open file is read again
    july = tmp_path / "t7.csv"
    july.write_bytes(_month(7, range(1, 2)))
    code, out, _ = cli(db_url, str(july), capsys=capsys)
    assert code == 0 and "Ghép cột đã nhớ" not in out
    assert ("HS-07-1", None) in rows_of(engine, columns=("dossier_code", "field"))
    assert service.remembered(engine, UNIT).columns == []


# --- remembered status / channel words --------------------------------------------------------


@pytest.fixture
def reader_with_value_words(monkeypatch):
    """The reader with ``value_overrides`` / ``unknown_values``, recording what the service
    passed. Until the reader's side of that agreement is on this branch, it is stood in for
    over the real reader: a mapped status word is written as its code before the real parse,
    and rows refused for their status are counted as unknown words."""
    from ingest.reader import parse_file

    seen = []
    if "value_overrides" in inspect.signature(parse_file).parameters:
        def parse(source, filename=None, **kw):
            seen.append(kw.get("value_overrides"))
            return parse_file(source, filename, **kw)
    else:
        def parse(source, filename=None, *, value_overrides=None, **kw):
            seen.append(value_overrides)
            words = (value_overrides or {}).get("status", {})
            lines = source.decode("utf-8").split("\r\n")
            col = lines[0].split(";").index("Trạng thái")
            out = [lines[0]]
            for line in lines[1:]:
                cells = line.split(";")
                if len(cells) > col and fold(cells[col]) in words:
                    cells[col] = str(words[fold(cells[col])])
                out.append(";".join(cells))
            parsed = parse_file("\r\n".join(out).encode(), filename, **kw)
            unknown = Counter(r.raw["Trạng thái"] for r in parsed.rejects if r.column == "Trạng thái")
            parsed.unknown_values = {"status": dict(unknown)} if unknown else {}
            return parsed

    monkeypatch.setattr(service, "_parser", lambda: parse)
    return seen


def _with_words(month: int, words: list[str]) -> bytes:
    rows = [[f"HS-{month:02d}-{i}", "Đăng ký khai sinh", "Hộ tịch", f"0{i + 1}/{month:02d}/2026",
             f"2{i}/{month:02d}/2026", "", w] for i, w in enumerate(words)]
    return csv_bytes([HEADER, *rows], sep=";")


def test_status_word_mapped_on_the_page_is_remembered_for_the_unit(
        db_url, tmp_path, monkeypatch, env, capsys, reader_with_value_words):
    words = ["Chờ cấp huyện", "Chờ cấp huyện", "Đang xử lý", "Chờ cấp huyện", "Trả về xã"]
    at = _page(db_url, monkeypatch)
    at.file_uploader(key="upload_files").set_value(("t3.csv", _with_words(3, words), "text/csv")).run()
    assert not at.exception
    labels = [s.label for s in at.selectbox]
    assert "«Chờ cấp huyện» (3 dòng)" in labels and "«Trả về xã» (1 dòng)" in labels
    assert at.button(key="load_button").disabled  # 4 rows refused until mapped
    _selectbox(at, "«Chờ cấp huyện» (3 dòng)").set_value(4).run()
    assert "«Chờ cấp huyện» (3 dòng)" in [s.label for s in at.selectbox]  # still there, to change it
    _selectbox(at, "«Trả về xã» (1 dòng)").set_value(2).run()
    assert not at.exception
    assert reader_with_value_words[-1] == {"status": {fold("Chờ cấp huyện"): 4, fold("Trả về xã"): 2}}
    assert [m.value for m in at.metric] == ["5", "5", "0"]
    at.button(key="load_button").click().run()
    engine = kdb.get_engine(db_url)
    assert [r[1] for r in rows_of(engine)] == [4, 4, 4, 4, 2]
    with kdb.connect(engine) as conn:
        stored = conn.execute(sa.select(value_mappings.c.column_name, value_mappings.c.word,
                                        value_mappings.c.word_key, value_mappings.c.code)
                              .order_by(value_mappings.c.code)).all()
    assert stored == [("status", "Trả về xã", "travexa", 2), ("status", "Chờ cấp huyện", "chocaphuyen", 4)]
    assert "Trạng thái «Chờ cấp huyện» → 4 — Đang xử lý" in _texts(at)

    # The command line applies the unit's words to the next file (any spelling of the word).
    april = tmp_path / "t4.csv"
    april.write_bytes(_with_words(4, ["CHỜ CẤP HUYỆN", "Trả về xã"]))
    code, out, err = cli(db_url, str(april), capsys=capsys)
    assert code == 0, err
    assert reader_with_value_words[-1] == {"status": {"chocaphuyen": 4, "travexa": 2}}
    assert [r[1] for r in rows_of(engine) if r[0].startswith("HS-04")] == [4, 2]

    # Removed on the page: the next load refuses that word again, the other still maps.
    at = _page(db_url, monkeypatch)
    (gone,) = [v for v in service.remembered(engine, UNIT).values if v.word == "Trả về xã"]
    at.button(key=f"forget_val_{gone.id}").click().run()
    assert not at.exception
    assert [v.word for v in service.remembered(engine, UNIT).values] == ["Chờ cấp huyện"]
    may = tmp_path / "t5.csv"
    may.write_bytes(_with_words(5, ["Trả về xã"]))
    before = rows_of(engine)
    code, out, err = cli(db_url, str(may), capsys=capsys)
    assert code == 1 and "không làm thay đổi cơ sở dữ liệu" in err
    assert rows_of(engine) == before
    june = tmp_path / "t6.csv"
    june.write_bytes(_with_words(6, ["Chờ cấp huyện"]))
    assert cli(db_url, str(june), capsys=capsys)[0] == 0
    assert [r[1] for r in rows_of(engine) if r[0].startswith("HS-06")] == [4]


def test_a_frame_with_a_key_twice_is_refused_and_changes_nothing(engine, env):
    """The reader keeps one row per code; if a frame ever breaks that, the load is refused
    whole (the primary key is the database's own guard), not a traceback."""
    twice = _tricky_file([1, 2, 1])
    with pytest.raises(L.IngestError, match="xuất hiện hai lần"):
        L.load_parsed(engine, twice, file_name="t3.xlsx", sha256="dup", unit=UNIT)
    with kdb.connect(engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one() == 0


def test_the_page_shows_the_dossiers_a_load_kept(db_url, tmp_path, monkeypatch, env, capsys):
    march = tmp_path / "t3.csv"
    march.write_bytes(csv_bytes([HEADER, *MARCH], sep=";"))
    assert cli(db_url, str(march), capsys=capsys)[0] == 0
    at = _page(db_url, monkeypatch)
    at.file_uploader(key="upload_files").set_value(("t10.csv", csv_bytes([HEADER, *OCTOBER], sep=";"), "text/csv")).run()
    at.button(key="load_button").click().run()
    assert not at.exception
    assert any("t10.csv: đọc 4 dòng · thêm mới 0 · cập nhật 1 · không đổi 0 · giữ nguyên 3 · từ chối 0" in s.value
               for s in at.success)
    (kept,) = [w.value for w in at.warning if "Giữ nguyên 3 hồ sơ" in w.value]
    assert "HS-001 (Đã trả kết quả → Đang xử lý; ngày tiếp nhận 02/03/2026 → 02/10/2026)" in kept
    history = at.dataframe[-1].value
    assert list(history["Loại"]) == ["Danh sách hồ sơ", "Danh sách hồ sơ"]
    assert list(history["Trạng thái"]) == ["Đã nạp", "Đã nạp"] and list(history["Đọc"]) == ["4", "4"]


def test_a_pakn_list_loaded_as_dossiers_never_reopens_finished_dossiers(db_url, tmp_path, env, capsys):
    """The case of issue 13: PAKN about five finished dossiers, loaded with --kind dossiers.
    Either the file is refused (its headers are a PAKN list's) or it loads with those dossiers
    kept as stored and listed — never silently reopened and re-dated."""
    finished = [[f"HS-10{i}", "Đăng ký khai sinh", "Hộ tịch", f"0{i + 1}/03/2026", f"1{i}/03/2026",
                 f"0{i + 5}/03/2026", "Đã trả kết quả"] for i in range(5)]
    dossiers_file = tmp_path / "ho-so.csv"
    dossiers_file.write_bytes(csv_bytes([HEADER, *finished], sep=";"))
    assert cli(db_url, str(dossiers_file), capsys=capsys)[0] == 0
    engine = kdb.get_engine(db_url)
    before = rows_of(engine)
    pakn = [["Mã PAKN", "Mã hồ sơ", "Ngày tiếp nhận", "Hạn xử lý", "Trạng thái"]] + [
        [f"PA-{i}", f"HS-10{i}", f"0{i + 1}/10/2026", f"1{i}/10/2026", "Đang xử lý"] for i in range(5)]
    pakn_file = tmp_path / "pakn.csv"
    pakn_file.write_bytes(csv_bytes(pakn, sep=";"))
    code, out, err = cli(db_url, "--kind", "dossiers", str(pakn_file), capsys=capsys)
    assert rows_of(engine) == before
    if code == 0:
        assert "giữ nguyên 5 hồ sơ đã lưu" in out
        assert all(f"HS-10{i} (Đã trả kết quả → Đang xử lý; ngày tiếp nhận 0{i + 1}/03/2026 → "
                   f"0{i + 1}/10/2026)" in out for i in range(5))
    else:
        assert code == 1 and "không làm thay đổi cơ sở dữ liệu" in err
