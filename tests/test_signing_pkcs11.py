"""A key on a PKCS#11 token (SoftHSM2 here; SITHS cards and HSMs in a region) signs the
approved PDF and DOCX; `rutin verify` accepts both and names the token certificate's subject."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding

from builder.cli import cli
from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.signing.keys import ENV_P12, ENV_PASSWORD, load_signing_key
from builder.signing.pkcs11 import ENV_KEY, ENV_MODULE, ENV_PIN, ENV_TOKEN, Pkcs11Key
from builder.signing.sign import sign_artifacts
from tests.pki_helpers import issue, root_ca

ROOT = Path(__file__).resolve().parents[1]
APPROVED = "kungalv-insatser-i-hemmet"
MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
SUBJECT = "Samordningsgruppen Kungälv (HSM-test)"
EC_SUBJECT = "Kungälvs kommun (HSM-test, EC)"
PIN = "246810"
SCRIPT = """from builder.errors import SigningError
from builder.signing.keys import load_signing_key
try:
    load_signing_key()
except SigningError as error:
    print(error)
"""


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A SoftHSM2 token in a temporary folder holding an RSA key and its certificate."""
    module = next((m for m in MODULES if Path(m).is_file()), None)
    util, tool = shutil.which("softhsm2-util"), shutil.which("pkcs11-tool")
    if module is None or util is None or tool is None:
        pytest.fail("softhsm2 och opensc saknas: kör RUTIN_FOR_TESTS=1 ./scripts/setup.sh")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n", encoding="utf-8")
    ca = root_ca("Region Testland rot-CA")
    (folder / "rot.pem").write_bytes(ca.pem)
    env = {"SOFTHSM2_CONF": str(conf), "PATH": "/usr/bin:/bin"}
    subprocess.run([util, "--init-token", "--free", "--label", "rutin-test", "--pin", PIN,
                    "--so-pin", "13579"], check=True, capture_output=True, env=env, timeout=60)
    # An RSA key (as on SITHS cards) and an EC key (as in many HSMs).
    for label, key_id, subject, rsa_key in (("signering", "01", SUBJECT, True),
                                            ("signering-ec", "02", EC_SUBJECT, False)):
        signer = issue(ca, subject, rsa_key=rsa_key)
        (folder / "nyckel.pem").write_bytes(signer.key_pem)
        (folder / "cert.der").write_bytes(signer.certificate.public_bytes(Encoding.DER))
        for command in (
                [util, "--import", str(folder / "nyckel.pem"), "--token", "rutin-test",
                 "--label", label, "--id", key_id, "--pin", PIN],
                [tool, "--module", module, "--token-label", "rutin-test", "--login", "--pin",
                 PIN, "--write-object", str(folder / "cert.der"), "--type", "cert", "--label",
                 label, "--id", key_id]):
            subprocess.run(command, check=True, capture_output=True, env=env, timeout=60)
        (folder / "nyckel.pem").unlink()  # the key now exists only on the token
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(conf))
        mp.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        mp.delenv(ENV_P12, raising=False)
        mp.delenv(ENV_PASSWORD, raising=False)
        mp.setenv(ENV_MODULE, module)
        mp.setenv(ENV_TOKEN, "rutin-test")
        mp.setenv(ENV_KEY, "signering")
        mp.setenv(ENV_PIN, PIN)
        yield {"root": str(folder / "rot.pem")}


