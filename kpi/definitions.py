"""Every KPI of shared/spec/kpi-definitions.md, declared as data — the one home of a KPI's facts.

A ``Kpi`` is its key, full and short label, plan section (the targets file and the plan links
read it here), and one or more *variants* (the user-chosen definitions: three for the on-time
rate, two for satisfaction, one for the rest). A KPI with several variants names its ``choice``
("on_time"): the key of the snapshot JSON's "definitions", of the command-line flag
(--on-time-definition) and of the sidebar radio; ``Choice`` is the user's pick for all of them
as one hashable value. A new choice is a declaration, nothing else.

A variant (``Ratio``) is a ratio over one source table (``SOURCES``: what a row is called, whether
it is a state of the catalogue, which breakdowns it allows):

- ``denominator``: a filter over the source's columns (raw schema columns and the derived
  columns the compiler provides, listed in ``DERIVED`` below). SQL three-valued logic is
  meaningful here: a row whose denominator filter is NULL is *unknown* (e.g. ``fee > 0`` with
  no fee column);
- ``numerator``: a filter applied on top of the denominator;
- ``requires``: the columns the file must have carried; a row of the denominator with one of
  them NULL is unknown for this KPI (in neither count). ``Need(col, unless=filter)`` makes a
  column needed only for rows where ``unless`` is false (e-result is not needed for
  procedures that issue no result document);
- ``summary``: for the KPIs a summary report (Biểu số 06) can answer, the summary columns
  summed into numerator and denominator;
- the words around it: ``formula``, numerator and denominator labels, the variant's ``label``
  and ``explanation`` (when the user picks it), ``shortfall_title``; and ``unverifiable`` (the
  variant leaves out dossiers whose on-time class cannot be known, and says how many),
  ``refined_by`` (sources that refine it when loaded);
- ``reasons``: why a row of the shortfall fails, as ``Reason(when, text)`` declarations: every
  reason whose filter holds for the row is written in the list's "Lý do chưa đạt" column and
  its Excel ("Quá hạn 3 ngày làm việc; Yêu cầu bổ sung 2 lần"). ``text`` may name the values of
  ``REASON_VALUES`` ("{days_late}") and any column of the source.

``kpi.compiler`` turns every declaration into SQLAlchemy Core: one compiler for all KPIs, so a
new plan's KPI is a declaration here, a target line in data/targets/<year>.toml, and a test
(tests/test_new_kpi.py shows one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# ------------------------------------------------------------------------------ filter language


@dataclass(frozen=True)
class Cond:
    """``column op value``. Ops: = != > >= < <= in, not in, is true, is false, is null,
    not null, like any (value: list of LIKE patterns)."""

    column: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class AnyOf:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


def eq(col, v):
    return Cond(col, "=", v)


def gt(col, v):
    return Cond(col, ">", v)


def isin(col, values):
    return Cond(col, "in", tuple(values))


def true(col):
    return Cond(col, "is true")


def false(col):
    return Cond(col, "is false")


def all_(*items):
    return All(tuple(items))


def any_(*items):
    return AnyOf(tuple(items))


@dataclass(frozen=True)
class Need:
    """A column the KPI needs; with ``unless``, only for rows where ``unless`` is false."""

    column: str
    unless: Any = None


# ------------------------------------------------------------------------------ declarations

# On-time classes (kpi-definitions.md "one classification").
EARLY, ON_TIME, LATE = "early", "on_time", "late"
PENDING_IN_TIME, PENDING_OVERDUE = "pending_in_time", "pending_overdue"
UNVERIFIABLE, WITHDRAWN, OUT = "unverifiable", "withdrawn", "out"
CLASSES = (EARLY, ON_TIME, LATE, PENDING_IN_TIME, PENDING_OVERDUE)

CLASS_LABELS = {
    EARLY: "Trước hạn",
    ON_TIME: "Đúng hạn",
    LATE: "Quá hạn",
    PENDING_IN_TIME: "Đang giải quyết trong hạn",
    PENDING_OVERDUE: "Đang giải quyết quá hạn",
    UNVERIFIABLE: "Không xác định được",
    WITHDRAWN: "Rút hồ sơ",
}

STATUS_LABELS = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}

CHANNEL_LABELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích (BCCI)"}

# Derived columns the compiler provides per source (documentation; see kpi.compiler).
DERIVED = {
    "dossiers": {
        "accepted": "status not 1/3 (NULL when the status is unknown)",
        "received_in_period": "received on a day in [start, as-of day]",
        "on_time_class": "early | on_time | late | pending_in_time | pending_overdue | "
        "unverifiable | withdrawn | out (not handled in the period); NULL = status unknown",
        "resolved_in_period": "status 9/10 finished within the period (NULL: status unknown "
        "but finished_at in the period)",
        "no_result": "the catalogue says the procedure issues no result (paper_result = False)",
        "flagged": "a negative rating or a PAKN names the dossier (dated on or before as-of day)",
    },
    "ratings": {"rated_in_period": "rated on a day in [start, as-of day]"},
    "procedures": {"commune_level": "level empty or of the commune level (cấp xã)"},
    "feedback": {
        "handled": "received on or before the as-of day, not finished before start",
        "feedback_on_time": "finished within the period by the due day, or not finished and "
        "not yet due at the as-of day (due day default: 15 working days after receipt)",
    },
}


@dataclass(frozen=True)
class Source:
    """What a source's rows are, for every KPI over it."""

    name: str  # dossiers | summary | ratings | procedures | feedback
    noun: str  # what a row is, in a sentence: "hồ sơ", "thủ tục", "đánh giá"…
    state: bool = False  # a state as of the period end (the catalogue), not a flow: no headroom
    breakdowns: tuple = ()  # the breakdowns (kpi.queries.BREAKDOWNS) its KPIs can be split by
    missing: str = ""  # the warning's opening when a period has none of its rows


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("dossiers", "hồ sơ", breakdowns=("field", "procedure", "channel", "handling_unit")),
    Source("summary", "hồ sơ"),  # a value answered from Biểu số 06 (see Ratio.summary)
    Source("ratings", "đánh giá", missing="Kỳ này chưa có dữ liệu đánh giá mức độ hài lòng"),
    Source("procedures", "thủ tục", state=True, breakdowns=("field", "procedure"),
           missing="Chưa có danh mục thủ tục hành chính"),
    Source("feedback", "phản ánh, kiến nghị",
           missing="Kỳ này không có phản ánh, kiến nghị (PAKN) nào phải xử lý, hoặc chưa tải dữ "
           "liệu PAKN"),
)}


