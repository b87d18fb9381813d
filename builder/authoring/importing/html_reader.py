"""Read an HTML page (an intranet page, our own page, or mammoth's rendering of a Word file)
into located blocks with selectolax; navigation and other chrome is marked, not kept."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from builder.authoring.importing.blocks import Block, Dropped, ReadResult

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
SKIPPED = {"script", "style", "noscript", "template", "head", "svg", "form", "button",
           "input", "select", "iframe", "object", "embed", "video", "audio", "canvas", "-comment"}
CONTAINERS = {"div", "section", "article", "main", "body", "html", "center", "span", "font",
              "header", "footer", "figure", "blockquote", "details", "summary", "tbody"}
INLINE = {"-text", "b", "strong", "i", "em", "a", "span", "br", "u", "sup", "sub", "small",
          "mark", "abbr", "time", "code", "font", "s", "del", "ins", "q", "cite", "label", "img"}
# Class or id words that mark site chrome on intranet pages (Swedish and English).
CHROME_WORDS = {
    "breadcrumb": "brödsmulor", "brodsmul": "brödsmulor", "cookie": "kakbanner",
    "kakor": "kakbanner", "consent": "kakbanner", "skip": "hopplänk", "skiplink": "hopplänk",
    "nav": "navigering", "navigation": "navigering", "navbar": "navigering",
    "breadcrumbs": "brödsmulor", "cookies": "kakbanner", "footer": "sidfot", "menu": "navigering", "meny": "navigering", "sidebar": "sidospalt",
    "toc": "innehållsförteckning", "share": "dela-länkar", "social": "dela-länkar", "browser": "webbläsarbanner",
    "outdated": "webbläsarbanner", "search": "sökruta", "sok": "sökruta",
}
CHROME_ROLES = {"navigation": "navigering", "search": "sökruta", "banner": "sidhuvud",
                "contentinfo": "sidfot", "complementary": "sidospalt"}
NOTE_KINDS = {"footnote": "fotnot", "endnote": "slutnot", "comment": "kommentar"}
NOTE_WORDS = ("note", "observera", "obs", "important", "viktigt")
WORD = re.compile(r"[a-zåäö]+")


@dataclass
class _Walk:
    blocks: list[Block] = field(default_factory=list)
    images: list[Dropped] = field(default_factory=list)
    paragraphs: int = 0
    tables: int = 0

    def where(self) -> str:
        self.paragraphs += 1
        return f"stycke {self.paragraphs}"


def _classes(node: LexborNode) -> list[str]:
    attrs = node.attributes
    text = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return WORD.findall(text.replace("_", " ").replace("-", " "))


def chrome_reason(node: LexborNode) -> str:
    """Why an element is site chrome, or "" when it is content."""
    if node.tag == "nav":
        return "navigering"
    role = (node.attributes.get("role") or "").lower()
    if role in CHROME_ROLES:
        return CHROME_ROLES[role]
    if node.tag == "aside" and not _is_note(node):
        return "sidospalt"
    for word in _classes(node):
        if word in CHROME_WORDS:
            return CHROME_WORDS[word]
    return ""


def _is_note(node: LexborNode) -> bool:
    return any(word in NOTE_WORDS for word in _classes(node))


def _squash(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def inline_markdown(node: LexborNode, walk: _Walk, where: str, *, skip_lists: bool = True,
                    keep_edges: bool = False) -> str:
    """The node's text as inline Markdown: bold, italics, links, line breaks kept."""
    parts: list[str] = []
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            parts.append((child.text(deep=False) or "").replace("\n", " "))
        elif tag == "br":
            parts.append("\n")
        elif tag in SKIPPED or (skip_lists and tag in ("ul", "ol")):
            continue
        elif tag == "img":
            _image(child, walk, where)
        elif tag in ("b", "strong", "i", "em"):
            mark = "**" if tag in ("b", "strong") else "*"
            raw = inline_markdown(child, walk, where, keep_edges=True)
            inner = raw.strip()
            # Spaces inside the bold run stay outside the markers ("**Om x** text").
            lead, trail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()):]
            parts.append(f"{lead}{mark}{inner}{mark}{trail}" if inner else raw)
        elif tag == "a":
            inner = inline_markdown(child, walk, where)
            href = (child.attributes.get("href") or "").strip()
            keep = href and not href.startswith(("#", "javascript:")) and inner.strip()
            parts.append(f"[{inner.strip()}]({href})" if keep else inner)
        elif tag in ("p", "div", "li", "dd", "dt", "tr", "table", "section"):
            parts.append("\n" + inline_markdown(child, walk, where, skip_lists=skip_lists) + "\n")
        else:
            parts.append(inline_markdown(child, walk, where, skip_lists=skip_lists,
                                         keep_edges=True))
    joined = "".join(parts)
    if keep_edges:
        return re.sub(r"[ \t]+", " ", joined)
    return _squash(joined)


