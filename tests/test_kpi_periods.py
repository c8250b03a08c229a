"""Periods, the working-day calendar, targets and the declarations' order."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest

from kpi import calendar as cal
from kpi import definitions as D
from kpi import targets as T
from kpi.periods import PeriodError, last_months, parse_period, year_to_date

D_ = dt.date
SPEC = Path(__file__).resolve().parent / "data" / "kpi-definitions-targets.md"  # the spec's KPI tables
PLAN = Path(__file__).resolve().parent.parent / "data" / "plans" / "ke-hoach-cchc-2026-phu-luc.txt"


@pytest.mark.parametrize("text,start,end,kind,label", [
    ("2026-03", D_(2026, 3, 1), D_(2026, 3, 31), "month", "Tháng 3/2026"),
    ("2024-02", D_(2024, 2, 1), D_(2024, 2, 29), "month", "Tháng 2/2024"),
    ("2026-Q1", D_(2026, 1, 1), D_(2026, 3, 31), "quarter", "Quý I/2026"),
    ("2026-q4", D_(2026, 10, 1), D_(2026, 12, 31), "quarter", "Quý IV/2026"),
    ("2026", D_(2026, 1, 1), D_(2026, 12, 31), "year", "Năm 2026"),
    ("2026-01-01..2026-03-31", D_(2026, 1, 1), D_(2026, 3, 31), "custom",
     "01/01/2026 – 31/03/2026"),
])
def test_parse_and_label(text, start, end, kind, label):
    p = parse_period(text)
    assert (p.start, p.end, p.kind, p.label) == (start, end, kind, label)
    assert parse_period(p.code) == p


@pytest.mark.parametrize("bad", ["", "2026-13", "2026-Q5", "2026-Q0", "tháng 3", "2026-02-30..2026-03-01",
                                 "2026-03-31..2026-03-01", "26-03"])
def test_bad_periods(bad):
    with pytest.raises(PeriodError) as exc:
        parse_period(bad)
    assert unicodedata.is_normalized("NFC", str(exc.value))


def test_previous_periods():
    assert parse_period("2026-01").previous().label == "Tháng 12/2025"
    assert parse_period("2026-03").previous().label == "Tháng 2/2026"
    assert parse_period("2026-Q1").previous().label == "Quý IV/2025"
    assert parse_period("2026-Q3").previous().label == "Quý II/2026"
    assert parse_period("2026").previous().label == "Năm 2025"
    prev = parse_period("2026-03-10..2026-03-19").previous()
    assert (prev.start, prev.end, prev.kind) == (D_(2026, 2, 28), D_(2026, 3, 9), "custom")
    ytd = year_to_date(D_(2028, 2, 29))
    assert ytd.label == "Lũy kế năm 2028 (đến 29/02/2028)"
    assert (ytd.previous().start, ytd.previous().end) == (D_(2027, 1, 1), D_(2027, 2, 28))
    assert parse_period("2026-YTD", today=D_(2026, 4, 2)).end == D_(2026, 4, 2)
    assert parse_period("2025-YTD", today=D_(2026, 4, 2)).end == D_(2025, 12, 31)


def test_effective_end_and_months():
    p = parse_period("2026-Q2")
    assert p.effective_end(D_(2026, 5, 10)) == D_(2026, 5, 10)
    assert p.effective_end(D_(2026, 8, 1)) == D_(2026, 6, 30)
    ms = last_months(parse_period("2026-03"))
    assert len(ms) == 12 and ms[0].label == "Tháng 4/2025" and ms[-1].label == "Tháng 3/2026"
    assert [m.label for m in p.months()] == ["Tháng 4/2026", "Tháng 5/2026", "Tháng 6/2026"]


def test_calendar_tet_and_swaps():
    # Tết Bính Ngọ: 16–20/02/2026 off; February 2026 has 15 working days.
    assert not any(cal.is_working_day(D_(2026, 2, d)) for d in range(16, 21))
    assert cal.working_days_between(D_(2026, 2, 1), D_(2026, 2, 28)) == 15
    assert cal.is_working_day(D_(2026, 8, 22))  # Saturday worked for Monday 31/08
    assert not cal.is_working_day(D_(2026, 8, 31))
    assert not cal.is_working_day(D_(2026, 4, 27))  # in lieu of Giỗ Tổ on a Sunday
    assert not cal.is_working_day(D_(2027, 2, 10))  # Tết Đinh Mùi
    assert cal.is_working_day(D_(2025, 4, 26)) and not cal.is_working_day(D_(2025, 5, 2))
    # Day 1 of a deadline is the next working day.
    assert cal.add_working_days(D_(2026, 2, 13), 1) == D_(2026, 2, 23)
    assert cal.add_working_days(D_(2026, 3, 20), 15) == D_(2026, 4, 10)
    assert cal.add_working_days(D_(2026, 3, 20), 0) == D_(2026, 3, 20)
    assert cal.covered_years() == [2025, 2026, 2027]
    assert all(unicodedata.is_normalized("NFC", n) for n in cal.holidays().values())


def test_kpi_keys_in_spec_order():
    spec = SPEC.read_text(encoding="utf-8")
    keys = re.findall(r"^\| ([a-z_]+_rate) \|", spec, flags=re.M)
    assert keys == D.KPI_KEYS
    assert D.HEADLINE_KEYS == keys[:5]
    for k in D.KPIS:
        row = re.search(rf"^\| {k.key} \| (.+?) \| (II\.3\.\d) \|", spec, flags=re.M)
        assert (row.group(1), row.group(2)) == (k.label, k.section)


def test_targets_2026_quote_the_plan():
    plan = unicodedata.normalize("NFC", PLAN.read_text(encoding="utf-8"))
    targets = T.targets_for_year(2026)
    assert set(targets) <= set(D.KPI_KEYS)  # a later plan's new KPI has no 2026 target
    expected = {"on_time_rate": 0.98, "satisfaction_rate": 0.95, "digitization_rate": 0.80,
                "online_submission_rate": 0.60, "online_payment_rate": 0.80,
                "e_result_rate": 1.0, "data_reuse_rate": 0.80,
                "online_payment_procedure_rate": 0.80, "full_online_procedure_rate": 0.90,
                "boundary_free_procedure_rate": 0.70, "feedback_on_time_rate": 1.0}
    assert {k: t.value for k, t in targets.items()} == expected
    for key, t in targets.items():
        assert t.section == D.KPI_BY_KEY[key].section
        assert t.text in plan, key
    assert T.target_for("on_time_rate", 2099) is None  # no plan file for that year
    assert T.targets_for_year(2025) == {}


def test_a_targets_file_may_not_restate_another_section(tmp_path, monkeypatch):
    monkeypatch.setattr(T, "TARGETS_DIR", tmp_path)
    (tmp_path / "2030.toml").write_text(
        'year = 2030\n[targets.on_time_rate]\nvalue = 0.99\nsection = "II.3.1"\ntext = "a"\n'
        '[targets.satisfaction_rate]\nvalue = 0.96\ntext = "b"\n', encoding="utf-8")
    targets = T.targets_for_year(2030)  # an old file stating the declaration's section: fine
    assert {k: (t.value, t.section) for k, t in targets.items()} == {
        "on_time_rate": (0.99, "II.3.1"), "satisfaction_rate": (0.96, "II.3.2")}
    (tmp_path / "2031.toml").write_text(
        'year = 2031\n[targets.on_time_rate]\nvalue = 0.99\nsection = "II.3.4"\n',
        encoding="utf-8")
    with pytest.raises(ValueError, match="chỉ tiêu on_time_rate ghi mục II.3.4, nhưng khai báo "
                                         "chỉ số \\(kpi/definitions.py\\) ghi mục II.3.1"):
        T.targets_for_year(2031)


def test_the_choice_of_definitions_is_one_hashable_value():
    default = D.Choice()
    assert dict(default) == {"on_time_rate": "766", "satisfaction_rate": "766"}
    assert default.to_json() == {"on_time": "766", "satisfaction": "766"}
    picked = D.Choice.of(on_time="due", satisfaction="ratings")
    assert picked == D.Choice({"on_time_rate": "due", "satisfaction_rate": "ratings"})
    assert picked == D.Choice.from_json(picked.to_json())
    assert hash(picked) == hash(D.Choice.of(satisfaction="ratings", on_time="due"))
    assert len({default, picked, D.Choice.of(on_time="766")}) == 2
    assert picked.variant("on_time_rate") == "due"
    assert picked.variant("digitization_rate") == "default"  # one variant: nothing to choose
    assert [k.choice for k in D.choice_kpis()] == ["on_time", "satisfaction"]
    with pytest.raises(ValueError, match="Cách tính tỷ lệ hồ sơ giải quyết đúng hạn không hợp "
                                         "lệ: 'x'. Chọn một trong: 766, resolved, due"):
        D.Choice.of(on_time="x")
    with pytest.raises(ValueError, match="Không có lựa chọn cách tính “speed”"):
        D.Choice.of(speed="766")
    with pytest.raises(ValueError, match="Chỉ số “digitization_rate” không có cách tính"):
        D.Choice({"digitization_rate": "default"})


def test_declarations_carry_every_fact_the_screens_read():
    D.check_declarations(D.KPIS)
    broken = D.Kpi("x_rate", "X", "II.3.1", choice="", variants={
        "a": D.Ratio("dossiers", D.true("accepted"), D.true("accepted"), formula="f",
                     numerator_label="n", denominator_label="d", label="A", explanation="e"),
        "b": D.Ratio("dossiers", D.true("accepted"), D.true("accepted"), formula="f",
                     numerator_label="n", denominator_label="d", label="B", explanation="e"),
    }, default="a")
    with pytest.raises(ValueError, match="several variants need a unique choice name"):
        D.check_declarations([*D.KPIS, broken])
    for k in D.KPIS:
        for v in k.variants.values():
            assert D.SOURCES[v.source].noun and v.shortfall_heading
    assert D.KPI_BY_KEY["full_online_procedure_rate"].variant().state is True
    assert D.KPI_BY_KEY["online_payment_rate"].variant().state is False


@pytest.mark.parametrize("text,start,end,kind,label,words", [
    ("2026-H1", D_(2026, 1, 1), D_(2026, 6, 30), "half", "6 tháng đầu năm 2026",
     "6 tháng đầu năm 2026"),
    ("2026-h2", D_(2026, 7, 1), D_(2026, 12, 31), "half", "6 tháng cuối năm 2026",
     "6 tháng cuối năm 2026"),
    ("2026-Q1@15", D_(2025, 12, 15), D_(2026, 3, 14), "quarter@15",
     "Quý I/2026 (15/12/2025 – 14/03/2026)", "quý I năm 2026"),
    ("2026-Q3@15", D_(2026, 6, 15), D_(2026, 9, 14), "quarter@15",
     "Quý III/2026 (15/06/2026 – 14/09/2026)", "quý III năm 2026"),
    ("2026@15", D_(2025, 12, 15), D_(2026, 12, 14), "year@15",
     "Năm 2026 (15/12/2025 – 14/12/2026)", "năm 2026"),
    ("2026-H1@15", D_(2025, 12, 15), D_(2026, 6, 14), "half@15",
     "6 tháng đầu năm 2026 (15/12/2025 – 14/06/2026)", "6 tháng đầu năm 2026"),
    ("2026-H2@15", D_(2026, 6, 15), D_(2026, 12, 14), "half@15",
     "6 tháng cuối năm 2026 (15/06/2026 – 14/12/2026)", "6 tháng cuối năm 2026"),
    ("2026-01@15", D_(2025, 12, 15), D_(2026, 1, 14), "month@15",
     "Tháng 1/2026 (15/12/2025 – 14/01/2026)", "tháng 1 năm 2026"),
    ("2026-03@15", D_(2026, 2, 15), D_(2026, 3, 14), "month@15",
     "Tháng 3/2026 (15/02/2026 – 14/03/2026)", "tháng 3 năm 2026"),
])
def test_half_years_and_decree_09_windows(text, start, end, kind, label, words):
    p = parse_period(text)
    assert (p.start, p.end, p.kind, p.label, p.words) == (start, end, kind, label, words)
    assert parse_period(p.code) == p and p.code.upper() == text.upper()
    assert unicodedata.is_normalized("NFC", p.label)


def test_previous_and_year_to_date_of_new_kinds():
    assert parse_period("2026-H1").previous().code == "2025-H2"
    assert parse_period("2026-H2").previous().code == "2026-H1"
    prev = parse_period("2026-Q1@15").previous()
    assert (prev.code, prev.start, prev.end) == ("2025-Q4@15", D_(2025, 9, 15), D_(2025, 12, 14))
    assert parse_period("2026@15").previous().code == "2025@15"
    ytd = parse_period("2026-Q3@15").year_to_date()
    assert (ytd.start, ytd.end) == (D_(2025, 12, 15), D_(2026, 9, 14))
    ytd = parse_period("2026-Q3").year_to_date()
    assert (ytd.start, ytd.end, ytd.kind) == (D_(2026, 1, 1), D_(2026, 9, 30), "ytd")
    assert parse_period("2026-Q3").base == parse_period("2026-Q3")
    assert parse_period("2026-Q3@15").base == parse_period("2026-Q3")


@pytest.mark.parametrize("bad", ["2026-H3", "2026-H0", "2026-YTD@15", "@15",
                                 "2026-01-01..2026-02-01@15", "2026-Q5@15"])
def test_bad_new_periods(bad):
    with pytest.raises(PeriodError) as exc:
        parse_period(bad)
    assert unicodedata.is_normalized("NFC", str(exc.value))


def test_sidebar_choices_of_halves_and_windows():
    from kpi import dashboard as DB

    span = (D_(2025, 11, 3), D_(2026, 4, 10))
    today = D_(2026, 4, 15)
    assert [p.code for p in DB.period_choices("half", span, today)] == ["2026-H1", "2025-H2"]
    assert [p.code for p in DB.period_choices("window", span, today)] == [
        "2026@15", "2026-Q2@15", "2026-H1@15", "2026-Q1@15", "2025-Q4@15", "2025-H2@15",
        "2025@15"]