@dataclass(frozen=True)
class Reason:
    """Why a row of a KPI's shortfall fails: when ``when`` (a filter over the source's columns,
    the derived ones and ``REASON_VALUES``) holds, ``text`` (Vietnamese, may name those
    columns in braces: "Quá hạn {days_late} ngày làm việc") is one of the row's reasons. A named value
    that is missing for the row gives ``otherwise`` instead (or no reason when empty)."""

    when: Any
    text: str
    otherwise: str = ""


# Values a reason's filter and text may use besides the source's columns (computed per row by
# kpi.queries.shortfall as of the period's classification day). In a filter they are calendar
# days (> 0: past the due day); in a reason's text, working days past the due day
# (kpi.calendar.working_days_late), said "ngày làm việc".
REASON_VALUES = {
    "dossiers": {
        "days_late": "finish day − due day (finished dossiers)",
        "days_overdue": "classification day − due day (dossiers not finished)",
    },
    "feedback": {
        "days_late": "finish day − due day (PAKN finished)",
        "days_overdue": "classification day − due day (PAKN not finished)",
    },
}
# When no declared reason holds (it should not happen), the row still says something.
DEFAULT_REASON = "Không đạt điều kiện của chỉ số"


@dataclass(frozen=True)
class Ratio:
    """One way of computing a KPI (a *variant*). For a KPI with more than one, ``label`` is
    how the user picks it ("Theo Bộ chỉ số 766") and ``explanation`` says what it counts."""

    source: str  # dossiers | ratings | procedures | feedback (SOURCES)
    denominator: Any
    numerator: Any
    requires: tuple = ()
    formula: str = ""  # Vietnamese, shown next to the number
    numerator_label: str = ""
    denominator_label: str = ""
    summary: tuple | None = None  # (numerator summary columns, denominator summary columns)
    label: str = ""  # on-screen name of the variant, capitalised: "Theo phiếu đánh giá"
    explanation: str = ""  # help text beside the choice and in the reports
    unverifiable: bool = False  # leaves out the dossiers whose on-time class is unknowable
    refined_by: tuple = ()  # other sources that refine it when loaded (never required)
    shortfall_title: str = ""  # heading of the rows behind the shortfall (default: "… chưa đạt")
    reasons: tuple = ()  # Reason declarations: why a row of the shortfall fails

    @property
    def short(self) -> str:
        """The variant inside a sentence: "theo Bộ chỉ số 766"."""
        return self.label[:1].lower() + self.label[1:]

    @property
    def noun(self) -> str:
        return SOURCES[self.source].noun

    @property
    def state(self) -> bool:
        """A state of the catalogue as of the period end (no year-to-date headroom)."""
        return SOURCES[self.source].state

    @property
    def shortfall_heading(self) -> str:
        return self.shortfall_title or f"{self.noun[:1].upper()}{self.noun[1:]} chưa đạt"


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    section: str  # the plan's section ("II.3.1"): the plan links and the reports read it here
    variants: dict
    default: str = "default"
    headline: bool = False
    short_label: str = ""
    choice: str = ""  # with several variants: the name of the user's choice ("on_time")

    def variant(self, definition: str | None = None) -> Ratio:
        name = definition or self.default
        if name not in self.variants:
            name = self.default
        return self.variants[name]

    @property
    def choice_label(self) -> str:
        """"Cách tính tỷ lệ hồ sơ giải quyết đúng hạn"."""
        return "Cách tính " + self.label[:1].lower() + self.label[1:]


