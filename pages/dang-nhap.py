"""Đăng nhập — the sign-in form (access.md "Signing in"): "Tên đăng nhập", "Mật khẩu",
"Đăng nhập"; after a sign-in, the overview. Signed in already: who, and "Đăng xuất"."""

from __future__ import annotations

import streamlit as st

from kpi import accounts as A
from ui import auth, nav, safe

nav.require_frame()

st.title("Đăng nhập")
if auth.mode() == "open":
    st.info("Chưa có tài khoản nào: bảng điều khiển đang mở cho mọi người, không cần đăng "
            "nhập. Tạo tài khoản quản trị đầu tiên bằng lệnh: python -m kpi users add "
            "--username … --role admin", icon="ℹ️")
elif auth.signed_in():
    account = auth.current_account()
    st.success(f"Đang đăng nhập: **{safe.md(account.username)}** · {account.role_label} · "
               f"{safe.md(account.units_label)}.", icon="✅")
    if st.button("Đăng xuất", key="sign_in_page_sign_out"):
        auth.sign_out()
        st.rerun()
else:
    st.caption(f"Phiên đăng nhập hết hạn sau {int(A.SESSION_IDLE.total_seconds() // 3600)} "
               "giờ không dùng. Nhập sai mật khẩu "
               f"{A.LOCKOUT_FAILURES} lần trong {int(A.LOCKOUT_WINDOW.total_seconds() // 60)} "
               "phút thì tên đăng nhập bị tạm khóa "
               f"{int(A.LOCKOUT_DURATION.total_seconds() // 60)} phút.")
    auth.sign_in_form("sign_in", then="pages/tong-quan.py")

st.markdown("##### Vai trò và quyền")
st.dataframe(
    {"Vai trò": [A.ROLE_LABELS[r] for r in A.ROLES],
     "Được làm": ["; ".join(A.ACTION_LABELS[a] for a in A.ACTIONS if a in A.RIGHTS[r])
                  for r in A.ROLES]},
    hide_index=True, width="stretch", key="sign_in_roles",
)
st.caption("Tài khoản Lãnh đạo / xem và Cán bộ chỉ thấy các đơn vị được giao; Quản trị thấy mọi "
           "đơn vị. Tài khoản được tạo bằng dòng lệnh: python -m kpi users add.")
