"""PDF documents (督办函, 挂牌督办通知书, 告知卡, reports) rendered with WeasyPrint.

Only project templates are rendered (autoescaped), and the URL fetcher serves nothing but
our own static files and inline data: URIs, so a document can never read a local file or
reach the network (WeasyPrint's own security advice). Fonts come from the system
(Debian `fonts-noto-cjk`); the base template names them explicitly.

Usage::

    from dixian.core.pdf import render_pdf, pdf_response
    data = render_pdf("duties/pdf/supervision_letter.html", {"letter": letter})
    return pdf_response(data, "督办函.pdf")
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

STATIC_PREFIX = "/static/"


class PdfFetchRefused(ValueError):
    pass


def _static_only_fetcher():
    """A WeasyPrint URL fetcher that serves our static files and data: URIs, nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.scheme in ("file", "http", "https") and STATIC_PREFIX in parsed.path:
                rel = parsed.path.split(STATIC_PREFIX, 1)[1]
                found = finders.find(rel) if ".." not in rel else None
                if found:
                    return URLFetcherResponse(url, open(found, "rb"))  # noqa: SIM115
            raise PdfFetchRefused(f"PDF may not fetch {url!r}")

    return StaticOnlyFetcher(timeout=5, allowed_protocols={"data", "file", "http", "https"})


def render_pdf(template: str, context: dict | None = None, *, language: str = "zh-hans") -> bytes:
    """Render a project template to PDF bytes (Chinese by default: official documents)."""
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(template, context or {})
    base = "file://" + str(Path(settings.BASE_DIR)) + "/"
    return HTML(string=html, base_url=base, url_fetcher=_static_only_fetcher()).write_pdf()


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response
