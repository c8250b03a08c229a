"""Header vocabulary of the one-stop-centre exports: aliases, personal data, kind detection,
and finding the header block of a table (exports.md).

Everything here works on plain Python values (the first rows of a sheet or CSV), never on
the whole file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

KINDS = ["dossiers", "ratings", "procedures", "feedback", "summary"]

KIND_LABELS = {
    "dossiers": "Danh sách hồ sơ",
    "ratings": "Kết quả đánh giá mức độ hài lòng",
    "procedures": "Danh mục thủ tục hành chính",
    "feedback": "Phản ánh, kiến nghị (PAKN)",
    "summary": "Biểu số 06/VPCP/KSTT",
}

# A yes/no "Trực tuyến" column: channel 2 when yes, 1 otherwise.
ONLINE_FLAG = "_online_flag"

# ---------------------------------------------------------------------------------------
# Aliases (canonical column <- headers seen in real exports and the portal's field names)
# ---------------------------------------------------------------------------------------
_DOSSIER_CODE = ["Mã hồ sơ", "Số hồ sơ", "Mã HS", "MaHoSo", "Mã số hồ sơ", "Số HS"]
_PROCEDURE_CODE = ["Mã thủ tục", "Mã TTHC", "MaTTHC", "Mã thủ tục hành chính", "MaThuTuc"]
_PROCEDURE_NAME = [
    "Tên thủ tục", "Tên thủ tục hành chính", "Tên TTHC", "Thủ tục", "TenTTHC",
    "Thủ tục hành chính", "TenThuTuc",
]
_FIELD = ["Lĩnh vực", "Tên lĩnh vực", "TenLinhVuc", "LinhVuc"]
_RECEIVED = ["Ngày tiếp nhận", "Ngày nhận", "NgayTiepNhan", "Ngày nhận hồ sơ", "Ngày tiếp nhận hồ sơ"]
_DUE = ["Ngày hẹn trả", "Ngày hẹn trả kết quả", "Hạn xử lý", "NgayHenTra", "Hạn giải quyết"]
_FINISHED = [
    "Ngày kết thúc xử lý", "Ngày hoàn thành", "Ngày có kết quả", "Ngày xử lý xong",
    "NgayKetThucXuLy",
]
_STATUS = [
    "Trạng thái", "Trạng thái hồ sơ", "TrangThaiHoSo", "Tình trạng", "Tình trạng hồ sơ", "TrangThai",
    "Trạng thái xử lý", "Tình trạng xử lý", "Tình trạng giải quyết", "Trạng thái giải quyết",
]
_SERVICE_LEVEL = ["Mức độ", "Mức độ DVC", "Mức độ dịch vụ công", "Mức độ DVCTT", "MucDo"]
_FEE = ["Phí, lệ phí", "Lệ phí", "Phí", "Phí lệ phí", "Mức phí, lệ phí", "Mức phí", "Số tiền phí, lệ phí"]
_RATING = ["Mức độ hài lòng", "Kết quả đánh giá", "Đánh giá", "Mức hài lòng", "KetQuaDanhGia"]

ALIASES: dict[str, dict[str, list[str]]] = {
    "dossiers": {
        "dossier_code": _DOSSIER_CODE,
        "procedure_code": _PROCEDURE_CODE,
        "procedure_name": _PROCEDURE_NAME,
        "field": _FIELD,
        "handling_unit": [
            "Đơn vị tiếp nhận", "Cơ quan thụ lý", "Đơn vị xử lý", "DonViXuLy",
            "Cơ quan chủ trì giải quyết", "Cơ quan giải quyết", "Cơ quan chủ trì",
        ],
        "submitted_at": ["Ngày nộp hồ sơ", "Ngày nộp", "Ngày gửi", "NgayNopHoSo"],
        "received_at": _RECEIVED,
        "due_at": _DUE,
        "finished_at": _FINISHED,
        "returned_at": ["Ngày trả kết quả", "Ngày trả", "NgayTra", "NgayTraKetQua"],
        "status": _STATUS,
        "channel": [
            "Kênh thực hiện", "Hình thức nộp", "Hình thức tiếp nhận", "KenhThucHien",
            "Kênh nộp", "Hình thức nộp hồ sơ", "Kênh tiếp nhận", "Kênh", "Kênh nộp hồ sơ",
            "Phương thức nộp", "Phương thức nộp hồ sơ", "Phương thức tiếp nhận",
        ],
        ONLINE_FLAG: ["Trực tuyến", "Nộp trực tuyến", "Hồ sơ trực tuyến"],
        "service_level": _SERVICE_LEVEL,
        "supplement_count": ["Số lần bổ sung", "Số lần yêu cầu bổ sung", "SoLanBoSung"],
        "inputs_digitized": [
            "Số hóa hồ sơ", "Đã số hóa", "Hồ sơ có thành phần số hóa",
            "HoSoCoThanhPhanSoHoa", "Số hóa thành phần hồ sơ",
        ],
        "e_result": [
            "Kết quả điện tử", "Có kết quả điện tử", "Số hóa kết quả", "Đã ký số kết quả",
            "Số hóa kết quả giải quyết",
        ],
        "data_reused": [
            "Tái sử dụng dữ liệu", "Sử dụng lại dữ liệu số hóa", "Tái sử dụng dữ liệu số hóa",
        ],
        "fee": _FEE,
        "paid_online": [
            "Thanh toán trực tuyến", "Đã thanh toán trực tuyến", "DuocThanhToanTrucTuyen",
        ],
        "officer": ["Người tiếp nhận", "Cán bộ tiếp nhận", "Cán bộ xử lý"],
    },
    "ratings": {
        "dossier_code": _DOSSIER_CODE,
        "rated_at": ["Ngày đánh giá", "Thời gian đánh giá", "NgayDanhGia"],
        "rating": _RATING + ["Mức độ đánh giá"],
    },
    "procedures": {
        "procedure_code": _PROCEDURE_CODE + ["Mã số TTHC"],
        "procedure_name": _PROCEDURE_NAME,
        "field": _FIELD,
        "level": ["Cấp thực hiện", "Cấp giải quyết"],
        "service_level": _SERVICE_LEVEL,
        "full_online": [
            "DVC trực tuyến toàn trình", "Dịch vụ công trực tuyến toàn trình", "Toàn trình",
            "Cung cấp toàn trình",
        ],
        "full_online_eligible": [
            "Đủ điều kiện toàn trình", "Đủ điều kiện cung cấp DVC trực tuyến toàn trình",
            "Đủ điều kiện DVC toàn trình",
        ],
        "has_fee": ["Có phí, lệ phí", "Có thu phí, lệ phí", "Có phí"],
        "fee": _FEE,
        "online_payment": [
            "Thanh toán trực tuyến", "Có thanh toán trực tuyến",
            "Đã triển khai thanh toán trực tuyến",
        ],
        "boundary_free": [
            "Không phụ thuộc địa giới hành chính", "Phi địa giới", "Phi địa giới hành chính",
            "Thực hiện không phụ thuộc địa giới hành chính",
        ],
        "paper_result": ["Yêu cầu trả kết quả giấy", "Trả kết quả giấy"],
    },
    "feedback": {
        "feedback_code": ["Mã PAKN", "Mã phản ánh", "Mã phản ánh, kiến nghị", "Số PAKN", "MaPAKN"],
        "dossier_code": _DOSSIER_CODE,
        "received_at": _RECEIVED + ["Ngày phản ánh", "Ngày tiếp nhận PAKN"],
        "due_at": ["Hạn xử lý", "Ngày hẹn trả", "Hạn trả lời", "Hạn giải quyết"],
        "finished_at": _FINISHED + ["Ngày trả lời"],
        "status": _STATUS,
        "rating": _RATING,
    },
    # The summary is read by the meaning of each column's header path (ingest.summary);
    # these words only help to find its header and tell its kind.
    "summary": {
        "_summary": [
            "Lĩnh vực, công việc giải quyết theo cấp", "Lĩnh vực, công việc giải quyết",
            "Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết",
            "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn", "Từ kỳ trước",
            "Trực tiếp, dịch vụ bưu chính", "Số mới tiếp nhận trực tuyến",
            "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính", "Số kỳ trước chuyển qua",
            "Tổng số", "Trong đó", "Giải quyết trước hạn", "Giải quyết đúng hạn",
            "Giải quyết quá hạn", "Số đầu kỳ", "Kỳ trước chuyển qua", "Kỳ trước chuyển sang",
            "Tồn kỳ trước", "Tiếp nhận trong kỳ", "Số mới tiếp nhận", "Mới tiếp nhận",
            "Số mới tiếp nhận trực tiếp", "Số mới tiếp nhận qua BCCI", "Qua BCCI",
            "Qua dịch vụ bưu chính công ích", "Sớm hạn", "Trễ hạn", "Chưa đến hạn",
            "Tổng số trễ hạn", "Hồ sơ trả lại", "Hồ sơ rút", "Đã giải quyết", "Đang giải quyết",
            "Kết quả giải quyết", "Số hồ sơ tiếp nhận", "Chưa giải quyết",
        ],
    },
}

# Headers that are recognised but carry nothing we keep (not listed as unmapped).
IGNORED = [
    "STT", "Số thứ tự", "TT", "Ghi chú", "Số lượng hồ sơ", "Số lượng", "Số bộ hồ sơ",
    # Signature columns of the tracking book: they carry no data.
    "Bên giao", "Bên nhận", "Ký nhận", "Ký tên", "Chữ ký", "Ký", "Ký, ghi rõ họ tên",
    "Người giao", "Ký xác nhận",
]

KEY_COLUMNS = {
    "dossiers": ["dossier_code"],
    "ratings": ["rating_key"],
    "procedures": ["procedure_code"],
    "feedback": ["feedback_code"],
    "summary": ["period_start", "period_end", "field"],
}

# Required canonical columns (the first one is the row's key for footer detection).
REQUIRED = {
    "dossiers": ["dossier_code", "received_at"],
    "ratings": ["rating"],
    "procedures": ["procedure_code"],
    "feedback": ["feedback_code", "received_at"],
    "summary": [],
}

# Vietnamese names of canonical columns (messages, the upload page's mapping list).
COLUMN_LABELS = {
    "dossier_code": "Mã hồ sơ",
    "procedure_code": "Mã thủ tục",
    "procedure_name": "Tên thủ tục",
    "field": "Lĩnh vực",
    "handling_unit": "Đơn vị tiếp nhận / xử lý",
    "submitted_at": "Ngày nộp hồ sơ",
    "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả",
    "finished_at": "Ngày kết thúc xử lý",
    "returned_at": "Ngày trả kết quả",
    "status": "Trạng thái",
    "channel": "Kênh thực hiện",
    ONLINE_FLAG: "Trực tuyến (có/không)",
    "service_level": "Mức độ DVC",
    "supplement_count": "Số lần bổ sung",
    "inputs_digitized": "Số hóa hồ sơ",
    "e_result": "Kết quả điện tử",
    "data_reused": "Tái sử dụng dữ liệu số hóa",
    "fee": "Phí, lệ phí",
    "paid_online": "Thanh toán trực tuyến",
    "officer": "Người tiếp nhận",
    "rated_at": "Ngày đánh giá",
    "rating": "Mức độ hài lòng",
    "level": "Cấp thực hiện",
    "full_online": "DVC trực tuyến toàn trình",
    "full_online_eligible": "Đủ điều kiện toàn trình",
    "has_fee": "Có phí, lệ phí",
    "online_payment": "Thanh toán trực tuyến",
    "boundary_free": "Không phụ thuộc địa giới hành chính",
    "paper_result": "Yêu cầu trả kết quả giấy",
    "feedback_code": "Mã phản ánh, kiến nghị (Mã PAKN)",
    "rating_key": "Mã đánh giá",
    "rating_label": "Mức độ hài lòng",
    "satisfied": "Hài lòng",
    "negative": "Không hài lòng",
    "period_start": "Từ ngày",
    "period_end": "Đến ngày",
    "received_total": "Số hồ sơ nhận: tổng số",
    "received_online": "Nhận trực tuyến",
    "received_direct": "Nhận trực tiếp, bưu chính",
    "carried_over": "Từ kỳ trước",
    "resolved_total": "Đã giải quyết: tổng số",
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Quá hạn",
    "pending_total": "Đang giải quyết: tổng số",
    "pending_in_time": "Đang giải quyết trong hạn",
    "pending_overdue": "Đang giải quyết quá hạn",
    "received_new": "Số mới tiếp nhận trong kỳ",
    "unit": "Đơn vị",
}

# Personal data (Nghị định 13/2023/NĐ-CP): folded substrings of headers dropped on read.
_PERSONAL_PARTS = [
    "chuhoso", "nguoinop", "nguoidenghi", "nguoiyeucau", "nguoiphananh", "nguoidanhgia",
    "nguoinhanketqua", "nguoidaidien", "tennguoi", "hoten", "hovaten", "tencongdan",
    "congdan", "tochuccanhan", "canhantochuc", "diachi", "sodienthoai", "dienthoai",
    "sodt", "sdt", "didong", "email", "thudientu", "cccd", "cmnd", "cmt", "cancuoc",
    "sogiayto", "giaytotuythan", "sodinhdanh", "hochieu", "ngaysinh", "namsinh",
    "gioitinh", "noicutru", "thuongtru", "tamtru", "quequan", "dantoc", "masothue", "fax",
    "chuhs", "nguoigui", "chuho", "nguoilienhe", "lienhe", "madinhdanh", "dinhdanhcanhan",
    "noisinh", "nguoidungten", "tenchu", "sogiaytotuythan", "socancuoc",
    # English and portal field names
    "fullname", "firstname", "lastname", "applicant", "phone", "mobile", "telephone",
    "address", "citizen", "idnumber", "idcard", "identity", "passport", "birth", "gender",
    "nationalid", "contact", "customer", "requester", "submitter", "zalo", "facebook",
]
_PERSONAL_EXACT = [
    "Tên", "Họ", "Tổ chức", "Cá nhân", "ChuHoSo", "HoTen", "DiaChi", "SoDienThoai", "Name",
    "Names", "Họ và tên", "Tên người", "ĐT", "SĐT", "Số ĐT", "Tel", "ID", "DOB", "Sex", "Owner",
    "Person",
]
# English headers that name a person: "Full name", "Applicant name", "Name of applicant"
# (a bare "… name" such as "Procedure name" is not personal).
_PERSONAL_NAME_RE = re.compile(
    r"^(?:(?:full|first|last|given|family|middle|applicant|applicants|citizen|owner|customer|"
    r"contact|person|personal|requester|submitter|sender|receiver|recipient|user)\s*'?s?\s*)names?$"
    r"|^names?\s+of\s+(?:the\s+)?(?:applicant|citizen|owner|customer|person|requester)"
)

# Words that start a footer row: totals, signatures, notes, place-and-date lines.
# (RE2-compatible: also run through pyarrow on whole columns.)
FOOTER_PATTERN = (
    r"^\s*(tổng\s*cộng|tổng\s*số\s*(?::|$|\d)|tổng\s*(?::|$)|cộng\s*(?::|$|\d)|"
    r"người\s+lập|người\s+kiểm\s+tra|người\s+duyệt|thủ\s+trưởng|lãnh\s+đạo|"
    r"kt\.?\s|tm\.?\s|chủ\s+tịch|phó\s+chủ\s+tịch|giám\s+đốc|trưởng\s+(?:bộ\s+phận|phòng)|"
    r"xác\s+nhận|\(?\s*ký[\s,]|ký\s+tên|nơi\s+nhận|ghi\s+chú\s*:|.{0,60},\s*ngày\s+\d{1,2}\s+tháng)"
)
FOOTER_RE = re.compile(FOOTER_PATTERN, re.IGNORECASE)

# "1", "(1)", "A", and the formulas systems print under totals: "(3 = 4 + 5)", "(3)=(4)+(5)".
_COLNUM_RE = re.compile(
    r"^\(?\s*(\d{1,2}|[A-Z])\s*\)?"
    r"(?:\s*=\s*\(?\s*\d{1,2}\s*\)?(?:\s*[+\-]\s*\(?\s*\d{1,2}\s*\)?)*)?$"
)
# A cell that holds a value, not a header name: a date, a number, a code with digits.
_VALUE_RE = re.compile(
    r"^(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(?:[ T,].*)?|\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?"
    r"|[+\-]?\d+(?:[.,]\d+)*(?:\s*(?:đ|đồng|vnđ))?|\d{1,2}[:h]\d{2}\b.*"
    r"|(?=[\w.\-/]*\d[\w.\-/]*\d[\w.\-/]*\d)\w+(?:[.\-/]\w+)+)$",
    re.IGNORECASE,
)

# Title words that hint at the kind (folded).
_TITLE_HINTS = {
    "dossiers": ["danhsachhoso", "sotheodoihoso"],
    "ratings": ["hailong", "ketquadanhgia"],
    "procedures": ["danhmucthutuc", "danhmuctthc"],
    "feedback": ["phananhkiennghi", "pakn"],
    "summary": [
        "06vpcpkstt", "bieuso06", "tinhhinhketquagiaiquyet", "tonghoptinhhinh",
        "thongketinhhinh", "baocaotinhhinh", "thongkeketquagiaiquyet", "tinhhinhtiepnhan",
        "tonghopketquagiaiquyet", "baocaoketquagiaiquyet",
    ],
}


# ---------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------
_WS_RE = re.compile(r"\s+")
_PAREN_RE = re.compile(r"\([^)]*\)")


def clean(value) -> str:
    """A cell as display text: NFC, whitespace collapsed, '' for blank."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if hasattr(value, "strftime") and not isinstance(value, str):
        if getattr(value, "hour", 0) or getattr(value, "minute", 0) or getattr(value, "second", 0):
            return value.strftime("%d/%m/%Y %H:%M:%S") if value.second else value.strftime("%d/%m/%Y %H:%M")
        if hasattr(value, "day"):
            return value.strftime("%d/%m/%Y")
        return str(value)
    text = unicodedata.normalize("NFC", str(value))
    return _WS_RE.sub(" ", text).strip()


