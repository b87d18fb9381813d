"""Benchmark: time check, full, no-op and one-change builds, and LibreOffice, on a generated library.

Not part of the test run: ``python -m builder.bench [--n 200] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from builder.check import run_check
from builder.options import BuildOptions
from builder.publish.run import run_build

T = TypeVar("T")
ROUTINES = Path(__file__).resolve().parents[2] / "routines"
TODAY = "2026-11-01"
# LibreOffice's archival export, the fair peer of our PDF/A-3a + tagged + PDF/UA documents
# (GUIDE "Known pitfalls": about 11 % slower than its plain export).
ARCHIVAL_EXPORT = ('pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"3"},'
                   '"UseTaggedPDF":{"type":"boolean","value":"true"},'
                   '"PDFUACompliance":{"type":"boolean","value":"true"}}')
# Issue targets on 2 cores (printed beside each figure).
TARGET_FULL_S = 60.0
TARGET_NOOP_S = 0.5
TARGET_ONE_CHANGE_S = 1.5
TARGET_CHECK_S = 1.0
TARGET_RATIO = 1.0
TARGET_MEMORY_MB = 300.0
RUNS = 3  # command timings are the median of this many runs

_WORDS = (
    "patienten vården teamet kommunen vårdcentralen hemmet insatser ansvar samverkan planering "
    "uppföljning läkemedel bedömning kontakt information dokumentation journalen närstående "
    "omvårdnad behov trygghet kontinuitet överenskommelse rehabilitering sjuksköterskan läkaren "
    "kvällen helgen dygnet vårdplanen symtom smärta nutrition hjälpmedel boendet utskrivning "
    "ordinationen remissen ärendet besöket kompetens handledning ledningsgruppen avvikelser"
)
WORDS = tuple(_WORDS.split())
ROLES = ("Sjuksköterska", "Läkare", "Enhetschef", "Distriktssköterska", "Undersköterska",
         "Fysioterapeut", "Arbetsterapeut", "Vårdcentralen", "Kommunens sjuksköterska")


def sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    """A random Swedish-looking sentence of ``low``–``high`` words."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    """``sentences`` random sentences as one paragraph."""
    return " ".join(sentence(rng) for _ in range(sentences))


def block(text: str, indent: int) -> str:
    """``text`` as a YAML block scalar, wrapped and indented."""
    pad = " " * indent
    return "|\n" + "\n".join(pad + line for line in wrap(text)) + "\n"


def wrap(text: str, width: int = 88) -> list[str]:
    """``text`` broken into lines of at most ``width`` characters."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line]


def header(doc_id: str, kind: str, title: str, extra: str) -> str:
    """The YAML header every generated routine starts with."""
    return (f"# yaml-language-server: $schema=../rutin.schema.json\nid: {doc_id}\ntyp: {kind}\n"
            f"titel: {title}\ndokumenttyp: Styrdokument\nupprättat_av: Arbetsgrupp\n"
            f"godkänt_av: Samordningsgruppen\n{extra}version: \"1.0\"\nstatus: utkast\n"
            "utvärdering: {månader: [januari, augusti]}\n"
            "ändringar:\n  - {version: \"1.0\", datum: 2026-10-01, beskrivning: Ny rutin}\n")


def body(rng: random.Random, abbreviation: str, pages: int) -> str:
    """2–4 pages: prose sections sized by page count, one section of 5–15 steps."""
    out = ["avsnitt:\n"]
    for heading in ("Syfte", "Bakgrund", "Målgrupp", "Ansvar och roller")[:pages]:
        out.append(f"  - rubrik: {heading}\n    text: "
                   + block(paragraph(rng, 6) + f" {abbreviation} " + paragraph(rng, 5), 6))
    out.append("  - rubrik: Punkter att känna till\n    punkter:\n")
    out += [f"      - {sentence(rng, 5, 10)}\n" for _ in range(rng.randint(3, 6))]
    out.append("  - rubrik: Arbetssätt\n    steg:\n")
    for number in range(rng.randint(5, 15)):
        if number % 5 == 3:
            out.append("      - alternativ:\n")
            for _ in range(rng.randint(2, 3)):
                out.append(f"          - villkor: Om {sentence(rng, 3, 5).rstrip('.').lower()}\n"
                           f"            text: {sentence(rng)}\n"
                           f"            ansvarig: {rng.choice(ROLES)}\n")
        else:
            out.append(f"      - text: {sentence(rng, 10, 24)}\n"
                       f"        ansvarig: {rng.choice(ROLES)}\n")
    out.append("    not: " + sentence(rng) + "\n")
    out.append("  - rubrik: Avvikelser och utvärdering\n    text: "
               + block(paragraph(rng, 4 + 2 * pages), 6))
    return "".join(out)


