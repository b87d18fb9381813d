"""`rutin check` and a no-op `rutin build` start without the renderers' heavy libraries."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("weasyprint", "pikepdf", "segno", "pyhanko", "docx", "rich.progress")
# A no-op build compares stamps only: not even the model, the YAML parser or the rules.
NOOP_UNUSED = (*HEAVY, "pydantic", "yaml", "builder.model", "builder.check", "builder.rules",
               "cryptography", "rich")


def _loaded_after(args: list[str], cwd: Path, env: dict[str, str],
                  watched: tuple[str, ...] = HEAVY) -> tuple[int, list[str]]:
    """Run `rutin <args>` in a fresh interpreter; its exit code and which watched modules
    loaded."""
    code = ("import sys; from builder.cli import main\n"
            f"sys.argv = ['rutin', *{args!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    status = exc.code\n"
            f"print('LOADED', status, *[m for m in {watched!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, env=env, check=False)
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("LOADED ")]
    assert line, done.stdout + done.stderr
    _, status, *loaded = line[-1].split()
    return int(status), loaded


def test_check_and_a_no_op_build_of_a_built_library_load_no_renderer(tmp_path: Path) -> None:
    root = tmp_path / "routines"
    shutil.copytree(ROOT / "routines", root)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    build = ["build", str(root), "-o", str(tmp_path / "output"), "--format", "html,fickkort",
             "--quiet", "--idag", "2026-06-15"]
    status, _ = _loaded_after(build, ROOT, env)  # renders, and caches the card measurements
    assert status == 0
    assert (tmp_path / "output").is_dir()
    assert _loaded_after(["check", str(root), "--idag", "2026-06-15"], ROOT, env) == (0, [])
    assert _loaded_after(build, ROOT, env) == (0, [])  # nothing changed: nothing rendered
    assert _loaded_after(build, ROOT, env, NOOP_UNUSED) == (0, [])  # nor loaded or checked