def norm(text: str) -> str:
    """Header key: NFC, case-folded, whitespace collapsed, trailing ':' and '*' removed."""
    text = clean(text).casefold()
    return text.rstrip(" :*").strip()


def fold(text: str) -> str:
    """Accent-free, punctuation-free, space-free key: 'Ngày tiếp nhận' -> 'ngaytiepnhan'."""
    text = unicodedata.normalize("NFD", norm(text)).replace("đ", "d").replace("Đ", "d")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", text)


def spaced(text: str) -> str:
    """Accent-free, lower-case words separated by single spaces: 'Ngày, tháng' -> 'ngay thang'."""
    text = unicodedata.normalize("NFD", norm(text)).replace("đ", "d")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z']+", " ", text).split())


def _variants(text: str) -> list[str]:
    out = [text]
    stripped = _PAREN_RE.sub(" ", text)
    if stripped.strip() and stripped != text:
        out.append(stripped)
    return out


_EXACT: dict[str, dict[str, str]] = {}
_FOLDED: dict[str, dict[str, str]] = {}
for _kind, _cols in ALIASES.items():
    _EXACT[_kind] = {}
    _FOLDED[_kind] = {}
    for _canon, _names in _cols.items():
        for _name in _names:
            _EXACT[_kind].setdefault(norm(_name), _canon)
            _FOLDED[_kind].setdefault(fold(_name), _canon)
