"""`rutin import`: a Word file or a web page becomes a draft routine and an import report.

Stages, one module each: safety (refuse hostile files) → docx_reader / html_reader (located
blocks) → metadata + structure (recognise the routine) → emit (ordered mapping, YAML) → report.
Nothing is written here; the command writes the YAML once everything succeeded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.authoring.importing.blocks import ReadResult
from builder.authoring.importing.emit import Parent, build_mapping, to_yaml
from builder.authoring.importing.html_reader import TooDeep, read_html
from builder.authoring.importing.report import ImportReport, format_report
from builder.authoring.importing.safety import ImportRefused, check_docx, read_html_bytes
from builder.authoring.importing.structure import recognise, slugify
from builder.load.safe_yaml import LoadedYaml, parse_yaml_text

__all__ = ["ImportRefused", "ImportResult", "Parent", "import_source", "parent_of", "target_path"]
SUFFIXES = {".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html"}


@dataclass(frozen=True)
class ImportResult:
    """The draft as data and as YAML text, with its report."""

    mapping: dict[str, Any]
    yaml_text: str
    report: ImportReport
    loaded: LoadedYaml | None  # the YAML re-read with positions (the report's line numbers)

    def report_text(self, target: str) -> str:
        """The Swedish import report, each item pointing at a line in ``target``."""
        return format_report(self.report, target, self.loaded)


def _read(path: Path) -> ReadResult:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ImportRefused(f"{path.name}: bara .docx och .html kan importeras")
    if not path.is_file():
        raise ImportRefused(f"{path} finns inte")
    if kind == "docx":
        check_docx(path)
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


def import_source(path: Path, *, kind: str | None = None,
                  parent: Parent | None = None, today: dt.date | None = None) -> ImportResult:
    """Read and recognise ``path``; raise ImportRefused for a file that is refused."""
    read = _read(path)
    report = ImportReport(path.name)
    draft = recognise(read, report)
    chosen = kind or guess_kind(draft.title, draft.meta.values.get("dokumenttyp"))
    if kind is None:
        report.notes.append(f"typen gissades till {chosen} (ange --typ för att välja)")
    mapping = build_mapping(draft, chosen, parent, report, slugify(path.stem), today)
    text = to_yaml(mapping, path.name)
    loaded, _ = parse_yaml_text(text, path.name)
    return ImportResult(mapping, text, report, loaded)


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
    teams = [(str(t.get("id")), str(t.get("namn"))) for t in data.get("team") or []
             if isinstance(t, dict)]
    return Parent(routine_id, tuple(teams))


def target_path(mapping: dict[str, Any], folder: Path | None) -> Path:
    """routines/<id>/samverkansrutin.yaml for a new group; <folder>/<id>.yaml beside others."""
    routine_id = str(mapping["id"])
    if folder is None:
        folder = Path("routines") / routine_id
    if mapping["typ"] == "samverkansrutin" and not (folder / "samverkansrutin.yaml").exists():
        return folder / "samverkansrutin.yaml"
    return folder / f"{routine_id}.yaml"
