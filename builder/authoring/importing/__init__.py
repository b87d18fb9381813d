"""`rutin import`: a Word file or a web page becomes a draft routine and an import report.

Stages, one module each: safety (refuse hostile files) → docx_reader / html_reader (located
blocks) → metadata + structure (recognise the routine) → emit (ordered mapping, YAML) → report.
Nothing is written here; the command writes the YAML once everything succeeded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.authoring.importing.accounting import account
from builder.authoring.importing.blocks import ReadResult
from builder.authoring.importing.emit import Parent, build_mapping, to_yaml
from builder.authoring.importing.html_reader import TooDeep, read_html
from builder.authoring.importing.issuer import find_issuer
from builder.authoring.importing.links import fix_links
from builder.authoring.importing.report import ImportReport, format_report
from builder.authoring.importing.safety import (
    ImportRefused,
    check_docx,
    count_docx_parts,
    read_html_bytes,
)
from builder.authoring.importing.structure import recognise, slugify
from builder.load.safe_yaml import LoadedYaml, parse_yaml_text
from builder.rules.text_limits import (
    MAX_SECTIONS,
    MAX_STEPS,
    MAX_TEXT_CHARS,
    SECTION_KEYS,
    STEP_KEYS,
)

__all__ = ["ImportRefused", "ImportResult", "Parent", "import_source", "parent_of",
           "parent_titled", "target_path"]
SUFFIXES = {".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html"}


@dataclass(frozen=True)
class ImportResult:
    """The draft as data and as YAML text, with its report."""

    mapping: dict[str, Any]
    yaml_text: str
    report: ImportReport
    loaded: LoadedYaml | None  # the YAML re-read with positions (the report's line numbers)
    parent_title: str | None = None  # the samverkansrutin the source names, by its title

    def report_text(self, target: str) -> str:
        """The Swedish import report, each item pointing at a line in ``target``."""
        return format_report(self.report, target, self.loaded)


def _read(path: Path) -> ReadResult:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ImportRefused(f"{path.name}: bara .docx och .html kan importeras")
    if not path.exists():
        raise ImportRefused(f"{path} finns inte")
    if not path.is_file():  # a named pipe, a device or a folder: never opened
        raise ImportRefused(f"{path} är ingen vanlig fil (en mapp, en namngiven pipe eller en "
                            "enhet); ange en .docx- eller .html-fil")
    if kind == "docx":
        check_docx(path)
        count_docx_parts(path)
        from builder.authoring.importing.docx_reader import read_docx  # mammoth: lazily
        reader: Callable[[], ReadResult] = lambda: read_docx(path)
    else:
        text = read_html_bytes(path)
        reader = lambda: read_html(text)
    try:
        return reader()
    except (RecursionError, TooDeep):
        raise ImportRefused(f"{path.name} är för djupt nästlad för att läsas") from None
    except ImportRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted input: a refusal, never a traceback
        raise ImportRefused(f"{path.name} kunde inte läsas ({type(exc).__name__}: {exc})"
                            ) from None


def guess_kind(mapping_title: str | None, document_type: Any) -> str:
    words = f"{mapping_title or ''} {document_type if isinstance(document_type, str) else ''}"
    return "arbetsrutin" if "arbetsrutin" in words.lower() else "samverkansrutin"


def import_source(path: Path, *, kind: str | None = None, parent: Parent | None = None,
                  today: dt.date | None = None, base_url: str | None = None) -> ImportResult:
    """Read and recognise ``path``; raise ImportRefused for a file that is refused."""
    read = _read(path)
    report = ImportReport(path.name)
    draft = recognise(read, report)
    find_issuer(draft, read, report)
    chosen = kind or guess_kind(draft.title, draft.meta.values.get("dokumenttyp"))
    if kind is None:
        report.notes.append(f"typen gissades till {chosen} (ange --typ för att välja)")
    mapping = build_mapping(draft, chosen, parent, report, slugify(path.stem), today)
    fix_links(mapping, base_url or read.base_url, report)
    account(read, report)
    text = to_yaml(mapping, path.name)
    loaded, problems = parse_yaml_text(text, path.name)
    if problems or loaded is None:  # never a draft that `rutin check` refuses for its size
        first = problems[0].message if problems else "utkastet gick inte att läsa tillbaka"
        raise ImportRefused(f"{path.name}: utkastet blev för stort för en rutin ({first})")
    check_draft_limits(path.name, mapping)
    return ImportResult(mapping, text, report, loaded, draft.meta.parent_title)


def check_draft_limits(name: str, mapping: dict[str, Any]) -> None:
    """The draft keeps within R112's limits (sections, steps, one text), or nothing is written."""
    counts = {"avsnitt": 0, "steg": 0}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                kind = "avsnitt" if key in SECTION_KEYS else "steg" if key in STEP_KEYS else ""
                counts[kind] = counts.get(kind, 0) + (len(item) if isinstance(item, list) else 0)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise ImportRefused(f"{name}: en text i utkastet är {len(value)} tecken; högst "
                                f"{MAX_TEXT_CHARS} ryms i ett värde – dela upp källan")

    walk(mapping)
    for key, limit in (("avsnitt", MAX_SECTIONS), ("steg", MAX_STEPS)):
        if counts[key] > limit:
            raise ImportRefused(f"{name}: utkastet skulle få {counts[key]} {key}; högst {limit} "
                                "ryms i en rutin – dela upp källan")