_IGNORED_FOLDED = {fold(x) for x in IGNORED}
_PERSONAL_EXACT_FOLDED = {fold(x) for x in _PERSONAL_EXACT}


def match(candidates: list[str], kind: str) -> str | None:
    """The canonical column of the first candidate header that a kind knows, else None."""
    for cand in candidates:
        for variant in _variants(cand):
            hit = _EXACT[kind].get(norm(variant))
            if hit:
                return hit
    for cand in candidates:
        for variant in _variants(cand):
            key = fold(variant)
            if key and key in _FOLDED[kind]:
                return _FOLDED[kind][key]
    return None


# ---------------------------------------------------------------------------------------
# Header paths: a group label over its columns (exports.md, "Headers nested two or three
# rows deep"). "Ngày, tháng, năm › Nhận hồ sơ" is the received date, "Trả kết quả › Ngày
# nhận kết quả" the return date; a leaf such as "Ngày nhận" means what its group says.
# ---------------------------------------------------------------------------------------
PATH_SEP = " › "

# Group labels that say "the date of …" over event names.
DATE_WORDS = [
    "Ngày", "Ngày, tháng, năm", "Ngày tháng năm", "Ngày/tháng/năm", "Ngày tháng", "Thời gian",
    "Thời điểm", "Ngày giờ", "Ngày, giờ", "Ngày, tháng", "Thời gian, ngày, tháng, năm",
]
# Events of a dossier's life; the value None: an event whose date the product does not keep
# (the hand-over to the processing office).
EVENTS: dict[str | None, list[str]] = {
    "submitted_at": ["Nộp hồ sơ", "Nộp", "Gửi hồ sơ"],
    "received_at": ["Nhận hồ sơ", "Tiếp nhận", "Tiếp nhận hồ sơ", "Nhận"],
    "due_at": ["Hẹn trả kết quả", "Hẹn trả", "Hẹn", "Hạn trả kết quả", "Hẹn trả kết quả giải quyết"],
    "finished_at": [
        "Nhận kết quả từ cơ quan giải quyết", "Nhận kết quả từ cơ quan chủ trì giải quyết",
        "Nhận kết quả từ cơ quan chuyên môn", "Nhận kết quả", "Có kết quả", "Hoàn thành",
        "Kết thúc xử lý", "Xử lý xong", "Giải quyết xong", "Kết thúc",
    ],
    "returned_at": [
        "Trả kết quả", "Trả kết quả cho cá nhân, tổ chức", "Trả kết quả cho tổ chức, cá nhân",
        "Trả kết quả cho công dân", "Trả",
    ],
    None: [
        "Chuyển hồ sơ đến cơ quan giải quyết", "Chuyển hồ sơ đến cơ quan chủ trì giải quyết",
        "Chuyển hồ sơ", "Chuyển xử lý", "Luân chuyển hồ sơ", "Bàn giao hồ sơ",
    ],
}
# Leaves that name a date without saying of what: their group decides.
_GENERIC_DATE_LEAVES = DATE_WORDS + ["Ngày nhận", "Ngày giao", "Ngày chuyển", "Ngày trả"]
# Levels that only split a group ("Trong đó" over "Trực tuyến | Trực tiếp").
TRANSPARENT = ["Trong đó", "Chia ra", "Bao gồm", "Gồm", "Cụ thể", "Trong số đó"]

