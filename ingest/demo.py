"""Demo data: the exports staff of Xã Lộc Tân (Lâm Đồng) would upload, made up but realistic.

    python -m ingest.demo --write data/demo [--seed 2026] [--end 2026-11-27]
    python -m ingest.demo --load-if-empty [--db URL] [--unit NAME]

``--write`` writes, into the folder given:
- ``ho-so-YYYY-MM.xlsx``: one "Danh sách hồ sơ" per month from January 2025 to the month of
  ``--end`` (default today; the current month stops at ``--end``). Each lists the dossiers
  received in the month plus the ones received earlier that were still open at the previous
  file's end ("từ kỳ trước"), every row with its status as known at the file's end date, so
  loading the months in any order converges on the newest knowledge;
- ``danh-gia-hai-long-YYYY.xlsx``: citizens' ratings of a sample of resolved dossiers;
- ``pakn-YYYY.xlsx``: feedback (phản ánh, kiến nghị), a few dozen a year;
- ``danh-muc-tthc.xlsx``: the commune's procedure catalogue;
- ``bieu-06-quy-IV-2024.xlsx``: a Biểu số 06/VPCP/KSTT for a quarter with no dossier list.

Everything is simulated: one seeded random stream per calendar day (and per dossier for
ratings), so the same seed gives the same cells whatever the range, and xlsxwriter with a fixed
creation time writes byte-identical files. Procedure codes and names of the main procedures
follow the national procedure database; the rest of the catalogue is illustrative. Citizens'
names and (masked) phone numbers are invented — the loader must drop them; staff names are
invented too.

The model, in short: a per-working-day Poisson intake (more before Tết, little right after it,
a step up in July 2025 when the commune took over district-level procedures after the
two-tier reorganisation), procedure mix by weight, statutory durations in working days
(``kpi.calendar``), online share rising from about 35% to about 67%, digitisation, e-results,
data reuse and online payment rising, ~1–2% late, a land-office backlog in August 2025,
supplement requests, withdrawals, stops, refusals and a few stuck dossiers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from kpi import calendar as kcal
from kpi import config
from kpi import format as fmt
from kpi.definitions import STATUS_LABELS

UNIT_NAME = "Xã Lộc Tân"
UNIT_CODE = "000.00.19.H36"  # the one-stop centre's code on the provincial system (H36: Lâm Đồng)
DEFAULT_SEED = 2026
LIST_START = dt.date(2025, 1, 1)  # first month with a dossier list
SIM_START = dt.date(2024, 8, 1)  # simulated from here (the 2024 part only feeds the Biểu 06)
MERGER = dt.date(2025, 7, 1)  # two-tier local government: the commune takes over more procedures
SUMMARY_PERIOD = (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
DEMO_DIR = config.DATA_DIR / "demo"
# Months exported by "another vendor": dates as text dd/mm/yyyy HH:mm, fees as "50.000",
# yes/no as "x"/blank.
TEXT_DATE_MONTHS = {(2025, 4), (2025, 9), (2026, 5)}
TET = [dt.date(2025, 1, 29), dt.date(2026, 2, 17), dt.date(2027, 2, 6)]  # mùng một Tết

STATUS_NAMES = STATUS_LABELS  # the portal's names of status codes 1–10
CHANNEL_NAMES = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua bưu chính công ích"}
PENDING = {2, 4, 5, 6}
FINISHED = {8, 9, 10}

# --------------------------------------------------------------------------------------
# The procedure catalogue
# --------------------------------------------------------------------------------------
# code | name | field | durations (working days; "0" = same day, "0:.85,5:.15" a mix) |
# fee (VND; "trang" = per page, "hkd" = 100.000 direct / 50.000 online) |
# dossiers a month before / after 1/7/2025 | online propensity (logit shift) |
# flags: E eligible for full-process online, T provided full-process online (toàn trình),
#        P online payment enabled, B boundary-free, G issues a result document, F financial
#        obligation (land)
_CATALOGUE = """
1.001193|Đăng ký khai sinh|Hộ tịch|0|0|46|62|1.0|ETBG
3.000722|Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi|Hộ tịch|3|0|22|34|3.0|ETBG
1.000894|Đăng ký kết hôn|Hộ tịch|0:.85,5:.15|0|26|34|-0.6|BG
1.000656|Đăng ký khai tử|Hộ tịch|0|0|12|18|0.3|ETBG
2.002913|Liên thông thủ tục hành chính về đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất, trợ cấp mai táng, hỗ trợ chi phí mai táng|Hộ tịch|5|0|8|14|2.5|ETBG
1.001022|Đăng ký nhận cha, mẹ, con|Hộ tịch|3|15000|2|3|0.0|ETPBG
1.000689|Đăng ký khai sinh kết hợp nhận cha, mẹ, con|Hộ tịch|3|15000|1.5|2|0.3|ETPBG
1.004837|Đăng ký giám hộ|Hộ tịch|3|0|0.4|0.6|-0.5|EBG
1.004845|Đăng ký chấm dứt giám hộ|Hộ tịch|2|0|0.2|0.3|-0.5|ETBG
3.000323|Đăng ký giám sát việc giám hộ|Hộ tịch|3|0|0.05|0.1|0.0|ETBG
1.004859|Thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc|Hộ tịch|3|15000|9|12|0.5|ETPBG
1.004873|Cấp Giấy xác nhận tình trạng hôn nhân|Hộ tịch|3|5000|30|40|1.3|ETPBG
1.004772|Đăng ký khai sinh lưu động|Hộ tịch|5|0|0.3|0.4|-2.5|G
1.000593|Đăng ký kết hôn lưu động|Hộ tịch|5|0|0.1|0.2|-2.5|G
1.000419|Đăng ký khai tử lưu động|Hộ tịch|5|0|0.2|0.2|-2.5|G
1.004884|Đăng ký lại khai sinh|Hộ tịch|5|5000|1.5|2|0.0|ETPBG
1.004746|Đăng ký lại kết hôn|Hộ tịch|5|5000|0.3|0.4|-1.0|BG
1.005461|Đăng ký lại khai tử|Hộ tịch|5|5000|0.3|0.4|0.0|ETPBG
1.004822|Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân|Hộ tịch|3|5000|0.8|1|0.0|ETPBG
2.000635|Cấp bản sao Trích lục hộ tịch|Hộ tịch|0|8000|28|38|1.6|ETPBG
1.000080|Ghi vào Sổ hộ tịch việc thay đổi hộ tịch theo bản án, quyết định của cơ quan nhà nước có thẩm quyền|Hộ tịch|3|0|0.3|0.4|0.0|ETBG
2.000528|Đăng ký khai sinh có yếu tố nước ngoài|Hộ tịch|3|0|0|0.4|-0.5|ETBG
2.000806|Đăng ký kết hôn có yếu tố nước ngoài|Hộ tịch|10|1000000|0|0.3|-1.5|G
2.000779|Đăng ký khai tử có yếu tố nước ngoài|Hộ tịch|3|0|0|0.1|0.0|ETBG
2.000756|Đăng ký nhận cha, mẹ, con có yếu tố nước ngoài|Hộ tịch|10|1500000|0|0.05|-1.0|G
2.000815|Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp hoặc chứng nhận|Chứng thực|0|trang|250|330|-0.4|ETPBG
2.000927|Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của nước ngoài cấp hoặc chứng nhận|Chứng thực|0|trang|0|1.5|-0.5|ETPBG
2.000884|Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng thực điểm chỉ và trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ được)|Chứng thực|0|10000|45|60|-2.6|PBG
2.000992|Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật|Chứng thực|0|10000|0|0.3|-2.0|PBG
2.001008|Chứng thực chữ ký người dịch mà người dịch không phải là cộng tác viên dịch thuật|Chứng thực|0|10000|0|0.2|-2.0|PBG
2.001035|Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở|Chứng thực|2|50000|24|45|-2.8|PBG
2.001050|Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch|Chứng thực|2|30000|1.5|2.5|-2.8|PBG
2.001052|Sửa lỗi sai sót trong hợp đồng, giao dịch đã được chứng thực|Chứng thực|2|25000|0.5|1|-2.8|BG
2.000942|Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực|Chứng thực|2|trang|2|3|-0.5|ETPBG
2.001406|Chứng thực di chúc|Chứng thực|2|50000|0.8|1.2|-3.0|BG
2.001019|Chứng thực văn bản từ chối nhận di sản|Chứng thực|2|50000|0.6|0.8|-3.0|BG
2.001016|Chứng thực văn bản thỏa thuận phân chia di sản mà di sản là động sản, quyền sử dụng đất, nhà ở|Chứng thực|2|50000|2|4|-3.0|G
2.001009|Chứng thực văn bản khai nhận di sản mà di sản là động sản, quyền sử dụng đất, nhà ở|Chứng thực|2|50000|1.5|3|-3.0|G
1.012753|Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu|Đất đai|20|100000|0|30|-1.0|PBGF
1.012790|Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển nhượng, tặng cho, thừa kế, góp vốn|Đất đai|10|50000|0|70|-0.6|EPBGF
1.012791|Đăng ký biến động do thay đổi thông tin người sử dụng đất, thông tin thửa đất|Đất đai|7|30000|0|8|-0.3|ETPBG
1.012794|Tách thửa hoặc hợp thửa đất|Đất đai|15|50000|0|16|-1.2|PBGF
1.012805|Chuyển mục đích sử dụng đất đối với hộ gia đình, cá nhân|Đất đai|15|0|0|12|-1.5|BGF
1.012798|Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất|Đất đai|7|50000|0|14|-0.5|ETPBG
1.012801|Cấp lại Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do bị mất|Đất đai|10|50000|0|3|-0.5|ETBG
1.012803|Đính chính Giấy chứng nhận đã cấp|Đất đai|10|0|0|3|-0.5|ETBG
1.012811|Gia hạn sử dụng đất nông nghiệp của hộ gia đình, cá nhân|Đất đai|7|0|0|2|-0.5|ETBG
1.012815|Xác định lại diện tích đất ở của hộ gia đình, cá nhân đã được cấp Giấy chứng nhận|Đất đai|15|0|0|1|-1.0|EBG
1.012820|Đăng ký xác lập quyền sử dụng hạn chế thửa đất liền kề|Đất đai|10|0|0|0.5|-1.0|EBG
1.003554|Hòa giải tranh chấp đất đai|Đất đai|30|0|2|3|-2.0|G
1.013090|Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất|Đăng ký biện pháp bảo đảm|1|80000|0|20|0.5|ETPBG
1.013092|Xóa đăng ký biện pháp bảo đảm bằng quyền sử dụng đất, tài sản gắn liền với đất|Đăng ký biện pháp bảo đảm|1|20000|0|14|0.8|ETPBG
1.013094|Đăng ký thay đổi nội dung biện pháp bảo đảm bằng quyền sử dụng đất, tài sản gắn liền với đất|Đăng ký biện pháp bảo đảm|1|60000|0|2|0.5|ETPBG
1.013225|Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ|Xây dựng|15|75000|0|14|-0.4|EPBG
1.013226|Cấp điều chỉnh giấy phép xây dựng đối với nhà ở riêng lẻ|Xây dựng|15|75000|0|0.6|-0.4|ETPBG
1.013227|Gia hạn giấy phép xây dựng đối với nhà ở riêng lẻ|Xây dựng|5|15000|0|0.5|0.0|ETPBG
1.013228|Cấp lại giấy phép xây dựng đối với nhà ở riêng lẻ|Xây dựng|5|15000|0|0.3|0.0|ETPBG
1.013230|Cấp giấy phép xây dựng sửa chữa, cải tạo đối với nhà ở riêng lẻ|Xây dựng|15|75000|0|2|-0.4|EPBG
1.001612|Đăng ký thành lập hộ kinh doanh|Thành lập và hoạt động của hộ kinh doanh|3|hkd|0|22|1.0|ETPBG
2.000720|Đăng ký thay đổi nội dung đăng ký hộ kinh doanh|Thành lập và hoạt động của hộ kinh doanh|3|50000|0|8|1.0|ETPBG
1.001570|Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh|Thành lập và hoạt động của hộ kinh doanh|3|0|0|5|1.2|ETBG
1.001266|Chấm dứt hoạt động hộ kinh doanh|Thành lập và hoạt động của hộ kinh doanh|3|0|0|4|1.2|ETBG
2.000575|Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh|Thành lập và hoạt động của hộ kinh doanh|3|50000|0|0.5|1.0|ETPBG
1.001776|Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hằng tháng|Bảo trợ xã hội|15|0|12|20|0.2|ETBG
1.001699|Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật|Bảo trợ xã hội|25|0|4|6|-0.2|EBG
1.001653|Đổi, cấp lại Giấy xác nhận khuyết tật|Bảo trợ xã hội|5|0|1|1.5|0.5|ETBG
1.001731|Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội|Bảo trợ xã hội|5|0|3|4|-0.5|ETBG
1.014027|Thực hiện, điều chỉnh, thôi hưởng trợ cấp hưu trí xã hội|Bảo trợ xã hội|15|0|0|10|0.2|ETBG
1.014028|Hỗ trợ chi phí mai táng đối với người hưởng trợ cấp hưu trí xã hội|Bảo trợ xã hội|5|0|0|1.5|0.0|ETBG
2.000744|Trợ giúp xã hội khẩn cấp về hỗ trợ làm nhà ở, sửa chữa nhà ở|Bảo trợ xã hội|10|0|0.3|0.5|-1.0|BG
1.001758|Chi trả trợ cấp xã hội hằng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hằng tháng khi đối tượng thay đổi nơi cư trú|Bảo trợ xã hội|5|0|0.5|0.8|0.5|ETBG
2.000286|Tiếp nhận đối tượng bảo trợ xã hội có hoàn cảnh đặc biệt khó khăn vào cơ sở trợ giúp xã hội|Bảo trợ xã hội|10|0|0.05|0.1|-1.0|EBG
1.011606|Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm|Giảm nghèo|10|0|2|3|-0.8|ETBG
1.011607|Công nhận hộ nghèo, hộ cận nghèo; hộ thoát nghèo, hộ thoát cận nghèo định kỳ hằng năm|Giảm nghèo|15|0|6|8|-1.0|EG
1.011608|Công nhận hộ thoát nghèo, hộ thoát cận nghèo trong năm|Giảm nghèo|10|0|1|1.5|-0.8|ETBG
1.011609|Công nhận hộ làm nông nghiệp, lâm nghiệp, ngư nghiệp, diêm nghiệp có mức sống trung bình|Giảm nghèo|10|0|0.3|0.5|-0.8|ETG
1.010803|Giải quyết chế độ trợ cấp thờ cúng liệt sĩ|Người có công|12|0|0.8|1.2|-0.5|ETBG
1.010833|Xác nhận thân nhân của người có công với cách mạng|Người có công|5|0|1|1.5|-0.3|ETBG
2.002307|Giải quyết chế độ mai táng phí đối với cựu chiến binh|Người có công|5|0|1|1.5|-0.5|ETBG
2.002308|Giải quyết chế độ mai táng phí đối với thanh niên xung phong thời kỳ chống Pháp|Người có công|5|0|0.1|0.2|-0.5|ETBG
1.010819|Cấp giấy giới thiệu đi thăm viếng mộ liệt sĩ và hỗ trợ thăm viếng mộ liệt sĩ|Người có công|5|0|0.4|0.6|0.0|ETBG
1.010821|Hỗ trợ người có công đi làm phương tiện, dụng cụ trợ giúp chỉnh hình; đi điều trị phục hồi chức năng|Người có công|5|0|0.2|0.3|-0.5|ETBG
1.010826|Giải quyết chế độ ưu đãi đối với thân nhân liệt sĩ|Người có công|12|0|0.2|0.3|-0.5|ETBG
2.001396|Giải quyết chế độ trợ cấp một lần đối với người có thành tích tham gia kháng chiến đã được tặng bằng khen|Người có công|12|0|0.1|0.2|-0.5|ETBG
2.001263|Đăng ký việc nuôi con nuôi trong nước|Nuôi con nuôi|20|400000|0.1|0.2|-1.5|PG
1.003005|Đăng ký lại việc nuôi con nuôi trong nước|Nuôi con nuôi|5|0|0.02|0.05|-1.0|ETG
1.002211|Công nhận hòa giải viên|Phổ biến, giáo dục pháp luật|5|0|0.1|0.15|-1.0|ETG
2.000950|Công nhận tổ trưởng tổ hòa giải|Phổ biến, giáo dục pháp luật|5|0|0.05|0.1|-1.0|ETG
2.000930|Thôi làm hòa giải viên|Phổ biến, giáo dục pháp luật|5|0|0.03|0.05|-1.0|ETG
2.000424|Thanh toán thù lao cho hòa giải viên|Phổ biến, giáo dục pháp luật|5|0|0.3|0.5|-1.0|ETG
2.002891|Cho phép thành lập nhà trẻ, trường mẫu giáo, trường mầm non tư thục|Giáo dục và Đào tạo|20|0|0|0.02|-1.0|G
2.002894|Cho phép nhà trẻ, trường mẫu giáo, trường mầm non hoạt động giáo dục|Giáo dục và Đào tạo|20|0|0|0.02|-1.0|G
2.002770|Xét, duyệt chính sách hỗ trợ đối với học sinh bán trú đang học tại các trường tiểu học, trung học cơ sở|Giáo dục và Đào tạo|10|0|0|0.3|-0.5|ETG
2.002771|Xét, duyệt chính sách hỗ trợ đối với trẻ em nhà trẻ, mẫu giáo bán trú|Giáo dục và Đào tạo|10|0|0|0.1|-0.5|ETG
1.000954|Xét tặng danh hiệu Gia đình văn hóa hằng năm|Văn hóa cơ sở|20|0|0.05|0.05|-1.0|ETG
1.003622|Thông báo tổ chức lễ hội cấp xã|Văn hóa cơ sở|5|0|0.05|0.1|-1.0|ETB
1.003645|Đăng ký tổ chức lễ hội cấp xã|Văn hóa cơ sở|10|0|0.02|0.05|-1.0|ETG
1.003656|Thông báo thành lập thư viện cộng đồng|Thư viện|5|0|0|0.01|-1.0|ETB
1.001055|Đăng ký hoạt động tín ngưỡng|Tín ngưỡng, tôn giáo|15|0|0.05|0.1|-1.0|EG
1.001090|Đăng ký sinh hoạt tôn giáo tập trung|Tín ngưỡng, tôn giáo|20|0|0.02|0.05|-1.0|G
1.001109|Thông báo tổ chức quyên góp trong địa bàn một xã của cơ sở tín ngưỡng, tổ chức tôn giáo, tổ chức tôn giáo trực thuộc|Tín ngưỡng, tôn giáo|5|0|0.02|0.03|-1.0|ET
1.000748|Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã về thực hiện nhiệm vụ chính trị|Thi đua, khen thưởng|20|0|0.3|0.5|-1.0|ETG
1.000775|Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã cho gia đình|Thi đua, khen thưởng|20|0|0.1|0.2|-1.0|ETG
1.000843|Tặng danh hiệu Lao động tiên tiến|Thi đua, khen thưởng|20|0|0.2|0.3|-1.0|ETG
1.000784|Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã về khen thưởng đột xuất|Thi đua, khen thưởng|5|0|0.05|0.1|-1.0|ETG
1.008004|Đăng ký chuyển đổi cơ cấu cây trồng trên đất trồng lúa|Trồng trọt|5|0|0.05|0.1|-1.0|ETG
1.007917|Xác nhận bảng kê lâm sản|Lâm nghiệp|3|0|0.8|1.0|-1.0|EG
1.003434|Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai, dịch bệnh|Nông nghiệp|10|0|0.1|0.2|-1.0|ETG
2.001947|Áp dụng các biện pháp can thiệp khẩn cấp hoặc tạm thời cách ly trẻ em khỏi môi trường hoặc người gây tổn hại cho trẻ em|Trẻ em|1|0|0.01|0.02|-2.0|G
2.001944|Đăng ký nhận chăm sóc thay thế cho trẻ em đối với cá nhân, người đại diện gia đình nhận chăm sóc thay thế không phải là người thân thích của trẻ em|Trẻ em|15|0|0.01|0.02|-1.0|EG
1.004941|Thông báo nhận chăm sóc thay thế cho trẻ em đối với cá nhân, người đại diện gia đình nhận chăm sóc thay thế là người thân thích của trẻ em|Trẻ em|5|0|0.01|0.02|-1.0|ET
2.000040|Đăng ký cai nghiện ma túy tự nguyện|Phòng, chống tệ nạn xã hội|5|0|0.05|0.1|-1.5|ETG
2.000041|Quyết định quản lý cai nghiện ma túy tự nguyện tại gia đình|Phòng, chống tệ nạn xã hội|5|0|0.02|0.05|-1.5|G
1.010939|Công nhận người có uy tín trong đồng bào dân tộc thiểu số|Công tác dân tộc|15|0|0|0.05|-1.0|EG
1.010727|Đăng ký môi trường|Môi trường|15|0|0|0.3|-0.5|ET
"""


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field: str
    durations: tuple[tuple[int, float], ...]
    fee: str  # "0", an amount, "trang" or "hkd"
    w_pre: float
    w_post: float
    bias: float
    eligible: bool
    full_online: bool
    online_payment: bool
    boundary_free: bool
    paper_result: bool
    fin_obligation: bool

    @property
    def has_fee(self) -> bool:
        return self.fee != "0"

    @property
    def service_level(self) -> str:
        return "Toàn trình" if self.full_online else "Một phần"

    @property
    def nominal_days(self) -> int:
        return max(d for d, _ in self.durations)


def _parse_catalogue(text: str) -> list[Procedure]:
    out = []
    for line in text.strip().splitlines():
        code, name, fld, durs, fee, w_pre, w_post, bias, flags = line.split("|")
        if ":" in durs:
            durations = tuple((int(a), float(b)) for a, b in (p.split(":") for p in durs.split(",")))
        else:
            durations = ((int(durs), 1.0),)
        out.append(
            Procedure(
                code=code, name=name, field=fld, durations=durations, fee=fee,
                w_pre=float(w_pre), w_post=float(w_post), bias=float(bias),
                eligible="E" in flags, full_online="T" in flags, online_payment="P" in flags,
                boundary_free="B" in flags, paper_result="G" in flags, fin_obligation="F" in flags,
            )
        )
    codes = [p.code for p in out]
    assert len(codes) == len(set(codes)), "duplicate procedure code in the demo catalogue"
    return out


PROCEDURES: list[Procedure] = _parse_catalogue(_CATALOGUE)
PROCEDURE_BY_CODE = {p.code: p for p in PROCEDURES}
FIELD_ORDER = list(dict.fromkeys(p.field for p in PROCEDURES))

# The office inside the commune that handles a field, before and after 1/7/2025.
_OFFICE_PRE = {
    "Hộ tịch": "Công chức Tư pháp - Hộ tịch",
    "Chứng thực": "Công chức Tư pháp - Hộ tịch",
    "Nuôi con nuôi": "Công chức Tư pháp - Hộ tịch",
    "Phổ biến, giáo dục pháp luật": "Công chức Tư pháp - Hộ tịch",
    "Đất đai": "Công chức Địa chính - Xây dựng - Nông nghiệp và Môi trường",
    "Trồng trọt": "Công chức Địa chính - Xây dựng - Nông nghiệp và Môi trường",
    "Lâm nghiệp": "Công chức Địa chính - Xây dựng - Nông nghiệp và Môi trường",
    "Nông nghiệp": "Công chức Địa chính - Xây dựng - Nông nghiệp và Môi trường",
    "Thi đua, khen thưởng": "Công chức Văn phòng - Thống kê",
}
_OFFICE_POST = {
    "Hộ tịch": "Văn phòng HĐND và UBND xã",
    "Chứng thực": "Văn phòng HĐND và UBND xã",
    "Nuôi con nuôi": "Văn phòng HĐND và UBND xã",
    "Phổ biến, giáo dục pháp luật": "Văn phòng HĐND và UBND xã",
    "Thi đua, khen thưởng": "Văn phòng HĐND và UBND xã",
    "Tín ngưỡng, tôn giáo": "Văn phòng HĐND và UBND xã",
    "Đất đai": "Phòng Kinh tế",
    "Đăng ký biện pháp bảo đảm": "Phòng Kinh tế",
    "Xây dựng": "Phòng Kinh tế",
    "Thành lập và hoạt động của hộ kinh doanh": "Phòng Kinh tế",
    "Trồng trọt": "Phòng Kinh tế",
    "Lâm nghiệp": "Phòng Kinh tế",
    "Nông nghiệp": "Phòng Kinh tế",
    "Môi trường": "Phòng Kinh tế",
}


def handling_office(fld: str, day: dt.date) -> str:
    if day < MERGER:
        return _OFFICE_PRE.get(fld, "Công chức Văn hóa - Xã hội")
    return _OFFICE_POST.get(fld, "Phòng Văn hóa - Xã hội")


# Invented staff (not real people).
OFFICERS_PRE = ["Trần Thị Mỹ Linh", "Nguyễn Văn Tâm", "Lê Thị Thanh Hương"]
OFFICERS_POST = [
    "Trần Thị Mỹ Linh", "Nguyễn Văn Tâm", "Phạm Quốc Việt", "Hoàng Thị Ngọc Ánh",
    "Đỗ Minh Khoa", "Vũ Thị Kim Oanh",
]
PREPARER = "Phạm Quốc Việt"
DIRECTOR = "Nguyễn Hữu Thành"

_SURNAMES = (
    ["Nguyễn"] * 30 + ["Trần"] * 10 + ["Lê"] * 9 + ["Phạm"] * 7 + ["Hoàng"] * 4 + ["Huỳnh"] * 3
    + ["Phan"] * 4 + ["Vũ"] * 3 + ["Võ"] * 3 + ["Đặng"] * 2 + ["Bùi"] * 2 + ["Đỗ"] * 2
    + ["Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Mai", "Lương"]
)
_MIDDLE_M = ["Văn", "Văn", "Minh", "Quốc", "Hữu", "Đức", "Thanh", "Công", "Ngọc", "Xuân"]
_MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Mỹ", "Kim", "Hồng", "Phương"]
_GIVEN_M = [
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Minh", "Nam", "Phúc",
    "Quang", "Sơn", "Tài", "Thắng", "Toàn", "Trung", "Tuấn", "Vinh", "Hiếu", "Lộc", "Phong",
]
_GIVEN_F = [
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Linh", "Mai",
    "Ngân", "Nhung", "Oanh", "Phượng", "Quyên", "Thảo", "Trang", "Vân", "Yến", "Hiền",
]


def _fake_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE_M)} {rng.choice(_GIVEN_M)}"
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE_F)} {rng.choice(_GIVEN_F)}"


def _fake_phone(rng: random.Random) -> str:
    # Masked the way the portal masks them; never a full number.
    return f"0{rng.choice('3789')}{rng.randint(0, 9)}****{rng.randint(0, 999):03d}"


# --------------------------------------------------------------------------------------
# Time helpers
# --------------------------------------------------------------------------------------
OPEN_AM, CLOSE_AM = dt.time(7, 30), dt.time(11, 30)
OPEN_PM, CLOSE_PM = dt.time(13, 30), dt.time(17, 0)
SAME_DAY_CUTOFF = dt.time(15, 0)  # received after 15:00: a same-day procedure is due next day
DUE_TIME = dt.time(17, 0)


def _at(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=minutes)


def _office_time(rng: random.Random, day: dt.date) -> dt.datetime:
    if rng.random() < 0.62:
        return _at(day, 7 * 60 + 30 + rng.randint(0, 239))
    return _at(day, 13 * 60 + 30 + rng.randint(0, 209))


def _office_time_after(rng: random.Random, day: dt.date, after: dt.datetime | None) -> dt.datetime:
    t = _office_time(rng, day)
    if after is not None and after.date() == day and t <= after:
        t = after + dt.timedelta(minutes=rng.randint(8, 120))
        t = min(t, _at(day, 17 * 60 + 25))
        if t <= after:
            t = after + dt.timedelta(minutes=2)
    return t


def _next_working(day: dt.date) -> dt.date:
    return kcal.add_working_days(day, 1)


def _prev_working(day: dt.date) -> dt.date:
    d = day - dt.timedelta(days=1)
    while not kcal.is_working_day(d):
        d -= dt.timedelta(days=1)
    return d


def _due_day(start: dt.datetime, days: int) -> dt.date:
    """Due day of a procedure of ``days`` working days started at ``start``."""
    if days == 0:
        if start.time() < SAME_DAY_CUTOFF and kcal.is_working_day(start.date()):
            return start.date()
        return _next_working(start.date())
    return kcal.add_working_days(start.date(), days)


def _month_index(day: dt.date) -> int:
    """Months since January 2025 (negative before)."""
    return (day.year - 2025) * 12 + day.month - 1


def _clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --------------------------------------------------------------------------------------
# Dynamics: trends, seasons, lateness
# --------------------------------------------------------------------------------------
def online_target(seed: int, year: int, month: int) -> float:
    i = _month_index(dt.date(year, month, 1))
    noise = random.Random(f"{seed}:online:{year}-{month:02d}").uniform(-0.015, 0.015)
    return _clamp(0.35 + 0.0145 * i + noise, 0.2, 0.72)


def digitized_target(day: dt.date) -> float:
    return _clamp(0.58 + 0.0136 * _month_index(day), 0.45, 0.9)


def reuse_target(day: dt.date) -> float:
    return _clamp(0.32 + 0.021 * _month_index(day), 0.2, 0.82)


def paid_online_target(day: dt.date) -> float:
    return _clamp(0.27 + 0.021 * _month_index(day), 0.15, 0.85)


def e_result_if_digitized(day: dt.date) -> float:
    return _clamp(0.93 + 0.0018 * _month_index(day), 0.9, 0.975)


def rating_share(day: dt.date) -> float:
    return _clamp(0.20 + 0.0045 * _month_index(day), 0.18, 0.30)


def _tet_near(day: dt.date) -> dt.date:
    return min(TET, key=lambda t: abs((t - day).days))


def day_multiplier(day: dt.date) -> float:
    m = 1.0
    tet = _tet_near(day)
    delta = (day - tet).days
    if -30 <= delta <= -3:
        m *= 1.32  # before Tết: weddings, certified copies, land deals
    elif 3 <= delta <= 12:
        m *= 0.5  # the week after Tết
    elif 13 <= delta <= 21:
        m *= 0.8
    if day.month == 12:
        m *= 1.08
    if MERGER <= day <= dt.date(2025, 7, 11):
        m *= 0.75  # new apparatus, new system accounts
    if day.weekday() == 0:
        m *= 1.12
    elif day.weekday() == 4:
        m *= 0.92
    prev = day - dt.timedelta(days=1)
    if prev.weekday() < 5 and not kcal.is_working_day(prev):
        m *= 1.25  # first day after a holiday
    return m


_SEASONAL_ANNUAL_POVERTY = "1.011607"
_SEASONAL_AWARDS = {"1.000748", "1.000843", "1.000954", "1.000933"}
_SEASONAL_SCHOOL = {"2.002770", "2.002771"}
_LAND_FIELDS = {"Đất đai", "Đăng ký biện pháp bảo đảm"}


def procedure_season(p: Procedure, day: dt.date) -> float:
    if p.code == _SEASONAL_ANNUAL_POVERTY:
        return 3.0 if day.month in (9, 10, 11) else 0.0
    if p.code in _SEASONAL_AWARDS:
        return 4.0 if day.month in (12, 1) else 0.3
    if p.code in _SEASONAL_SCHOOL:
        return 5.0 if day.month in (8, 9) else 0.0
    tet_delta = (day - _tet_near(day)).days
    if p.code in ("1.000894", "1.000593"):
        f = 1.3 if day.month in (10, 11, 12) else 1.0
        if -30 <= tet_delta <= -3:
            f *= 1.5
        if day.month == 8:
            f *= 0.6  # tháng cô hồn
        return f
    if p.code == "2.000815" and day.month in (5, 6, 7, 8):
        return 1.2  # school and job applications
    if p.field in _LAND_FIELDS and (day.month == 12 or -30 <= tet_delta <= -3):
        return 1.25
    return 1.0


def base_weight(p: Procedure, day: dt.date) -> float:
    if day < MERGER:
        return p.w_pre * (1 + 0.004 * (_month_index(day) + 5))
    return p.w_post * (1 + 0.008 * (_month_index(day) - 6))


def late_probability(p: Procedure, days: int, due: dt.date) -> float:
    if days == 0:
        prob = 0.008
    elif days <= 3:
        prob = 0.013
    else:
        prob = 0.018
    if p.field in _LAND_FIELDS:
        prob *= 1.3
        if (due.year, due.month) == (2025, 8):
            prob = 0.40 if p.field == "Đất đai" else 0.15  # the land office's backlog month
        elif (due.year, due.month) == (2025, 7):
            prob = 0.10
    if (due.year, due.month) == (2025, 12):
        prob *= 1.8  # year-end crunch
    return prob



_ONLINE_OFFSETS: dict[tuple[int, int, int], float] = {}


def online_offset(seed: int, year: int, month: int) -> float:
    """The logit shift that makes a month's expected online share hit ``online_target``
    (procedures differ in how often they are filed online)."""
    key = (seed, year, month)
    if key not in _ONLINE_OFFSETS:
        first, mid = dt.date(year, month, 1), dt.date(year, month, 15)
        ws = [(base_weight(p, first) * procedure_season(p, mid), p.bias) for p in PROCEDURES]
        total = sum(w for w, _ in ws)
        target = online_target(seed, year, month)
        lo, hi = -10.0, 10.0
        for _ in range(60):
            c = (lo + hi) / 2
            share = sum(w * _sigmoid(c + b) for w, b in ws) / total
            lo, hi = (c, hi) if share < target else (lo, c)
        _ONLINE_OFFSETS[key] = (lo + hi) / 2
    return _ONLINE_OFFSETS[key]


# --------------------------------------------------------------------------------------
# Dossiers
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    """What an export made at the end of a given day shows of a dossier."""

    status: int
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    supplement_count: int
    e_result: bool


@dataclass
class Dossier:
    code: str
    procedure: Procedure
    office: str
    channel: int
    submitted_at: dt.datetime
    received_at: dt.datetime
    days: int  # statutory duration in working days (0: same day)
    due_initial: dt.datetime | None
    # (request, resubmitted or None, due after resubmission or None)
    supplements: list[tuple[dt.datetime, dt.datetime | None, dt.datetime | None]]
    outcome: str  # done | stopped | withdrawn | refused
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    fin_window: tuple[dt.date, dt.date] | None
    digitized: bool
    e_result: bool
    reused: bool
    fee: int
    paid_online: bool | None
    officer: str
    owner: str
    phone: str

    def state(self, as_of: dt.date) -> State:
        x = as_of
        sup_count = sum(1 for q, _, _ in self.supplements if q.date() <= x)
        due = self.due_initial
        for _, res, new_due in self.supplements:
            if res is not None and res.date() <= x:
                due = new_due
        if self.outcome == "refused":
            return State(3, None, None, None, 0, False)
        if self.withdrawn_at is not None and self.withdrawn_at.date() <= x:
            return State(7, due, self.withdrawn_at, None, sup_count, False)
        if self.finished_at is not None and self.finished_at.date() <= x:
            if self.outcome == "stopped":
                return State(8, due, self.finished_at, None, sup_count, False)
            ret = self.returned_at if self.returned_at and self.returned_at.date() <= x else None
            return State(10 if ret else 9, due, self.finished_at, ret, sup_count, self.e_result)
        status = 2 if self.received_at.date() == x else 4
        if self.fin_window and self.fin_window[0] <= x < self.fin_window[1]:
            status = 6
        for q, res, _ in self.supplements:
            if q.date() <= x and (res is None or x < res.date()):
                status = 5
        return State(status, due, None, None, sup_count, False)

    def late_by(self, st: State) -> bool:
        """Finished after the due day, or more than one supplement request (766 rule)."""
        if st.status not in FINISHED:
            return False
        late_dates = st.due_at is not None and st.finished_at.date() > st.due_at.date()
        return late_dates or st.supplement_count > 1


def _fee(rng: random.Random, p: Procedure, online: bool) -> int:
    if p.fee == "0":
        return 0
    if p.fee == "hkd":
        return 50000 if online else 100000
    if p.fee == "trang":
        total = 0
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4, 5])):
            pages = rng.choice([1, 1, 2, 2, 2, 3, 4, 6])
            total += min(200000, 2000 * min(pages, 2) + 1000 * max(0, pages - 2))
        return total
    return int(p.fee)


def _make(rng: random.Random, seed: int, p: Procedure, day: dt.date, offset: float) -> Dossier:
    online = rng.random() < _sigmoid(offset + p.bias)
    channel = 2 if online else (3 if rng.random() < 0.02 else 1)
    if online and rng.random() >= 0.55:
        prev_close = dt.datetime.combine(_prev_working(day), CLOSE_PM)
        opening = dt.datetime.combine(day, OPEN_AM)
        span = int((opening - prev_close).total_seconds() // 60)
        submitted = prev_close + dt.timedelta(minutes=rng.randint(0, span - 1))
        received = _at(day, 7 * 60 + 30 + rng.randint(0, 180))
    else:
        received = _office_time(rng, day)
        submitted = received - dt.timedelta(minutes=rng.randint(5, 150)) if online else received
    refused = online and rng.random() < 0.006
    fee = _fee(rng, p, online)
    share_online = online_target(seed, day.year, day.month)
    if online:
        digitized = rng.random() < 0.96
    else:
        p_direct = (digitized_target(day) - 0.96 * share_online) / (1 - share_online)
        digitized = rng.random() < _clamp(p_direct, 0.05, 0.98)
    e_flag = p.paper_result and rng.random() < (e_result_if_digitized(day) if digitized else 0.35)
    reused = rng.random() < reuse_target(day)
    paid_online = None
    if fee > 0:
        pp = paid_online_target(day)
        paid_online = rng.random() < (min(0.98, pp + 0.2) if online else max(0.02, pp - 0.1))
    officer = rng.choice(OFFICERS_PRE if day < MERGER else OFFICERS_POST)
    owner, phone = _fake_name(rng), _fake_phone(rng)
    u = rng.random()
    days = p.durations[-1][0]
    acc = 0.0
    for d, w in p.durations:
        acc += w
        if u < acc:
            days = d
            break
    base = dict(
        code="", procedure=p, office=handling_office(p.field, day), channel=channel,
        submitted_at=submitted, received_at=received, days=days, digitized=digitized,
        e_result=e_flag, reused=reused, fee=fee, paid_online=paid_online, officer=officer,
        owner=owner, phone=phone,
    )
    if refused:
        return Dossier(**base, due_initial=None, supplements=[], outcome="refused",
                       finished_at=None, returned_at=None, withdrawn_at=None, fin_window=None)

    start = received
    due0 = dt.datetime.combine(_due_day(start, days), DUE_TIME)
    sups: list[tuple[dt.datetime, dt.datetime | None, dt.datetime | None]] = []
    p_supp = 0.004 if days == 0 else 0.02 if days <= 2 else 0.05 if days <= 5 else 0.08
    withdraw = rng.random() < 0.005
    stop = days >= 2 and rng.random() < 0.002
    if rng.random() < p_supp:
        v = rng.random()
        count = 1 if v < 0.86 else 2 if v < 0.98 else 3
        for i in range(count):
            req_day = kcal.add_working_days(start.date(), rng.randint(0, min(2, max(days - 1, 0))))
            req = _office_time_after(rng, req_day, start)
            if withdraw:
                sups.append((req, None, None))
                w_day = kcal.add_working_days(req.date(), rng.randint(1, 6))
                return Dossier(**base, due_initial=due0, supplements=sups, outcome="withdrawn",
                               finished_at=None, returned_at=None,
                               withdrawn_at=_office_time(rng, w_day), fin_window=None)
            res = _office_time(rng, kcal.add_working_days(req.date(), rng.randint(1, 6)))
            new_due = dt.datetime.combine(_due_day(res, days), DUE_TIME)
            sups.append((req, res, new_due))
            start = res
    due = sups[-1][2] if sups else due0
    if withdraw:
        w_day = kcal.add_working_days(received.date(), rng.randint(0, max(days, 1)))
        return Dossier(**base, due_initial=due0, supplements=sups, outcome="withdrawn",
                       finished_at=None, returned_at=None,
                       withdrawn_at=_office_time_after(rng, w_day, received), fin_window=None)

    due_day = due.date()
    if stop:
        fday = kcal.add_working_days(start.date(), rng.randint(0, max(days - 1, 0)))
    elif days >= 5 and rng.random() < 0.004:  # stuck: pending overdue for weeks
        fday = kcal.add_working_days(due_day, rng.randint(12, 45))
    elif rng.random() < late_probability(p, days, due_day):
        v = rng.random()
        fday = kcal.add_working_days(due_day, 1 if v < 0.5 else 2 if v < 0.75 else rng.randint(3, 8))
    elif days == 0:
        fday = due_day
    else:
        v = rng.random()
        if v < 0.38:
            k = days
        elif days <= 3 and v < 0.55:
            k = 0
        else:
            k = rng.randint(max(1, math.ceil(days * 0.3)), days)
        fday = min(kcal.add_working_days(start.date(), k), due_day)
    finished = _office_time_after(rng, fday, start)

    window = None
    if p.fin_obligation and not stop:
        span = kcal.working_days_between(start.date(), fday) - 1
        if span >= 4:
            a = kcal.add_working_days(start.date(), max(1, int(span * 0.35)))
            b = kcal.add_working_days(a, rng.randint(1, 3))
            if b < fday:
                window = (a, b)

    if stop:
        returned = None
    elif channel == 2 and e_flag:
        returned = finished + dt.timedelta(minutes=rng.randint(3, 40))
    elif channel == 3:
        returned = _office_time(rng, kcal.add_working_days(fday, rng.randint(2, 4)))
    else:
        v = rng.random()
        if v < 0.55:
            returned = _office_time_after(rng, fday, finished)
        elif v < 0.88:
            returned = _office_time(rng, kcal.add_working_days(fday, rng.randint(1, 3)))
        elif v < 0.98:
            returned = _office_time(rng, kcal.add_working_days(fday, rng.randint(4, 12)))
        else:
            returned = None  # never collected
    return Dossier(**base, due_initial=due0, supplements=sups,
                   outcome="stopped" if stop else "done", finished_at=finished,
                   returned_at=returned, withdrawn_at=None, fin_window=window)


def day_dossiers(seed: int, day: dt.date) -> list[Dossier]:
    """The dossiers received on ``day`` (its own random stream: independent of any range)."""
    if not kcal.is_working_day(day):
        return []
    rng = random.Random(f"{seed}:day:{day.isoformat()}")
    weights = [base_weight(p, day) * procedure_season(p, day) for p in PROCEDURES]
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    n = _poisson(rng, acc / 21.7 * day_multiplier(day))
    offset = online_offset(seed, day.year, day.month)
    out = [_make(rng, seed, rng.choices(PROCEDURES, cum_weights=cum)[0], day, offset) for _ in range(n)]
    out.sort(key=lambda d: d.received_at)
    stamp = day.strftime("%y%m%d")
    for i, d in enumerate(out, 1):
        d.code = f"{UNIT_CODE}-{stamp}-{i:04d}"
    return out


def generate(seed: int = DEFAULT_SEED, end: dt.date | None = None,
             start: dt.date = LIST_START) -> list[Dossier]:
    """Every dossier received from ``start`` to ``end`` (inclusive), in receipt order."""
    end = end or config.today()
    out: list[Dossier] = []
    day = start
    while day <= end:
        out.extend(day_dossiers(seed, day))
        day += dt.timedelta(days=1)
    return out


# --------------------------------------------------------------------------------------
# Periods of the monthly files
# --------------------------------------------------------------------------------------
def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def months(end: dt.date, start: dt.date = LIST_START) -> list[tuple[dt.date, dt.date]]:
    """(first day, as-of day) of every monthly file from ``start``'s month to ``end``'s."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((dt.date(y, m, 1), min(_month_end(y, m), end)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_files(dossiers: list[Dossier], end: dt.date) -> list[tuple[dt.date, dt.date, list[Dossier]]]:
    """Each month's rows, sorted by receipt: the dossiers received in it, and those received
    earlier that were still being handled at the previous file's end ("từ kỳ trước"), or were
    finished then and are returned to the citizen in this month."""
    by_month: dict[tuple[int, int], list[Dossier]] = defaultdict(list)
    for d in dossiers:
        if LIST_START <= d.received_at.date() <= end:
            by_month[(d.received_at.year, d.received_at.month)].append(d)
    out = []
    still_open: list[Dossier] = []
    for first, as_of in months(end):
        prev = first - dt.timedelta(days=1)
        carried = [
            d for d in still_open
            if d.state(prev).status in PENDING
            or (d.returned_at is not None and first <= d.returned_at.date() <= as_of)
        ]
        new = by_month.get((first.year, first.month), [])
        out.append((first, as_of, sorted(carried + new, key=lambda d: (d.received_at, d.code))))
        still_open = [d for d in still_open + new if _still_open(d, as_of)]
    return out


