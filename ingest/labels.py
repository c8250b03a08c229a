"""Vietnamese names of the kinds and of the canonical columns, for screens and messages."""

from __future__ import annotations

KIND_LABELS = {
    "dossiers": "Danh sách hồ sơ",
    "ratings": "Kết quả đánh giá mức độ hài lòng",
    "procedures": "Danh mục thủ tục hành chính",
    "feedback": "Phản ánh, kiến nghị (PAKN)",
    "summary": "Biểu số 06/VPCP/KSTT (báo cáo tổng hợp)",
}

COLUMN_LABELS = {
    "dossier_code": "Mã hồ sơ",
    "procedure_code": "Mã thủ tục",
    "procedure_name": "Tên thủ tục",
    "field": "Lĩnh vực",
    "handling_unit": "Đơn vị tiếp nhận / xử lý",
    "submitted_at": "Ngày nộp",
    "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả",
    "finished_at": "Ngày kết thúc xử lý",
    "returned_at": "Ngày trả kết quả",
    "status": "Trạng thái",
    "channel": "Kênh thực hiện",
    "service_level": "Mức độ dịch vụ công",
    "supplement_count": "Số lần bổ sung",
    "inputs_digitized": "Số hóa thành phần hồ sơ",
    "e_result": "Kết quả điện tử",
    "data_reused": "Tái sử dụng dữ liệu số hóa",
    "fee": "Phí, lệ phí",
    "paid_online": "Thanh toán trực tuyến",
    "officer": "Cán bộ tiếp nhận / xử lý",
    "rating_key": "Mã đánh giá",
    "rated_at": "Ngày đánh giá",
    "rating_label": "Mức độ hài lòng",
    "rating": "Đánh giá",
    "satisfied": "Hài lòng",
    "negative": "Không hài lòng",
    "level": "Cấp thực hiện",
    "full_online_eligible": "Đủ điều kiện toàn trình",
    "full_online": "Cung cấp toàn trình",
    "has_fee": "Có phí, lệ phí",
    "online_payment": "Thanh toán trực tuyến",
    "boundary_free": "Không phụ thuộc địa giới hành chính",
    "paper_result": "Yêu cầu trả kết quả giấy",
    "feedback_code": "Mã PAKN",
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
}


def column_label(name: str) -> str:
    return COLUMN_LABELS.get(name, name)
