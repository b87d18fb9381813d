"""Every kind of PDF passes PDF/A-3a and PDF/UA-1 in two independent validators, signed too.

page-validation (a Rust PDF/A-1..3 and PDF/UA-1 validator) and outloud (PDF/UA-1 and WCAG
2.2) check each kind of PDF the tool writes; a finding fails the test unless
tests/pdf_validator_exceptions.yaml excuses it, with a reason and the standard's clause.
Structure is then read with pikepdf: headings, table headers, artifacts, alternative text,
language, title display, XMP and the PDF version after signing.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import outloud  # test extra: PDF/UA-1 + WCAG 2.2
import page as page_validation  # test extra (page-validation): PDF/A-1..3 + PDF/UA-1
import pikepdf
import pytest
import yaml

from builder.decision.review import redline_pdf, review_packet
from builder.governance.diff import diff_routine
from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.pdf import document_pdf
from builder.render.printables.imposition import impose
from builder.render.printables.sheet import impose_cards
from builder.signing.keys import ENV_P12, ENV_PASSWORD
from builder.signing.sign import sign_artifacts

HERE = Path(__file__).resolve().parent
ROUTINES = HERE.parent / "routines"
EXCEPTIONS = HERE / "pdf_validator_exceptions.yaml"
APPROVED = "kungalv-insatser-i-hemmet"
DRAFT = "narsjukvardsteam"
PARENT_DRAFT = "sas-mobil-narvard"
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000, fillable=True)
PT_PER_MM = 72 / 25.4
MARGIN_BAND = 25 * PT_PER_MM

KINDS = ("dokument-utkast", "samverkansrutin-utkast", "dokument-faststalld",
         "dokument-signerad", "checklista", "checklista-ifyllbar", "fickkort", "fickkort-ark",
         "laskvittens", "granskningsunderlag", "redline")


# --- the PDFs -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """A copy of the shipped routines in which one step of the approved routine changed
    (so the redline and review packet have content), a private cache for the test CA."""
    base = tmp_path_factory.mktemp("pdfua")
    root = base / "routines"
    shutil.copytree(ROUTINES, root)
    path = root / APPROVED / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("skickas ett \"Meddelande",
                                 "skickas ett utförligt \"Meddelande", 1), encoding="utf-8")
    # Pocket cards carry a QR code only when a publication address is configured.
    organisation = root / "organisation.yaml"
    organisation.write_text(organisation.read_text(encoding="utf-8")
                            + "publicerings_url: https://rutiner.vardsamverkan.se/\n",
                            encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(base / "cache"))
        mp.delenv(ENV_P12, raising=False)
        mp.delenv(ENV_PASSWORD, raising=False)
        mp.chdir(base)
        yield load_library(root)[0]


def _ctx(library: Library, doc_id: str, **changes: Any) -> RenderContext:
    routine = library.by_id(doc_id)
    assert routine is not None, doc_id
    settings: dict[str, Any] = {"today": OPTIONS.today, "epoch": OPTIONS.epoch,
                                "fillable": True, **changes}
    options = BuildOptions(**settings)
    return RenderContext(routine, library, options)


def _files(ctx: RenderContext, fmt: str) -> dict[str, bytes]:
    return {a.filename[len(ctx.stem) + 1:]: a.data for a in get_renderer(fmt)(ctx)}


@pytest.fixture(scope="module")
def pdfs(library: Library) -> dict[str, bytes]:
    """One PDF of every kind the tool writes, rendered as a build renders them."""
    draft = _ctx(library, DRAFT)
    approved = _ctx(library, APPROVED)
    unsigned = document_pdf(approved).data
    signed = sign_artifacts(approved, get_renderer("pdf")(approved))
    checklists = _files(draft, "checklista")
    cards = _files(draft, "fickkort")
    diff = diff_routine(library, APPROVED)
    packet = review_packet(Path("routines"), APPROVED)  # the working directory is the copy's
    out = {
        "dokument-utkast": document_pdf(draft).data,
        "samverkansrutin-utkast": document_pdf(_ctx(library, PARENT_DRAFT)).data,
        "dokument-faststalld": unsigned,
        "dokument-signerad": next(a.data for a in signed if a.filename.endswith(".pdf")),
        "checklista": checklists["checklista.pdf"],
        "checklista-ifyllbar": checklists["checklista-ifyllbar.pdf"],
        "fickkort": cards["fickkort.pdf"],
        "fickkort-ark": cards["fickkort-ark.pdf"],
        "laskvittens": _files(approved, "laskvittens")["laskvittens.pdf"],
        "granskningsunderlag": packet.data,
        "redline": redline_pdf(diff).data,
    }
    assert out["dokument-signerad"] != unsigned
    assert set(out) == set(KINDS)
    return out


# --- the two validators and the one file of exceptions ------------------------------------

def load_exceptions() -> list[dict[str, Any]]:
    entries = yaml.safe_load(EXCEPTIONS.read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    return entries


def _box_in_margins(box: dict[str, Any], heights: list[float]) -> bool:
    height = heights[int(box["page"]) - 1]
    return box["y1"] <= MARGIN_BAND or box["y0"] >= height - MARGIN_BAND


def _box_in_card_copy(box: dict[str, Any], heights: list[float]) -> bool:
    """Within the imposed cards of an A4 sheet (fronts on odd pages) and over at least one
    copy other than the first, tagged one. outloud joins the lines of two cards side by
    side into one line, so a box may span two slots."""
    layout = impose()
    index = int(box["page"]) - 1
    height = heights[index]
    rects = [(r.x * PT_PER_MM, height - r.bottom * PT_PER_MM, r.right * PT_PER_MM,
              height - r.y * PT_PER_MM)
             for r in (layout.fronts if index % 2 == 0 else layout.backs)]
    left, bottom = min(r[0] for r in rects) - 1, min(r[1] for r in rects) - 1
    right, top = max(r[2] for r in rects) + 1, max(r[3] for r in rects) + 1
    inside = left <= box["x0"] and box["x1"] <= right and bottom <= box["y0"] \
        and box["y1"] <= top
    return inside and any(box["x0"] < r[2] and box["x1"] > r[0] and box["y0"] < r[3]
                          and box["y1"] > r[1] for r in rects[1:])


WHERE = {"page-margins": _box_in_margins, "repeated-card-copies": _box_in_card_copy}


def _signatures_cover_their_revisions(data: bytes) -> bool:
    """The file has more than one revision and every signature covers its whole revision
    (its byte range ends at that revision's %%EOF; a B-LT file's last revision is the DSS,
    which no signature covers)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel

    reader = PdfFileReader(io.BytesIO(data))
    signatures = reader.embedded_signatures
    if not signatures or reader.xrefs.total_revisions < 2:
        return False
    coverages = []
    for signature in signatures:
        signature.compute_integrity_info(skip_diff=True)
        coverages.append(signature.coverage)
    return all(c in (SignatureCoverageLevel.ENTIRE_REVISION, SignatureCoverageLevel.ENTIRE_FILE)
               for c in coverages)


