"""PDF rendering of a report's HTML (WeasyPrint). The HTML is made by the portal's template,
so the PDF says exactly what the page says."""

from __future__ import annotations

import logging


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render self-contained ``html`` (inline CSS and SVG, no remote assets) to PDF bytes."""
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)  # font subsetting chatter
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf
