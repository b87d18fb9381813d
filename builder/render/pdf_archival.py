"""The one post-processing step after WeasyPrint: PDF/A-3a and PDF/UA-1 on every PDF.

WeasyPrint writes a tagged PDF/A-3a file but leaves a few things PDF/UA-1 (ISO 14289-1)
needs, and this module adds them with pikepdf, in one pass, before anything is signed:

- running headers and footers (CSS margin boxes) are tagged with MCIDs whose structure
  elements WeasyPrint never links into the tree; they become /Artifact (ISO 14289-1, 7.1:
  content is either real content in the tree or an artifact) and leave the parent tree;
- list items WeasyPrint wraps in a /Div (a ``<dl>`` grouped by ``<div>``) move up into
  their /L, whose children may only be L, LI and Caption (ISO 14289-1, 7.6; ISO 32000-1,
  14.8.4.3.3) — the templates use tables for label/value pairs, this keeps any other list
  valid;
- every TH gets /Scope (ISO 14289-1, 7.5: headers must be determinable; Matterhorn 15-003),
  /Row when its own row has data cells (``<th scope="row">`` or a bare row header, as
  HTML's "auto" scope reads it), otherwise /Column;
- the XMP declares ``pdfuaid:part`` 1 beside PDF/A-3a (ISO 14289-1, 5 and 6.7.11), with the
  extension schema PDF/A requires for a schema outside its predefined list (ISO 19005-3,
  6.6.2.3.2), and is stored unfiltered (ISO 19005-3, 6.6.2.1);
- form fields get appearance streams with their own resources, and /NeedAppearances goes
  (ISO 19005-3, 6.4.1 and 6.2.2);
- ToUnicode maps lose entries to U+0000, U+FEFF and U+FFFE (ISO 19005-3, 6.2.11.7.2; the
  full DejaVu Sans WeasyPrint embeds for form fields maps its zero-width glyph to U+FEFF);
- no stream's data ends in CR, where CR + the LF before ``endstream`` reads as one EOL and
  the /Length looks wrong (ISO 19005-3, 6.1.7.1).

The output is byte-reproducible: object order is kept, and the /ID is derived from content.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pikepdf

PDFUA_NS = "http://www.aiim.org/pdfua/ns/id/"
_PDFUA_XMP = f"""<rdf:Description rdf:about="" xmlns:pdfuaid="{PDFUA_NS}">\
<pdfuaid:part>1</pdfuaid:part></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" \
xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">\
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">\
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>{PDFUA_NS}</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">\
<pdfaProperty:name>part</pdfaProperty:name>\
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed\
</pdfaProperty:description>\
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>\
</rdf:Description>
"""
# /Artifact with a type (ISO 32000-1, 14.8.2.2.2): running headers and footers paginate.
PAGINATION = pikepdf.Dictionary(Type=pikepdf.Name.Pagination)


def finalize_pdf(data: bytes) -> bytes:
    """WeasyPrint's tagged PDF/A-3a → PDF/A-3a + PDF/UA-1 (see the module docstring)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/StructTreeRoot" in pdf.Root:
            elements = list(walk_structure(pdf))  # one walk serves the three steps
            _margin_boxes_to_artifacts(pdf, elements)
            _scope_table_headers(elements)
            _lift_list_items(elements)
        _form_appearances(pdf)
        _clean_to_unicode(pdf)
        _declare_pdfua(pdf)
        return save(pdf)


def save(pdf: pikepdf.Pdf) -> bytes:
    """Write reproducibly: a content-derived /ID, compressed object streams, XMP unfiltered.

    Should qpdf's own object or cross-reference stream end in CR (see
    :func:`_unambiguous_stream_ends`), the file is written again without object streams.
    """
    _unambiguous_stream_ends(pdf)
    for mode in (pikepdf.ObjectStreamMode.generate, pikepdf.ObjectStreamMode.disable):
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=mode, fix_metadata_version=False)
        data = out.getvalue()
        if not _stream_ending_in_cr(data):
            break
    return data


_STREAM_START = re.compile(rb"/Length (\d+)(?:(?!endobj).)*?>>\s*stream(\r\n|\n)", re.DOTALL)