# Conditions on the whole file, for findings that point at no place on a page.
FILE_WHERE = {"signatures-cover-their-revisions": _signatures_cover_their_revisions}


def file_excused(validator: str, rule: str, kind: str, data: bytes) -> bool:
    for entry in load_exceptions():
        if (entry["validator"] == validator and entry["rule"] == rule
                and kind in entry.get("kinds", KINDS) and entry["where"] in FILE_WHERE
                and FILE_WHERE[entry["where"]](data)):
            return True
    return False


def excused(validator: str, rule: str, kind: str, boxes: list[dict[str, Any]], count: int,
            heights: list[float]) -> bool:
    for entry in load_exceptions():
        if entry["validator"] != validator or entry["rule"] != rule:
            continue
        if "kinds" in entry and kind not in entry["kinds"]:
            continue
        if entry["where"] not in WHERE:
            continue
        where = WHERE[entry["where"]]
        # outloud lists at most 40 boxes; a finding must show all of its places (up to that)
        if len(boxes) >= min(count, 40) and boxes and all(where(b, heights) for b in boxes):
            return True
    return False


def validator_problems(kind: str, data: bytes) -> list[str]:
    """Every finding of both validators that the exceptions file does not excuse."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        heights = [float(page.mediabox[3]) for page in pdf.pages]
    problems = []
    for profile in ("3a", "ua1"):
        report = page_validation.validate_pdf_bytes(data, profile=profile)
        problems += [f"page-validation {profile}: {f.rule_id} {f.message}"
                     for f in report.failures
                     if not file_excused("page-validation", f.rule_id, kind, data)]
        if not report.failures:
            assert report.is_compliant, (kind, profile)
    path = Path(f"{kind}.pdf").resolve()
    path.write_bytes(data)
    result = outloud.check(str(path))
    assert result.error is None, result.error
    for finding in result.sorted_findings():
        if finding.severity != "error":
            continue
        if not excused("outloud", finding.rule, kind, finding.boxes, finding.count, heights):
            problems.append(f"outloud: {finding.rule} p.{finding.page} {finding.message} "
                            f"({finding.evidence})")
    return problems


def test_exceptions_file_names_a_reason_and_a_clause_for_each_entry() -> None:
    entries = load_exceptions()
    assert entries
    for entry in entries:
        assert entry["validator"] in {"page-validation", "outloud"}
        assert entry["where"] in WHERE or entry["where"] in FILE_WHERE
        assert set(entry.get("kinds", KINDS)) <= set(KINDS)
        assert len(entry["reason"]) > 80
        assert re.search(r"ISO \d+-\d+:\d{4}, \d+(\.\d+)+", entry["clause"]), entry["clause"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_pdf_passes_both_validators(pdfs: dict[str, bytes], kind: str,
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    monkeypatch.chdir(tmp_path)
    assert validator_problems(kind, pdfs[kind]) == []


def test_an_unexcused_finding_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    pdfs: dict[str, bytes]) -> None:
    """The check is not blind: a copy without pdfuaid and without its title is reported."""
    monkeypatch.chdir(tmp_path)
    with pikepdf.open(io.BytesIO(pdfs["dokument-utkast"])) as pdf:
        del pdf.Root.ViewerPreferences
        del pdf.Root.Metadata
        out = io.BytesIO()
        pdf.save(out)
    problems = validator_problems("dokument-utkast", out.getvalue())
    assert any(p.startswith("page-validation ua1") for p in problems)
    assert any(p.startswith("outloud: DOC-011") for p in problems)


# --- structure, read with pikepdf ---------------------------------------------------------

def struct_kids(element: Any) -> Iterator[Any]:
    kids = element.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid


def elements(pdf: pikepdf.Pdf) -> Iterator[Any]:
    """Every structure element in document order (depth first)."""
    stack = list(reversed(list(struct_kids(pdf.Root.StructTreeRoot))))
    while stack:
        element = stack.pop()
        yield element
        stack.extend(reversed(list(struct_kids(element))))


def open_pdf(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


@pytest.mark.parametrize("kind", KINDS)
def test_language_and_title_display(pdfs: dict[str, bytes], kind: str) -> None:
    with open_pdf(pdfs[kind]) as pdf:
        assert str(pdf.Root.Lang) == "sv-SE"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert pdf.Root.MarkInfo.Marked is True


@pytest.mark.parametrize("kind", ["dokument-utkast", "samverkansrutin-utkast",
                                  "dokument-signerad", "redline", "granskningsunderlag"])
def test_headings_nest_without_skipping_a_level(pdfs: dict[str, bytes], kind: str) -> None:
    with open_pdf(pdfs[kind]) as pdf:
        levels = [int(str(e.S)[2]) for e in elements(pdf) if re.fullmatch(r"/H[1-6]", str(e.S))]
    assert levels and levels[0] == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, (kind, levels)
    assert 2 in levels
    if kind in ("dokument-signerad", "granskningsunderlag"):
        assert 3 in levels  # Kungälv has subsections; the packet has the redline's


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_header_has_a_scope(pdfs: dict[str, bytes], kind: str) -> None:
    with open_pdf(pdfs[kind]) as pdf:
        headers = [e for e in elements(pdf) if e.S == pikepdf.Name.TH]
        for header in headers:
            attrs = header.get("/A")
            attrs = list(attrs) if isinstance(attrs, pikepdf.Array) else [attrs]
            scopes = [a.Scope for a in attrs if isinstance(a, pikepdf.Dictionary)
                      and "/Scope" in a]
            assert scopes and scopes[0] in (pikepdf.Name.Row, pikepdf.Name.Column,
                                            pikepdf.Name.Both), kind
    if kind.startswith("dokument"):
        assert headers  # the metadata block is a table with row headers


# --- what is real content and what is an artifact -----------------------------------------

def _unicode_map(font: Any) -> dict[int, str]:
    cmap = font.get("/ToUnicode")
    if cmap is None:
        return {}
    text = cmap.read_bytes().decode("latin-1")
    found: dict[int, str] = {}

    def chars(hexes: str) -> str:
        return bytes.fromhex(hexes).decode("utf-16-be", errors="replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.DOTALL):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            found[int(src, 16)] = chars(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.DOTALL):
        for low, high, rest in re.findall(
                r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)", block):
            start, end = int(low, 16), int(high, 16)
            if rest.startswith("["):
                for offset, dst in enumerate(re.findall(r"<([0-9a-fA-F]+)>", rest)):
                    found[start + offset] = chars(dst)
            else:
                first = bytes.fromhex(rest[1:-1])
                for offset in range(end - start + 1):
                    value = int.from_bytes(first, "big") + offset
                    found[start + offset] = chars(value.to_bytes(len(first), "big").hex())
    return found


def _decode(font: Any, data: bytes) -> str:
    mapping = _unicode_map(font)
    width = 2 if font.get("/Subtype") == pikepdf.Name.Type0 else 1
    codes = [int.from_bytes(data[i:i + width], "big") for i in range(0, len(data), width)]
    return "".join(mapping.get(code, "") for code in codes)


def _opened(instruction: Any, outer: str, mcids: set[int] | None) -> str:
    """The context a BDC/BMC opens: an artifact, tagged content (an MCID) or the outer one."""
    operands = instruction.operands
    if operands[0] == pikepdf.Name.Artifact:
        return "artifact"
    if str(instruction.operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) \
            and "/MCID" in operands[1]:
        if mcids is not None:
            mcids.add(int(operands[1].MCID))
        return "tagged" if outer != "artifact" else "artifact-with-mcid"
    return outer


def marked_text(content: Any, resources: Any, context: str = "untagged",
                out: dict[str, list[str]] | None = None,
                mcids: set[int] | None = None) -> dict[str, list[str]]:
    """Text painted on a page (or form), by what encloses it: "tagged" (an MCID), "artifact"
    or "untagged"; form XObjects are followed. ``mcids`` collects the MCIDs met."""
    out = out if out is not None else {"tagged": [], "artifact": [], "untagged": []}
    stack = [context]
    font = None
    for instruction in pikepdf.parse_content_stream(content):
        operator, operands = str(instruction.operator), instruction.operands
        if operator in ("BDC", "BMC"):
            stack.append(_opened(instruction, stack[-1], mcids))
        elif operator == "EMC":
            stack.pop()
        elif operator == "Tf":
            font = resources.Font[operands[0]]
        elif operator in ("Tj", "'", '"', "TJ") and font is not None:
            parts = operands[-1] if operator == "TJ" else [operands[-1]]
            text = "".join(_decode(font, bytes(p)) for p in parts
                           if isinstance(p, pikepdf.String))
            out.setdefault(stack[-1], []).append(text)
        elif operator == "Do":
            xobject = resources.XObject[operands[0]]
            if xobject.get("/Subtype") == pikepdf.Name.Form:
                marked_text(xobject, xobject.get("/Resources", resources), stack[-1], out,
                            mcids if "/StructParents" in xobject else None)
    return out


def page_texts(data: bytes) -> list[dict[str, str]]:
    with open_pdf(data) as pdf:
        return [{key: re.sub(r"\s+", " ", "".join(parts)) for key, parts in
                 marked_text(page, page.Resources).items()} for page in pdf.pages]


@pytest.mark.parametrize("kind", ["dokument-utkast", "dokument-signerad", "checklista",
                                  "laskvittens", "redline", "granskningsunderlag"])
def test_page_numbers_and_copy_notice_are_artifacts_not_content(pdfs: dict[str, bytes],
                                                                 kind: str) -> None:
    pages = page_texts(pdfs[kind])
    with open_pdf(pdfs[kind]) as pdf:
        # The review packet shows the pocket card as it prints: 85 x 55 mm, no page number.
        cards = {number for number, page in enumerate(pdf.pages, start=1)
                 if float(page.MediaBox[2]) - float(page.MediaBox[0]) < 300}
    for number, text in enumerate(pages, start=1):
        if kind == "granskningsunderlag" and number in cards:
            assert "Sida " not in text["tagged"], (kind, number)
            continue
        # the review packet is numbered as one document through all its parts (issue 21)
        assert f"Sida {number} av {len(pages)}" in text["artifact"], (kind, number)
        assert "Sida " not in text["tagged"], (kind, number)
        assert "artifact-with-mcid" not in text and not text.get("untagged"), (kind, number)
        assert "Utskriven kopia" not in text["tagged"], (kind, number)
        if kind not in ("redline", "granskningsunderlag"):  # their own footers
            assert "Utskriven kopia" in text["artifact"], (kind, number)


@pytest.mark.parametrize("kind", ["dokument-utkast", "dokument-signerad"])
def test_running_header_is_an_artifact(pdfs: dict[str, bytes], library: Library,
                                       kind: str) -> None:
    doc_id = DRAFT if kind == "dokument-utkast" else APPROVED
    routine = library.by_id(doc_id)
    assert routine is not None
    title = routine.document.title
    pages = page_texts(pdfs[kind])
    assert len(pages) >= 2
    for text in pages:
        assert title in text["artifact"]
        assert f"Version {routine.document.version} · " in text["artifact"]
    for text in pages[1:]:
        assert title not in text["tagged"]


def test_draft_watermark_is_an_artifact_on_every_page_and_never_read(
        pdfs: dict[str, bytes]) -> None:
    pages = page_texts(pdfs["dokument-utkast"])
    for number, text in enumerate(pages, start=1):
        # drawn glyph by glyph from SVG: no space glyphs, which is fine for an artifact
        assert "UTKAST–ejfastställd" in text["artifact"].replace(" ", ""), number
        assert "U T K A S T" not in text["tagged"]
        if number > 1:  # page 1 has the draft banner, real content by design
            assert "UTKAST" not in text["tagged"], number
    for kind in ("checklista", "laskvittens"):
        assert all("UTKAST" in text["artifact"] for text in page_texts(pdfs[kind])) \
            or kind == "laskvittens"  # the receipt is of the approved routine: no watermark


@pytest.mark.parametrize("kind", KINDS)
def test_every_marked_content_id_belongs_to_an_element_in_the_tree(pdfs: dict[str, bytes],
                                                                   kind: str) -> None:
    with open_pdf(pdfs[kind]) as pdf:
        reachable = {e.objgen for e in elements(pdf)}
        tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
        for page in pdf.pages:
            used: set[int] = set()
            marked_text(page, page.Resources, mcids=used)
            if "/StructParents" in page.obj:
                mapping = tree[int(page.obj.StructParents)]
                for mcid in used:
                    assert mapping[mcid].objgen in reachable, (kind, mcid)
            for xobject in page.Resources.get("/XObject", {}).values():
                if "/StructParents" in xobject:
                    for element in tree[int(xobject.StructParents)]:
                        assert element.objgen in reachable, kind


@pytest.mark.parametrize("kind", ["fickkort", "fickkort-ark"])
def test_qr_code_has_alternative_text(pdfs: dict[str, bytes], kind: str) -> None:
    with open_pdf(pdfs[kind]) as pdf:
        figures = [e for e in elements(pdf) if e.S == pikepdf.Name.Figure]
    assert len(figures) == 1  # the sheet tags the card once, the copies are artifacts
    assert str(figures[0].Alt).startswith("QR-kod till aktuell version: http")


def test_signature_stamp_is_a_form_element_with_alternative_text(
        pdfs: dict[str, bytes]) -> None:
    with open_pdf(pdfs["dokument-signerad"]) as pdf:
        forms = [e for e in elements(pdf) if e.S == pikepdf.Name.Form]
        assert len(forms) == 1
        objr = forms[0].K[0]
        widget = objr.Obj
        assert objr.Type == pikepdf.Name.OBJR and widget.FT == pikepdf.Name.Sig
        assert "/V" in widget and "/AP" in widget  # signed, with the stamp as appearance
        alt = str(forms[0].Alt)
        assert alt.startswith("TESTSIGNATUR – ej giltig – Fastställd av ")
        assert "Elektroniskt signerad" in alt
        assert str(widget.TU) == alt
        tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
        assert tree[int(widget.StructParent)].objgen == forms[0].objgen


# --- the signed PDF: still PDF/A-3a + PDF/UA-1, still PDF 1.7 --------------------------

NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
      "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
      "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
      "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
      "dc": "http://purl.org/dc/elements/1.1/"}


def xmp_values(data: bytes) -> dict[str, str]:
    """pdfaid/pdfuaid values from the XMP, as attributes or elements (both are valid RDF)."""
    with open_pdf(data) as pdf:
        meta = pdf.Root.Metadata
        assert "/Filter" not in meta
        root = ET.fromstring(meta.read_bytes())
    found: dict[str, str] = {}
    for description in root.iter(f"{{{NS['rdf']}}}Description"):
        for prefix in ("pdfaid", "pdfuaid"):
            for name in ("part", "conformance"):
                key = f"{{{NS[prefix]}}}{name}"
                value = description.get(key)
                child = description.find(key)
                if value is None and child is not None:
                    value = child.text
                if value is not None:
                    found[f"{prefix}:{name}"] = value
    schemas = [e.text for e in root.iter(f"{{{NS['pdfaSchema']}}}namespaceURI")]
    if NS["pdfuaid"] in schemas:
        found["extension"] = "pdfuaid"
    title = root.find(f".//{{{NS['dc']}}}title")
    found["title"] = "".join(title.itertext()) if title is not None else ""
    return found


@pytest.mark.parametrize("kind", ["dokument-faststalld", "dokument-signerad", "fickkort-ark",
                                  "checklista-ifyllbar"])
def test_xmp_declares_pdfa_3a_and_pdfua_1(pdfs: dict[str, bytes], kind: str) -> None:
    values = xmp_values(pdfs[kind])
    assert values["pdfaid:part"] == "3" and values["pdfaid:conformance"] == "A"
    assert values["pdfuaid:part"] == "1" and values["extension"] == "pdfuaid"
    assert values["title"]


def test_signed_pdf_stays_version_1_7(pdfs: dict[str, bytes]) -> None:
    data = pdfs["dokument-signerad"]
    assert data.startswith(b"%PDF-1.7")
    with open_pdf(data) as pdf:
        assert pdf.pdf_version == "1.7"
        assert "/Version" not in pdf.Root  # an incremental update may not raise it either
        extensions = pdf.Root.get("/Extensions", pikepdf.Dictionary())
        assert "/ISO_" not in extensions  # no ISO 32002 (a PDF 2.0 extension)
        assert all(str(e.BaseVersion) == "/1.7" for e in extensions.values())


# --- the card sheet: archival, tagged and reproducible ------------------------------------

def test_card_sheet_is_reproducible_and_dated_by_the_build(pdfs: dict[str, bytes],
                                                           library: Library) -> None:
    card = pdfs["fickkort"]
    first = impose_cards(card, "Ark", slots=[0] * 10)
    assert first == impose_cards(card, "Ark", slots=[0] * 10)
    later = _files(_ctx(library, DRAFT, epoch=1_790_000_000), "fickkort")["fickkort-ark.pdf"]
    with open_pdf(pdfs["fickkort-ark"]) as sheet, open_pdf(later) as other:
        assert str(sheet.docinfo.ModDate).startswith("D:20260528")  # SOURCE_DATE_EPOCH
        assert str(other.docinfo.ModDate).startswith("D:20260921")
        assert sheet.trailer.ID != other.trailer.ID
        assert len(sheet.pages) == 2
        assert str(sheet.docinfo.Title).endswith("fickkort, A4-ark")
    assert xmp_values(pdfs["fickkort-ark"])["title"].endswith("fickkort, A4-ark")


# --- any HTML through the one entry point, not only our templates -------------------------

OTHER_HTML = """<!doctype html><html lang="sv-SE"><head><meta charset="utf-8">
<title>Rutin från en annan region</title><meta name="author" content="Regionen">
<style>@page { size: A4; margin: 20mm;
  @top-left { content: "Rutin från en annan region" }
  @bottom-right { content: "Sida " counter(page) " av " counter(pages) } }
