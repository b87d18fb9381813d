"""The A4 print sheet of pocket cards: the single-card PDF's pages placed as Form XObjects.

Laying the same card out ten times in WeasyPrint cost ~0.28 s a routine; placing the one
laid-out card ten times costs ~0.01 s and prints identically (the vector content is reused).
The sheet is a print imposition, not an archival document: the single-card PDF is the
PDF/A, tagged version of the card.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from builder.render.printables.imposition import Mark, Rect, SheetLayout, impose

PT_PER_MM = 72 / 25.4
CROP_MARK_WIDTH_MM = 0.1


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def _placements(rects: tuple[Rect, ...], forms: list[str], page_height: float) -> list[str]:
    """Draw form i at rect i: PDF space has its origin bottom left, the layout top left."""
    return [f"q 1 0 0 1 {rect.x * PT_PER_MM:.3f} {page_height - rect.bottom * PT_PER_MM:.3f} cm "
            f"/{form} Do Q" for rect, form in zip(rects, forms, strict=False)]


def _marks(marks: tuple[Mark, ...], page_height: float) -> list[str]:
    lines = [f"q {CROP_MARK_WIDTH_MM * PT_PER_MM:.3f} w 0 G"]
    lines += [f"{m.x1 * PT_PER_MM:.3f} {page_height - m.y1 * PT_PER_MM:.3f} m "
              f"{m.x2 * PT_PER_MM:.3f} {page_height - m.y2 * PT_PER_MM:.3f} l S" for m in marks]
    return [*lines, "Q"]


def _page(writer: PdfFileWriter, layout: SheetLayout, content: list[str],
          forms: dict[str, generic.IndirectObject]) -> generic.DictionaryObject:
    width, height = (v * PT_PER_MM for v in layout.page)
    stream = writer.add_object(generic.StreamObject(stream_data="\n".join(content).encode()))
    return generic.DictionaryObject({
        _name("/Type"): _name("/Page"),
        _name("/MediaBox"): generic.ArrayObject(
            [generic.FloatObject(0), generic.FloatObject(0),
             generic.FloatObject(round(width, 3)), generic.FloatObject(round(height, 3))]),
        _name("/Resources"): generic.DictionaryObject(
            {_name("/XObject"): generic.DictionaryObject(
                {_name(f"/{key}"): ref for key, ref in forms.items()})}),
        _name("/Contents"): stream,
    })


def impose_cards(cards_pdf: bytes, title: str, slots: list[int] | None = None,
                 layout: SheetLayout | None = None) -> bytes:
    """A4 sheets from a PDF whose pages are front, back, front, back …: ``slots`` says which
    card goes in each position (default: every card once; ten copies of one card for a
    routine's sheet). Fronts on one page, the backs mirrored on the next (long-edge duplex)."""
    layout = layout or impose()
    reader = PdfFileReader(io.BytesIO(cards_pdf))
    writer = PdfFileWriter(info=generic.DictionaryObject(
        {_name("/Title"): generic.TextStringObject(title),
         _name("/Producer"): generic.TextStringObject("Rutinbyggaren")}))
    slots = slots if slots is not None else list(range(int(reader.root["/Pages"]["/Count"]) // 2))
    imported: dict[int, generic.IndirectObject] = {}

    def form(page_index: int) -> generic.IndirectObject:
        if page_index not in imported:  # one XObject per card face, however often it is placed
            imported[page_index] = writer.import_page_as_xobject(reader, page_index)
        return imported[page_index]

    page_height = layout.page[1] * PT_PER_MM
    for first in range(0, len(slots), layout.capacity):
        sheet = slots[first:first + layout.capacity]
        for side, rects, marks in ((0, layout.fronts, layout.front_marks),
                                   (1, layout.backs, layout.back_marks)):
            names = [f"K{card}" for card in sheet]
            forms = {f"K{card}": form(2 * card + side) for card in sheet}
            content = _placements(rects, names, page_height) + _marks(marks, page_height)
            writer.insert_page(_page(writer, layout, content, forms))
    writer.root[_name("/Lang")] = generic.TextStringObject("sv-SE")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
