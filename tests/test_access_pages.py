"""Sign-in on the screens (access.md, issue 12 items 2, 3, 8): every role on every page through
AppTest, the lock-out, session expiry and revocation, sign-out, the open-demo banner and public
viewing, a staff account that sees and changes only its own unit, and the audit rows of what
the pages change.

The database: two units, each with one upload of 3 dossiers (Xã Lộc Tân: batch "ho-so-loc-tan",
Phường Bắc Hà: batch "ho-so-bac-ha"); accounts admin "quantri", staff "lan" (Xã Lộc Tân),
viewer "xem" (Xã Lộc Tân). The clock of sessions is pinned with CCHC_NOW."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kpi import accounts as A
from kpi import audit
from kpi import db as kdb
from kpi import schema as S
from tests.fixtures import APP, _dossier, page_database, texts

LOC_TAN = "Xã Lộc Tân"
BAC_HA = "Phường Bắc Hà"
PASSWORD = "Mật-khẩu-Đủ-Dài-42"
NOW = "2026-04-15T09:00:00"


def _batch(conn, unit_id: int, name: str) -> int:
    bid = conn.execute(sa.insert(S.batches).values(
        unit_id=unit_id, kind="dossiers", file_name=name, sha256=name, as_of=dt.date(2026, 4, 1),
        uploaded_at=dt.datetime(2026, 4, 2, 8, 15), status="loaded", rows_read=3, inserted=3,
    ).returning(S.batches.c.id)).scalar_one()
    rows = [_dossier(unit_id, bid, f"{name}-{i}", "Hộ tịch", "1.001193", "Đăng ký khai sinh",
                     dt.datetime(2026, 3, 2 + i, 8, 0), False) for i in range(3)]
    conn.execute(sa.insert(S.dossiers), rows)
    return bid


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_NOW", NOW)
    monkeypatch.delenv("CCHC_VIEWING", raising=False)
    engine, url = page_database(tmp_path, monkeypatch, "access.duckdb", LOC_TAN)
    with kdb.connect(engine, write=True) as conn:
        ids = {LOC_TAN: kdb.get_or_create_unit(conn, LOC_TAN),
               BAC_HA: kdb.get_or_create_unit(conn, BAC_HA)}
        batches = {LOC_TAN: _batch(conn, ids[LOC_TAN], "ho-so-loc-tan"),
                   BAC_HA: _batch(conn, ids[BAC_HA], "ho-so-bac-ha")}
    yield {"engine": engine, "units": ids, "batches": batches, "url": url}
    kdb.get_engine.cache_clear()


@pytest.fixture
def people(site):
    engine = site["engine"]
    A.add_account(engine, "quantri", PASSWORD, "admin")
    A.add_account(engine, "lan", PASSWORD, "staff", [LOC_TAN])
    A.add_account(engine, "xem", PASSWORD, "viewer", [LOC_TAN])
    return site


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sign_in(at: AppTest, name: str, password: str = PASSWORD, form: str = "guard") -> AppTest:
    at.text_input(key=f"{form}_username").input(name)
    at.text_input(key=f"{form}_password").input(password)
    next(b for b in at.button if b.label == "Đăng nhập").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _audit(engine, action: str) -> list[tuple]:
    frame = audit.query(engine, action=action)
    return list(zip(frame["actor"], frame["unit"], frame["summary"]))


def _count(engine, table, **where) -> int:
    with kdb.connect(engine) as conn:
        q = sa.select(sa.func.count()).select_from(table)
        for k, v in where.items():
            q = q.where(table.c[k] == v)
        return conn.execute(q).scalar_one()


# --------------------------------------------------------------------------- every role, every page

PAGE_FILES = {
    "tong-quan": ("pages/tong-quan.py", "Tổng quan"),
    "viec-can-lam": ("pages/viec-can-lam.py", "Việc cần làm"),
    "chi-tiet": ("pages/chi-tiet.py", "Chi tiết chỉ tiêu"),
    "tai-du-lieu": ("pages/tai-du-lieu.py", "Tải dữ liệu"),
    "bao-cao": ("pages/bao-cao.py", "Báo cáo"),
    "ke-hoach": ("pages/ke-hoach.py", "Kế hoạch"),
    "nhat-ky": ("pages/nhat-ky.py", "Nhật ký thao tác"),
    "dang-nhap": ("pages/dang-nhap.py", "Đăng nhập"),
}
OPENS = {
    "quantri": set(PAGE_FILES),
    "lan": set(PAGE_FILES) - {"nhat-ky"},
    "xem": set(PAGE_FILES) - {"nhat-ky", "tai-du-lieu"},
}
REFUSAL = {
    ("lan", "nhat-ky"): "Trang «Nhật ký thao tác» chỉ dành cho tài khoản Quản trị. Tài khoản lan "
                        "(Cán bộ) không mở được trang này.",
    ("xem", "nhat-ky"): "Trang «Nhật ký thao tác» chỉ dành cho tài khoản Quản trị. Tài khoản xem "
                        "(Lãnh đạo / xem) không mở được trang này.",
    ("xem", "tai-du-lieu"): "Trang «Tải dữ liệu» chỉ dành cho tài khoản Cán bộ hoặc Quản trị. Tài "
                            "khoản xem (Lãnh đạo / xem) không mở được trang này.",
}


def test_nobody_signed_in_gets_the_sign_in_form_on_every_address(people):
    at = _app()
    for path, (file, title) in PAGE_FILES.items():
        _open(at, file)
        if path == "dang-nhap":
            assert texts(at.title) == ["Đăng nhập"]
        else:
            assert texts(at.title) == [], path  # the page itself did not run
            assert texts(at.info) == ["Vui lòng đăng nhập để xem trang này."], path
        assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"], path
        assert not at.sidebar.selectbox, path  # no unit names for a passer-by
    assert _count(people["engine"], S.audit_log, action="sign_in") == 0


@pytest.mark.parametrize("name", ["quantri", "lan", "xem"])
def test_every_role_on_every_page(people, name):
    at = _sign_in(_app(), name)
    assert texts(at.title) == ["Tổng quan"]
    for path, (file, title) in PAGE_FILES.items():
        _open(at, file)
        if path in OPENS[name]:
            assert texts(at.title)[:1] == [title], (name, path)
            assert not any("chỉ dành cho" in e for e in texts(at.error)), (name, path)
        else:
            assert texts(at.title) == [], (name, path)
            assert texts(at.error) == [REFUSAL[(name, path)]], (name, path)
    assert _audit(people["engine"], "sign_in") == [(name, None, f"Đăng nhập: {name}")]


def test_sign_in_page_goes_to_the_overview_and_says_who_is_signed_in(people):
    at = _open(_app(), "pages/dang-nhap.py")
    _sign_in(at, "lan", form="sign_in")
    assert texts(at.title) == ["Tổng quan"]
    assert "👤 lan · Cán bộ · Xã Lộc Tân" in texts(at.sidebar.caption)
    _open(at, "pages/dang-nhap.py")
    assert texts(at.success) == ["Đang đăng nhập: **lan** · Cán bộ · Xã Lộc Tân."]


def test_a_wrong_name_and_a_wrong_password_get_the_same_message(people):
    at = _sign_in(_app(), "lan", "sai-mat-khau-1")
    assert texts(at.error) == [A.INVALID_MESSAGE]
    _sign_in(at, "khong-co-ai", PASSWORD)
    assert texts(at.error) == [A.INVALID_MESSAGE]
    assert texts(at.title) == []


def test_five_failures_lock_the_name_for_15_minutes(people, monkeypatch):
    at = _app()
    for i in range(4):
        _sign_in(at, "lan", f"sai-mat-khau-{i}")
        assert texts(at.error) == [A.INVALID_MESSAGE]
    _sign_in(at, "lan", "sai-mat-khau-4")
    locked = ("Tên đăng nhập này đang bị tạm khóa vì nhập sai mật khẩu 5 lần trong 15 phút. Vui "
              "lòng thử lại sau 15 phút (sau 09:15 ngày 15/04/2026).")
    assert texts(at.error) == [locked]
    _sign_in(at, "lan", PASSWORD)  # even the right password, while locked
    assert texts(at.error) == [locked]
    assert texts(at.title) == []
    monkeypatch.setenv("CCHC_NOW", "2026-04-15T09:15:00")
    _sign_in(at, "lan", PASSWORD)
    assert texts(at.title) == ["Tổng quan"]
    assert [a for a, _, _ in _audit(people["engine"], "sign_in_failed")] == ["lan"] * 6


def test_the_session_ends_after_8_idle_hours(people, monkeypatch):
    at = _sign_in(_app(), "xem")
    monkeypatch.setenv("CCHC_NOW", "2026-04-15T16:59:00")  # 7 h 59 min later: still on
    _open(at, "pages/bao-cao.py")
    assert texts(at.title)[:1] == ["Báo cáo"]
    monkeypatch.setenv("CCHC_NOW", "2026-04-16T00:59:00")  # 8 h after the last use
    _open(at, "pages/tong-quan.py")
    assert texts(at.title) == []
    assert texts(at.info) == [NEEDS := "Vui lòng đăng nhập để xem trang này.",
                              "Phiên đăng nhập đã kết thúc (đã đăng xuất, quá 8 giờ không dùng, "
                              "hoặc tài khoản vừa được đổi mật khẩu / vô hiệu hóa). Vui lòng "
                              "đăng nhập lại."]
    assert NEEDS


@pytest.mark.parametrize("change", ["disable", "passwd"])
def test_disabling_or_a_new_password_ends_the_session_at_the_next_click(people, change):
    at = _sign_in(_app(), "lan")
    assert texts(at.title) == ["Tổng quan"]
    if change == "disable":
        A.set_enabled(people["engine"], "lan", False)
    else:
        A.set_password(people["engine"], "lan", "Mật-khẩu-Mới-Hơn-77")
    _open(at, "pages/tai-du-lieu.py")
    assert texts(at.title) == []
    assert at.get("file_uploader") == []
    assert texts(at.info)[0] == "Vui lòng đăng nhập để xem trang này."


def test_sign_out_ends_the_session_and_is_audited(people):
    at = _sign_in(_app(), "lan")
    at.sidebar.button(key="auth_sign_out").click().run()
    assert not at.exception
    assert texts(at.title) == []
    assert texts(at.info) == ["Vui lòng đăng nhập để xem trang này.", "Đã đăng xuất."]
    assert _audit(people["engine"], "sign_out") == [("lan", None, "Đăng xuất: lan")]
    with kdb.connect(people["engine"]) as conn:
        assert conn.execute(sa.select(S.sessions.c.end_reason)).scalars().all() == ["sign_out"]


# --------------------------------------------------------------------------- open demo, public viewing


def test_open_demo_banner_on_every_page_while_no_account_exists(site):
    at = _app()
    for path, (file, title) in PAGE_FILES.items():
        _open(at, file)
        banners = [h.proto.body for h in at.get("html") if "cchc-open-demo" in h.proto.body]
        assert len(banners) == 1, path
        assert ("Chưa bật đăng nhập — ai truy cập được địa chỉ này đều tải lên và hoàn tác được. "
                "Tạo tài khoản quản trị: python -m kpi users add --username … --role admin"
                ) in banners[0]
        assert texts(at.title)[:1] == [title], path  # everything open, as before
    A.add_account(site["engine"], "quantri", PASSWORD, "admin")
    _open(at, "pages/tong-quan.py")
    assert not [h for h in at.get("html") if "cchc-open-demo" in h.proto.body]
    assert texts(at.title) == []


def test_public_viewing_lets_viewers_in_but_not_to_uploads(people, monkeypatch):
    monkeypatch.setenv("CCHC_VIEWING", "public")
    at = _app()
    assert texts(at.title) == ["Tổng quan"]
    assert at.selectbox(key="unit").options == [BAC_HA, LOC_TAN]
    assert "👁️ Đang xem không đăng nhập." in texts(at.sidebar.caption)
    _open(at, "pages/ke-hoach.py")
    assert at.get("file_uploader") == [] and not at.get("arrow_data_frame_editor")
    assert [b for b in at.button if b.key in ("plan_save", "plan_import")] == []
    _open(at, "pages/tai-du-lieu.py")
    assert texts(at.title) == []
    assert texts(at.info)[0] == ("Trang «Tải dữ liệu» cần đăng nhập bằng tài khoản Cán bộ hoặc "
                                 "Quản trị.")
    _sign_in(at, "lan")
    assert texts(at.title) == ["Tải dữ liệu"]
    assert len(at.get("file_uploader")) == 1


# --------------------------------------------------------------------------- controls and units


def test_a_viewer_never_sees_an_upload_undo_or_edit_control(people):
    at = _sign_in(_app(), "xem")
    _open(at, "pages/viec-can-lam.py")
    assert [b.key for b in at.button if b.key == "apology_make"] == []
    assert "Lập thư xin lỗi cần tài khoản Cán bộ hoặc Quản trị của đơn vị." in texts(at.caption)
    _open(at, "pages/bao-cao.py")
    assert [b.key for b in at.button if b.key in ("periodic_save", "periodic_save_settings")] == []
    assert not [t for t in at.text_area]
    _open(at, "pages/ke-hoach.py")
    assert texts(at.title) == ["Kế hoạch"]
    assert at.get("file_uploader") == []
    assert [b.key for b in at.button if b.key in ("plan_save", "plan_import")] == []
    assert "Tài khoản của bạn chỉ được xem kế hoạch" in " ".join(texts(at.info))
    assert [b.key for b in at.get("download_button")] == ["plan_download"]


def test_staff_sees_and_changes_only_its_units(people):
    engine = people["engine"]
    at = _sign_in(_app(), "lan")
    assert at.selectbox(key="unit").options == [LOC_TAN]
    _open(at, "pages/tai-du-lieu.py")
    assert at.selectbox(key="unit").value == LOC_TAN
    history = at.dataframe[-1].value
    assert list(history["Tệp"]) == ["ho-so-loc-tan"]
    assert at.selectbox(key="undo_batch").options == [f"Số {people['batches'][LOC_TAN]} — ho-so-loc-tan"]
    # Undo of the other unit's upload through the service the page uses: refused, unchanged.
    from ingest import service

    with pytest.raises(service.UndoRefused):
        service.undo(engine, people["batches"][BAC_HA], actor="lan", units=[LOC_TAN])
    assert _count(engine, S.dossiers, unit_id=people["units"][BAC_HA]) == 3
    assert _count(engine, S.batches, status="loaded") == 2
    assert _audit(engine, "undo") == []
    # Its own unit's upload: undone, audited under its name.
    at.button(key="undo_button").click().run()
    at.button(key="undo_confirm").click().run()
    assert not at.exception
    assert _count(engine, S.dossiers, unit_id=people["units"][LOC_TAN]) == 0
    bid = people["batches"][LOC_TAN]
    assert _audit(engine, "undo") == [
        ("lan", LOC_TAN, f"Hoàn tác lần tải số {bid} (ho-so-loc-tan): xóa 3 dòng thêm mới, "
                         "khôi phục 0 dòng")]


def test_admin_sees_every_unit(people):
    at = _sign_in(_app(), "quantri")
    assert at.selectbox(key="unit").options == [BAC_HA, LOC_TAN]


# --------------------------------------------------------------------------- audit rows of the pages


def test_upload_and_plan_update_on_the_pages_are_audited_under_the_account(people):
    from tests.filemakers import csv_bytes

    engine = people["engine"]
    at = _sign_in(_app(), "lan")
    _open(at, "pages/tai-du-lieu.py")
    assert [t.key for t in at.text_input] == []  # the account is the uploader: no name to type
    data = csv_bytes([["Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Ngày hẹn trả",
                       "Trạng thái"],
                      ["HS-9", "Đăng ký khai sinh", "Hộ tịch", "02/03/2026", "03/03/2026",
                       "Đang xử lý"]], sep=";")
    at.file_uploader(key="upload_files").set_value(("ho-so-moi.csv", data, "text/csv")).run()
    at.button(key="load_button").click().run()
    assert not at.exception
    rows = _audit(engine, "upload")
    assert rows == [("lan", LOC_TAN, "Tải lên tệp ho-so-moi.csv (Danh sách hồ sơ): thêm mới 1, cập nhật "
                                     "0, từ chối 0")]
    detail = audit.query(engine, action="upload")["details"][0]
    assert (detail["file_name"], detail["inserted"], detail["uploaded_by"]) == ("ho-so-moi.csv", 1, "lan")
    assert len(detail["sha256"]) == 64

    from kpi.plan import tracker

    year = tracker.default_year()
    aid = tracker.activity_ids(year)[0]
    _open(at, "pages/ke-hoach.py")
    assert [t.key for t in at.text_input if t.key == "plan_updated_by"] == []
    changed = tracker.update_statuses(engine, LOC_TAN, year, {aid: {"status": "done"}}, "lan",
                                      actor="lan")
    assert changed == [aid]
    assert _audit(engine, "plan_update") == [
        ("lan", LOC_TAN, f"Cập nhật tiến độ kế hoạch {year}: {aid}")]


def test_the_audit_page_filters_and_downloads(people):
    import io

    import openpyxl

    engine = people["engine"]
    at = _sign_in(_app(), "quantri")
    _open(at, "pages/nhat-ky.py")
    table = at.dataframe[0].value
    assert list(table.columns) == ["Thời điểm", "Người thực hiện", "Loại thao tác", "Đơn vị",
                                   "Nội dung", "Chi tiết"]
    # Newest first: the sign-in, then the three accounts created from the command line.
    assert list(table["Loại thao tác"]) == ["Đăng nhập", "Tạo tài khoản", "Tạo tài khoản",
                                            "Tạo tài khoản"]
    assert list(table["Người thực hiện"]) == ["quantri", "dòng lệnh", "dòng lệnh", "dòng lệnh"]
    at.selectbox(key="audit_kind").set_value("account_add").run()
    assert list(at.dataframe[0].value["Nội dung"]) == [
        "Tạo tài khoản xem (Lãnh đạo / xem, Xã Lộc Tân)",
        "Tạo tài khoản lan (Cán bộ, Xã Lộc Tân)",
        "Tạo tài khoản quantri (Quản trị, mọi đơn vị)",
    ]
    at.selectbox(key="audit_actor").set_value("quantri").run()
    assert texts(at.info) == ["Không có thao tác nào khớp bộ lọc."]
    at.selectbox(key="audit_kind").set_value("(Tất cả)").run()
    assert len(at.dataframe[0].value) == 1
    data = audit.to_xlsx(audit.query(engine))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "Nhật ký"
    assert [c.value for c in ws[1]] == ["Thời điểm", "Người thực hiện", "Loại thao tác", "Đơn vị",
                                        "Nội dung", "Chi tiết"]
    assert ws.max_row == 5
    assert [d.key for d in at.get("download_button")] == ["audit_download"]


def test_cookie_script_carries_only_a_token():
    from ui import auth

    token = "AbC-_" * 8
    assert auth.cookie_script("set", token) == (
        "<script>document.cookie = 'cchc_phien=" + token + "; path=/; SameSite=Strict' + "
        "(location.protocol === 'https:' ? '; Secure' : '');</script>")
    assert "max-age=0" in auth.cookie_script("clear")
    for bad in ("x'; alert(1); '", "short", None, "a" * 101):
        with pytest.raises(ValueError):
            auth.cookie_script("set", bad)


def test_every_page_checks_its_role_itself():
    """A page run without the frame (its first run after a server start in AppTest, or
    ``streamlit run pages/x.py``) still refuses: each page's second call is its guard."""
    from kpi import config
    from ui import nav

    for p in nav.PAGES:
        lines = [ln.strip() for ln in (config.ROOT / p.file).read_text(encoding="utf-8")
                 .splitlines()]
        first = lines.index("nav.require_frame()")
        if p.roles:
            assert lines[first + 1] == f'nav.guard("{p.url_path}")', p.file
    assert {p.url_path for p in nav.PAGES if not p.roles} == {"dang-nhap"}


def test_a_page_run_on_its_own_refuses_too(people):
    """The first run of a page file in a fresh process skips the frame (Streamlit's
    pages-folder mode); the page's own guard still asks for sign-in."""
    from streamlit.runtime.pages_manager import PagesManager

    from kpi import config

    saved = PagesManager.uses_pages_directory
    PagesManager.uses_pages_directory = None  # as in a fresh process
    try:
        at = AppTest.from_file(str(config.ROOT / "pages" / "tai-du-lieu.py"), default_timeout=60)
        at.run()
    finally:
        PagesManager.uses_pages_directory = saved
    assert not at.exception
    assert texts(at.title) == []
    assert texts(at.info) == ["Vui lòng đăng nhập để xem trang này."]
    assert at.get("file_uploader") == []
