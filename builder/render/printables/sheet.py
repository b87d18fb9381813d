"""The A4 print sheet of pocket cards: the single-card PDF's pages placed as Form XObjects.

Laying the same card out ten times in WeasyPrint cost ~0.28 s a routine; placing the one
laid-out card ten times costs ~0.01 s and prints identically (the vector content is reused).

The sheet is a print imposition, but it is kept PDF/A-3a and PDF/UA-1 like every other PDF
the tool writes (and not PDF/X): it is built from the finished single-card PDF, so it keeps
that file's structure tree, XMP, output intent and language. The first placement of each
card face is the tagged one (its Form XObject carries the face's marked content and
/StructParents, and is painted once: ISO 14289-1, 7.1 wants each structure element to have
one place on the page); the other copies are the same drawing without marked content,
painted as /Artifact, as are the crop marks (printer's marks: ISO 32000-1, 14.8.2.2.2, type
/Page). A screen reader therefore reads the card once, not ten times. The bytes are
reproducible: dates come from the card (SOURCE_DATE_EPOCH) and the /ID from the content.
"""

from __future__ import annotations

import io

import pikepdf

from builder.render.pdf_archival import save, set_xmp, walk_structure, xmp_set_title, xmp_text
from builder.render.printables.imposition import Mark, Rect, SheetLayout, impose

PT_PER_MM = 72 / 25.4
CROP_MARK_WIDTH_MM = 0.1
_MARKED = {"BDC", "BMC", "EMC", "MP", "DP"}


def _offset(rect: Rect, page_height: float) -> tuple[float, float]:
    """Where form i goes: PDF space has its origin bottom left, the layout top left."""
    return round(rect.x * PT_PER_MM, 3), round(page_height - rect.bottom * PT_PER_MM, 3)


def _marks(marks: tuple[Mark, ...], page_height: float) -> bytes:
    lines = [f"/Artifact <</Type /Page>> BDC q {CROP_MARK_WIDTH_MM * PT_PER_MM:.3f} w 0 G"]
    lines += [f"{m.x1 * PT_PER_MM:.3f} {page_height - m.y1 * PT_PER_MM:.3f} m "
              f"{m.x2 * PT_PER_MM:.3f} {page_height - m.y2 * PT_PER_MM:.3f} l S" for m in marks]
    return "\n".join([*lines, "Q EMC"]).encode()


def _content(page: pikepdf.Page) -> bytes:
    contents = page.obj.Contents
    streams = contents if isinstance(contents, pikepdf.Array) else [contents]
    return b"\n".join(s.read_bytes() for s in streams)


def _form(pdf: pikepdf.Pdf, page: pikepdf.Page, data: bytes) -> pikepdf.Object:
    form = pdf.make_stream(data)
    form.Type = pikepdf.Name.XObject
    form.Subtype = pikepdf.Name.Form
    form.BBox = page.obj.MediaBox
    form.Resources = page.obj.Resources
    return form


def _unmarked(pdf: pikepdf.Pdf, page: pikepdf.Page) -> pikepdf.Object:
    """The face's drawing without marked-content operators, for the artifact copies."""
    kept = [instruction for instruction in pikepdf.parse_content_stream(page)
            if str(instruction.operator) not in _MARKED]
    return _form(pdf, page, pikepdf.unparse_content_stream(kept))