_DATE_WORDS_FOLDED = {fold(x) for x in DATE_WORDS}
_GENERIC_FOLDED = {fold(x) for x in _GENERIC_DATE_LEAVES}
_TRANSPARENT_FOLDED = {fold(x) for x in TRANSPARENT}
_MISSING = object()
_EVENT_BY_FOLD: dict[str, str | None] = {
    fold(name): canon for canon, names in EVENTS.items() for name in names
}


def _event(text: str):
    """The canonical date column an event name stands for (None: a date not kept), or
    _MISSING when the text is not an event."""
    for variant in _variants(text):
        hit = _EVENT_BY_FOLD.get(fold(variant), _MISSING)
        if hit is not _MISSING:
            return hit
    return _MISSING


def _dateish(text: str) -> bool:
    key = fold(text)
    return key in _DATE_WORDS_FOLDED or key.startswith(("ngay", "thoigian", "thoidiem"))


def is_transparent(text: str) -> bool:
    return fold(text) in _TRANSPARENT_FOLDED


def match_column(chain: list[str], kind: str) -> str | None:
    """The canonical column a header path names for a kind: the whole path first, then
    what its groups say of the leaf, then the leaf alone. '' means known but not kept (a
    date the product does not keep); None: not known."""
    if not chain:
        return None
    leaf = chain[-1]
    groups = [g for g in chain[:-1] if not is_transparent(g)]
    if groups:
        joined = [" ".join(groups[i:] + [leaf]) for i in range(len(groups))]
        joined.append(leaf + " " + groups[-1])  # "Tiếp nhận › Hình thức" = "Hình thức tiếp nhận"
        hit = match(joined, kind)
        if hit:
            return hit
        for group in reversed(groups):
            event = _event(group)
            if event is not _MISSING and _dateish(leaf):
                own = match([leaf], kind)
                if own and fold(leaf) not in _GENERIC_FOLDED:
                    return own
                return (event or "") if (event is None or event in ALIASES[kind]) else None
            if fold(group) in _DATE_WORDS_FOLDED:
                event = _event(leaf)
                if event is not _MISSING:
                    return (event or "") if (event is None or event in ALIASES[kind]) else None
                break
    hit = match([leaf], kind)
    if hit is None:
        hit = _dated_event(leaf, kind)
    return hit


