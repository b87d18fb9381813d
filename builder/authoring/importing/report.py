"""The import report: what was recognised (source place → YAML line), what was not placed,
what was dropped as page chrome, which images there were, and what the source does not state."""

from __future__ import annotations

from dataclasses import dataclass, field

from builder.authoring.importing.blocks import Dropped
from builder.load.safe_yaml import LoadedYaml, YamlPath


@dataclass(frozen=True)
class Placed:
    """A recognised item: where it stood, what it became and its YAML path."""

    where: str  # in the source: "stycke 12", "tabell 1, rad 2, cell 1"
    what: str  # what it was recognised as, in Swedish
    path: YamlPath  # where it went in the YAML


@dataclass(frozen=True)
class Unplaced:
    """Something found that has no place in the model; kept in the report."""

    where: str
    text: str
    why: str


@dataclass
class ImportReport:
    """Everything the report tells, gathered while recognising."""

    source: str
    placed: list[Placed] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    images: list[Dropped] = field(default_factory=list)
    not_stated: list[str] = field(default_factory=list)  # Swedish labels, e.g. "Godkänt av"
    notes: list[str] = field(default_factory=list)  # decisions the importer took, said plainly
    # Source parts read as part of a placed item (a label cell beside its value).
    covered: set[str] = field(default_factory=set)
    source_parts: int = 0  # non-empty paragraphs, list items and table cells of the source
    tally: tuple[int, int, int] = (0, 0, 0)  # of those: placed, not placed, dropped as chrome

    def place(self, where: str, what: str, path: YamlPath) -> None:
        """Record a recognised item."""
        self.placed.append(Placed(where, what, path))


def _short(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _path_text(path: YamlPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def count_line(report: ImportReport) -> str:
    """"Källan har 42 delar: 38 placerade, 1 kunde inte placeras, 3 sidkrom"."""
    placed, unplaced, dropped = report.tally
    return (f"Källan har {report.source_parts} delar (stycken, listpunkter och tabellceller): "
            f"{placed} placerade, {unplaced} kunde inte placeras, {dropped} borttagna som sidkrom")


def format_report(report: ImportReport, target: str, loaded: LoadedYaml | None) -> str:
    """The report as Swedish text; each placed item names its YAML line in ``target``."""
    lines = [f"Importrapport för {report.source}", f"Utkast: {target}", ""]
    lines.append(count_line(report))
    lines.append("")
    lines.append(f"Känt igen ({len(report.placed)}):")
    placed = [(loaded.position(item.path).line if loaded is not None else 0, n, item)
              for n, item in enumerate(report.placed)]
    for line, _, item in sorted(placed):  # in the order of the YAML file
        lines.append(f"  {item.where}: {item.what} → {target}:{line} ({_path_text(item.path)})")
    lines.append("")
    lines.append(f"Kunde inte placeras ({len(report.unplaced)}):")
    lines += [f"  {u.where}: ”{_short(u.text)}” – {u.why}" for u in report.unplaced] or ["  –"]
    lines.append("")
    lines.append(f"Borttaget som sidkrom ({len(report.dropped)}):")
    lines += [f"  {d.where}: {d.why}: ”{_short(d.text)}”" for d in report.dropped] or ["  –"]
    lines.append("")
    lines.append(f"Bilder ({len(report.images)}), inte importerade:")
    lines += [f"  {i.where}: ”{_short(i.text)}”" for i in report.images] or ["  –"]
    lines.append("")
    lines.append(f"Ej angivet i källan ({len(report.not_stated)}), skrivet som ej_angivet "
                 "eller utelämnat:")
    lines += [f"  {label}" for label in report.not_stated] or ["  –"]
    if report.notes:
        lines.append("")
        lines.append("Att känna till:")
        lines += [f"  {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