def _still_open(d: Dossier, as_of: dt.date) -> bool:
    st = d.state(as_of)
    return st.status in PENDING or (st.status == 9 and d.returned_at is not None)


# --------------------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------------------
class _Book:
    """An xlsxwriter workbook in memory with the formats of a printed government report."""

    def __init__(self, created: dt.datetime, title: str):
        import xlsxwriter

        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, {"in_memory": True})
        self.wb.set_properties({
            "title": title,
            "subject": "Dữ liệu mẫu giả lập - không phải dữ liệu thật",
            "author": "Hệ thống thông tin giải quyết TTHC tỉnh Lâm Đồng",
            "company": "UBND xã Lộc Tân",
            "comments": "Dữ liệu mẫu giả lập cho bảng điều khiển CCHC; họ tên, số điện thoại là hư cấu.",
            "created": created,
        })
        base = {"font_name": "Times New Roman", "font_size": 11, "valign": "vcenter"}
        add = lambda **kw: self.wb.add_format({**base, **kw})  # noqa: E731
        self.f = {
            "bold_c": add(bold=True, align="center"),
            "bold_cu": add(bold=True, align="center", underline=1),
            "title": add(bold=True, align="center", font_size=14),
            "italic_c": add(italic=True, align="center"),
            "text_l": add(align="left"),
            "head": add(bold=True, align="center", text_wrap=True, border=1, bg_color="#D9E1F2"),
            "num_c": add(italic=True, align="center", border=1, font_size=9),
            "cell": add(border=1, text_wrap=False),
            "cell_wrap": add(border=1, text_wrap=True),
            "cell_c": add(border=1, align="center"),
            "int": add(border=1, align="center", num_format="0"),
            "money": add(border=1, align="right", num_format="#,##0"),
            "dt": add(border=1, align="center", num_format="dd/mm/yyyy hh:mm"),
            "date": add(border=1, align="center", num_format="dd/mm/yyyy"),
            "total": add(bold=True, border=1, align="center"),
            "total_int": add(bold=True, border=1, align="center", num_format="#,##0"),
            "total_money": add(bold=True, border=1, align="right", num_format="#,##0"),
        }

    def sheet(self, name: str):
        ws = self.wb.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        return ws

    def guide(self, lines: list[str]) -> None:
        ws = self.wb.add_worksheet("Hướng dẫn")
        ws.set_column(0, 0, 110)
        ws.write_string(0, 0, "HƯỚNG DẪN SỬ DỤNG TỆP KẾT XUẤT", self.f["bold_c"])
        for i, line in enumerate(lines, 2):
            ws.write_string(i, 0, line, self.f["text_l"])

    def save(self, path: Path) -> Path:
        self.wb.close()
        path.write_bytes(self.buf.getvalue())
        return path