_DATE_PREFIXES = [[fold(w) for w in p.split()] for p in ("Ngày", "Thời gian", "Thời điểm", "Ngày giờ")]


def _dated_event(leaf: str, kind: str) -> str | None:
    """A leaf that is a date word followed by an event of the dossier's life ("Ngày kết
    thúc", "Thời điểm hoàn thành", "Ngày hẹn trả kết quả giải quyết"): that event's date, as
    a group "Ngày" over the event would say (None: not so; '' a date not kept)."""
    words = leaf.replace(",", " ").split()
    folded = [fold(w) for w in words]
    for prefix in sorted(_DATE_PREFIXES, key=len, reverse=True):
        if len(folded) > len(prefix) and folded[:len(prefix)] == prefix:
            event = _event(" ".join(words[len(prefix):]))
            if event is _MISSING:
                return None
            return (event or "") if (event is None or event in ALIASES[kind]) else None
    return None


def path_text(chain: list[str]) -> str:
    """A column's header path as people read it: 'Ngày, tháng, năm › Nhận hồ sơ'."""
    return PATH_SEP.join(chain)


def override_key(col: "Column", keys) -> str | None:
    """Which form of a column's name (its header, or its header path) staff mapped by hand
    (``keys``: normalised names)."""
    for key in (norm(col.label), norm(path_text(col.chain)), norm(" - ".join(col.chain)),
                norm(" ".join(col.chain))):
        if key in keys:
            return key
    return None