def generate_library(root: Path, count: int, seed: int = 1) -> int:
    """About ``count`` routines: count/3 samverkansrutiner, each with two team arbetsrutiner."""
    rng = random.Random(seed)
    shutil.copy(ROUTINES / "organisation.yaml", root / "organisation.yaml")
    for name in ("rutin.schema.json", "organisation.schema.json"):
        if (ROUTINES / name).is_file():
            shutil.copy(ROUTINES / name, root / name)
    groups = max(1, round(count / 3))
    for g in range(groups):
        group = f"samverkan-{g:03d}"
        folder = root / group
        folder.mkdir()
        abbreviation = "MNT" + "".join(chr(ord("A") + int(d)) for d in f"{g:03d}")
        teams = [(f"team-{g:03d}-{k}", f"Mobilt team {g}-{k}") for k in (1, 2)]
        team_lines = "".join(f"  - {{id: {t}, namn: {n}, förkortning: {abbreviation}{k}}}\n"
                             for k, (t, n) in enumerate(teams, start=1))
        glossary = (f"begrepp:\n  {abbreviation}: Mobilt närvårdsteam {g}\n"
                    + "".join(f"  {abbreviation}{k}: {n}\n" for k, (_, n) in
                              enumerate(teams, start=1)))
        text = (header(group, "samverkansrutin", f"Samverkansrutin mobil närvård {g}",
                       "uppdrag: Samverkan i hemmet\n")
                + glossary + "team:\n" + team_lines + body(rng, abbreviation, rng.randint(2, 4)))
        (folder / "samverkansrutin.yaml").write_text(text, encoding="utf-8")
        for team_id, name in teams:
            extra = f"team: {team_id}\nsamverkansrutin: {group}\n"
            follow = ("uppföljning:\n  ansvarig: Enhetschef\n  hur: Genomgång av avvikelser\n"
                      "  när: Inför utvärderingen i januari och augusti\n")
            card = ("fickkort:\n  punkter:\n    - Ring teamet vid försämring.\n"
                    "    - Dokumentera i journalen samma dag.\n  kontakter:\n"
                    "    - {namn: Teamets sjuksköterska, telefon: 031-123 45 67}\n")
            text = (header(team_id, "arbetsrutin", f"Arbetsrutin {name}", extra) + follow
                    + body(rng, abbreviation, rng.randint(2, 4)) + card)
            (folder / f"{team_id}.yaml").write_text(text, encoding="utf-8")
    return 3 * groups