_ON_TIME_POP = isin("on_time_class", CLASSES)
_STATUS = (Need("status"),)

_LATE_REASONS = (
    Reason(all_(isin("on_time_class", (LATE, PENDING_OVERDUE)), gt("supplement_count", 1)),
           "Yêu cầu bổ sung {supplement_count} lần (quá 1 lần tính là quá hạn)"),
    Reason(all_(eq("on_time_class", LATE), gt("days_late", 0)), "Quá hạn {days_late} ngày làm việc",
           "Quá hạn (giải quyết xong vào ngày nghỉ sau ngày hẹn trả)"),
    Reason(all_(eq("on_time_class", PENDING_OVERDUE), gt("days_overdue", 0)),
           "Đang giải quyết, quá hạn {days_overdue} ngày làm việc",
           "Đang giải quyết, đã quá ngày hẹn trả"),
)
_FLAGGED_REASON = Reason(true("flagged"),
                         "Bị đánh giá không hài lòng hoặc bị phản ánh, kiến nghị")

_766_DEN = "(Trước hạn + Đúng hạn + Quá hạn + Đang giải quyết trong hạn + Đang giải quyết quá hạn)"

KPIS: list[Kpi] = [
    Kpi(
        "on_time_rate",
        "Tỷ lệ hồ sơ giải quyết đúng hạn",
        "II.3.1",
        headline=True,
        short_label="Đúng hạn",
        default="766",
        choice="on_time",
        variants={
            "766": Ratio(
                "dossiers",
                denominator=_ON_TIME_POP,
                numerator=isin("on_time_class", (EARLY, ON_TIME, PENDING_IN_TIME)),
                requires=_STATUS,
                formula="(Trước hạn + Đúng hạn + Đang giải quyết trong hạn) / " + _766_DEN,
                numerator_label="Hồ sơ trước hạn, đúng hạn và đang giải quyết trong hạn",
                denominator_label="Hồ sơ đã và đang giải quyết trong kỳ (kể cả từ kỳ trước)",
                summary=(
                    ("early", "on_time", "pending_in_time"),
                    ("early", "on_time", "late", "pending_in_time", "pending_overdue"),
                ),
                label="Theo Bộ chỉ số 766",
                explanation="(trước hạn + đúng hạn + đang giải quyết trong hạn) / tổng số hồ sơ "
                "đã và đang giải quyết — cách tỉnh chấm điểm theo Quyết định 766/QĐ-TTg.",
                unverifiable=True,
                reasons=_LATE_REASONS,
            ),
            "resolved": Ratio(
                "dossiers",
                denominator=isin("on_time_class", (EARLY, ON_TIME, LATE)),
                numerator=isin("on_time_class", (EARLY, ON_TIME)),
                requires=_STATUS,
                formula="(Trước hạn + Đúng hạn) / (Trước hạn + Đúng hạn + Quá hạn)",
                numerator_label="Hồ sơ giải quyết trước hạn và đúng hạn",
                denominator_label="Hồ sơ đã giải quyết trong kỳ (kể cả dừng xử lý)",
                summary=(("early", "on_time"), ("early", "on_time", "late")),
                label="Trên số hồ sơ đã giải quyết",
                explanation="(trước hạn + đúng hạn) / số hồ sơ đã giải quyết — cách báo chí "
                "thường dùng.",
                unverifiable=True,
                reasons=_LATE_REASONS,
            ),
            "due": Ratio(
                "dossiers",
                denominator=isin("on_time_class", (EARLY, ON_TIME, LATE, PENDING_OVERDUE)),
                numerator=isin("on_time_class", (EARLY, ON_TIME)),
                requires=_STATUS,
                formula="(Trước hạn + Đúng hạn) / (Trước hạn + Đúng hạn + Quá hạn + "
                "Đang giải quyết quá hạn)",
                numerator_label="Hồ sơ giải quyết trước hạn và đúng hạn",
                denominator_label="Hồ sơ đã giải quyết và hồ sơ đang giải quyết quá hạn",
                summary=(("early", "on_time"), ("early", "on_time", "late", "pending_overdue")),
                label="Trên số hồ sơ đến hạn",
                explanation="(trước hạn + đúng hạn) / (hồ sơ đã giải quyết + hồ sơ đang giải "
                "quyết quá hạn).",
                unverifiable=True,
                reasons=_LATE_REASONS,
            ),
        },
    ),
    Kpi(
        "satisfaction_rate",
        "Mức độ hài lòng của người dân, doanh nghiệp",
        "II.3.2",
        headline=True,
        short_label="Hài lòng",
        default="766",
        choice="satisfaction",
        variants={
            "766": Ratio(
                "dossiers",
                denominator=_ON_TIME_POP,
                numerator=all_(
                    isin("on_time_class", (EARLY, ON_TIME, PENDING_IN_TIME)), false("flagged")
                ),
                requires=_STATUS,
                formula="(Hồ sơ đã và đang giải quyết − hồ sơ quá hạn, đang giải quyết quá hạn, "
                "bị đánh giá không hài lòng hoặc bị phản ánh, kiến nghị) / hồ sơ đã và đang "
                "giải quyết",
                numerator_label="Hồ sơ không quá hạn, không bị đánh giá không hài lòng, không "
                "bị phản ánh, kiến nghị",
                denominator_label="Hồ sơ đã và đang giải quyết trong kỳ",
                label="Theo Bộ chỉ số 766",
                explanation="Hồ sơ không quá hạn, không bị đánh giá không hài lòng, không bị phản "
                "ánh, kiến nghị / tổng số hồ sơ đã và đang giải quyết. Chỉ cần dữ liệu hồ sơ.",
                unverifiable=True,
                reasons=_LATE_REASONS + (_FLAGGED_REASON,),
                refined_by=("ratings", "feedback"),
            ),
            "ratings": Ratio(
                "ratings",
                denominator=true("rated_in_period"),
                numerator=true("satisfied"),
                requires=(Need("satisfied"),),
                formula="Số đánh giá hài lòng (Rất hài lòng, Hài lòng) / tổng số đánh giá trong kỳ",
                numerator_label="Đánh giá hài lòng",
                denominator_label="Tổng số đánh giá trong kỳ",
                label="Theo phiếu đánh giá",
                explanation="Số đánh giá hài lòng, rất hài lòng / tổng số đánh giá trong kỳ. Cần "
                "tải dữ liệu đánh giá mức độ hài lòng.",
                shortfall_title="Đánh giá chưa hài lòng",
                reasons=(Reason(false("satisfied"), "Đánh giá: {rating_label}",
                                otherwise="Đánh giá chưa hài lòng"),),
            ),
        },
    ),
    Kpi(
        "digitization_rate",
        "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC",
        "II.3.3",
        headline=True,
        short_label="Số hóa",
        variants={
            "default": Ratio(
                "dossiers",
                denominator=true("resolved_in_period"),
                numerator=all_(true("inputs_digitized"), any_(true("no_result"), true("e_result"))),
                requires=(Need("inputs_digitized"), Need("e_result", unless=true("no_result"))),
                formula="Hồ sơ đã giải quyết xong có thành phần hồ sơ được số hóa và kết quả "
                "điện tử / hồ sơ đã giải quyết xong trong kỳ (thủ tục không trả kết quả giấy: "
                "chỉ xét thành phần hồ sơ)",
                numerator_label="Hồ sơ được số hóa thành phần hồ sơ và kết quả",
                denominator_label="Hồ sơ đã giải quyết xong trong kỳ",
                reasons=(Reason(false("inputs_digitized"), "Chưa số hóa thành phần hồ sơ"),
                         Reason(all_(false("no_result"), false("e_result")),
                                "Thiếu kết quả điện tử")),
            )
        },
    ),
    Kpi(
        "online_submission_rate",
        "Tỷ lệ hồ sơ trực tuyến / tổng hồ sơ tiếp nhận",
        "II.3.5",
        headline=True,
        short_label="Trực tuyến",
        variants={
            "default": Ratio(
                "dossiers",
                denominator=all_(true("received_in_period"), true("accepted")),
                numerator=eq("channel", 2),
                requires=_STATUS + (Need("channel"),),
                formula="Hồ sơ tiếp nhận trực tuyến trong kỳ / tổng số hồ sơ tiếp nhận trong kỳ",
                numerator_label="Hồ sơ tiếp nhận trực tuyến",
                denominator_label="Hồ sơ tiếp nhận trong kỳ",
                reasons=(Reason(eq("channel", 1), "Nộp trực tiếp, không nộp trực tuyến"),
                         Reason(eq("channel", 3), "Nộp qua bưu chính công ích, không nộp trực "
                                "tuyến")),
                summary=(("received_online",), ("received_online", "received_direct")),
            )
        },
    ),
    Kpi(
        "online_payment_rate",
        "Tỷ lệ giao dịch thanh toán trực tuyến",
        "II.3.4",
        headline=True,
        short_label="Thanh toán trực tuyến",
        variants={
            "default": Ratio(
                "dossiers",
                denominator=all_(true("received_in_period"), true("accepted"), gt("fee", 0)),
                numerator=true("paid_online"),
                requires=_STATUS + (Need("fee"), Need("paid_online")),
                formula="Hồ sơ có phí, lệ phí được thanh toán trực tuyến / hồ sơ tiếp nhận trong "
                "kỳ có phí, lệ phí",
                numerator_label="Hồ sơ thanh toán trực tuyến",
                denominator_label="Hồ sơ tiếp nhận trong kỳ có phí, lệ phí",
                reasons=(Reason(false("paid_online"), "Chưa thanh toán trực tuyến"),),
            )
        },
    ),
    Kpi(
        "e_result_rate",
        "Tỷ lệ cấp kết quả giải quyết TTHC điện tử",
        "II.3.3",
        short_label="Kết quả điện tử",
        variants={
            "default": Ratio(
                "dossiers",
                denominator=all_(true("resolved_in_period"), false("no_result")),
                numerator=true("e_result"),
                requires=(Need("e_result"),),
                formula="Hồ sơ đã giải quyết xong có kết quả điện tử / hồ sơ đã giải quyết xong "
                "trong kỳ (trừ thủ tục không trả kết quả)",
                numerator_label="Hồ sơ có kết quả điện tử",
                denominator_label="Hồ sơ đã giải quyết xong trong kỳ",
                reasons=(Reason(false("e_result"), "Thiếu kết quả điện tử"),),
            )
        },
    ),
    Kpi(
        "data_reuse_rate",
        "Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa",
        "II.3.3",
        short_label="Tái sử dụng dữ liệu",
        variants={
            "default": Ratio(
                "dossiers",
                denominator=all_(true("received_in_period"), true("accepted")),
                numerator=true("data_reused"),
                requires=_STATUS + (Need("data_reused"),),
                formula="Hồ sơ có thành phần tái sử dụng dữ liệu số hóa / hồ sơ tiếp nhận trong kỳ",
                numerator_label="Hồ sơ tái sử dụng dữ liệu số hóa",
                denominator_label="Hồ sơ tiếp nhận trong kỳ",
                reasons=(Reason(false("data_reused"), "Không tái sử dụng dữ liệu số hóa"),),
            )
        },
    ),
    Kpi(
        "online_payment_procedure_rate",
        "TTHC có nghĩa vụ tài chính được triển khai thanh toán trực tuyến",
        "II.3.4",
        short_label="TTHC thanh toán trực tuyến",
        variants={
            "default": Ratio(
                "procedures",
                denominator=true("has_fee"),
                numerator=true("online_payment"),
                requires=(Need("has_fee"), Need("online_payment")),
                formula="TTHC có phí, lệ phí đã triển khai thanh toán trực tuyến / TTHC có phí, "
                "lệ phí",
                numerator_label="TTHC đã triển khai thanh toán trực tuyến",
                denominator_label="TTHC có nghĩa vụ tài chính",
                reasons=(Reason(false("online_payment"), "Chưa triển khai thanh toán trực "
                                "tuyến"),),
            )
        },
    ),
    Kpi(
        "full_online_procedure_rate",
        "DVC trực tuyến toàn trình / TTHC đủ điều kiện",
        "II.3.5",
        short_label="DVC toàn trình",
        variants={
            "default": Ratio(
                "procedures",
                denominator=true("full_online_eligible"),
                numerator=true("full_online"),
                requires=(Need("full_online_eligible"), Need("full_online")),
                formula="TTHC cung cấp dịch vụ công trực tuyến toàn trình / TTHC đủ điều kiện",
                numerator_label="TTHC cung cấp trực tuyến toàn trình",
                denominator_label="TTHC đủ điều kiện",
                reasons=(Reason(false("full_online"), "Chưa cung cấp dịch vụ công trực tuyến "
                                "toàn trình"),),
            )
        },
    ),
    Kpi(
        "boundary_free_procedure_rate",
        "TTHC thực hiện không phụ thuộc địa giới hành chính",
        "II.3.6",
        short_label="Không phụ thuộc địa giới",
        variants={
            "default": Ratio(
                "procedures",
                denominator=true("commune_level"),
                numerator=true("boundary_free"),
                requires=(Need("boundary_free"),),
                formula="TTHC thực hiện không phụ thuộc địa giới hành chính / tổng số TTHC cấp xã",
                numerator_label="TTHC không phụ thuộc địa giới hành chính",
                denominator_label="TTHC cấp xã",
                reasons=(Reason(false("boundary_free"), "Còn phụ thuộc địa giới hành "
                                "chính"),),
            )
        },
    ),
    Kpi(
        "feedback_on_time_rate",
        "Phản ánh, kiến nghị (PAKN) được xử lý đúng hạn",
        "II.3.2",
        short_label="PAKN đúng hạn",
        variants={
            "default": Ratio(
                "feedback",
                denominator=true("handled"),
                numerator=true("feedback_on_time"),
                requires=(),
                formula="(PAKN xử lý xong trong kỳ đúng hạn + PAKN chưa xử lý xong, chưa đến hạn) "
                "/ PAKN phải xử lý trong kỳ (hạn mặc định: 15 ngày làm việc)",
                numerator_label="PAKN xử lý đúng hạn hoặc chưa đến hạn",
                denominator_label="PAKN phải xử lý trong kỳ",
                shortfall_title="Phản ánh, kiến nghị chưa xử lý đúng hạn",
                reasons=(Reason(gt("days_late", 0), "Xử lý xong quá hạn {days_late} ngày làm việc",
                                "Xử lý xong quá hạn (vào ngày nghỉ sau hạn xử lý)"),
                         Reason(gt("days_overdue", 0), "Chưa xử lý xong, quá hạn "
                                "{days_overdue} ngày làm việc", "Chưa xử lý xong, đã quá hạn xử lý")),
            )
        },
    ),
]

