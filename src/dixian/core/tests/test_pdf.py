"""The shared PDF renderer: Chinese text survives into the PDF, and documents cannot fetch
files or URLs outside our static files."""

from __future__ import annotations

import io

import pytest
from django.template import engines
from pypdf import PdfReader

from dixian.core import pdf


def text_of(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_chinese_text_extracts_from_the_pdf(tmp_path, settings):
    tpl = tmp_path / "t.html"
    tpl.write_text(
        '{% extends "pdf/base.html" %}{% block body %}<div class="red-head">平陆县安全生产委员会办公室'
        "</div><h1>督办函</h1><p>{{ text }}</p>{% endblock %}",
        encoding="utf-8",
    )
    settings.TEMPLATES[0]["DIRS"] = [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]
    engines._engines = {}
    engines.__dict__.pop("templates", None)
    data = pdf.render_pdf("t.html", {"text": "请于2024年12月31日前报送整改情况。<script>"})
    assert data.startswith(b"%PDF-")
    text = text_of(data).replace(" ", "").replace("\n", "")
    assert "平陆县安全生产委员会办公室" in text
    assert "督办函" in text
    assert "请于2024年12月31日前报送整改情况。<script>" in text  # escaped, shown as text


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://169.254.169.254/latest", "https://example.com/x.png"]
)
def test_fetcher_refuses_files_and_network(url):
    with pytest.raises(pdf.PdfFetchRefused):
        pdf._static_only_fetcher().fetch(url)


def test_fetcher_serves_our_static_files():
    got = pdf._static_only_fetcher().fetch("file:///anything/static/dixian/app.css")
    assert got.read(10)
    got.close()
    with pytest.raises(pdf.PdfFetchRefused):
        pdf._static_only_fetcher().fetch("file:///x/static/../../../etc/passwd")


def test_pdf_response_names_the_file_in_utf8():
    r = pdf.pdf_response(b"%PDF-1.7", "督办函.pdf", inline=False)
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment; filename*=UTF-8''%E7%9D%A3")
