"""HTML -> PDF with WeasyPrint: the clinician summary and the patient handout, from a ``ReportContent``.

What the reports say is built elsewhere (``content``, ``handout``); two concerns
live here besides rendering:

* Safety. WeasyPrint fetches whatever a document points at (stylesheets,
  fonts, images, attachments). Django's autoescaping keeps user text from
  becoming markup, and ``StaticOnlyURLFetcher`` is the second wall: it reads
  nothing but files under the project's ``static/`` directory and never
  touches the network, so even a slip in a template cannot read local files
  or call out.
* Speed. Parsing the stylesheet and loading the bundled fonts costs about as
  much as laying out a short report, so the parsed stylesheet and its font
  configuration are built once per thread and reused.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .content import ReportContent
from .handout import handout_context

logger = logging.getLogger(__name__)

STATIC_DIR: Path = Path(settings.BASE_DIR) / "static"
STYLESHEET = "css/pdf.css"
# Only what the print stylesheet needs; anything else under static/ (JS, Bootstrap) is refused too.
ALLOWED_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".png": "image/png", ".svg": "image/svg+xml"}


# ---------------------------------------------------------------- the locked URL fetcher


class FetchRefused(ValueError):
    """A URL outside the project's static files; WeasyPrint logs it and renders without it."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serve ``file:`` URLs inside one directory, refuse everything else.

    ``fetch`` never calls urllib, so there is no HTTP, FTP or data: handler and
    no redirect can be followed: a redirect needs a response, and this fetcher
    only ever answers from disk. Paths are resolved (``..`` and symlinks)
    before the containment check, so ``static/../../etc/passwd`` is refused.
    """

    def __init__(self, root: Path = STATIC_DIR, **kwargs: Any) -> None:
        # allowed_protocols and allow_redirects only matter if someone later calls
        # the base class; set them so that path is locked down as well.
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False, **kwargs)
        self.root = root.resolve()

    def resolve(self, url: str) -> Path:
        """The file a URL names, or ``FetchRefused`` saying why not."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise FetchRefused(f"only the project's static files may be loaded, not {parts.scheme or 'relative'} URLs")
        if parts.netloc not in ("", "localhost"):
            raise FetchRefused("file URLs on other hosts are refused")
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise FetchRefused("no such static file") from exc
        if not path.is_relative_to(self.root) or not path.is_file():
            raise FetchRefused("outside the static files")
        if path.suffix.lower() not in ALLOWED_TYPES:
            raise FetchRefused(f"{path.suffix or 'extensionless'} files are not used by reports")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except FetchRefused as refused:
            # Worth a log line: in a report this means someone tried to smuggle a reference in.
            logger.warning("PDF fetch refused: %s (%s)", url[:200], refused)
            raise
        content_type = ALLOWED_TYPES[path.suffix.lower()]  # resolve() admits only these suffixes
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})


# ---------------------------------------------------------------- cached rendering machinery


@dataclass(frozen=True)
class _Renderer:
    fetcher: StaticOnlyURLFetcher
    font_config: FontConfiguration
    stylesheet: CSS
    base_url: str

    def write_pdf(self, html: str) -> bytes:
        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        return document.write_pdf(stylesheets=[self.stylesheet], font_config=self.font_config)


_local = threading.local()


def _renderer() -> _Renderer:
    """Fetcher, fonts and parsed stylesheet, built once per thread.

    Per thread because FontConfiguration wraps a Fontconfig/Pango font map
    that is not documented as safe to share between threads.
    """
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        fetcher = StaticOnlyURLFetcher()
        font_config = FontConfiguration()
        # Loaded through the fetcher, like any stylesheet a document could name;
        # its @font-face rules register the bundled DejaVu fonts in font_config.
        stylesheet = CSS(url=(STATIC_DIR / STYLESHEET).as_uri(), url_fetcher=fetcher, font_config=font_config)
        renderer = _Renderer(fetcher, font_config, stylesheet, STATIC_DIR.as_uri() + "/")
        _local.renderer = renderer
    return renderer


def html_to_pdf(html: str) -> bytes:
    return _renderer().write_pdf(html)


# ---------------------------------------------------------------- public entry points


def render_summary_pdf(report: ReportContent) -> bytes:
    """The clinician summary of ``report`` (a signed revision exactly as signed, or a draft)."""
    context = {**report.context(), "CLINIC_NAME": settings.CLINIC_NAME}
    return html_to_pdf(render_to_string("evaluation/pdf/summary.html", context))


def render_handout_pdf(report: ReportContent) -> bytes:
    """The patient handout of ``report``, in the patient's language whatever the clinician's."""
    with translation.override(report.patient.preferred_language):
        html = render_to_string("evaluation/pdf/handout.html", handout_context(report))
    return html_to_pdf(html)