def timed(function: Callable[[], T]) -> tuple[float, T]:
    """(seconds taken, result) of calling ``function`` once."""
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def cli_time(*args: str, cwd: Path, before: Callable[[int], None] | None = None) -> float:
    """Median wall time of `rutin ARGS` as a user runs it (interpreter start-up included), over
    RUNS runs: one run on a shared host is noise. ``before(i)`` prepares run i (untimed)."""
    times = []
    for run in range(RUNS):
        if before is not None:
            before(run)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "builder", *args], cwd=cwd, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_cache(run: int) -> None:
    """A new, empty user cache for the next command: a cold start as on a new machine."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix=f"rutin-kall-{run}-")


class Rows(list["Row"]):
    """Rows printed as they are measured: a long benchmark shows progress."""

    def append(self, row: Row) -> None:
        """Keep the row and print it at once, so a long run shows progress."""
        print(row.line(), flush=True)
        super().append(row)


@dataclass
class Row:
    """One measurement with its target (seconds) and a note."""

    label: str
    seconds: float
    target: float | None = None
    note: str = ""

    def line(self) -> str:
        """The row as a line of the report, with the verdict against its target."""
        verdict = ""
        if self.target is not None:
            met = "uppfyllt" if self.seconds <= self.target else "EJ uppfyllt"
            verdict = f"mål ≤ {self.target:g} s: {met}"
        return f"  {self.label:<50} {self.seconds:8.2f} s   {verdict} {self.note}".rstrip()


def cpu_seconds() -> float:
    """User + system CPU of this process and of every child waited for (pool workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def verdict(value: float, target: float, unit: str) -> str:
    """The target beside a figure, and whether the figure meets it."""
    met = "uppfyllt" if value <= target else "EJ uppfyllt"
    return f"mål ≤ {target:g}{unit}: {met}"


def peak_memory_mb() -> tuple[float, float]:
    """maxrss of this process and of the largest waited-for child (kB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def approve_some(root: Path, ids: list[str]) -> int:
    """Approve a few documents through the public approval API, so builds also sign."""
    import datetime as dt

    from builder.decision.approve import ApprovalRequest, approve

    done = 0
    for doc_id in ids:
        outcome = approve(root, ApprovalRequest(doc_id, "samordningsgruppen",
                                                dt.date(2026, 10, 15), "2026-10-15 § 3"))
        done += not outcome.refusals
    return done


def bench_library(title: str, root: Path, work: Path, jobs: int, formats: tuple[str, ...],
                  change: Path | None) -> list[Row]:
    """Time check and build (full, no-op, after one change) over one library."""
    import datetime as dt

    print(f"\n{title}", flush=True)
    # The CLI runs below use the same working folder, so display paths (and with them the
    # manifest's fingerprints) are the same as in-process.
    os.chdir(work)
    root = root.relative_to(work)
    change = change.relative_to(work) if change is not None else None
    today = dt.date.fromisoformat(TODAY)
    rows: list[Row] = Rows()
    run_check(root)  # imports and caches: the timed call below is a warm check
    seconds, check = timed(lambda: run_check(root))
    errors = [d for d in check.diagnostics if d.is_error]
    rows.append(Row("rutin check (i processen, varm)", seconds, TARGET_CHECK_S,
                    f"{check.documents} dokument, {len(errors)} fel"))
    warm_cache = os.environ["XDG_CACHE_HOME"]
    rows.append(Row("rutin check (kommando, med uppstart, kall cache)",
                    cli_time("check", str(root), "--idag", TODAY, cwd=work, before=cold_cache),
                    TARGET_CHECK_S, f"median av {RUNS}"))
    os.environ["XDG_CACHE_HOME"] = warm_cache
    output = Path("output")
    options = BuildOptions(output=output, formats=formats, jobs=jobs, quiet=True, today=today)
    seconds, result = timed(lambda: run_build(root, options))
    rows.append(Row(f"fullt bygge ({', '.join(formats)})", seconds, TARGET_FULL_S,
                    f"{len(result.rendered)} utdata renderade"))
    seconds, result = timed(lambda: run_build(root, options))
    rows.append(Row("bygge utan ändringar (i processen)", seconds, TARGET_NOOP_S,
                    f"{len(result.rendered)} renderade"))
    rows.append(Row("bygge utan ändringar (kommando)",
                    cli_time("build", str(root), "-o", str(output), "--quiet", "--idag", TODAY,
                             "--format", ",".join(formats), cwd=work), TARGET_NOOP_S,
                    f"median av {RUNS}"))
    if change is not None:
        edit(change, "Syfte", "Syfte och mål")
        seconds, result = timed(lambda: run_build(root, options))
        rows.append(Row("bygge efter ändring i en rutin (i processen)", seconds,
                        TARGET_ONE_CHANGE_S, f"{len(result.rendered)} renderade"))
        headings = ["Syfte och mål"]

        def reword(run: int) -> None:  # a new wording before each timed command
            edit(change, headings[-1], f"Syftet {run + 1}")
            headings.append(f"Syftet {run + 1}")

        rows.append(Row("bygge efter ändring i en rutin (kommando)",
                        cli_time("build", str(root), "-o", str(output), "--quiet", "--idag",
                                 TODAY, "--format", ",".join(formats), cwd=work, before=reword),
                        TARGET_ONE_CHANGE_S, f"uppstart medräknad, median av {RUNS}"))
    return rows


def edit(path: Path, heading: str, new_heading: str) -> None:
    """Change one routine the way an author does: one heading reworded."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"  - rubrik: {heading}\n", f"  - rubrik: {new_heading}\n", 1),
                    encoding="utf-8")


def per_format_cpu(root: Path, work: Path, jobs: int, formats: tuple[str, ...],
                   count: int) -> None:
    """CPU per routine for each format built on its own: where a full build spends its time."""
    import datetime as dt

    today = dt.date.fromisoformat(TODAY)
    print(f"\nCPU-tid per rutin och format ({count} rutiner, varje format byggt för sig)",
          flush=True)
    total = 0.0
    for fmt in formats:
        options = BuildOptions(output=work / f"cpu-{fmt}", formats=(fmt,), jobs=jobs, quiet=True,
                               today=today)
        before = cpu_seconds()
        wall, result = timed(lambda o=options: run_build(root, o))  # type: ignore[misc]
        per_routine = (cpu_seconds() - before) / max(count, 1)
        total += per_routine
        print(f"  {fmt:<12} {per_routine * 1000:7.0f} ms CPU per rutin   "
              f"({wall:6.1f} s väggtid, {len(result.rendered)} renderade)", flush=True)
    print(f"  {'summa':<12} {total * 1000:7.0f} ms CPU per rutin", flush=True)