def _national_heading(book: _Book, ws, ncols: int, left: list[str]) -> int:
    """Rows 0-1: the issuing body on the left, the national motto on the right."""
    split = max(2, round(ncols * 0.4))
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    for r in range(2):
        fmt_l = book.f["bold_cu"] if r == len(left) - 1 else book.f["bold_c"]
        if r < len(left):
            ws.merge_range(r, 0, r, split - 1, left[r], fmt_l)
        ws.merge_range(r, split, r, ncols - 1, right[r], book.f["bold_cu"] if r == 1 else book.f["bold_c"])
    return 3


def _titles(book: _Book, ws, row: int, ncols: int, title: str, subtitles: list[str]) -> int:
    ws.merge_range(row, 0, row, ncols - 1, title, book.f["title"])
    ws.set_row(row, 22)
    row += 1
    for s in subtitles:
        ws.merge_range(row, 0, row, ncols - 1, s, book.f["italic_c"])
        row += 1
    return row + 1


def _signature(book: _Book, ws, row: int, ncols: int, day: dt.date, right_title: str) -> None:
    split = max(2, round(ncols * 0.4))
    ws.merge_range(row, split, row, ncols - 1,
                   f"Lộc Tân, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}", book.f["italic_c"])
    ws.merge_range(row + 1, 0, row + 1, split - 1, "Người lập biểu", book.f["bold_c"])
    ws.merge_range(row + 1, split, row + 1, ncols - 1, right_title, book.f["bold_c"])
    ws.merge_range(row + 2, 0, row + 2, split - 1, "(Ký, ghi rõ họ tên)", book.f["italic_c"])
    ws.merge_range(row + 2, split, row + 2, ncols - 1, "(Ký, ghi rõ họ tên, đóng dấu)", book.f["italic_c"])
    ws.merge_range(row + 6, 0, row + 6, split - 1, PREPARER, book.f["bold_c"])
    ws.merge_range(row + 6, split, row + 6, ncols - 1, DIRECTOR, book.f["bold_c"])


