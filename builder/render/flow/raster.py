"""The map as PNG, for Word's picture fallback: WeasyPrint draws the SVG, poppler rasterises.

WeasyPrint (since v53) writes no PNG itself, and a rasteriser such as cairosvg would be a new
dependency with its own font handling. The build already needs poppler (pdftoppm), and drawing
the SVG through WeasyPrint gives the same fonts and shapes as the PDF shows.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from pathlib import Path

from builder.render.flow.layout import MapLayout

DPI = 150


def map_png(svg: bytes, layout: MapLayout, document_id: str) -> bytes:
    """The map rasterised at 150 dpi (same SVG and tools: same bytes)."""
    import weasyprint  # type: ignore[import-untyped]

    from builder.errors import RenderError
    from builder.paths import TEMPLATES_DIR
    from builder.render.weasy import SafeFetcher, collect_warnings, font_configuration

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise RenderError(document_id, [("pdftoppm saknas (Debian-paketet poppler-utils): "
                                         "flödesbilden i Word-filen kan inte ritas")])
    width, height = layout.width + 1, layout.height + 1
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    html = (f"<!DOCTYPE html><html lang='sv'><head><title>Flöde</title><style>@page {{ size: "
            f"{width}pt {height}pt; margin: 0 }} body {{ margin: 0 }} img {{ display: block; "
            f"width: {width}pt; height: {height}pt }}</style></head><body>"
            f"<img src='{source}' alt='Flöde'></body></html>")
    # A plain PDF only to rasterise: no archival post-processing (that cost twice the drawing).
    fetcher = SafeFetcher((TEMPLATES_DIR,))
    with collect_warnings() as warnings:
        data = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
            font_config=font_configuration(), pdf_identifier=b"rutinbyggaren-flode")
    if warnings or fetcher.refused:
        raise RenderError(document_id, [f"WeasyPrint varnade: {w}" for w in warnings]
                          + [f"otillåten adress: {u}" for u in fetcher.refused])
    with tempfile.TemporaryDirectory(prefix="rutin-flode-") as folder:
        source_pdf = Path(folder) / "flode.pdf"
        source_pdf.write_bytes(data)
        subprocess.run([pdftoppm, "-png", "-r", str(DPI), "-singlefile", str(source_pdf),
                        str(Path(folder) / "flode")], check=True, capture_output=True,
                       timeout=60)
        return (Path(folder) / "flode.png").read_bytes()