def _is_bold(node: LexborNode) -> bool:
    """Every visible character of the paragraph sits inside <b>/<strong>."""
    total = "".join((node.text() or "").split())
    if not total:
        return False
    bold = "".join("".join((b.text() or "").split()) for b in node.css("b, strong")
                   if not any(p.tag in ("b", "strong") for p in _ancestors(b, node)))
    return bold == total


def _ancestors(node: LexborNode, stop: LexborNode) -> list[LexborNode]:
    found: list[LexborNode] = []
    parent = node.parent
    while parent is not None and parent != stop:
        found.append(parent)
        parent = parent.parent
    return found


def _image(node: LexborNode, walk: _Walk, where: str) -> None:
    alt = (node.attributes.get("alt") or "").strip()
    src = (node.attributes.get("src") or "").strip()
    if src.startswith("data:"):
        src = "inbäddad bild"
    walk.images.append(Dropped("bild", alt or src or "bild utan beskrivning", where))


def _has_blocks(node: LexborNode) -> bool:
    return any(child.tag not in INLINE and child.tag not in SKIPPED
               for child in node.iter(include_text=False))


def _walk(children: Iterable[LexborNode], walk: _Walk, chrome: str, depth: int) -> None:
    for child in children:
        if child.tag not in SKIPPED and child.tag != "hr":
            _visit(child, walk, chrome or chrome_reason(child), depth)


def _visit(child: LexborNode, walk: _Walk, reason: str, depth: int) -> None:
    tag = child.tag
    if tag in ("ul", "ol"):
        _walk_list(child, walk, reason, depth, ordered=tag == "ol")
    elif tag == "table":
        _table(child, walk, reason)
    elif tag == "dl":
        _definition_list(child, walk, reason)
    elif tag == "img":
        _image(child, walk, f"stycke {walk.paragraphs + 1}")
    elif tag in HEADINGS:
        _heading(child, walk, reason)
    elif tag == "aside" and not reason:
        _note(child, walk)
    elif tag in CONTAINERS and _has_blocks(child) or tag in ("nav", "aside"):
        _walk(child.iter(include_text=True), walk, reason, depth)
    else:  # p, text, or a div/span holding only text: one paragraph
        _paragraph(child, walk, reason)


def _heading(node: LexborNode, walk: _Walk, reason: str) -> None:
    text = inline_markdown(node, walk, "").replace("**", "")
    if text:
        walk.blocks.append(Block("heading", text, walk.where(), level=HEADINGS[node.tag or "h2"],
                                 chrome=reason, title="title" in _classes(node)))


def _paragraph(node: LexborNode, walk: _Walk, reason: str) -> None:
    if node.tag == "-text":
        text = _squash(node.text(deep=False) or "")
        if text:
            walk.blocks.append(Block("paragraph", text, walk.where(), chrome=reason))
        return
    where = walk.where()
    text = inline_markdown(node, walk, where)
    if text:
        walk.blocks.append(Block("paragraph", text, where, bold=_is_bold(node),
                                 chrome=reason, title="title" in _classes(node)))


def _note(node: LexborNode, walk: _Walk) -> None:
    where = walk.where()
    paragraphs = [inline_markdown(p, walk, where) for p in node.css("p")] or [
        inline_markdown(node, walk, where)]
    # Our own page labels a note "Observera" on a line of its own: the label, not the note.
    if len(paragraphs) > 1 and paragraphs[0].strip(" :*").lower() in ("observera", "obs"):
        paragraphs = paragraphs[1:]
    text = "\n\n".join(p for p in paragraphs if p)
    if text:
        walk.blocks.append(Block("note", text, where))


def _walk_list(node: LexborNode, walk: _Walk, chrome: str, depth: int, *, ordered: bool) -> None:
    for item in node.iter(include_text=False):
        if item.tag != "li":
            if item.tag in ("ul", "ol"):
                _walk_list(item, walk, chrome, depth + 1, ordered=item.tag == "ol")
            continue
        where = walk.where()
        text = inline_markdown(item, walk, where)
        note = (item.attributes.get("id") or "").split("-")[0]
        if text and note in NOTE_KINDS:  # mammoth's footnotes, after the body
            walk.blocks.append(Block("paragraph", text.replace("↑", "").strip(), where,
                                     unplaced=NOTE_KINDS[note]))
        elif text:
            walk.blocks.append(Block("item", text, where, level=depth, ordered=ordered,
                                     chrome=chrome or chrome_reason(item)))
        elif ordered and any(_nearest_item(sub) == item for sub in item.css("ol")):
            # A numbered step with only lettered alternatives under it (our DOCX writes its
            # number on an empty paragraph): the step is kept, so its alternatives stay its own.
            walk.blocks.append(Block("item", "", where, level=depth, ordered=ordered,
                                     chrome=chrome or chrome_reason(item)))
        for sub in item.css("ul, ol"):
            # Only the lists directly under this item; deeper ones recurse from there.
            if _nearest_item(sub) == item:
                _walk_list(sub, walk, chrome, depth + 1, ordered=sub.tag == "ol")


