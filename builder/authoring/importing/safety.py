"""Refuse hostile input before any parser sees it: size, zip bombs, macros, external links.

Every check reads only the zip's central directory or small relationship parts whose declared
size was checked first; nothing is decompressed beyond the limits and nothing is fetched.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree  # type: ignore[import-untyped]

# A routine is a few pages; a Word file with pictures stays far below these.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 40 * 1024 * 1024
# The XML parts are parsed into trees (several times their size in memory): a long routine's
# document.xml is well below 1 MB.
MAX_XML_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 80 * 1024 * 1024
# Office XML compresses about 5-20 times; a bomb compresses hundreds or thousands of times.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024  # tiny parts may compress well; only big ones count
MAX_RELS_BYTES = 2 * 1024 * 1024
RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# External targets Word follows when it opens a file (a remote image, an attached template,
# a linked sub-document): refused. Hyperlinks are only followed on a click: kept as links.
ALLOWED_EXTERNAL = ("/hyperlink",)


class ImportRefused(Exception):
    """The file is refused; the message is Swedish and says why."""


def check_size(path: Path) -> int:
    """The file's size, or ImportRefused when it is empty or too big to be a routine."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportRefused(
            f"{path.name} är {size / 1024 / 1024:.0f} MB; en rutin att importera får vara högst "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB")
    if size == 0:
        raise ImportRefused(f"{path.name} är tom")
    return size


def check_docx(path: Path) -> None:
    """A Word file that is safe to hand to mammoth and python-docx, or ImportRefused."""
    check_size(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise ImportRefused(f"{path.name} är ingen giltig Word-fil (zip-arkivet är trasigt "
                            "eller inget zip-arkiv)") from None
    with archive:
        infos = archive.infolist()
        _check_members(path, infos)
        names = {info.filename for info in infos}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise ImportRefused(f"{path.name} är ingen Word-fil (word/document.xml saknas)")
        _check_macros(path, archive, names)
        for info in infos:
            if info.filename.endswith(".rels"):
                _check_relationships(path, archive, info)


def _check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ImportRefused(f"{path.name} har {len(infos)} delar i zip-arkivet; det ser inte ut "
                            "som en vanlig Word-fil")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        xml = info.filename.endswith((".xml", ".rels"))
        if (info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES
                or (xml and info.file_size > MAX_XML_BYTES)
                or (info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO)):
            raise ImportRefused(
                f"{path.name} packas upp till orimligt mycket ({info.filename}: "
                f"{info.file_size / 1024 / 1024:.0f} MB); filen liknar en zip-bomb och lästes "
                "inte")


def _check_macros(path: Path, archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ImportRefused(f"{path.name} innehåller makron (en .docm-fil med ny ändelse?); "
                            "spara den som vanlig .docx utan makron och försök igen")
    types = archive.getinfo("[Content_Types].xml")
    if types.file_size > MAX_RELS_BYTES:
        raise ImportRefused(f"{path.name}: [Content_Types].xml är orimligt stor")
    if b"macroenabled" in archive.read(types).lower():
        raise ImportRefused(f"{path.name} är en makroaktiverad Word-fil; spara den som vanlig "
                            ".docx utan makron och försök igen")


def _check_relationships(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_RELS_BYTES:
        raise ImportRefused(f"{path.name}: {info.filename} är orimligt stor")
    data = archive.read(info)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ImportRefused(f"{path.name}: {info.filename} innehåller en DTD; filen lästes inte")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise ImportRefused(f"{path.name}: {info.filename} är trasig XML") from None
    for rel in root.iter(f"{RELS_NS}Relationship"):
        if rel.get("TargetMode") != "External":
            continue
        kind = rel.get("Type", "")
        if kind.endswith(ALLOWED_EXTERNAL):
            continue
        what = ("en bild som hämtas från nätet" if kind.endswith("/image")
                else "en dokumentmall som hämtas utifrån" if kind.endswith("/attachedTemplate")
                else "en extern länk som Word följer när filen öppnas")
        raise ImportRefused(
            f"{path.name} pekar på {what} ({rel.get('Target', '')}); ingenting hämtades. "
            "Bädda in innehållet i filen eller ta bort länken och försök igen")


# Input limits checked while reading (issue 25): a real routine is far below each, and the
# draft stays below what `rutin check` accepts (1 MB, 20 000 values, 500 steps).
MAX_HTML_BYTES = 4 * 1024 * 1024
MAX_CELLS = 3000
MAX_ITEMS = 3000  # list items
MAX_PARAGRAPHS = 6000
_DOCX_CHUNK = 1 << 16


def check_counts(name: str, cells: int, items: int, paragraphs: int) -> None:
    """Refuse a source with more table cells, list items or paragraphs than a routine has."""
    for count, limit, what in ((cells, MAX_CELLS, "tabellceller"),
                               (items, MAX_ITEMS, "listpunkter"),
                               (paragraphs, MAX_PARAGRAPHS, "stycken")):
        if count > limit:
            raise ImportRefused(f"{name} har fler än {limit} {what} ({count}); så stora "
                                "dokument importeras inte – dela upp källan")


def count_docx_parts(path: Path) -> None:
    """Count cells, numbered paragraphs and paragraphs of word/document.xml in a stream,
    before mammoth reads it (a 65 KB file with a large table took 87 s and 363 MB)."""
    tags = {b"<w:tc>": 0, b"<w:tc ": 0, b"<w:p>": 0, b"<w:p ": 0, b"<w:numPr": 0}
    with zipfile.ZipFile(path) as archive, archive.open("word/document.xml") as handle:
        tail = b""
        while chunk := handle.read(_DOCX_CHUNK):
            data = tail + chunk
            for tag in tags:
                tags[tag] += data.count(tag) - tail.count(tag)
            tail = data[-16:]
            check_counts(path.name, tags[b"<w:tc>"] + tags[b"<w:tc "], tags[b"<w:numPr"],
                         tags[b"<w:p>"] + tags[b"<w:p "])


def check_html_counts(name: str, text: str) -> None:
    """Refuse a page with more cells, list items or paragraphs than a routine has."""
    lowered = text.lower()
    check_counts(name, lowered.count("<td") + lowered.count("<th"), lowered.count("<li"),
                 lowered.count("<p") + lowered.count("<div"))


def read_html_bytes(path: Path) -> str:
    """The page's text: UTF-8, UTF-16 (with its byte-order mark) or the charset it declares;
    size and counts checked first. Control characters are dropped (they never print)."""
    check_size(path)
    if path.stat().st_size > MAX_HTML_BYTES:
        raise ImportRefused(f"{path.name} är större än {MAX_HTML_BYTES // 1024 // 1024} MB; "
                            "en sida med en rutin är mindre – spara bara rutinens sida")
    data = path.read_bytes()
    text = _decode(path, data)
    text = CONTROL.sub("", text)
    from builder.authoring.importing.html_reader import MAX_DEPTH, nesting_depth

    if nesting_depth(text) > MAX_DEPTH:  # said first: the page's shape, not its size
        raise ImportRefused(f"{path.name} är för djupt nästlad för att läsas")
    check_html_counts(path.name, text)
    return text


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused(f"{path.name} är ingen läsbar UTF-16-sida") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = data[:2048].lower()
    for encoding in ("utf-8", "windows-1252"):
        if encoding == "utf-8" and b"charset=windows-1252" in head:
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(f"{path.name} är ingen läsbar HTML-sida")  # pragma: no cover
