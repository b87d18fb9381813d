#!/usr/bin/env python3
"""Compile the CLI's gettext catalogues (builder/cli/locale/*/LC_MESSAGES/*.po) to .mo files.

Pure Python (no gettext tools needed), deterministic: the same .po gives the same bytes, so
`--check` (run by tests/test_cli_swedish.py) can say whether a committed .mo is stale.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "builder" / "cli" / "locale"


def parse_po(text: str) -> dict[bytes, bytes]:
    """The catalogue's entries as .mo keys and values (plural forms joined by NUL)."""
    entries: dict[bytes, bytes] = {}
    current: dict[str, str] = {}
    key = ""

    def flush() -> None:
        if "msgid" in current:
            msgid = current["msgid"]
            if "msgid_plural" in current:
                msgid += "\0" + current["msgid_plural"]
                forms = sorted(k for k in current if k.startswith("msgstr["))
                msgstr = "\0".join(current[k] for k in forms)
            else:
                msgstr = current.get("msgstr", "")
            entries[msgid.encode("utf-8")] = msgstr.encode("utf-8")
        current.clear()

    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            current[key] += ast.literal_eval(line)
            continue
        word, _, rest = line.partition(" ")
        if word == "msgid":
            flush()
        key = word
        current[key] = ast.literal_eval(rest)
    flush()
    return entries


def compile_mo(entries: dict[bytes, bytes]) -> bytes:
    """GNU .mo bytes: header, sorted key and value tables, no hash table."""
    keys = sorted(entries)
    ids = b"".join(k + b"\0" for k in keys)
    strs = b"".join(entries[k] + b"\0" for k in keys)
    start = 7 * 4 + 16 * len(keys)
    offsets: list[int] = []
    position = 0
    for k in keys:
        offsets += [len(k), start + position]
        position += len(k) + 1
    value_start = start + len(ids)
    position = 0
    for k in keys:
        offsets += [len(entries[k]), value_start + position]
        position += len(entries[k]) + 1
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    return header + struct.pack(f"<{len(offsets)}I", *offsets) + ids + strs


def main(argv: list[str]) -> int:
    stale = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        data = compile_mo(parse_po(po.read_text(encoding="utf-8")))
        mo = po.with_suffix(".mo")
        if "--check" in argv:
            if not mo.is_file() or mo.read_bytes() != data:
                stale.append(mo)
        else:
            mo.write_bytes(data)
            print(f"Skrev {mo.relative_to(LOCALE.parents[2])}")
    for mo in stale:
        print(f"{mo} stämmer inte med .po-filen: kör python scripts/compile_messages.py",
              file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