body { font-family: "DejaVu Sans" } .long { break-before: page }</style></head><body>
<h1>Rutin från en annan region</h1>
<h2>Länkar</h2><p>Se <a href="https://example.org/rutin">rutinen på webben</a>.</p>
<h2>Listor</h2><ul><li>Ett<ul><li>Ett a</li><li>Ett b</li></ul></li><li>Två</li></ul>
<dl><div><dt>SIP</dt><dd>Samordnad individuell plan</dd></div>
<div><dt>MAS</dt><dd>Medicinskt ansvarig sjuksköterska</dd></div></dl>
<h3 class="long">Tabeller utan scope</h3>
<table><tr><th>Vem</th><th>Vad</th></tr><tr><th>Läkare</th><td>Bedömer</td></tr></table>
</body></html>"""


def test_other_html_with_links_nested_lists_dl_and_bare_tables_passes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from builder.render.weasy import html_to_pdf

    monkeypatch.chdir(tmp_path)
    result = html_to_pdf(OTHER_HTML)
    assert result.warnings == ()
    assert validator_problems("annan-html", result.data) == []
    with open_pdf(result.data) as pdf:
        headers = {"".join(marked_text_of(pdf, e)): e.A.Scope for e in elements(pdf)
                   if e.S == pikepdf.Name.TH}
        lists = [e for e in elements(pdf) if e.S == pikepdf.Name.L]
        assert all(k.S in (pikepdf.Name.L, pikepdf.Name.LI) for e in lists
                   for k in struct_kids(e))
    assert headers == {"Vem": pikepdf.Name.Column, "Vad": pikepdf.Name.Column,
                       "Läkare": pikepdf.Name.Row}
    pages = page_texts(result.data)
    assert len(pages) == 2
    for text in pages:
        assert "Rutin från en annan region" in text["artifact"]
        assert re.search(r"Sida \d av 2", text["artifact"])
    assert "Sida" not in "".join(t["tagged"] for t in pages)


def element_mcids(element: Any) -> set[int]:
    """The MCIDs of a structure element and its descendants."""
    found: set[int] = set()
    stack = [element]
    while stack:
        kids = stack.pop().get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                found.add(kid)
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                stack.append(kid)
    return found


def mcid_texts(page: Any) -> dict[int, str]:
    """The text painted in each marked-content sequence with an MCID, on one page."""
    texts: dict[int, str] = {}
    current: list[int | None] = [None]
    font = None
    for instruction in pikepdf.parse_content_stream(page):
        operator, operands = str(instruction.operator), instruction.operands
        if operator in ("BDC", "BMC"):
            props = operands[1] if operator == "BDC" else None
            mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
            current.append(None if mcid is None else int(mcid))
        elif operator == "EMC":
            current.pop()
        elif operator == "Tf":
            font = page.Resources.Font[operands[0]]
        elif operator in ("Tj", "TJ") and font is not None and current[-1] is not None:
            parts = operands[-1] if operator == "TJ" else [operands[-1]]
            texts[current[-1]] = texts.get(current[-1], "") + "".join(
                _decode(font, bytes(p)) for p in parts if isinstance(p, pikepdf.String))
    return texts


def marked_text_of(pdf: pikepdf.Pdf, element: Any) -> list[str]:
    """The text of one structure element's marked content (its MCIDs on its page)."""
    page = next(p for p in pdf.pages if p.obj.objgen == element.Pg.objgen)
    texts = mcid_texts(page)
    return [texts.get(mcid, "") for mcid in sorted(element_mcids(element))]