KPI_BY_KEY: dict[str, Kpi] = {k.key: k for k in KPIS}
KPI_KEYS: list[str] = [k.key for k in KPIS]
HEADLINE_KEYS: list[str] = [k.key for k in KPIS if k.headline]


def check_declarations(kpis: list[Kpi]) -> None:
    """Raise ValueError when a declaration misses a fact the screens and reports read."""
    keys, choices = set(), set()
    for k in kpis:
        if k.key in keys:
            raise ValueError(f"KPI {k.key} declared twice")
        keys.add(k.key)
        if k.default not in k.variants:
            raise ValueError(f"KPI {k.key}: default variant {k.default!r} is not declared")
        for name, v in k.variants.items():
            if v.source not in SOURCES or v.source == "summary":
                raise ValueError(f"KPI {k.key}/{name}: unknown source {v.source!r}")
            if not (v.formula and v.numerator_label and v.denominator_label):
                raise ValueError(f"KPI {k.key}/{name}: formula and count labels are required")
        if len(k.variants) > 1:
            if not k.choice or k.choice in choices:
                raise ValueError(f"KPI {k.key}: several variants need a unique choice name")
            choices.add(k.choice)
            for name, v in k.variants.items():
                if not (v.label and v.explanation):
                    raise ValueError(f"KPI {k.key}/{name}: a variant to choose needs a label "
                                     "and an explanation")


