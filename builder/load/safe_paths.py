"""Files under routines/ as an attacker may leave them: only regular files are ever opened.

FIFOs, sockets and devices are refused before any open (opening a FIFO blocks until a writer
appears), and symlinks are resolved with ``os.path.realpath(strict=True)``, which reports a
loop or a dangling link as an error instead of raising ``RuntimeError`` (``Path.resolve``) or
silently returning a path that does not exist.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def printable(text: str) -> str:
    """``text`` with control, format and bidi characters escaped (``\\x1b``, ``\\u202e``), so a
    file name can never clear the screen or reorder what is printed around it."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


def resolve_safely(path: Path) -> tuple[Path | None, str | None]:
    """(the real path, None), or (None, a Swedish reason) for a loop or a dangling link."""
    try:
        return Path(os.path.realpath(path, strict=True)), None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "länken går i en slinga (pekar till slut på sig själv) och kan inte följas"
        if exc.errno == errno.ENOENT:
            return None, "länken pekar på något som inte finns"
        return None, f"sökvägen kan inte följas ({exc.strerror})"
    except RuntimeError:  # very old Pythons raise this for loops
        return None, "länken går i en slinga och kan inte följas"


def kind_of(mode: int) -> str:
    """What a file mode is, in Swedish, for a finding."""
    if stat.S_ISFIFO(mode):
        return "en namngiven pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "en socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "en enhetsfil"
    if stat.S_ISDIR(mode):
        return "en mapp"
    return "ingen vanlig fil"


def file_problem(path: Path, root: Path) -> tuple[str, str] | None:
    """(rule, Swedish reason) if ``path`` is not a regular file inside ``root``, else None.
    Never opens the file."""
    try:
        link = os.lstat(path)
    except OSError as exc:
        return "R100", f"filen kan inte läsas ({exc.strerror})"
    target = path
    if stat.S_ISLNK(link.st_mode):
        resolved, reason = resolve_safely(path)
        if resolved is None:
            return "R100", reason or "länken kan inte följas"
        real_root, _ = resolve_safely(root)
        if real_root is None or not resolved.is_relative_to(real_root):
            return "R303", "filen är en länk till en plats utanför routines/ och läses inte"
        target = resolved
    try:
        mode = os.stat(target).st_mode
    except OSError as exc:
        return "R100", f"filen kan inte läsas ({exc.strerror})"
    if not stat.S_ISREG(mode):
        return "R100", f"'{printable(path.name)}' är {kind_of(mode)}, ingen vanlig fil, och läses inte"
    return None
