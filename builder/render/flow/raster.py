"""The map as PNG, for Word's picture fallback: WeasyPrint draws the SVG, poppler rasterises.

WeasyPrint (since v53) writes no PNG itself, and a rasteriser such as cairosvg would be a new
dependency with its own font handling. The build already needs poppler (pdftoppm), and drawing
the SVG through WeasyPrint gives the same fonts and shapes as the PDF shows. pdftoppm writes
PPM and this module writes the PNG (poppler's PNG encoder cost three times its rasterising).

The PNG has 150 dpi at the width Word prints it (a large map shrunk to the page has a quarter
of the pixels it would have at full size). Drawing and rasterising still cost ~0.1–0.2 s CPU
per map, so the PNG is kept in the user cache (``<cache>/flode-png/<digest>.png``) keyed by
the SVG's bytes, the width and the drawing tools (this code, WeasyPrint's release, pdftoppm's
binary): a map that did not change is rasterised once, not once per build. A missing, unreadable or unwritable cache only means drawing again.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path

from builder.render.flow.layout import MapLayout

DPI = 150
CACHE_FOLDER = "flode-png"
MAX_CACHED = 1000  # PNGs kept (~30–150 kB each); the least recently written go first
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@lru_cache(maxsize=1)
def _tools_digest() -> bytes:
    """What draws the picture, read once per process (without importing WeasyPrint: a
    cache hit in a Word-only build never loads it)."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    pdftoppm = shutil.which("pdftoppm")
    tool = os.stat(pdftoppm) if pdftoppm else None
    tool_stamp = f"{pdftoppm}:{tool.st_size}:{tool.st_mtime_ns}" if tool else "-"
    for part in (f"weasyprint={version('weasyprint')}", tool_stamp):
        digest.update(part.encode("utf-8") + b"\0")
    here = Path(__file__).resolve().parent
    for name in ("raster.py", "svgtext.py"):  # this code, which draws it
        digest.update((here / name).read_bytes() + b"\0")
    return digest.digest()


def pixel_width(width_mm: float) -> int:
    """How many pixels wide the picture is: 150 dpi at the width Word prints it (a map that
    is shrunk to the page is not rasterised at its full size: a quarter of the pixels at
    half the size)."""
    return max(1, round(width_mm / 25.4 * DPI))


def cache_key(svg: bytes, width_px: int) -> str:
    """The PNG's name in the cache: the SVG, its size and everything that draws it, hashed."""
    return hashlib.sha256(_tools_digest() + f"{width_px}px\0".encode("ascii") + svg).hexdigest()


def cached_png_path(svg: bytes, width_px: int) -> Path:
    """Where the cache keeps (or would keep) the PNG of this SVG at this width."""
    from builder.paths import cache_dir

    return cache_dir() / CACHE_FOLDER / f"{cache_key(svg, width_px)}.png"


def map_png(svg: bytes, layout: MapLayout, document_id: str, width_mm: float) -> bytes:
    """The map rasterised at 150 dpi for its printed width (same SVG and tools: same bytes),
    from the cache when an earlier build drew the same SVG at the same width."""
    width_px = pixel_width(width_mm)
    path = cached_png_path(svg, width_px)
    try:
        data = path.read_bytes()
        if data.startswith(PNG_SIGNATURE):
            return data
    except OSError:
        pass
    data = draw_png(svg, layout, document_id, width_px)
    _store(path, data)
    return data


def _store(path: Path, data: bytes) -> None:
    from builder.write import write_atomic

    try:
        write_atomic(path, data)
        kept = sorted(path.parent.glob("*.png"), key=lambda p: p.stat().st_mtime_ns)
        for old in kept[:max(0, len(kept) - MAX_CACHED)]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or full cache folder only costs speed


def draw_png(svg: bytes, layout: MapLayout, document_id: str, width_px: int) -> bytes:
    """The map drawn by WeasyPrint and rasterised by pdftoppm ``width_px`` wide (no cache)."""
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
        # PPM on stdout: poppler's own PNG encoder cost three times its rasterising.
        pixels = subprocess.run([pdftoppm, "-scale-to-x", str(width_px), "-scale-to-y", "-1",
                                 "-singlefile", str(source_pdf)],
                                check=True, capture_output=True, timeout=60).stdout
    return ppm_to_png(pixels)


_PPM_HEADER = re.compile(rb"P6\s+(\d+)\s+(\d+)\s+255\s")


def ppm_to_png(ppm: bytes) -> bytes:
    """A binary 8-bit RGB PPM (pdftoppm's output) as PNG: the rows unfiltered, deflated at
    zlib's default level (the same pixels; smaller than poppler's PNG, in a tenth of the CPU)."""
    header = _PPM_HEADER.match(ppm)
    if header is None:
        raise ValueError("pdftoppm wrote no 8-bit RGB PPM")
    width, height = int(header.group(1)), int(header.group(2))
    stride, start = width * 3, header.end()
    if len(ppm) - start < stride * height:
        raise ValueError("pdftoppm's PPM is shorter than its size says")
    rows = b"".join(b"\0" + ppm[start + row * stride:start + (row + 1) * stride]
                    for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    return (PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))