@pytest.fixture(scope="module")
def library(token: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("lib") / "routines"
    shutil.copytree(ROOT / "routines", root)
    shutil.copy(token["root"], root / "rot.pem")
    with (root / "organisation.yaml").open("a", encoding="utf-8") as handle:
        handle.write("betrodda_certifikat: [rot.pem]\n")
    return load_library(root)[0]


@pytest.fixture(scope="module")
def built(library: Library, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    routine = library.by_id(APPROVED)
    assert routine is not None
    ctx = RenderContext(routine, library, BuildOptions())
    artifacts = sign_artifacts(ctx, get_renderer("pdf")(ctx) + get_renderer("docx")(ctx))
    folder = tmp_path_factory.mktemp("signed")
    for artifact in artifacts:
        (folder / artifact.filename).write_bytes(artifact.data)
    return {a.filename[len(ctx.stem) + 1:]: folder / a.filename for a in artifacts}


def test_key_is_a_token_handle_not_key_material(token: dict[str, str]) -> None:
    key = load_signing_key()
    assert isinstance(key.key, Pkcs11Key) and not key.is_test
    assert SUBJECT in key.certificate.subject.rfc4514_string()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_token_signed_files_verify_and_name_the_subject(
        library: Library, built: dict[str, Path], fmt: str) -> None:
    result = CliRunner().invoke(cli, ["verify", "--routines", str(library.root),
                                      str(built[fmt])])
    assert result.exit_code == 0, result.output
    assert f"Signerad av: {SUBJECT}" in result.output
    assert "Certifikatet är betrott (betrodda_certifikat i organisation.yaml)" in result.output
    assert PIN not in result.output


def test_pdf_stamp_is_not_a_test_signature(built: dict[str, Path]) -> None:
    from pypdf import PdfReader

    reader = PdfReader(built["pdf"])
    field = reader.get_fields()["Signatur"]  # type: ignore[index]
    assert "TESTSIGNATUR" not in str(field.get("/V", {}).get("/Reason", ""))


def test_wrong_pin_or_token_is_a_swedish_error_without_the_pin(
        token: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """In a fresh process: the token's login state is per process."""
    import os
    import sys

    def attempt(**env: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True,
            env={**os.environ, **env}, stdin=subprocess.DEVNULL, cwd=ROOT)
        return result.stdout + result.stderr

    output = attempt(**{ENV_PIN: "999999"})
    assert "fel PIN-kod för PKCS#11-token ”rutin-test”" in output and "999999" not in output
    output = attempt(**{ENV_TOKEN: "finns-inte"})
    assert "hittar ingen token med etiketten ”finns-inte”" in output
    output = attempt(**{ENV_PIN: ""})  # no PIN and no terminal to ask on
    assert "PIN-kod saknas" in output and ENV_PIN in output


def test_parallel_build_signs_with_an_ec_token_key(library: Library, tmp_path: Path) -> None:
    """`rutin build -j 2`: forked workers open their own token session; plain CKM_ECDSA."""
    import os
    import sys

    env = {**os.environ, ENV_KEY: "signering-ec"}
    build = subprocess.run(
        [sys.executable, "-m", "builder", "build", "-q", "--format", "pdf,docx", "-j", "2",
         "--output", str(tmp_path / "ut")], cwd=library.root.parent, env=env,
        capture_output=True, text=True, timeout=600, check=False, stdin=subprocess.DEVNULL)
    assert build.returncode == 0, build.stdout + build.stderr
    files = [p for p in (tmp_path / "ut").rglob(f"{APPROVED}-v*") if p.suffix in (".pdf", ".docx")]
    assert len(files) == 2
    result = CliRunner().invoke(cli, ["verify", "--routines", str(library.root), *map(str, files)])
    assert result.exit_code == 0, result.output
    assert result.output.count(f"Signerad av: {EC_SUBJECT}") == 2


SPY_MODULES = ("/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so",
               "/usr/lib/x86_64-linux-gnu/pkcs11-spy.so")


def test_a_wrong_pin_is_tried_once_in_a_whole_build_and_stops_it(
        library: Library, tmp_path: Path) -> None:
    """A SITHS card locks after three wrong PINs: `rutin build -j 2` (a checking process and
    forked workers, a PDF and a DOCX to sign) makes one C_Login, counted by OpenSC's
    pkcs11-spy between the build and SoftHSM, and stops with the token's tries state."""
    import os
    import sys

    spy = next((m for m in SPY_MODULES if Path(m).is_file()), None)
    if spy is None:
        pytest.fail("pkcs11-spy saknas (Debian: opensc-pkcs11): kör RUTIN_FOR_TESTS=1 "
                    "./scripts/setup.sh")
    log = tmp_path / "spy.log"
    env = {**os.environ, ENV_MODULE: spy, ENV_PIN: "999999",
           "PKCS11SPY": os.environ[ENV_MODULE], "PKCS11SPY_OUTPUT": str(log)}
    output = tmp_path / "ut"
    build = subprocess.run(
        [sys.executable, "-m", "builder", "build", "-q", "--format", "pdf,docx", "-j", "2",
         "--output", str(output)], cwd=library.root.parent, env=env,
        capture_output=True, text=True, timeout=600, check=False, stdin=subprocess.DEVNULL)
    said = build.stdout + build.stderr
    assert build.returncode == 2, said  # an environment error: no document was judged
    assert "fel PIN-kod för PKCS#11-token ”rutin-test”" in said and "Bygget avbryts" in said
    # SoftHSM raises CKF_USER_PIN_COUNT_LOW after a wrong PIN (it keeps no exact count).
    assert "minst ett felaktigt försök har gjorts; få försök återstår" in said
    assert "999999" not in said
    logins = log.read_text(encoding="utf-8", errors="replace").count("C_Login")
    assert logins == 1
    assert not list(output.rglob(f"{APPROVED}-v*"))  # nothing rendered after the refusal


def _body_key_library(library: Library, folder: Path, module: str, party: bool) -> Path:
    """A copy of ``library`` where a body names its own key on the token in organisation.yaml:
    Samordningsgruppen itself, or (``party``) Kungälvs kommun, the party that co-signs
    Samordningsgruppen's decisions. The PIN comes from RUTIN_SIGN_PIN_<ID>."""
    root = folder / "routines"
    shutil.copytree(library.root, root)
    organisation = root / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    body = "    namn: Samordningsgruppen\n"
    assert body in text
    key = ("    nyckel: {pkcs11_modul: " + module
           + ", token: rutin-test, nyckeletikett: signering}\n")
    if party:
        key = f"    parter: [kommunen]\n  - id: kommunen\n    namn: Kungälvs kommun\n{key}"
    organisation.write_text(text.replace(body, body + key), encoding="utf-8")
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()} if folder.exists() else {}


@pytest.mark.parametrize(("jobs", "rebuild", "party"),
                         [("1", False, False), ("2", False, False), ("2", True, False),
                          ("2", False, True)],
                         ids=["j1", "j2", "j2-ombygge", "j2-medsignerande-part"])
def test_a_wrong_pin_for_a_body_key_is_tried_once_and_stops_the_build(
        library: Library, tmp_path: Path, jobs: str, rebuild: bool, party: bool) -> None:
    """A body's own key (organisation.yaml) with a wrong PIN: one C_Login in the whole build
    (in-process with -j 1, forked workers with -j 2, the workers started before the check on
    a rebuild; the key of the approving body or of a party co-signing for it), then the build
    stops with a located message naming the body, exit 2, and output/ exactly as it was
    (nothing written, nothing half-written)."""
    import os
    import sys

    spy = next((m for m in SPY_MODULES if Path(m).is_file()), None)
    if spy is None:
        pytest.fail("pkcs11-spy saknas (Debian: opensc-pkcs11): kör RUTIN_FOR_TESTS=1 "
                    "./scripts/setup.sh")
    root = _body_key_library(library, tmp_path, spy, party)
    body = "kommunen" if party else "samordningsgruppen"
    log = tmp_path / "spy.log"
    env = {k: v for k, v in os.environ.items() if k not in (ENV_MODULE, ENV_TOKEN, ENV_KEY,
                                                             ENV_PIN)}
    env.update({f"RUTIN_SIGN_PIN_{body.upper()}": "999999",
                "PKCS11SPY": os.environ[ENV_MODULE], "PKCS11SPY_OUTPUT": str(log)})
    output = tmp_path / "ut"

    def build(formats: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "builder", "build", "-q", "--format", formats, "-j", jobs,
             "--output", str(output), str(root)], cwd=tmp_path, env=env, capture_output=True,
            text=True, timeout=600, check=False, stdin=subprocess.DEVNULL)

    if rebuild:  # a build with earlier outputs starts its workers before the check
        first = build("checklista")
        assert first.returncode == 0, first.stdout + first.stderr
    before = _files(output)
    assert bool(before) == rebuild
    result = build("pdf,docx")
    said = result.stdout + result.stderr
    assert result.returncode == 2, said
    assert said.count("fel PIN-kod") == 1 and "R601" not in said, said
    lines = (root / "organisation.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("    nyckel: "))
    assert f"Fel: routines/organisation.yaml:{line}:5: organet {body}: " in said
    assert "fel PIN-kod för PKCS#11-token ”rutin-test”, nyckel ”signering” (i " \
        f"RUTIN_SIGN_PIN_{body.upper()}): minst ett felaktigt försök har gjorts" in said, said
    assert "Bygget avbryts utan fler försök" in said and "999999" not in said
    logins = log.read_text(encoding="utf-8", errors="replace").count("C_Login")
    assert logins == 1
    assert _files(output) == before