def _header(book: _Book, ws, row: int, cols: list[tuple[str, str | None, float]]) -> int:
    """The header, then a row of column numbers; returns the first data row. With groups it
    takes two rows: grouped columns under a merged group label, the others merged down."""
    if all(group is None for _, group, _ in cols):
        for k, (name, _, width) in enumerate(cols):
            ws.set_column(k, k, width)
            ws.write_string(row, k, name, book.f["head"])
            ws.write_string(row + 1, k, f"({k + 1})", book.f["num_c"])
        ws.set_row(row, 32)
        ws.repeat_rows(row, row + 1)
        return row + 2
    i = 0
    while i < len(cols):
        name, group, width = cols[i]
        ws.set_column(i, i, width)
        if group is None:
            ws.merge_range(row, i, row + 1, i, name, book.f["head"])
            i += 1
            continue
        j = i
        while j + 1 < len(cols) and cols[j + 1][1] == group:
            j += 1
        ws.merge_range(row, i, row, j, group, book.f["head"])
        for k in range(i, j + 1):
            ws.set_column(k, k, cols[k][2])
            ws.write_string(row + 1, k, cols[k][0], book.f["head"])
        i = j + 1
    ws.set_row(row + 1, 45)
    for k in range(len(cols)):
        ws.write_string(row + 2, k, f"({k + 1})", book.f["num_c"])
    ws.repeat_rows(row, row + 2)
    return row + 3