def _stream_ending_in_cr(data: bytes) -> bool:
    return any(data[m.end() + int(m[1]) - 1:m.end() + int(m[1])] == b"\r"
               for m in _STREAM_START.finditer(data) if int(m[1]) > 0)


# --- structure --------------------------------------------------------------------------

_NOT_ELEMENTS = (pikepdf.Name.MCR, pikepdf.Name.OBJR)
# Structure types compared many times per document (pikepdf.Name.X makes a new object).
_L, _LI, _DIV = pikepdf.Name.L, pikepdf.Name.LI, pikepdf.Name.Div
_TR, _TH, _TD = pikepdf.Name.TR, pikepdf.Name.TH, pikepdf.Name.TD


def struct_kids(element: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """The structure-element children of a structure element (not MCIDs or OBJRs)."""
    kids = element.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        # "/S" first: marked-content references (most kids) have none, and the test is cheap.
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid \
                and kid.get("/Type") not in _NOT_ELEMENTS:
            yield kid


def walk_structure(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Every structure element reachable from the root, depth first in document order."""
    root = pdf.Root.StructTreeRoot
    stack = list(reversed(list(struct_kids(root))))
    seen: set[tuple[int, int]] = set()
    while stack:
        element = stack.pop()
        if element.is_indirect:
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
        yield element
        stack.extend(reversed(list(struct_kids(element))))


def _parent_tree(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
    tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
    return {int(key): value for key, value in tree.items()}


def _margin_boxes_to_artifacts(pdf: pikepdf.Pdf, elements: list[pikepdf.Object]) -> None:
    """Marked content whose structure element is not in the tree becomes an /Artifact.

    WeasyPrint tags the text of @page margin boxes (running header, footer, page numbers)
    but, as its source says, does not link those elements into the tree. Such content is
    neither real content nor an artifact, which ISO 14289-1, 7.1 forbids.
    """
    reachable = {e.objgen for e in elements if e.is_indirect}
    tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        if key is None or int(key) not in tree:
            continue
        mapping = tree[int(key)]
        orphans = {mcid for mcid, element in enumerate(mapping)
                   if isinstance(element, pikepdf.Dictionary) and element.is_indirect
                   and element.objgen not in reachable}
        if not orphans:
            continue
        page.obj.Contents = pdf.make_stream(_orphans_to_artifacts(page, orphans))
        for mcid in orphans:
            mapping[mcid] = None


# How WeasyPrint (pydyf) opens tagged content: ``/P\n<</MCID 3>>\nBDC``. Its text is hex
# strings, so these bytes occur nowhere else in its content streams.
_MARKED = re.compile(rb"/[A-Za-z0-9]+\s*<</MCID (\d+)>>\s*BDC")
_ARTIFACT = b"/Artifact <</Type /Pagination>> BDC"


def _orphans_to_artifacts(page: pikepdf.Page, orphans: set[int]) -> bytes:
    """The page's content with the orphans' BDC operators opening /Artifact sequences.

    Rewriting the few operators in the bytes is ~10 times cheaper than parsing the whole
    stream; should the stream not look as WeasyPrint writes it (not every orphan found once),
    it is parsed and written out again instead.
    """
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Stream):
        found: list[int] = []

        def artifact(marked: re.Match[bytes]) -> bytes:
            if int(marked[1]) not in orphans:
                return marked[0]
            found.append(int(marked[1]))
            return _ARTIFACT

        data = _MARKED.sub(artifact, contents.read_bytes())
        if sorted(found) == sorted(orphans):
            return data
    instructions = []
    for instruction in pikepdf.parse_content_stream(page):
        operands = instruction.operands
        if (str(instruction.operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary)
                and int(operands[1].get("/MCID", -1)) in orphans):
            instruction = pikepdf.ContentStreamInstruction(
                [pikepdf.Name.Artifact, PAGINATION], pikepdf.Operator("BDC"))
        instructions.append(instruction)
    return bytes(pikepdf.unparse_content_stream(instructions))


def _lift_list_items(elements: list[pikepdf.Object]) -> None:
    for element in elements:
        if element.get("/S") != _L:
            continue
        kids = element.get("/K")
        if not isinstance(kids, pikepdf.Array):
            continue
        lifted: list[pikepdf.Object] = []
        changed = False
        for kid in kids:
            items = list(struct_kids(kid)) if isinstance(kid, pikepdf.Dictionary) else []
            inner = kid.get("/K") if isinstance(kid, pikepdf.Dictionary) else None
            whole = isinstance(inner, pikepdf.Array) and len(items) == len(inner)
            if items and whole and kid.get("/S") == _DIV \
                    and all(i.get("/S") == _LI for i in items):
                for item in items:
                    item.P = element
                lifted.extend(items)
                changed = True
            else:
                lifted.append(kid)
        if changed:
            element.K = pikepdf.Array(lifted)


def _attributes(element: pikepdf.Object) -> list[pikepdf.Object]:
    attrs = element.get("/A")
    if attrs is None:
        return []
    return [a for a in (attrs if isinstance(attrs, pikepdf.Array) else [attrs])
            if isinstance(a, pikepdf.Dictionary)]


def _scope_table_headers(elements: list[pikepdf.Object]) -> None:
    """Give every TH without one a /Scope: /Row beside data cells, else /Column."""
    for row in (e for e in elements if e.get("/S") == _TR):
        cells = list(struct_kids(row))
        has_data = any(cell.get("/S") == _TD for cell in cells)
        for cell in cells:
            if cell.get("/S") != _TH:
                continue
            attrs = _attributes(cell)
            if any("/Scope" in a for a in attrs):
                continue
            scope = pikepdf.Name.Row if has_data else pikepdf.Name.Column
            table_attrs = next((a for a in attrs if a.get("/O") == pikepdf.Name.Table), None)
            if table_attrs is None:
                table_attrs = pikepdf.Dictionary(O=pikepdf.Name.Table)
                cell.A = pikepdf.Array([*attrs, table_attrs]) if attrs else table_attrs
            table_attrs.Scope = scope


# --- forms ------------------------------------------------------------------------------

def _form_appearances(pdf: pikepdf.Pdf) -> None:
    """Appearance streams for every widget instead of /NeedAppearances (PDF/A 6.4.1)."""
    form = pdf.Root.get("/AcroForm")
    if form is None:
        return
    pdf.generate_appearance_streams()
    if "/NeedAppearances" in form:
        del form.NeedAppearances
    shared = form.get("/DR", pikepdf.Dictionary())
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            for stream in _appearance_streams(annot):
                _own_resources(stream, shared)


def _appearance_streams(annot: pikepdf.Object) -> Iterator[pikepdf.Object]:
    for value in annot.get("/AP", pikepdf.Dictionary()).values():
        if isinstance(value, pikepdf.Stream):
            yield value
        elif isinstance(value, pikepdf.Dictionary):
            yield from (v for v in value.values() if isinstance(v, pikepdf.Stream))


def _own_resources(stream: pikepdf.Object, shared: pikepdf.Object) -> None:
    """qpdf copies /DA (``/a1.0 gs``) into the appearance but not the ExtGState it names:
    give the stream every resource category of the form's /DR it lacks, so nothing is
    inherited from the page (ISO 19005-3, 6.2.2)."""
    resources = stream.get("/Resources")
    if resources is None:
        resources = stream.Resources = pikepdf.Dictionary()
    for category, entries in shared.items():
        if not isinstance(entries, pikepdf.Dictionary) or not len(entries.keys()):
            continue
        mine = resources.get(category)
        if mine is None:
            resources[category] = pikepdf.Dictionary(dict(entries.items()))
        else:
            for name, value in entries.items():
                if name not in mine:
                    mine[name] = value


# --- fonts and streams ------------------------------------------------------------------

_BFCHAR = re.compile(rb"(\d+) beginbfchar\s*(.*?)endbfchar", re.DOTALL)
_BAD_UNICODE = re.compile(rb"<[0-9a-fA-F]+>\s*<(0000|feff|fffe|FEFF|FFFE)>")


def _clean_to_unicode(pdf: pikepdf.Pdf) -> None:
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != pikepdf.Name.Font:
            continue
        cmap = obj.get("/ToUnicode")
        if not isinstance(cmap, pikepdf.Stream):
            continue
        text = cmap.read_bytes()
        if not _BAD_UNICODE.search(text):
            continue

        def keep_good(block: re.Match[bytes]) -> bytes:
            entries = [e for e in re.findall(rb"<[0-9a-fA-F]+>\s*<[0-9a-fA-F]+>", block[2])
                       if not _BAD_UNICODE.fullmatch(e)]
            return b"%d beginbfchar\n%s\nendbfchar" % (len(entries), b"\n".join(entries))

        cmap.write(_BFCHAR.sub(keep_good, text))


# zlib level of the streams compressed here (the rewritten page content): the default, as
# WeasyPrint uses; 9 made the PDF 0.5 % smaller for 25 % more of this step's time.
COMPRESSION = 6


def _unambiguous_stream_ends(pdf: pikepdf.Pdf) -> None:
    """Compress every stream here, so that no stream's stored bytes end in CR.

    A Flate stream ends in the Adler-32 checksum of its data, so a CR there can only be
    moved by changing the data: a newline is appended (after a font program's last table,
    which is found by offset, it is never read) until the checksum ends otherwise. The
    XMP stays unfiltered (ISO 19005-3, 6.6.2.1); it ends in ``?>`` and a newline.
    """
    import zlib

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream) or obj.get("/Type") == pikepdf.Name.Metadata:
            continue
        filters = obj.get("/Filter")
        if filters is not None and (filters != pikepdf.Name.FlateDecode
                                    or "/DecodeParms" in obj
                                    or not obj.read_raw_bytes().endswith(b"\r")):
            continue  # already compressed and unambiguous (or a filter left as it is)
        data = obj.read_bytes()
        packed = zlib.compress(data, COMPRESSION)
        # A zlib stream ends with the low byte of Adler-32's sum of the data, so the padding
        # must change that sum: a NUL byte never does (it looped forever on a font whose sum
        # ended in 13). A newline after the last table of a font program is ignored like NUL.
        while packed.endswith(b"\r"):
            data += b"\n"
            packed = zlib.compress(data, COMPRESSION)
        obj.write(packed, filter=pikepdf.Name.FlateDecode)
        if "/Length1" in obj:
            obj.Length1 = len(data)


# --- metadata ---------------------------------------------------------------------------

def _declare_pdfua(pdf: pikepdf.Pdf) -> None:
    """Add pdfuaid:part 1 (with its PDF/A extension schema) to the XMP, stored unfiltered."""
    meta = pdf.Root.get("/Metadata")
    if meta is None:
        return
    xmp = meta.read_bytes().decode("utf-8")
    if PDFUA_NS not in xmp:
        xmp = xmp.replace("</rdf:RDF>", _PDFUA_XMP + "</rdf:RDF>", 1)
    set_xmp(pdf, xmp)


def set_xmp(pdf: pikepdf.Pdf, xmp: str) -> None:
    """Replace the catalog's XMP stream, unfiltered as PDF/A wants it."""
    # WeasyPrint's packet header lacks the byte order mark XMP recommends; keep it as is.
    stream = pdf.make_stream(xmp.encode("utf-8"))
    stream.Type = pikepdf.Name.Metadata
    stream.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = stream


def xmp_text(pdf: pikepdf.Pdf) -> str:
    """The catalog's XMP packet as text ("" when there is none)."""
    meta = pdf.Root.get("/Metadata")
    return "" if meta is None else meta.read_bytes().decode("utf-8")


def xmp_set_title(xmp: str, title: str) -> str:
    """Replace dc:title's default-language value (the text is XML-escaped)."""
    from xml.sax.saxutils import escape

    return re.sub(r'(<dc:title><rdf:Alt><rdf:li xml:lang="x-default">).*?(</rdf:li>)',
                  lambda m: m.group(1) + escape(title) + m.group(2), xmp, count=1, flags=re.DOTALL)