def checked_overrides(overrides: dict[str, str] | None, allowed: set[str], kind: str) -> dict[str, str]:
    """{normalised header or path: canonical column ('' = leave out)} of a hand mapping; a
    target the kind does not have is an IngestError."""
    from ingest.model import IngestError

    over = {norm(k): v for k, v in (overrides or {}).items()}
    for target in over.values():
        if target and target not in allowed:
            raise IngestError(
                f"Không thể ghép cột vào “{target}”: loại dữ liệu “{KIND_LABELS[kind]}” không "
                "có cột này. Hãy chọn lại cột đích trên trang Tải dữ liệu."
            )
    return over


def header_signature(columns: list["Column"]) -> str:
    """A stable string naming a header row: its normalised header paths in order (a
    remembered mapping applies to files with the same one)."""
    return " | ".join(PATH_SEP.join(norm(x) for x in col.chain) for col in columns)


def is_personal(text: str) -> bool:
    key = fold(text)
    if not key:
        return False
    if key in _PERSONAL_EXACT_FOLDED:
        return True
    if any(part in key for part in _PERSONAL_PARTS):
        return True
    return bool(_PERSONAL_NAME_RE.match(spaced(text)))


def is_ignored(text: str) -> bool:
    return any(fold(v) in _IGNORED_FOLDED for v in _variants(text))