DOSSIER_COLUMNS: list[tuple[str, str | None, float]] = [
    ("STT", None, 6),
    ("Mã hồ sơ", None, 27),
    ("Mã thủ tục", None, 10),
    ("Tên thủ tục", None, 48),
    ("Lĩnh vực", None, 18),
    ("Chủ hồ sơ", None, 22),
    ("Số điện thoại", None, 13),
    ("Đơn vị tiếp nhận", None, 26),
    ("Kênh thực hiện", None, 13),
    ("Mức độ", None, 11),
    ("Ngày nộp", None, 16),
    ("Ngày tiếp nhận", "Thời gian", 16),
    ("Ngày hẹn trả", "Thời gian", 16),
    ("Ngày kết thúc xử lý", "Thời gian", 16),
    ("Ngày trả kết quả", "Thời gian", 16),
    ("Trạng thái", None, 20),
    ("Số lần bổ sung", None, 9),
    ("Đã số hóa", "Số hóa", 9),
    ("Kết quả điện tử", "Số hóa", 9),
    ("Tái sử dụng dữ liệu", "Số hóa", 10),
    ("Lệ phí", None, 11),
    ("Thanh toán trực tuyến", None, 11),
    ("Người tiếp nhận", None, 22),
]


def dossier_row(d: Dossier, as_of: dt.date) -> dict:
    """One exported row as plain values (what the file says as of ``as_of``)."""
    st = d.state(as_of)
    return {
        "Mã hồ sơ": d.code,
        "Mã thủ tục": d.procedure.code,
        "Tên thủ tục": d.procedure.name,
        "Lĩnh vực": d.procedure.field,
        "Chủ hồ sơ": d.owner,
        "Số điện thoại": d.phone,
        "Đơn vị tiếp nhận": d.office,
        "Kênh thực hiện": CHANNEL_NAMES[d.channel],
        "Mức độ": d.procedure.service_level,
        "Ngày nộp": d.submitted_at,
        "Ngày tiếp nhận": d.received_at,
        "Ngày hẹn trả": st.due_at,
        "Ngày kết thúc xử lý": st.finished_at,
        "Ngày trả kết quả": st.returned_at,
        "Trạng thái": STATUS_NAMES[st.status],
        "Số lần bổ sung": st.supplement_count,
        "Đã số hóa": d.digitized,
        "Kết quả điện tử": st.e_result,
        "Tái sử dụng dữ liệu": d.reused,
        "Lệ phí": d.fee,
        "Thanh toán trực tuyến": d.paid_online,
        "Người tiếp nhận": d.officer,
    }


