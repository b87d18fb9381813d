"""The locks install with the oldest pip a supported platform ships: Debian 12's pip 23.0.1.

pip before 23.3 treats a dependency asked for with an extra (WeasyPrint's ``fonttools[woff]``)
as a requirement of its own; a lock that pins ``fonttools`` without ``[woff]`` then fails under
``--require-hashes``, or silently takes whatever upstream released after the lock was made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_12_PIP = "23.0.1"


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


@pytest.fixture(scope="module")
def debian_pip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv whose pip is exactly Debian 12's."""
    venv = tmp_path_factory.mktemp("pip2301") / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    got = _run([str(python), "-m", "pip", "install", "-q", f"pip=={DEBIAN_12_PIP}"])
    if got.returncode != 0:
        if any(word in got.stderr for word in ("NewConnectionError", "Temporary failure",
                                                "Network is unreachable", "No matching distribution")):
            pytest.skip(f"pakethanteraren kan inte nås: pip {DEBIAN_12_PIP} kunde inte hämtas")
        raise AssertionError(got.stderr)
    version = _run([str(python), "-m", "pip", "--version"])
    assert version.stdout.startswith(f"pip {DEBIAN_12_PIP} "), version.stdout
    return python


@pytest.mark.slow
def test_debian_12_pip_installs_the_runtime_lock_with_require_hashes(debian_pip: Path) -> None:
    got = _run([str(debian_pip), "-m", "pip", "install", "-q", "--require-hashes",
                "-r", str(ROOT / "requirements.txt")])
    assert got.returncode == 0, got.stderr[-3000:]
    # What was installed works: WeasyPrint (with fonttools[woff]) and pyHanko import.
    imported = _run([str(debian_pip), "-c",
                     "import weasyprint, pyhanko.sign, brotli; print(weasyprint.__version__)"])
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "70.0"


@pytest.mark.slow
def test_debian_12_pip_resolves_the_test_lock_with_require_hashes(debian_pip: Path) -> None:
    # --dry-run resolves and checks every hash without installing the ~250 MB of test tools.
    got = _run([str(debian_pip), "-m", "pip", "install", "-q", "--dry-run", "--require-hashes",
                "-r", str(ROOT / "requirements" / "test.txt")])
    assert got.returncode == 0, got.stderr[-3000:]


def test_every_locked_extra_is_kept_in_the_lock() -> None:
    # The two extras the project's dependencies ask for stay on their pins.
    for lock in (ROOT / "requirements.txt", ROOT / "requirements" / "test.txt"):
        text = lock.read_text(encoding="utf-8")
        assert "\nfonttools[woff]==" in text, lock
        assert "\npyhanko[opentype]==" in text, lock
    assert "--no-strip-extras" in (ROOT / "scripts" / "lock.sh").read_text(encoding="utf-8")