check_declarations(KPIS)



def choice_kpis() -> list[Kpi]:
    """The KPIs the user picks a variant of (more than one variant), in declaration order."""
    return [k for k in KPIS if len(k.variants) > 1]


def choice_kpi(name: str) -> Kpi:
    """The KPI whose choice is called ``name`` ("on_time")."""
    for k in choice_kpis():
        if k.choice == name:
            return k
    raise KeyError(name)


@dataclass(frozen=True)
class Choice(Mapping):
    """The variant the user picked for every KPI of ``choice_kpis()``: one immutable, hashable
    mapping {KPI key: variant name}; a KPI left out takes its default. The names of the
    choices ("on_time", "satisfaction") are those of the snapshot JSON's "definitions" and of
    the command-line flags (--on-time-definition).

        Choice()                               every default
        Choice.of(on_time="resolved")          by choice name
        Choice({"on_time_rate": "resolved"})   by KPI key
        choice.variant("digitization_rate")    "default": any KPI's variant under the choice
        choice.to_json()                       {"on_time": "resolved", "satisfaction": "766"}

    An unknown KPI or variant raises ValueError with a Vietnamese message.
    """

    pairs: Any = ()  # given: a mapping or pairs by KPI key; kept: every choice, in order

    def __post_init__(self):
        given = dict(self.pairs)
        kpis = choice_kpis()
        for key in set(given) - {k.key for k in kpis}:
            raise ValueError(f"Chỉ số “{key}” không có cách tính để chọn.")
        pairs = []
        for k in kpis:
            name = str(given.get(k.key, k.default))
            if name not in k.variants:
                raise ValueError(f"{k.choice_label} không hợp lệ: '{name}'. Chọn một trong: "
                                 + ", ".join(k.variants))
            pairs.append((k.key, name))
        object.__setattr__(self, "pairs", tuple(pairs))

    @classmethod
    def of(cls, **names: str) -> Choice:
        """By choice name: ``Choice.of(on_time="due", satisfaction="ratings")``."""
        return cls.from_json(names)

    @classmethod
    def from_json(cls, names: Mapping) -> Choice:
        """From the snapshot JSON's "definitions" ({"on_time": "766", …})."""
        by_key = {}
        for name, variant in names.items():
            try:
                by_key[choice_kpi(name).key] = variant
            except KeyError:
                raise ValueError(f"Không có lựa chọn cách tính “{name}”.") from None
        return cls(by_key)

    def to_json(self) -> dict:
        """{"on_time": "766", "satisfaction": "766"}: the snapshot JSON's "definitions"."""
        return {KPI_BY_KEY[key].choice: name for key, name in self.pairs}

    def variant(self, key: str) -> str:
        """The variant KPI ``key`` uses under this choice (its default when not chosen)."""
        return dict(self.pairs).get(key) or KPI_BY_KEY[key].default

    def __getitem__(self, key: str) -> str:
        return dict(self.pairs)[key]

    def __iter__(self):
        return (key for key, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


@dataclass(frozen=True)
class SummaryColumns:
    """Biểu số 06 columns: flows add up over tiled periods, (6) from the first, (11)–(13) last."""

    flows: tuple = ("received_online", "received_direct", "resolved_total", "early", "on_time",
                    "late")
    first: tuple = ("carried_over",)
    last: tuple = ("pending_total", "pending_in_time", "pending_overdue")
    derived_total: tuple = ("received_total",)


SUMMARY_COLUMNS = SummaryColumns()
SUMMARY_TOTAL_LABELS = ("tổng cộng", "tổng số", "tổng", "cộng")

# Labels of the snapshot's counts (cli.md "counts"), as the screens and the reports show them.
COUNT_LABELS = {
    "received": "Hồ sơ tiếp nhận (kể cả hồ sơ rút)",
    "resolved": "Hồ sơ đã giải quyết (trước hạn, đúng hạn, quá hạn)",
    "pending": "Hồ sơ đang giải quyết",
    "pending_overdue": "Trong đó: đang giải quyết quá hạn",
    "withdrawn": "Hồ sơ công dân rút",
    "unverifiable": "Hồ sơ không xác định được hạn (không tính)",
}