def parent_titled(title: str | None, routines: Path) -> Path | None:
    """The folder of the samverkansrutin in ``routines`` whose title is ``title``."""
    if not title or not routines.is_dir():
        return None
    for candidate in sorted(routines.glob("*/samverkansrutin.yaml")):
        loaded, _ = parse_yaml_text(candidate.read_text(encoding="utf-8"), str(candidate))
        data = loaded.data if loaded is not None and isinstance(loaded.data, dict) else {}
        if data.get("titel") == title:
            return candidate.parent
    return None


def parent_of(folder: Path) -> Parent | None:
    """The samverkansrutin in ``folder`` (an arbetsrutin's parent): its id and teams."""
    candidate = folder / "samverkansrutin.yaml"
    if not candidate.is_file():
        return None
    loaded, _ = parse_yaml_text(candidate.read_text(encoding="utf-8"), str(candidate))
    data = loaded.data if loaded is not None and isinstance(loaded.data, dict) else {}
    routine_id = data.get("id")
    if not isinstance(routine_id, str):
        return None
    # Only ids that are safe file names: "../x" in a group file must not steer the write.
    teams = [(str(t.get("id")), str(t.get("namn"))) for t in data.get("team") or []
             if isinstance(t, dict) and SLUG.fullmatch(str(t.get("id")))]
    return Parent(routine_id, tuple(teams))


def target_path(mapping: dict[str, Any], folder: Path | None) -> Path:
    """routines/<id>/samverkansrutin.yaml for a new group; <folder>/<id>.yaml beside others."""
    routine_id = str(mapping["id"])
    if not SLUG.fullmatch(routine_id):
        raise ImportRefused(f"id ”{routine_id}” går inte att använda som filnamn")
    if folder is None:
        folder = Path("routines") / routine_id
    _refuse_duplicate(routine_id, folder)
    if mapping["typ"] == "samverkansrutin" and not (folder / "samverkansrutin.yaml").exists():
        return folder / "samverkansrutin.yaml"
    return folder / f"{routine_id}.yaml"


SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
ID_LINE = re.compile(r"^id:\s*[\"']?([a-z0-9-]+)[\"']?\s*$", re.MULTILINE)


def _refuse_duplicate(routine_id: str, folder: Path) -> None:
    """Importing the same file twice must not leave two routines with one id (R302)."""
    for candidate in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        if not candidate.is_file() or candidate.stat().st_size > 1024 * 1024:
            continue
        found = ID_LINE.search(candidate.read_text(encoding="utf-8", errors="replace"))
        if found and found[1] == routine_id:
            raise ImportRefused(f"{candidate} har redan id ”{routine_id}”; ingenting skrevs "
                                "(ta bort eller byt namn på den filen för att importera igen)")
