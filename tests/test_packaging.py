"""Installs like a real package: locked dependencies, and a wheel that works outside the checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from builder import __version__

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = ROOT / "requirements.txt"
TEST_LOCK = ROOT / "requirements" / "test.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def locked(lock: Path) -> dict[str, tuple[Version, str | None]]:
    """Name → (pinned version, environment marker) for every pin in a lock file."""
    pins: dict[str, tuple[Version, str | None]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match[1])] = (Version(match[2]), match[3])
    return pins


def requirements(*, test: bool) -> list[Requirement]:
    data = project()
    proj = data["project"]
    assert isinstance(proj, dict)
    build = data["build-system"]
    assert isinstance(build, dict)
    names = list(proj["dependencies"]) + list(build["requires"])
    if test:
        names += list(proj["optional-dependencies"]["test"])
    return [Requirement(name) for name in names]


def _gaps(lock: Path, wanted: list[Requirement]) -> list[str]:
    pins = locked(lock)
    gaps = []
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        if name not in pins:
            gaps.append(f"{requirement.name} saknas")
            continue
        version, _ = pins[name]
        if not requirement.specifier.contains(version, prereleases=True):
            gaps.append(f"{requirement.name}=={version} uppfyller inte {requirement.specifier}")
        for extra in sorted(requirement.extras):  # pyhanko[opentype] pulls uharfbuzz
            for needed in _extra_requirements(requirement.name, extra):
                if canonicalize_name(needed.name) not in pins:
                    gaps.append(f"{needed.name} ({requirement.name}[{extra}]) saknas")
    return gaps


def _extra_requirements(name: str, extra: str) -> list[Requirement]:
    """What an installed distribution's extra adds (read from its metadata)."""
    found = []
    for text in metadata.requires(name) or []:
        needed = Requirement(text)
        if needed.marker is not None and needed.marker.evaluate({"extra": extra}) and \
                not needed.marker.evaluate({"extra": ""}):
            found.append(needed)
    return found


@pytest.mark.parametrize(("lock", "test"), [(RUNTIME_LOCK, False), (TEST_LOCK, True)],
                         ids=["runtime", "test"])
def test_lock_is_current_with_pyproject(lock: Path, test: bool) -> None:
    gaps = _gaps(lock, requirements(test=test))
    assert gaps == [], (f"{lock.name} är inaktuell ({'; '.join(gaps)}): kör ./scripts/lock.sh")


def test_a_dependency_missing_from_the_lock_is_caught(tmp_path: Path) -> None:
    stale = tmp_path / "runtime.txt"
    text = RUNTIME_LOCK.read_text(encoding="utf-8")
    stale.write_text(re.sub(r"(?m)^segno==.*\n(    .*\n)*", "", text), encoding="utf-8")
    assert _gaps(stale, requirements(test=False)) == ["segno saknas"]
    without_extra = tmp_path / "no-uharfbuzz.lock"
    without_extra.write_text(re.sub(r"(?m)^uharfbuzz==.*\n(    .*\n)*", "", text),
                             encoding="utf-8")
    assert _gaps(without_extra, requirements(test=False)) == [
        "uharfbuzz (pyhanko[opentype]) saknas"]


def test_every_pin_carries_hashes_and_test_lock_extends_runtime_lock() -> None:
    for lock in (RUNTIME_LOCK, TEST_LOCK):
        blocks = re.split(r"\n(?=\S)", lock.read_text(encoding="utf-8"))
        pins = [b for b in blocks if PIN.match(b.splitlines()[0])]
        assert pins, lock
        for block in pins:
            assert "--hash=sha256:" in block, block.splitlines()[0]
    runtime, test = locked(RUNTIME_LOCK), locked(TEST_LOCK)
    assert {name: pin for name, pin in test.items() if name in runtime} == runtime
    assert "hatchling" in runtime  # the build backend comes from the lock too


def test_setup_installs_from_the_lock_runtime_only_for_the_build_command() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "--require-hashes -r \"$LOCK\"" in setup
    assert "--no-deps --no-build-isolation -e ." in setup
    assert "LOCK=requirements.txt" in setup and "LOCK=requirements/test.txt" in setup
    assert "[test]" not in setup
    build = (ROOT / "scripts" / "build.sh").read_text(encoding="utf-8")
    assert "RUTIN_FOR_TESTS" not in build


def test_editable_install_prints_no_build_backend_warning(tmp_path: Path) -> None:
    """The project installs quietly with the locked backend (no setuptools warning block)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "BuildBackendWarning" not in result.stdout + result.stderr
    assert "Editable installation" not in result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(out), str(ROOT)],
        check=True, timeout=300)
    (built,) = out.glob("rutinbyggaren-*.whl")
    return built


def test_wheel_carries_the_templates_inside_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").iterdir():
        assert f"builder/templates/{template.name}" in names
    assert not any(n.startswith("templates/") for n in names)
    assert "builder/cli/__init__.py" in names
    assert "builder/cli/locale/sv/LC_MESSAGES/click.mo" in names  # Click's texts in Swedish


@pytest.mark.slow
def test_wheel_installed_outside_the_repo_checks_builds_and_verifies(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--no-compile",
           "--disable-pip-version-check"]
    subprocess.run(pip + ["--require-hashes", "-r", str(RUNTIME_LOCK)], check=True, timeout=900)
    subprocess.run(pip + ["--no-deps", str(wheel)], check=True, timeout=300)

    work = tmp_path / "bibliotek"
    shutil.copytree(ROOT / "routines", work / "routines")
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    rutin = str(venv / "bin" / "rutin")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([rutin, *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=600, check=False)

    where = subprocess.run([str(python), "-c", "import builder.paths as p; print(p.TEMPLATES_DIR)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    templates = Path(where.stdout.strip())
    assert templates.is_relative_to(venv) and (templates / "document.html.j2").is_file()

    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"rutin {__version__}"

    check = run("check", "routines")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 fel" in check.stderr

    build = run("build", "routines", "-o", "output", "--quiet")
    assert build.returncode == 0, build.stdout + build.stderr
    signed = sorted((work / "output").glob("kungalv-insatser-i-hemmet/*/*-v1.0.pdf"))
    assert signed, sorted(p.name for p in (work / "output").rglob("*.pdf"))
    assert (work / "output" / "index.html").is_file()

    verify = run("verify", *map(str, signed))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Alla kontroller klarade" in verify.stdout + verify.stderr
