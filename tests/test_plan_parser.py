"""The appendix parser against the 2026 appendix, with counts verified by reading the document.

Counts per section, read off the appendix by hand (the line numbers are those of
data/plans/ke-hoach-cchc-2026-phu-luc.txt):

- I   CẢI CÁCH THỂ CHẾ: 11 — goal 1: 2 (lines 9, 10); goal 2: 4 (11, 12 continued on 15, 16,
      17); goal 3: 5 (18, 19, 20, 23, 24).
- II  CẢI CÁCH THỦ TỤC HÀNH CHÍNH: 28 — goal 1: 4 (26, 27, 30, 31); goal 2: 2 (32, 33);
      goal 3 is a heading ("Thực hiện cơ chế một cửa…", line 34) with no activity of its own;
      3.1: 4 (37, 38, 39, 42); 3.2: 4 (43, 44, 45, 48); 3.3: 5 (49, 50 — a line that lost its
      first cell —, 53 — whose first cell continues the goal text of 49 —, 54, 57);
      3.4: 2 (58, 59); 3.5: 4 (60, 61, 64, 65); 3.6: 3 (66, 67, 70).
- III CẢI CÁCH TỔ CHỨC BỘ MÁY: 3 (72, 73, 74).
- IV  CẢI CÁCH CHẾ ĐỘ CÔNG CHỨC CÔNG VỤ: 5 (78, 79, 80, 83, 84).
- V   CẢI CÁCH TÀI CHÍNH CÔNG: 5 — goal 1: 1 (86, its task continued on 89); goal 2: 4
      (90, 91, 94, 95).
- VI  (first) XÂY DỰNG, PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ: 11 — goal 1: 4 (99,
      100, 101, 104); goal 2: 1 (105); goal 3: 5 (106 continued on 109 in its goal, task and
      activity cells, 110, 111, 112, 113); goal 4: 1 (116).
- VI  (second) CHỈ ĐẠO ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH: 7 — goal 1: 6 (118; 119 continued on
      122 after its ";"; 123; 124; 125 — a line that lost its first two cells, lead "Phòng Văn
      hóa – Xã hội" — continued on 128, the only text of the next page's first line; 129);
      goal 2: 1 (130).
Total 70.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import pytest

from kpi.plan import parser

SOURCE = parser.appendix_path(2026)


@pytest.fixture(scope="module")
def parsed():
    return parser.parse_appendix_file(SOURCE)


@pytest.fixture(scope="module")
def rows(parsed):
    return {r["activity_id"]: r for r in parsed.rows()}


def test_title_year_and_unit(parsed):
    assert parsed.year == 2026
    assert parsed.unit == "Xã Lộc Tân"


def test_sections_keep_the_plans_labels_and_get_an_ordinal(parsed):
    assert [(s.ordinal, s.label, s.code) for s in parsed.sections] == [
        (1, "I", "I"),
        (2, "II", "II"),
        (3, "III", "III"),
        (4, "IV", "IV"),
        (5, "V", "V"),
        (6, "VI", "VI(6)"),
        (7, "VI", "VI(7)"),
    ]
    assert parsed.sections[5].title == "XÂY DỰNG, PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ"
    assert parsed.sections[6].title == "CHỈ ĐẠO ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH"


def test_counts_per_section(parsed):
    counts = Counter(a.section.ordinal for a in parsed.activities)
    assert dict(counts) == {1: 11, 2: 28, 3: 3, 4: 5, 5: 5, 6: 11, 7: 7}
    assert len(parsed.activities) == 70


def test_counts_per_goal(parsed):
    counts = Counter(a.goal.id for a in parsed.activities)
    assert dict(counts) == {
        "I.1": 2, "I.2": 4, "I.3": 5,
        "II.1": 4, "II.2": 2, "II.3.1": 4, "II.3.2": 4, "II.3.3": 5, "II.3.4": 2, "II.3.5": 4,
        "II.3.6": 3,
        "III.1": 3, "IV.1": 5, "V.1": 1, "V.2": 4,
        "VI(6).1": 4, "VI(6).2": 1, "VI(6).3": 5, "VI(6).4": 1,
        "VI(7).1": 6, "VI(7).2": 1,
    }  # fmt: skip
    # The heading goal II.3 is a goal with no activity; 3.1–3.6 hang under it.
    heading = [g for g in parsed.goals if g.id == "II.3"]
    assert len(heading) == 1 and heading[0].text == "Thực hiện cơ chế một cửa, một cửa liên thông"
    assert {g.parent.id for g in parsed.goals if g.parent} == {"II.3"}


def test_every_activity_appears_once_with_the_lines_it_came_from(parsed):
    ids = [a.id for a in parsed.activities]
    assert len(ids) == len(set(ids)) == 70
    lines = [n for a in parsed.activities for n in a.lines]
    assert len(lines) == len(set(lines)) == 75  # 70 rows + 5 continuation lines
    assert [a.lines for a in parsed.activities if len(a.lines) > 1] == [
        [12, 15], [86, 89], [106, 109], [119, 122], [125, 128],
    ]  # fmt: skip


def test_ids_are_section_goal_index(rows):
    assert list(rows)[:3] == ["I.1-01", "I.1-02", "I.2-01"]
    assert rows["II.3.1-02"]["activity"].startswith(
        "Tổ chức thực hiện quy định về giải quyết thủ tục hành chính theo cơ chế một cửa"
    )
    assert rows["VI(6).1-01"]["section_title"].startswith("XÂY DỰNG, PHÁT TRIỂN")
    assert rows["VI(7).1-01"]["section_title"] == "CHỈ ĐẠO ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH"
    assert rows["VI(7).2-01"]["activity"] == (
        "Tự đánh giá chỉ số cải cách hành chính cấp xã theo Kế hoạch của tỉnh"
    )


def test_continuation_fragments_are_merged(rows):
    assert rows["I.2-02"]["activity"] == (
        "Tăng cường sự tham gia của ý kiến rộng rãi của người dân, tổ chức và xã hội trong quá "
        "trình xây dựng và ban hành văn bản quy phạm pháp luật"
    )
    assert rows["V.1-01"]["task"].endswith("tại các cơ quan, tổ chức hành chính nhà nước")
    r = rows["VI(6).3-01"]
    assert r["goal"].startswith("Tăng cường ứng dụng CNTT trong hoạt động chỉ đạo, điều hành, kiểm")
    assert "- 100% hồ sơ công việc" in r["goal"]  # <b>100%</b>: markup removed
    assert r["task"] == "Phát triển ứng dụng, dịch vụ quản lý công việc chỉ đạo điều hành nội bộ"
    assert r["activity"] == (
        "Triển khai Hệ thống hợp trực tuyến của xã, đảm bảo các yêu cầu về tiêu chuẩn, "
        "quy chuẩn kỹ thuật"
    )
    # The goal text split across the page break reaches the goal of every activity under it.
    assert rows["VI(6).3-05"]["goal"] == r["goal"]
    assert rows["VI(7).1-02"]["activity"].endswith(
        "xử lý trong năm; 50% hoạt động kiểm tra của cơ quan quản lý nhà nước được thực hiện "
        "thông qua môi trường số và hệ thống thông tin quản lý"
    )


def test_goal_continued_beside_a_new_activity(rows):
    goal = rows["II.3.3-01"]["goal"]
    assert "triển khai thực thi trên môi trường điện tử (trừ các thủ tục có yếu tố mật" in goal
    assert goal.endswith("không phải cung cấp lại các thông tin, giấy tờ, tài liệu")
    assert all(rows[f"II.3.3-0{i}"]["goal"] == goal for i in range(1, 6))
    assert rows["II.3.3-03"]["activity"].startswith("100% Trung tâm Phục vụ hành chính công xã")
    assert rows["II.3.3-03"]["timing"] == "Thường xuyên"


def test_rows_that_lost_their_first_cells_are_realigned(rows):
    r = rows["II.3.3-02"]  # line 50: one leading cell lost
    assert r["task"].startswith("Thực hiện số hóa hồ sơ, giấy tờ, kết quả giải quyết TTHC")
    assert r["activity"].startswith("Triển khai quy trình số hóa hồ sơ")
    assert r["output"] == "Quy trình số hoá"
    assert (r["lead_unit"], r["partner"], r["timing"]) == (
        "Trung tâm Phục vụ hành chính công", "Các cơ quan, đơn vị", "Thường xuyên",
    )  # fmt: skip
    r = rows["VI(7).1-05"]  # line 125: two leading cells lost
    assert r["activity"].startswith("Chương trình đối thoại trực tiếp lãnh đạo UBND xã")
    assert r["activity"].endswith(
        "tại địa phương. Các sản phẩm truyền thông trên phương tiện thông tin đại chúng về CCHC"
    )
    assert r["lead_unit"] == "Phòng Văn hóa – Xã hội"
    assert (r["output"], r["partner"], r["timing"]) == ("", "", "")
    assert r["task"] == "Cải thiện mức độ tiếp cận thông tin về giải quyết TTHC"


def test_goal_and_task_carried_down(rows):
    assert rows["I.2-04"]["goal"] == "Nâng cao chất lượng công tác xây dựng pháp luật"
    assert rows["I.2-04"]["task"] == rows["I.2-01"]["task"]
    assert rows["II.3.1-04"]["task"].startswith("Giám sát chặt chẽ, đôn đốc trách nhiệm công vụ")
    assert rows["II.3.1-04"]["parent_goal"] == "Thực hiện cơ chế một cửa, một cửa liên thông"
    assert rows["II.1-01"]["parent_goal"] == ""
    # Funding is one merged cell per section: carried down, and not beyond its section.
    assert {r["funding"] for r in rows.values()} == {
        "Nguồn ngân sách xã được phê duyệt theo dự toán hàng năm"
    }


def test_lead_units_as_written_and_normalised(rows):
    r = rows["II.3.6-01"]
    assert r["lead_unit"] == "Phòng Kinh tế; Phòng Văn hóa – Xã hội"
    assert r["lead_units"] == "Phòng Kinh tế; Phòng Văn hóa - Xã hội"
    assert rows["II.3.6-03"]["lead_units"] == (
        "Phòng Văn hóa - Xã hội; Trung tâm Phục vụ hành chính công"
    )
    assert rows["II.3.2-01"]["lead_unit"] == "Trung tâm Phục vụ hành chính công;"
    assert rows["II.3.2-01"]["lead_units"] == "Trung tâm Phục vụ hành chính công"
    assert rows["II.3.5-03"]["lead_unit"] == "Trung tâm phục vụ hành chính công"
    assert rows["II.3.5-03"]["lead_units"] == "Trung tâm Phục vụ hành chính công"
    assert rows["I.3-04"]["partners"] == "Văn phòng HĐND và UBND xã"
    assert rows["VI(7).1-02"]["partners"] == "Các cơ quan, đơn vị"
    # Counted on the document: the centre leads 25 in II, VI(6).4-01 and VI(7).1-04; Phòng
    # Văn hóa - Xã hội 2 in II, 1 in III, 4 in IV, 8 in VI(6), 6 in VI(7); the office 7 in I and
    # II.3.6-02; "Các cơ quan, đơn vị" lines 10, 17, 23, 33, 73, 74, 84, 113; Phòng Kinh tế
    # II.3.6-01, all of V, VI(6).3-04. 72 = 70 activities + 2 led by two units.
    per_lead = Counter(u for r in rows.values() for u in r["lead_units"].split("; "))
    assert dict(per_lead) == {
        "Trung tâm Phục vụ hành chính công": 27,
        "Phòng Văn hóa - Xã hội": 21,
        "Văn phòng HĐND và UBND xã": 8,
        "Các cơ quan, đơn vị": 8,
        "Phòng Kinh tế": 7,
        "Cơ quan cấp trên": 1,
    }


def test_timings_as_written_and_deadlines(rows):
    assert rows["VI(7).1-01"]["timing"] == "Quý IV /2025 và Quý I/2026"
    assert rows["VI(7).1-01"]["deadline"] == "2026-03-31"
    assert rows["II.3.2-01"]["timing"] == "Hàng năm"
    assert rows["II.3.2-01"]["deadline"] == "2026-12-31"
    # "Thường xuyên" on 7 lines in I, 25 in II, 1 in III, 1 in IV, 8 in VI(6), 3 in VI(7);
    # dated: lines 43 ("Hàng năm") and 118; the other 23 depend on a programme or a rule.
    kinds = Counter(r["timing_kind"] for r in rows.values())
    assert dict(kinds) == {"recurring": 45, "open": 23, "dated": 2}
    assert Counter(r["timing"] for r in rows.values())["Thường xuyên"] == 45


@pytest.mark.parametrize(
    ("timing", "expected"),
    [
        ("Thường xuyên", ("recurring", None)),
        ("Quý IV /2025 và Quý I/2026", ("dated", dt.date(2026, 3, 31))),
        ("Quý 2/2026", ("dated", dt.date(2026, 6, 30))),
        ("Tháng 02/2026", ("dated", dt.date(2026, 2, 28))),
        ("Trước ngày 15/9/2026", ("dated", dt.date(2026, 9, 15))),
        ("Năm 2027", ("dated", dt.date(2027, 12, 31))),
        ("Hàng năm", ("dated", dt.date(2026, 12, 31))),
        ("Theo Chương trình công tác đã phê duyệt", ("open", None)),
        ("Khi có quy định, hướng dẫn của tỉnh và Bộ ngành Trung ương", ("open", None)),
        ("", ("open", None)),
    ],
)
def test_parse_timing(timing, expected):
    assert parser.parse_timing(timing, 2026) == expected


def test_committed_csv_is_the_parsers_output(parsed):
    with open(parser.plan_csv_path(2026), encoding="utf-8", newline="") as fh:
        committed = list(csv.DictReader(fh))
    assert committed == parsed.rows()


def test_layout_errors_are_reported_in_vietnamese():
    header = "STT\t1- Mục tiêu\t2- Nhiệm vụ\t3- Hoạt động\t4- Kết quả\t5-Chủ trì\t6-Phối hợp\t7-Thời gian\t8- Kinh phí"
    text = "PHỤ LỤC NĂM 2026\n" + header + "\n<b>1</b>\tMục tiêu\tNhiệm vụ\tHoạt động\n"
    with pytest.raises(parser.PlanParseError, match="Dòng 3: dữ liệu nằm trước phần"):
        parser.parse_appendix(text)
    text = "PHỤ LỤC NĂM 2026\n" + header + "\n<b>I</b>\t<b>A</b>\n\tMục tiêu không số\tNV\tHĐ\n"
    with pytest.raises(parser.PlanParseError, match="không có số thứ tự"):
        parser.parse_appendix(text)


def test_an_activity_named_like_a_unit_is_not_shifted():
    header = "STT\t1- Mục tiêu\t2- Nhiệm vụ\t3- Hoạt động\t4- Kết quả\t5-Chủ trì\t6-Phối hợp\t7-Thời gian\t8- Kinh phí"
    text = (
        "PHỤ LỤC NĂM 2026\n" + header + "\n<b>I</b>\t<b>A</b>\t\t\t\t\t\t\t\n"
        "1\tMục tiêu\tNhiệm vụ\tPhòng Kinh tế\tBáo cáo\tPhòng Văn hóa - Xã hội\tCác cơ quan, đơn vị\tQuý 2/2026\t\n"
    )
    [a] = parser.parse_appendix(text).activities
    assert (a.activity, a.lead_unit, a.timing) == ("Phòng Kinh tế", "Phòng Văn hóa - Xã hội", "Quý 2/2026")


def test_command_line_writes_the_committed_csv(tmp_path, capsys):
    from kpi.plan.__main__ import main

    out = tmp_path / "2026.csv"
    assert main(["--year", "2026", "--out", str(out)]) == 0
    assert out.read_bytes() == parser.plan_csv_path(2026).read_bytes()
    assert capsys.readouterr().out == f"{out}: 70 hoạt động, 7 phần, năm 2026\n"
    assert main([str(tmp_path / "khong-co.txt")]) == 1
    assert capsys.readouterr().out == (
        f"lỗi: không đọc được tệp phụ lục {tmp_path / 'khong-co.txt'} (tệp không có hoặc không "
        "mở được). Kiểm tra đường dẫn hoặc năm kế hoạch (--year).\n"
    )