def headerish(text: str, extra: frozenset[str] | set[str] = frozenset()) -> bool:
    """A cell that reads like a column header of some kind (``extra``: normalised headers
    the user mapped by hand)."""
    if not text:
        return False
    if extra and norm(text) in extra:
        return True
    return _headerish(text)


@lru_cache(maxsize=8192)
def _headerish(text: str) -> bool:
    if len(text) > 120:
        return False
    if is_ignored(text):
        return True
    if any(match([text], kind) for kind in KINDS):
        return True
    return is_personal(text) and len(text) <= 40


def valueish(text: str) -> bool:
    """A cell that holds a value (a date, a number, a dossier code), never a header."""
    return bool(text) and bool(_VALUE_RE.match(text))


def is_colnum_row(cells: list[str]) -> bool:
    """A row of column numbers under a header: '1 2 3 …', '(1) (2) …', 'A B 1 2 …'."""
    vals = [c for c in cells if c]
    if len(vals) < 2 or not all(_COLNUM_RE.match(v) for v in vals):
        return False
    nums = [int(m.group(1)) for v in vals if (m := _COLNUM_RE.match(v)) and m.group(1).isdigit()]
    return len(nums) >= 2 and all(b == a + 1 for a, b in zip(nums, nums[1:]))


def title_hint(lines: list[str]) -> str | None:
    text = fold(" ".join(lines))
    for kind, words in _TITLE_HINTS.items():
        if any(w in text for w in words):
            return kind
    return None


def footer_text(text: str) -> bool:
    return bool(text) and bool(FOOTER_RE.match(text))


# ---------------------------------------------------------------------------------------
# The header block
# ---------------------------------------------------------------------------------------
@dataclass
class Column:
    index: int  # 0-based column of the sheet / CSV
    label: str  # the file's header as shown to people (unique within the file)
    chain: list[str]  # header texts from the top header row down (group labels first)


@dataclass
class HeaderBlock:
    top: int  # 0-based first header row
    bottom: int  # 0-based last header row
    data_start: int  # 0-based first row after the header (and the column-number row)
    columns: list[Column]
    title: list[str]
    cells: list[str] = field(default_factory=list)  # every header cell text (kind detection)
    score: int = 0


def _cells(row) -> list[str]:
    return [clean(v) for v in row]


def _row_score(cells: list[str], extra) -> int:
    return sum(1 for c in cells if headerish(c, extra))


