"""The Vietnamese words drawn over Streamlit's file drop zone (ui/uploader.py)."""

from __future__ import annotations

import pytest

from ui.uploader import uploader_css


def test_the_upload_pages_drop_zone_words():
    """The words the upload page always had; the English text is shrunk to nothing."""
    css = uploader_css(("XLSX", "XLS", "CSV"), 200)
    assert 'content: "Kéo thả tệp vào đây · tối đa 200 MB mỗi tệp · XLSX, XLS, CSV"' in css
    assert 'button [data-testid="stMarkdownContainer"] p::after {\n  content: "Chọn tệp"' in css
    assert css.count("{ font-size: 0; }") == 2
    assert css.startswith("<style>") and css.endswith("</style>")


def test_size_from_the_server_setting_and_types_as_extensions():
    # .streamlit/config.toml: maxUploadSize = 200
    assert "tối đa 200 MB mỗi tệp · XLSX\"" in uploader_css([".xlsx"])
    assert "tối đa 50 MB mỗi tệp · CSV, TXT\"" in uploader_css(["csv", "txt"], 50)


@pytest.mark.parametrize("types", [[], ['xlsx"; } body { display: none'], ["x" * 11]])
def test_only_plain_extensions_go_into_the_css(types):
    with pytest.raises(ValueError):
        uploader_css(types, 200)