class _Sheet:
    def __init__(self, pdf: pikepdf.Pdf, layout: SheetLayout) -> None:
        self.pdf = pdf
        self.layout = layout
        self.faces = list(pdf.pages)
        self.height = layout.page[1] * PT_PER_MM
        self.placed: dict[int, pikepdf.Object] = {}  # face index -> the sheet page it is read on
        self.forms: dict[int, pikepdf.Object] = {}
        self.copies: dict[int, pikepdf.Object] = {}

    def page(self, faces: list[int], rects: tuple[Rect, ...], marks: tuple[Mark, ...]) -> None:
        width = round(self.layout.page[0] * PT_PER_MM, 3)
        sheet = self.pdf.add_blank_page(page_size=(width, round(self.height, 3)))
        xobjects = pikepdf.Dictionary()
        parts = []
        for rect, face in zip(rects, faces, strict=False):
            x, y = _offset(rect, self.height)
            if face not in self.placed:
                self.placed[face] = sheet.obj
                xobjects[f"/T{face}"] = self._tagged(face, sheet, x, y)
                parts.append(f"q 1 0 0 1 {x} {y} cm /T{face} Do Q".encode())
            else:
                if face not in self.copies:
                    self.copies[face] = _unmarked(self.pdf, self.faces[face])
                xobjects[f"/A{face}"] = self.copies[face]
                parts.append(
                    f"/Artifact BMC q 1 0 0 1 {x} {y} cm /A{face} Do Q EMC".encode())
        parts.append(_marks(marks, self.height))
        sheet.obj.Resources = pikepdf.Dictionary(XObject=xobjects)
        sheet.obj.Contents = self.pdf.make_stream(b"\n".join(parts))
        sheet.obj.Tabs = pikepdf.Name.S

    def _tagged(self, face: int, sheet: pikepdf.Page, x: float, y: float) -> pikepdf.Object:
        source = self.faces[face]
        form = _form(self.pdf, source, _content(source))
        if "/StructParents" in source.obj:
            form.StructParents = source.obj.StructParents
        self.forms[face] = form
        for annot in source.obj.get("/Annots", []):  # links keep working on the sheet
            x1, y1, x2, y2 = (float(v) for v in annot.Rect)
            annot.Rect = pikepdf.Array([x1 + x, y1 + y, x2 + x, y2 + y])
            annot.P = sheet.obj
            sheet.obj.Annots = pikepdf.Array([*sheet.obj.get("/Annots", []), annot])
        return form

    def retarget_structure(self) -> None:
        """Point the tree at the sheet: MCIDs become references into the faces' forms."""
        by_page = {self.faces[i].obj.objgen: i for i in self.placed}
        for element in walk_structure(self.pdf):
            page = element.get("/Pg")
            face = by_page.get(page.objgen) if page is not None else None
            if face is None:
                continue
            element.Pg = self.placed[face]
            kids = element.get("/K")
            if kids is None:
                continue
            items = kids if isinstance(kids, pikepdf.Array) else [kids]
            new = [self._retarget(kid, face) for kid in items]
            element.K = pikepdf.Array(new) if isinstance(kids, pikepdf.Array) else new[0]

    def _retarget(self, kid: pikepdf.Object, face: int) -> pikepdf.Object:
        if isinstance(kid, int):
            return pikepdf.Dictionary(Type=pikepdf.Name.MCR, MCID=kid,
                                      Pg=self.placed[face], Stm=self.forms[face])
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
            kid.Pg = self.placed[face]
            kid.Stm = self.forms[face]
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.OBJR:
            kid.Pg = self.placed[face]
        return kid


def impose_cards(cards_pdf: bytes, title: str, slots: list[int] | None = None,
                 layout: SheetLayout | None = None) -> bytes:
    """A4 sheets from a PDF whose pages are front, back, front, back …: ``slots`` says which
    card goes in each position (default: every card once; ten copies of one card for a
    routine's sheet). Fronts on one page, the backs mirrored on the next (long-edge duplex)."""
    layout = layout or impose()
    with pikepdf.open(io.BytesIO(cards_pdf)) as pdf:
        sheet = _Sheet(pdf, layout)
        slots = slots if slots is not None else list(range(len(sheet.faces) // 2))
        for first in range(0, len(slots), layout.capacity):
            cards = slots[first:first + layout.capacity]
            sheet.page([2 * card for card in cards], layout.fronts, layout.front_marks)
            sheet.page([2 * card + 1 for card in cards], layout.backs, layout.back_marks)
        if "/StructTreeRoot" in pdf.Root:
            sheet.retarget_structure()
        for _ in sheet.faces:
            del pdf.pages[0]
        pdf.docinfo.Title = title
        if "/Metadata" in pdf.Root:
            set_xmp(pdf, xmp_set_title(xmp_text(pdf), title))
        return save(pdf)
