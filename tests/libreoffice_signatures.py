"""LibreOffice's verdict on a signed DOCX through UNO (tests/tools/lo_signature_status.py runs
under Debian's /usr/bin/python3 with python3-uno), trusting one CA through an NSS database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

LO_STATUS = Path(__file__).resolve().parent / "tools" / "lo_signature_status.py"


def libreoffice_signatures(docx: Path, ca_pem: Path, work: Path) -> dict[str, object]:
    """{"signatures": [{SignatureIsValid, CertificateStatus(Flags), Signer, ...}]}."""
    if subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True,
                      check=False).returncode:
        pytest.fail("python3-uno saknas: kör RUTIN_FOR_TESTS=1 ./scripts/setup.sh")
    certutil = shutil.which("certutil")
    assert certutil, "certutil saknas (Debian: libnss3-tools, i RUTIN_FOR_TESTS)"
    nss = work / "nss"
    if not nss.is_dir():
        nss.mkdir(parents=True)
        subprocess.run([certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
        subprocess.run([certutil, "-A", "-d", f"sql:{nss}", "-n", "rutin-test-ca",
                        "-t", "C,C,C", "-i", str(ca_pem)], check=True)
    result = subprocess.run(
        ["/usr/bin/python3", str(LO_STATUS), str(docx), str(work / "lo-profil")],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "HOME": str(work), "MOZILLA_CERTIFICATE_FOLDER": f"sql:{nss}"})
    assert result.returncode == 0, result.stderr
    status: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return status
