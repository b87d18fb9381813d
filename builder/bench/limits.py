"""Time and memory of the largest inputs: at the documented limits (R112), half of them (to
see growth is linear) and far beyond them (refused by `rutin check` before any rendering).

    python -m builder.bench.limits [--formats pdf,checklista] [--keep]

Each case is one generated routine checked and built in a fresh process (`--jobs 1`, so the
peak RSS is that of the process that renders); prints wall time and peak RSS per step.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from builder.rules.text_limits import MAX_STEPS, MAX_TEXT_CHARS


def routine_head(doc_id: str, title: str) -> str:
    """The smallest valid samverkansrutin up to its ``avsnitt:`` key (the hostile-input tests
    build their cases on it too)."""
    return (f"id: {doc_id}\ntyp: samverkansrutin\ntitel: {title}\ndokumenttyp: Styrdokument\n"
            "upprättat_av: Arbetsgrupp\nversion: \"1.0\"\nstatus: utkast\nändringar:\n"
            "  - {version: \"1.0\", datum: 2026-05-01, beskrivning: Ny}\navsnitt:\n")


HEAD = routine_head("gransfall", "Rutin vid gränserna")


def steps(count: int) -> str:
    """A routine with ``count`` steps, ten per section."""
    per_section = 10
    body = []
    for section in range(0, count, per_section):
        body.append(f"  - rubrik: Avsnitt {section // per_section + 1}\n    steg:\n")
        body.extend(f"      - {{text: Steg {i + 1} utförs enligt rutinen., ansvarig: NSVT}}\n"
                    for i in range(section, min(count, section + per_section)))
    return HEAD + "".join(body)


def long_text(chars: int) -> str:
    """A routine with one text value of ``chars`` characters."""
    words = ("vården ", "kommunen ", "patienten ", "samordning ")
    text = "".join(words[i % 4] for i in range(chars // 9))[:chars].rstrip()
    return HEAD + f"  - rubrik: Lång text\n    text: \"{text}\"\n"


def long_word(chars: int) -> str:
    """A routine whose one step holds a word of ``chars`` characters."""
    return HEAD + f"  - rubrik: Långt ord\n    steg:\n      - {{text: Före {'x' * chars} efter., " \
                  "ansvarig: NSVT}\n"


CASES: tuple[tuple[str, Callable[[], str]], ...] = (
    (f"{MAX_STEPS // 2} steg", lambda: steps(MAX_STEPS // 2)),
    (f"{MAX_STEPS} steg (gränsen)", lambda: steps(MAX_STEPS)),
    ("5 000 steg (vägras)", lambda: steps(5000)),
    (f"text {MAX_TEXT_CHARS // 2} tecken", lambda: long_text(MAX_TEXT_CHARS // 2)),
    (f"text {MAX_TEXT_CHARS} tecken (gränsen)", lambda: long_text(MAX_TEXT_CHARS)),
    ("rad 200 kB (vägras)", lambda: long_text(200_000)),
    ("ord 5 000 tecken", lambda: long_word(5000)),
)


def measure(args: list[str]) -> tuple[int, float, float, float]:
    """(exit code, wall seconds, CPU seconds, peak RSS in MB) of one `rutin` process."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "builder", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (proc.returncode, time.perf_counter() - started, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024)


def main(argv: list[str] | None = None) -> int:
    """Generate, check and build every case; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="pdf,checklista")
    parser.add_argument("--keep", action="store_true", help="behåll den tillfälliga mappen")
    options = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="rutin-gränser-"))
    print(f"{'fall':30} {'check (vägg/cpu/minne)':>26}   {'bygge (vägg/cpu/minne)':>28}")
    try:
        for index, (name, make) in enumerate(CASES):
            root = folder / f"fall{index}" / "routines"
            (root / "grupp").mkdir(parents=True)
            (root / "organisation.yaml").write_text("namn: Test\n", encoding="utf-8")
            (root / "grupp" / "rutin.yaml").write_text(make(), encoding="utf-8")
            code, seconds, cpu, rss = measure(["check", str(root)])
            checked = f"{seconds:5.1f} s {cpu:5.1f} s {rss:4.0f} MB" + (" ✗" if code else "  ")
            built = "–"
            if code == 0 or "ord" in name:
                code, seconds, cpu, rss = measure(["build", str(root), "-o", str(root.parent / "ut"),
                                              "--format", options.formats, "--jobs", "1",
                                              "--quiet"])
                built = f"{seconds:6.1f} s {cpu:5.1f} s {rss:4.0f} MB (slutkod {code})"
            print(f"{name:30} {checked:>26}   {built:>28}", flush=True)
    finally:
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