def libreoffice_ratio(root: Path, work: Path, jobs: int) -> list[Row]:
    """Our main PDFs vs LibreOffice converting the same DOCX, both on ``jobs`` processes."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("\n  LibreOffice (soffice) finns inte: jämförelsen hoppas över.")
        return []
    import datetime as dt

    today = dt.date.fromisoformat(TODAY)
    docx_out, pdf_out = work / "lo-docx", work / "lo-pdf"
    run_build(root, BuildOptions(output=docx_out, formats=("docx",), jobs=jobs, quiet=True,
                                 today=today, sign=False))
    ours, result = timed(lambda: run_build(root, BuildOptions(
        output=pdf_out, formats=("pdf",), jobs=jobs, quiet=True, today=today, sign=False)))
    files = sorted(str(p) for p in docx_out.rglob("*.docx"))
    parts = [files[i::jobs] for i in range(jobs)]
    profiles = [work / f"lo-profile-{i}" for i in range(jobs)]
    converted = work / "lo-converted"

    def convert(batches: list[list[str]]) -> None:
        procs = [subprocess.Popen([soffice, f"-env:UserInstallation={profile.as_uri()}",
                                   "--headless", "--norestore", "--convert-to", ARCHIVAL_EXPORT,
                                   "--outdir", str(converted / str(i)), *batch],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for i, (profile, batch) in enumerate(zip(profiles, batches, strict=False))
                 if batch]
        for proc in procs:
            proc.wait()

    convert([[batch[0]] for batch in parts if batch])  # create the profiles: not timed
    theirs, _ = timed(lambda: convert(parts))
    made = len(list(converted.rglob("*.pdf")))
    print(f"\nPDF mot LibreOffice ({len(files)} DOCX, {jobs} processer var)")
    rows = [Row("våra huvud-PDF:er (pdf-bygge)", ours, note=f"{len(result.rendered)} PDF"),
            Row("LibreOffice arkivexport (PDF/A-3, taggad, PDF/UA)", theirs, note=f"{made} PDF")]
    ratio = ours / theirs if theirs else float("inf")
    for row in rows:
        print(row.line())
    print(f"  kvot vår tid / LibreOffice: {ratio:.2f}   {verdict(ratio, TARGET_RATIO, '')}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Generate a library, time the commands and print the report."""
    parser = argparse.ArgumentParser(prog="python -m builder.bench", description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="antal rutiner att generera")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--approved", type=int, default=10,
                        help="antal genererade rutiner som fastställs (och signeras)")
    parser.add_argument("--formats", default=None, help="kommaseparerad lista (standard: alla)")
    parser.add_argument("--skip-shipped", action="store_true")
    parser.add_argument("--no-libreoffice", action="store_true", help="hoppa över jämförelsen")
    parser.add_argument("--no-cpu", action="store_true",
                        help="hoppa över CPU-tiden per format")
    parser.add_argument("--keep", action="store_true", help="behåll den tillfälliga mappen")
    args = parser.parse_args(argv)
    from builder.options import ALL_FORMATS

    formats = tuple(args.formats.split(",")) if args.formats else ALL_FORMATS
    print(f"Rutinbyggaren benchmark: {os.cpu_count()} kärnor, --jobs {args.jobs}, "
          f"Python {sys.version.split()[0]}")
    work = Path(tempfile.mkdtemp(prefix="rutin-bench-"))
    start = Path.cwd()
    # A user cache of its own: the first `rutin check` is cold (no card measurements from an
    # earlier run), as on a new machine; the builds then fill it as a user's builds would.
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    try:
        if not args.skip_shipped:
            shipped = work / "shipped" / "routines"
            shutil.copytree(ROUTINES, shipped, ignore=shutil.ignore_patterns(".*"))
            bench_library("De levererade rutinerna", shipped, shipped.parent, args.jobs,
                          formats, None)
        generated = work / "generated" / "routines"
        generated.mkdir(parents=True)
        count = generate_library(generated, args.n)
        ids = [f"samverkan-{g:03d}" for g in range(min(args.approved, count // 3))]
        approved = approve_some(generated, ids) if ids else 0
        change = generated / "samverkan-000" / "team-000-1.yaml"
        bench_library(f"Genererat bibliotek: {count} rutiner ({approved} fastställda)",
                      generated, generated.parent, args.jobs, formats, change)
        if not args.no_cpu:
            per_format_cpu(generated, generated.parent, args.jobs, formats, count)
        if not args.no_libreoffice:
            libreoffice_ratio(generated, generated.parent, args.jobs)
        own, children = peak_memory_mb()
        print(f"\nMinnestopp: {own:.0f} MB (huvudprocessen), {children:.0f} MB "
              f"(största barnprocessen)   {verdict(max(own, children), TARGET_MEMORY_MB, ' MB')}")
    finally:
        os.chdir(start)
        if args.keep:
            print(f"Behåller {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