def _merge_map(merges: list[tuple[int, int, int, int]], rows: int):
    """(row, col) -> (top-left row, top-left col) for cells inside a merge within `rows`."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in merges:
        if r1 >= rows:
            continue
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 5000:
            continue
        for r in range(r1, min(r2, rows - 1) + 1):
            for c in range(c1, c2 + 1):
                out[(r, c)] = (r1, c1)
    return out


def _joins(upper: list[str], lower: list[str], r_up: int, merges, block_row_is_upper: bool,
           extra) -> bool:
    """Does the row `upper` belong to the same header block as the row `lower` below it?"""
    up = [i for i, c in enumerate(upper) if c]
    low = [i for i, c in enumerate(lower) if c]
    candidate = upper if not block_row_is_upper else lower
    cand_cells = [c for c in candidate if c]
    if len(cand_cells) < 2 or is_colnum_row(candidate):
        return False
    # A row holding values (a date, a number, a code) is data even when some of its words
    # read like headers ("Trực tuyến", "Hồ sơ"): the header is the row that names columns.
    if any(valueish(c) for c in cand_cells):
        return False
    # A merged cell running down from the upper row into the lower one.
    for r1, c1, r2, c2 in merges:
        if r1 <= r_up < r2 and c2 - c1 < 30:
            return True
    # A group label merged across columns that have their own names below.
    for r1, c1, r2, c2 in merges:
        if r1 == r_up == r2 and c2 > c1 and sum(1 for i in low if c1 <= i <= c2) >= 2:
            if len(up) >= 2:
                return True
    matches = sum(1 for c in cand_cells if headerish(c, extra))
    if matches >= 2 and matches * 2 > len(cand_cells):
        return True
    # Complementary rows (a header exported without its merges): labels of the upper row
    # stand over blanks of the lower row, and the lower row names the group's columns.
    if matches >= 1 and not block_row_is_upper:
        over_blank = sum(1 for i in up if i < len(lower) and not lower[i] or i >= len(lower))
        return over_blank >= 1 and len(low) >= 2
    if matches >= 1 and block_row_is_upper:
        under_blank = sum(1 for i in low if i >= len(upper) or not upper[i])
        return under_blank >= 1 and len(up) >= 2
    return False


def find_header(rows: list[list], merges: list[tuple[int, int, int, int]] | None = None,
                extra: set[str] | None = None) -> HeaderBlock | None:
    """Locate the header block among the first rows of a table, or None."""
    merges = merges or []
    extra = frozenset(extra or ())
    cells = [_cells(r) for r in rows]
    scores = [_row_score(c, extra) for c in cells]
    if not scores:
        return None
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[best] < 2:
        return None
    top = bottom = best
    while top > 0 and best - top < 2 and _joins(cells[top - 1], cells[top], top - 1, merges, False, extra):
        top -= 1
    while (
        bottom + 1 < len(cells)
        and bottom - top < 2
        and _joins(cells[bottom], cells[bottom + 1], bottom, merges, True, extra)
    ):
        bottom += 1
    data_start = bottom + 1
    # Skip what lies between the header and the data: the lower half of header cells merged
    # down two rows (blank once unmerged), blank lines, and the column-number row.
    while data_start < len(cells) and (is_colnum_row(cells[data_start]) or not any(cells[data_start])):
        data_start += 1

    # Fill merged header cells from their top-left cell.
    mmap = _merge_map(merges, len(cells))
    block = []
    width = max(len(cells[r]) for r in range(top, bottom + 1))
    for r in range(top, bottom + 1):
        row = list(cells[r]) + [""] * (width - len(cells[r]))
        for c in range(width):
            src = mmap.get((r, c))
            if src and src[0] >= top and not row[c]:
                row[c] = cells[src[0]][src[1]] if src[1] < len(cells[src[0]]) else ""
        block.append(row)
    # Without merges: a group label stands over the named columns to its right (named in
    # any row below it: "Số hồ sơ nhận giải quyết" over "Trong đó" over "Trực tuyến").
    for i in range(len(block) - 1):
        upper = block[i]
        below = [any(block[j][c] for j in range(i + 1, len(block))) for c in range(width)]
        current = ""
        for c in range(width):
            if upper[c]:
                current = upper[c] if below[c] else ""
            elif current and below[c] and (i + top, c) not in mmap:
                upper[c] = current
            else:
                current = ""

    columns: list[Column] = []
    for c in range(width):
        chain: list[str] = []
        for r in range(len(block)):
            text = block[r][c]
            if text and (not chain or chain[-1] != text):
                chain.append(text)
        if chain:
            columns.append(Column(index=c, label=chain[-1], chain=chain))
    # Labels unique within the file.
    counts: dict[str, int] = {}
    for col in columns:
        counts[col.label] = counts.get(col.label, 0) + 1
    for col in columns:
        if counts[col.label] > 1 and len(col.chain) > 1:
            col.label = " - ".join(col.chain)
    seen: dict[str, int] = {}
    for col in columns:
        n = seen.get(col.label, 0) + 1
        seen[col.label] = n
        if n > 1:
            col.label = f"{col.label} ({n})"

    title = [c for r in range(top) for c in cells[r] if c]
    header_cells = [c for r in range(top, bottom + 1) for c in cells[r] if c]
    return HeaderBlock(
        top=top, bottom=bottom, data_start=data_start, columns=columns, title=title,
        cells=header_cells, score=scores[best],
    )


def kind_scores(header_cells: list[str], labels: list[list[str]], title: list[str]) -> dict[str, int]:
    """How strongly the headers (their cells and their paths) and the title point at each
    kind."""
    scores = {k: 0 for k in KINDS}

    def add(hits: dict[str, str | None]) -> None:
        known = [k for k, v in hits.items() if v]
        for k in known:
            scores[k] += 3 if len(known) == 1 else 1
            if hits[k] in (REQUIRED[k][:1] or ["_summary"]):
                scores[k] += 2

    for text in dict.fromkeys(header_cells):
        add({k: match([text], k) for k in KINDS})
    for chain in dict.fromkeys(tuple(ch) for ch in labels if len(ch) > 1):
        add({k: match_column(list(chain), k) for k in KINDS})
    hint = title_hint(title)
    if hint:
        scores[hint] += 3
    return scores


def guess_kind(header_cells: list[str], labels: list[list[str]], title: list[str]) -> str | None:
    scores = kind_scores(header_cells, labels, title)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    (k1, s1), (_, s2) = ranked[0], ranked[1]
    if s1 < 3 or s1 == s2:
        return None
    return k1