_DATE_COLS = {"Ngày nộp", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý", "Ngày trả kết quả"}
_BOOL_COLS = {"Đã số hóa", "Kết quả điện tử", "Tái sử dụng dữ liệu", "Thanh toán trực tuyến"}
_WRAP_COLS = {"Tên thủ tục"}


def _created(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(17, 45))


def write_dossier_month(path: Path, first: dt.date, as_of: dt.date, rows: list[Dossier]) -> Path:
    text_mode = (first.year, first.month) in TEXT_DATE_MONTHS
    book = _Book(_created(as_of), f"Danh sách hồ sơ tháng {first.month:02d}/{first.year}")
    ws = book.sheet("Danh sách hồ sơ")
    ncols = len(DOSSIER_COLUMNS)
    row = _national_heading(book, ws, ncols, ["UBND XÃ LỘC TÂN", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"])
    row = _titles(book, ws, row, ncols, "DANH SÁCH HỒ SƠ",
                  [f"Từ ngày {fmt.date(first)} đến ngày {fmt.date(as_of)}"])
    row = _header(book, ws, row, DOSSIER_COLUMNS)
    ws.freeze_panes(row, 2)
    f = book.f
    fee_total = 0
    for n, d in enumerate(rows, 1):
        values = dossier_row(d, as_of)
        fee_total += d.fee
        ws.write_number(row, 0, n, f["int"])
        for c, (name, _, _) in enumerate(DOSSIER_COLUMNS[1:], 1):
            v = values[name]
            if name in _DATE_COLS:
                if v is None:
                    ws.write_blank(row, c, None, f["dt"])
                elif text_mode:
                    ws.write_string(row, c, fmt.datetime(v), f["cell_c"])
                else:
                    ws.write_datetime(row, c, v, f["dt"])
            elif name in _BOOL_COLS:
                if v is None or (text_mode and not v):
                    ws.write_blank(row, c, None, f["cell_c"])
                else:
                    ws.write_string(row, c, ("x" if text_mode else "Có") if v else "Không", f["cell_c"])
            elif name == "Lệ phí":
                if text_mode:
                    ws.write_string(row, c, fmt.integer(v), f["cell_c"])
                else:
                    ws.write_number(row, c, v, f["money"])
            elif name == "Số lần bổ sung":
                ws.write_number(row, c, v, f["int"])
            else:
                ws.write_string(row, c, v, f["cell_wrap"] if name in _WRAP_COLS else f["cell"])
        row += 1
    ws.merge_range(row, 0, row, 2, "Tổng cộng", f["total"])
    ws.write_string(row, 3, f"{fmt.integer(len(rows))} hồ sơ", f["total"])
    for c in range(4, ncols):
        if DOSSIER_COLUMNS[c][0] == "Lệ phí":
            ws.write_number(row, c, fee_total, f["total_money"])
        else:
            ws.write_blank(row, c, None, f["total"])
    _signature(book, ws, row + 2, ncols, as_of, "GIÁM ĐỐC")
    book.guide([
        "1. Danh sách hồ sơ thủ tục hành chính tiếp nhận tại Trung tâm Phục vụ hành chính công xã "
        "trong kỳ, kèm các hồ sơ kỳ trước chưa giải quyết xong; trạng thái tính đến ngày cuối kỳ.",
        "2. Trạng thái hồ sơ theo danh mục của Cổng Dịch vụ công quốc gia.",
        "3. Thời hạn giải quyết tính theo ngày làm việc; ngày hẹn trả đã trừ ngày nghỉ, ngày lễ.",
        "4. Số lần bổ sung: số lần cơ quan yêu cầu bổ sung, hoàn thiện hồ sơ.",
        "5. DỮ LIỆU MẪU GIẢ LẬP phục vụ trình diễn: họ tên chủ hồ sơ và số điện thoại là hư cấu.",
    ])
    return book.save(path)


RATING_LABELS = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"]


def ratings_of(dossiers: list[Dossier], seed: int, end: dt.date) -> list[tuple[Dossier, dt.datetime, str, str]]:
    """(dossier, rated at, rating, where) for a sample of the dossiers returned by ``end``."""
    out = []
    for d in dossiers:
        if d.received_at.date() < LIST_START:
            continue
        st = d.state(end)
        if st.status != 10:
            continue
        rng = random.Random(f"{seed}:rating:{d.code}")
        if rng.random() >= rating_share(st.returned_at.date()):
            continue
        rated = st.returned_at + dt.timedelta(minutes=rng.randint(1, 3 * 24 * 60))
        if rated.date() > end:
            continue
        weights = [0.35, 0.33, 0.16, 0.16] if d.late_by(st) else [0.62, 0.345, 0.025, 0.01]
        label = rng.choices(RATING_LABELS, weights=weights)[0]
        if d.channel == 2:
            where = "Cổng Dịch vụ công quốc gia"
        else:
            where = rng.choice(["Thiết bị đánh giá tại Trung tâm", "Quét mã QR tại quầy"])
        out.append((d, rated, label, where))
    out.sort(key=lambda t: (t[1], t[0].code))
    return out


def write_ratings(path: Path, year: int, rows, as_of: dt.date) -> Path:
    book = _Book(_created(as_of), f"Kết quả đánh giá mức độ hài lòng năm {year}")
    ws = book.sheet("Đánh giá")
    cols = [("STT", None, 6), ("Mã hồ sơ", None, 27), ("Ngày đánh giá", None, 18),
            ("Mức độ hài lòng", None, 18), ("Kênh đánh giá", None, 32)]
    n = len(cols)
    row = _national_heading(book, ws, n, ["UBND XÃ LỘC TÂN", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"])
    row = _titles(book, ws, row, n, "KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG CỦA TỔ CHỨC, CÁ NHÂN",
                  [f"Từ ngày 01/01/{year} đến ngày {fmt.date(as_of)}"])
    row = _header(book, ws, row, cols)
    f = book.f
    for i, (d, rated, label, where) in enumerate(rows, 1):
        ws.write_number(row, 0, i, f["int"])
        ws.write_string(row, 1, d.code, f["cell"])
        ws.write_datetime(row, 2, rated, f["dt"])
        ws.write_string(row, 3, label, f["cell_c"])
        ws.write_string(row, 4, where, f["cell"])
        row += 1
    ws.merge_range(row, 0, row, 2, "Tổng cộng", f["total"])
    ws.write_string(row, 3, f"{fmt.integer(len(rows))} lượt", f["total"])
    ws.write_blank(row, 4, None, f["total"])
    _signature(book, ws, row + 2, n, as_of, "GIÁM ĐỐC")
    book.guide([
        "Kết quả đánh giá mức độ hài lòng của tổ chức, cá nhân đối với việc giải quyết thủ tục "
        "hành chính (Cổng Dịch vụ công quốc gia, thiết bị đánh giá tại Trung tâm, mã QR).",
        "DỮ LIỆU MẪU GIẢ LẬP phục vụ trình diễn.",
    ])
    return book.save(path)


_PAKN_TOPICS = [
    "Phản ánh thời gian giải quyết hồ sơ chậm so với phiếu hẹn",
    "Kiến nghị hướng dẫn rõ thành phần hồ sơ cần nộp",
    "Phản ánh lỗi khi nộp hồ sơ trực tuyến trên Cổng Dịch vụ công",
    "Phản ánh bị yêu cầu bổ sung giấy tờ nhiều lần",
    "Kiến nghị niêm yết công khai mức phí, lệ phí tại quầy",
    "Phản ánh chưa nhận được kết quả điện tử qua tài khoản",
    "Kiến nghị bố trí thêm ghế ngồi chờ tại Trung tâm",
    "Phản ánh thái độ hướng dẫn của công chức tiếp nhận",
    "Kiến nghị kéo dài giờ tiếp nhận vào sáng thứ Bảy",
    "Phản ánh thanh toán trực tuyến bị trừ tiền nhưng hồ sơ chưa cập nhật",
]


def feedback_of(dossiers: list[Dossier], seed: int, year: int, end: dt.date) -> list[dict]:
    """The year's PAKN (about three a month), mostly answered within 10 working days."""
    rng = random.Random(f"{seed}:pakn:{year}")
    first = max(dt.date(year, 1, 1), LIST_START)
    last = min(dt.date(year, 12, 31), end)
    if last < first:
        return []
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    days = [d for d in days if kcal.is_working_day(d)]
    count = round(36 * len(days) / 250)
    picked = sorted(rng.sample(days, min(count, len(days))))
    late_slots = set(rng.sample(range(len(picked)), min(2, len(picked))))
    by_day: dict[dt.date, list[Dossier]] = defaultdict(list)
    for d in dossiers:
        by_day[d.received_at.date()].append(d)
    out = []
    for i, day in enumerate(picked):
        received = _office_time(rng, day)
        due = dt.datetime.combine(kcal.add_working_days(day, 10), DUE_TIME)
        code = None
        if rng.random() < 0.5:
            pool = [d for k in range(1, 40) for d in by_day.get(day - dt.timedelta(days=k), [])
                    if d.outcome != "refused"]
            if pool:
                late = [d for d in pool if d.late_by(d.state(day)) or d.supplements]
                code = rng.choice(late if late and rng.random() < 0.7 else pool).code
        span = rng.randint(11, 14) if i in late_slots else rng.randint(2, 10)
        finished = _office_time(rng, kcal.add_working_days(day, span))
        if finished.date() > end:
            finished = None
        out.append({
            "Mã PAKN": f"PAKN-{year}-{i + 1:04d}",
            "Mã hồ sơ": code,
            "Nội dung phản ánh, kiến nghị": rng.choice(_PAKN_TOPICS),
            "Ngày tiếp nhận": received,
            "Hạn xử lý": due,
            "Ngày hoàn thành": finished,
            "Trạng thái": "Đã xử lý" if finished else "Đang xử lý",
        })
    return out


def write_feedback(path: Path, year: int, rows: list[dict], as_of: dt.date) -> Path:
    book = _Book(_created(as_of), f"Danh sách phản ánh, kiến nghị năm {year}")
    ws = book.sheet("PAKN")
    cols = [("STT", None, 6), ("Mã PAKN", None, 16), ("Mã hồ sơ", None, 27),
            ("Nội dung phản ánh, kiến nghị", None, 55), ("Ngày tiếp nhận", None, 17),
            ("Hạn xử lý", None, 17), ("Ngày hoàn thành", None, 17), ("Trạng thái", None, 13)]
    n = len(cols)
    row = _national_heading(book, ws, n, ["UBND XÃ LỘC TÂN", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"])
    row = _titles(book, ws, row, n, "DANH SÁCH PHẢN ÁNH, KIẾN NGHỊ VỀ THỦ TỤC HÀNH CHÍNH",
                  [f"Từ ngày 01/01/{year} đến ngày {fmt.date(as_of)}"])
    row = _header(book, ws, row, cols)
    f = book.f
    for i, r in enumerate(rows, 1):
        ws.write_number(row, 0, i, f["int"])
        for c, (name, _, _) in enumerate(cols[1:], 1):
            v = r[name]
            if v is None:
                ws.write_blank(row, c, None, f["cell"])
            elif isinstance(v, dt.datetime):
                ws.write_datetime(row, c, v, f["dt"])
            else:
                ws.write_string(row, c, v, f["cell_wrap"] if c == 3 else f["cell"])
        row += 1
    ws.merge_range(row, 0, row, 2, "Tổng cộng", f["total"])
    ws.write_string(row, 3, f"{len(rows)} phản ánh, kiến nghị", f["total"])
    for c in range(4, n):
        ws.write_blank(row, c, None, f["total"])
    _signature(book, ws, row + 2, n, as_of, "GIÁM ĐỐC")
    book.guide(["Hạn xử lý: 10 ngày làm việc kể từ ngày tiếp nhận.", "DỮ LIỆU MẪU GIẢ LẬP phục vụ trình diễn."])
    return book.save(path)


def _duration_text(p: Procedure) -> str:
    days = p.nominal_days
    if days == 0:
        return "Trong ngày làm việc (tiếp nhận sau 15 giờ: trả trong ngày làm việc tiếp theo)"
    if len(p.durations) > 1:
        return f"Trong ngày; trường hợp cần xác minh không quá {days:02d} ngày làm việc"
    return f"{days:02d} ngày làm việc"


CATALOGUE_COLUMNS = [
    ("STT", None, 6), ("Mã TTHC", None, 11), ("Tên TTHC", None, 60), ("Lĩnh vực", None, 22),
    ("Cấp thực hiện", None, 10), ("Mức độ DVC", None, 12), ("Đủ điều kiện toàn trình", None, 12),
    ("Có phí, lệ phí", None, 10), ("Thanh toán trực tuyến", None, 12),
    ("Không phụ thuộc địa giới hành chính", None, 14), ("Yêu cầu trả kết quả giấy", None, 12),
    ("Thời hạn giải quyết", None, 30),
]


def write_catalogue(path: Path, as_of: dt.date) -> Path:
    book = _Book(_created(as_of), "Danh mục thủ tục hành chính cấp xã")
    ws = book.sheet("Danh mục TTHC")
    n = len(CATALOGUE_COLUMNS)
    row = _national_heading(book, ws, n, ["UBND XÃ LỘC TÂN", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"])
    row = _titles(book, ws, row, n,
                  "DANH MỤC THỦ TỤC HÀNH CHÍNH THUỘC THẨM QUYỀN GIẢI QUYẾT CỦA UBND XÃ LỘC TÂN",
                  [f"(Cập nhật đến ngày {fmt.date(as_of)})"])
    row = _header(book, ws, row, CATALOGUE_COLUMNS)
    f = book.f
    yn = lambda b: "Có" if b else "Không"  # noqa: E731
    procs = sorted(PROCEDURES, key=lambda p: (FIELD_ORDER.index(p.field), p.code))
    for i, p in enumerate(procs, 1):
        ws.write_number(row, 0, i, f["int"])
        for c, v in enumerate([p.code, p.name, p.field, "Cấp Xã", p.service_level, yn(p.eligible),
                               yn(p.has_fee), yn(p.online_payment) if p.has_fee else "Không",
                               yn(p.boundary_free), yn(p.paper_result), _duration_text(p)], 1):
            ws.write_string(row, c, v, f["cell_wrap"] if c in (2, 11) else f["cell_c"] if c >= 4 else f["cell"])
        row += 1
    ws.merge_range(row, 0, row, 1, "Tổng cộng", f["total"])
    ws.write_string(row, 2, f"{len(procs)} thủ tục hành chính", f["total"])
    for c in range(3, n):
        ws.write_blank(row, c, None, f["total"])
    _signature(book, ws, row + 2, n, as_of, "GIÁM ĐỐC")
    book.guide([
        "Danh mục TTHC cấp xã đang thực hiện tại Trung tâm Phục vụ hành chính công xã.",
        "Mức độ DVC: Toàn trình / Một phần. Thanh toán trực tuyến chỉ áp dụng cho TTHC có phí, lệ phí.",
        "DỮ LIỆU MẪU: mã và tên các thủ tục chính theo Cơ sở dữ liệu quốc gia về TTHC; "
        "các thuộc tính khác mang tính minh họa.",
    ])
    return book.save(path)


SUMMARY_GROUP_HEAD = [
    ("STT", None, 6),
    ("Lĩnh vực, công việc giải quyết theo cấp", None, 36),
    ("Tổng số", "Số hồ sơ nhận giải quyết", 10),
    ("Trực tuyến", "Số hồ sơ nhận giải quyết", 10),
    ("Trực tiếp, dịch vụ bưu chính", "Số hồ sơ nhận giải quyết", 12),
    ("Từ kỳ trước", "Số hồ sơ nhận giải quyết", 10),
    ("Tổng số", "Số hồ sơ đã giải quyết", 10),
    ("Trước hạn", "Số hồ sơ đã giải quyết", 10),
    ("Đúng hạn", "Số hồ sơ đã giải quyết", 10),
    ("Quá hạn", "Số hồ sơ đã giải quyết", 10),
    ("Tổng số", "Số hồ sơ đang giải quyết", 10),
    ("Trong hạn", "Số hồ sơ đang giải quyết", 10),
    ("Quá hạn", "Số hồ sơ đang giải quyết", 10),
]


def summary_counts(dossiers: list[Dossier], start: dt.date, end: dt.date) -> dict[str, list[int]]:
    """Biểu 06 columns (3)…(13) per field for ``[start, end]``, by dates as of ``end``
    (withdrawn and refused dossiers left out)."""
    before = start - dt.timedelta(days=1)
    out: dict[str, list[int]] = {}
    for d in dossiers:
        if d.received_at.date() > end or d.outcome == "refused":
            continue
        st = d.state(end)
        if st.status == 7:
            continue
        if d.received_at.date() < start and d.state(before).status not in PENDING:
            continue
        c = out.setdefault(d.procedure.field, [0] * 11)
        if d.received_at.date() < start:
            c[3] += 1
        elif d.channel == 2:
            c[1] += 1
        else:
            c[2] += 1
        if st.status in FINISHED:
            fin, due = st.finished_at.date(), st.due_at.date()
            c[5 if fin < due else 6 if fin == due else 7] += 1
        else:
            c[9 if st.due_at.date() >= end else 10] += 1
    for c in out.values():
        c[0] = c[1] + c[2] + c[3]
        c[4] = c[5] + c[6] + c[7]
        c[8] = c[9] + c[10]
    return out


def write_summary(path: Path, dossiers: list[Dossier]) -> Path:
    start, end = SUMMARY_PERIOD
    counts = summary_counts(dossiers, start, end)
    book = _Book(_created(dt.date(2025, 1, 3)), "Biểu số 06/VPCP/KSTT - Quý IV năm 2024")
    ws = book.sheet("Biểu 06")
    n = len(SUMMARY_GROUP_HEAD)
    f = book.f
    ws.merge_range(0, 0, 0, 3, "Biểu số 06/VPCP/KSTT", f["bold_c"])
    ws.merge_range(1, 0, 1, 3, "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP", f["italic_c"])
    ws.merge_range(0, 4, 0, n - 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f["bold_c"])
    ws.merge_range(1, 4, 1, n - 1, "Độc lập - Tự do - Hạnh phúc", f["bold_cu"])
    row = _titles(book, ws, 3, n,
                  "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC",
                  ["Kỳ báo cáo: Quý IV năm 2024",
                   f"(Từ ngày {fmt.date(start)} đến ngày {fmt.date(end)})",
                   "Đơn vị báo cáo: UBND xã Lộc Tân - Đơn vị nhận báo cáo: UBND huyện Bảo Lâm",
                   "Đơn vị tính: Số hồ sơ TTHC"])
    row = _header(book, ws, row, SUMMARY_GROUP_HEAD)
    fields = sorted(counts, key=FIELD_ORDER.index)
    totals = [0] * 11
    for i, fld in enumerate(fields, 1):
        ws.write_number(row, 0, i, f["int"])
        ws.write_string(row, 1, fld, f["cell"])
        for k, v in enumerate(counts[fld]):
            ws.write_number(row, 2 + k, v, f["int"])
            totals[k] += v
        row += 1
    ws.merge_range(row, 0, row, 1, "Tổng cộng", f["total"])
    for k, v in enumerate(totals):
        ws.write_number(row, 2 + k, v, f["total_int"])
    _signature(book, ws, row + 2, n, dt.date(2025, 1, 3), "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
    book.guide([
        "Biểu số 06/VPCP/KSTT: tình hình, kết quả giải quyết TTHC tại cơ quan, đơn vị trực tiếp "
        "giải quyết TTHC. (3) = (4) + (5) + (6); (7) = (8) + (9) + (10); (11) = (12) + (13).",
        "DỮ LIỆU MẪU GIẢ LẬP phục vụ trình diễn.",
    ])
    return book.save(path)


# --------------------------------------------------------------------------------------
# Writing everything, the figures, loading
# --------------------------------------------------------------------------------------
def demo_file_names(end: dt.date) -> list[str]:
    """Every file ``--write`` makes for ``end``, in loading order."""
    names = ["danh-muc-tthc.xlsx"]
    names += [f"ho-so-{first.year}-{first.month:02d}.xlsx" for first, _ in months(end)]
    years = range(LIST_START.year, end.year + 1)
    names += [f"danh-gia-hai-long-{y}.xlsx" for y in years]
    names += [f"pakn-{y}.xlsx" for y in years]
    names.append("bieu-06-quy-IV-2024.xlsx")
    return names


def _is_demo_name(name: str) -> bool:
    return bool(re.fullmatch(
        r"(ho-so-\d{4}-\d{2}|danh-gia-hai-long-\d{4}|pakn-\d{4}|danh-muc-tthc|bieu-06-quy-IV-2024)\.xlsx",
        name,
    ))


def write_demo(out_dir: Path, seed: int = DEFAULT_SEED, end: dt.date | None = None,
               log=print) -> list[Path]:
    """Write every demo file into ``out_dir``; remove stale demo files of other ranges."""
    end = end or config.today()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    everything = generate(seed, end, start=SIM_START)
    listed = [d for d in everything if d.received_at.date() >= LIST_START]
    written = [write_catalogue(out_dir / "danh-muc-tthc.xlsx", end)]
    for first, as_of, rows in month_files(listed, end):
        path = write_dossier_month(out_dir / f"ho-so-{first.year}-{first.month:02d}.xlsx", first, as_of, rows)
        written.append(path)
        log(f"Đã ghi {path} ({fmt.integer(len(rows))} dòng)")
    ratings = ratings_of(listed, seed, end)
    for year in range(LIST_START.year, end.year + 1):
        as_of = min(dt.date(year, 12, 31), end)
        rows = [r for r in ratings if r[1].year == year]
        written.append(write_ratings(out_dir / f"danh-gia-hai-long-{year}.xlsx", year, rows, as_of))
        written.append(write_feedback(out_dir / f"pakn-{year}.xlsx", year,
                                      feedback_of(listed, seed, year, end), as_of))
    written.append(write_summary(out_dir / "bieu-06-quy-IV-2024.xlsx",
                                 [d for d in everything if d.received_at.date() <= SUMMARY_PERIOD[1]]))
    keep = {p.name for p in written}
    for stale in out_dir.glob("*.xlsx"):
        if _is_demo_name(stale.name) and stale.name not in keep:
            stale.unlink()
            log(f"Đã xóa tệp mẫu cũ {stale}")
    return written


def month_figures(dossiers: list[Dossier], end: dt.date) -> list[dict]:
    """Month by month, as of ``end``: accepted dossiers received, online share, share of the
    dossiers finished in the month that were late (dates or >1 supplement), pending overdue at
    the month's end, digitisation and online payment shares."""
    out = []
    listed = [d for d in dossiers if LIST_START <= d.received_at.date() <= end]
    for first, as_of in months(end):
        rec = [d for d in listed if (d.received_at.year, d.received_at.month) == (first.year, first.month)
               and d.outcome != "refused"]
        fin = resolved = both = 0
        late = 0
        overdue = 0
        for d in listed:
            if d.received_at.date() > as_of or d.outcome == "refused":
                continue
            st = d.state(end)
            if st.status in FINISHED and first <= st.finished_at.date() <= as_of:
                fin += 1
                late += d.late_by(st)
                if st.status in (9, 10):
                    resolved += 1
                    both += d.digitized and (st.e_result or not d.procedure.paper_result)
            sm = d.state(as_of)
            if sm.status in PENDING and sm.due_at.date() < as_of:
                overdue += 1
        fee = [d for d in rec if d.fee > 0]
        out.append({
            "month": f"{first.year}-{first.month:02d}",
            "received": len(rec),
            "online": sum(d.channel == 2 for d in rec) / len(rec) if rec else None,
            "finished": fin,
            "late": late / fin if fin else None,
            "pending_overdue": overdue,
            "digitized": both / resolved if resolved else None,
            "paid_online": sum(bool(d.paid_online) for d in fee) / len(fee) if fee else None,
        })
    return out


def print_figures(figures: list[dict], log=print) -> None:
    log("Tháng    | Hồ sơ nhận | Trực tuyến | Đã giải quyết | Quá hạn | Đang quá hạn | Số hóa | TT trực tuyến")
    for f in figures:
        log(f"{f['month']}  | {f['received']:>10} | {fmt.pct(f['online']):>10} | {f['finished']:>13} | "
            f"{fmt.pct(f['late']):>7} | {f['pending_overdue']:>12} | {fmt.pct(f['digitized']):>6} | "
            f"{fmt.pct(f['paid_online']):>13}")


def demo_files(demo_dir: Path = DEMO_DIR) -> list[Path]:
    """The demo files present in ``demo_dir``, in loading order (catalogue, months in order,
    ratings, feedback, summary)."""
    def rank(p: Path):
        n = p.name
        order = 0 if n.startswith("danh-muc") else 1 if n.startswith("ho-so") else \
            2 if n.startswith("danh-gia") else 3 if n.startswith("pakn") else 4
        return (order, n)

    return sorted((p for p in Path(demo_dir).glob("*.xlsx") if _is_demo_name(p.name)), key=rank)


def load_if_empty(db_url: str | None = None, unit: str | None = None,
                  demo_dir: Path = DEMO_DIR, log=print) -> int:
    """Load the demo files when the database holds no dossier yet. Returns an exit code."""
    import sqlalchemy as sa

    from kpi import db as kdb
    from kpi.schema import dossiers as dossiers_table

    unit = config.unit_name(unit) or UNIT_NAME
    try:
        engine = kdb.get_engine(db_url)
        kdb.init_db(engine)
        with kdb.connect(engine) as conn:
            present = conn.execute(sa.select(sa.literal(1)).select_from(dossiers_table).limit(1)).first()
    except (kdb.DatabaseUnavailable, kdb.DatabaseBusy) as exc:
        log(f"Lỗi: {exc}")
        return 1
    if present:
        log("Đã có dữ liệu, bỏ qua nạp dữ liệu mẫu.")
        return 0
    files = demo_files(demo_dir)
    if not files:
        log(f"Không tìm thấy tệp dữ liệu mẫu trong {demo_dir}. "
            "Hãy tạo bằng lệnh: python -m ingest.demo --write data/demo")
        return 1
    try:
        import ingest.load  # noqa: F401
        import ingest.reader  # noqa: F401  (load_file reads through it)
        from ingest.service import load as load_file
    except ModuleNotFoundError as exc:
        if exc.name in ("ingest.load", "ingest.reader"):
            log("Chưa có mô-đun nạp dữ liệu (ingest/load.py, ingest/reader.py) nên chưa nạp được "
                "dữ liệu mẫu. Cơ sở dữ liệu vẫn trống; hãy chạy lại lệnh này khi mô-đun đã sẵn sàng.")
            return 1
        raise
    failed = []
    for path in files:
        try:
            load_file(engine, path, unit=unit, kind="auto", uploaded_by="demo")
        except Exception as exc:  # a refused file: say which and why, go on with the others
            failed.append(path.name)
            log(f"Không nạp được tệp mẫu {path.name}: {exc}")
    with kdb.connect(engine) as conn:
        unit_id = kdb.find_unit(conn, unit)
        count = 0
        if unit_id is not None:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(dossiers_table)
                .where(dossiers_table.c.unit_id == unit_id)
            ).scalar_one()
    loaded = len(files) - len(failed)
    log(f"Cơ sở dữ liệu trống: đã nạp dữ liệu mẫu của {unit} từ {loaded}/{len(files)} tệp "
        f"({fmt.integer(count)} hồ sơ).")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    from kpi.cli import VietnameseArgumentParser

    p = VietnameseArgumentParser(
        prog="python -m ingest.demo",
        description="Tạo hoặc nạp dữ liệu mẫu (giả lập) của Xã Lộc Tân.",
    )
    action = p.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="DIR", help="ghi các tệp mẫu vào thư mục DIR")
    action.add_argument("--load-if-empty", action="store_true",
                        help="nạp các tệp mẫu trong data/demo nếu cơ sở dữ liệu chưa có hồ sơ nào")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="hạt giống ngẫu nhiên (mặc định 2026)")
    p.add_argument("--end", metavar="YYYY-MM-DD", type=dt.date.fromisoformat,
                   help="ngày cuối của dữ liệu (mặc định: hôm nay)")
    p.add_argument("--db", metavar="URL", help="địa chỉ cơ sở dữ liệu; mặc định CCHC_DB_URL")
    p.add_argument("--unit", metavar="NAME", help="đơn vị của dữ liệu; mặc định CCHC_UNIT")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.load_if_empty:
        return load_if_empty(args.db, args.unit)
    end = args.end or config.today()
    if end < LIST_START:
        print(f"Ngày cuối phải từ {fmt.date(LIST_START)} trở đi.", file=sys.stderr)
        return 2
    write_demo(Path(args.write), args.seed, end)
    print_figures(month_figures(generate(args.seed, end), end))
    return 0


if __name__ == "__main__":
    sys.exit(main())