# --- routines in other regions' styles (tests/fixtures/regioner) --------------------------

REGIONS = HERE / "fixtures" / "regioner"
SUFFIX_KIND = {"": "dokument", "-checklista": "checklista",
               "-checklista-ifyllbar": "checklista-ifyllbar", "-fickkort": "fickkort",
               "-fickkort-ark": "fickkort-ark", "-laskvittens": "laskvittens"}


@pytest.fixture(scope="module")
def regional_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, bytes]]:
    """Every PDF a build writes for the fixture routines: file name -> (kind, bytes)."""
    base = tmp_path_factory.mktemp("regioner")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(base / "cache"))
        mp.delenv(ENV_P12, raising=False)
        mp.delenv(ENV_PASSWORD, raising=False)
        regions = load_library(REGIONS)[0]
        found: dict[str, tuple[str, bytes]] = {}
        for routine in regions.routines:
            ctx = RenderContext(routine, regions, OPTIONS)
            for fmt in ("pdf", "checklista", "fickkort", "laskvittens"):
                artifacts = get_renderer(fmt)(ctx)
                if fmt == "pdf":
                    artifacts = sign_artifacts(ctx, artifacts)
                for artifact in artifacts:
                    suffix = artifact.filename[len(ctx.stem):-len(".pdf")]
                    if artifact.filename.endswith(".pdf"):
                        found[artifact.filename] = (SUFFIX_KIND[suffix], artifact.data)
    assert {kind for kind, _ in found.values()} == set(SUFFIX_KIND.values())
    return found


def test_every_pdf_of_other_regions_routines_passes_both_validators(
        regional_pdfs: dict[str, tuple[str, bytes]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    problems = {name: found for name, (kind, data) in sorted(regional_pdfs.items())
                if (found := validator_problems(kind, data))}
    assert problems == {}