def _nearest_item(node: LexborNode) -> LexborNode | None:
    parent = node.parent
    while parent is not None and parent.tag != "li":
        parent = parent.parent
    return parent


def _table(node: LexborNode, walk: _Walk, chrome: str) -> None:
    walk.tables += 1
    number = walk.tables
    rows: list[list[str]] = []
    places: list[list[str]] = []
    for r, row in enumerate(node.css("tr"), start=1):
        cells, where = [], []
        for c, cell in enumerate(row.iter(include_text=False), start=1):
            if cell.tag not in ("td", "th"):
                continue
            place = f"tabell {number}, rad {r}, cell {c}"
            cells.append(inline_markdown(cell, walk, place, skip_lists=False))
            where.append(place)
        if any(cells):
            rows.append(cells)
            places.append(where)
    if rows:
        walk.blocks.append(Block("table", "", f"tabell {number}", rows=rows, cell_where=places,
                                 chrome=chrome))


def _definition_list(node: LexborNode, walk: _Walk, chrome: str) -> None:
    """<dl>: label/value pairs, read as a two-column table (our page's header block)."""
    walk.tables += 1
    number = walk.tables
    rows: list[list[str]] = []
    places: list[list[str]] = []
    for term in node.css("dt"):
        value = term.next
        while value is not None and value.tag != "dd":
            value = value.next
        r = len(rows) + 1
        place = f"lista {number}, rad {r}"
        rows.append([inline_markdown(term, walk, place),
                     inline_markdown(value, walk, place) if value is not None else ""])
        places.append([place, place])
    if rows:
        walk.blocks.append(Block("table", "", f"lista {number}", rows=rows, cell_where=places,
                                 chrome=chrome))


TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr", "param"})
SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option"})
# The HTML parser's time grows with the square of the nesting depth (100 000 nested <div> take
# over a minute); real pages nest a few dozen levels.
MAX_DEPTH = 1000


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """How deep the tags nest, estimated in one pass (stops counting past ``limit``)."""
    stack: list[str] = []
    deepest = 0
    for closing, name, self_closed in TAG.findall(text):
        tag = name.lower()
        if tag in VOID or self_closed:
            continue
        if closing:
            if tag in stack:
                while stack and stack.pop() != tag:
                    pass
            continue
        if tag in SELF_CLOSING_SIBLINGS and tag in stack[-3:]:
            # An unclosed <td>, <li> or <p> ends at its next sibling (and a <tr> its cells).
            while stack.pop() != tag:
                pass
        stack.append(tag)
        deepest = max(deepest, len(stack))
        if deepest > limit:
            break
    return deepest


class TooDeep(ValueError):
    """The page nests deeper than any real page; it is not parsed."""


def read_html(text: str) -> ReadResult:
    """Blocks of the page; everything outside <main> (when there is one) is marked chrome."""
    if nesting_depth(text) > MAX_DEPTH:
        raise TooDeep(f"taggarna är nästlade djupare än {MAX_DEPTH} nivåer")
    tree = LexborHTMLParser(text)
    walk = _Walk()
    title_node = tree.css_first("title")
    page_title = _squash(title_node.text() or "") if title_node is not None else None
    full_title = page_title
    if page_title:  # "Vårdplanering vid utskrivning | Intranätet": the site's name goes
        page_title = re.split(r"\s+[|–-]\s+", page_title)[0]
    base_url = _page_address(tree)
    body = tree.body
    if body is None:
        return ReadResult([], page_title=page_title, base_url=base_url,
                          page_title_full=full_title)
    main = tree.css_first("main, [role=main]")
    if main is not None:
        _mark_outside(body, main, walk)
    else:
        _walk(body.iter(include_text=True), walk, "", 0)
    return ReadResult(walk.blocks, images=walk.images, page_title=page_title or None,
                      base_url=base_url, page_title_full=full_title)


def _page_address(tree: LexborHTMLParser) -> str | None:
    """Where the page says it lives: <base href>, the canonical link, or og:url."""
    for selector, attribute in (("base[href]", "href"), ("link[rel=canonical]", "href"),
                                ("meta[property='og:url']", "content")):
        node = tree.css_first(selector)
        value = (node.attributes.get(attribute) or "").strip() if node is not None else ""
        if value.startswith(("http://", "https://")):
            return value
    return None


def _mark_outside(body: LexborNode, main: LexborNode, walk: _Walk) -> None:
    """Walk the body in order; what lies outside <main> is chrome."""
    def visit(node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            if child == main:
                _walk([child], walk, "", 0)
            elif child.tag not in SKIPPED and child.css_first("main, [role=main]") is not None:
                visit(child)
            elif child.tag not in SKIPPED:
                _walk([child], walk, chrome_reason(child) or "utanför huvudinnehållet", 0)
    visit(body)
