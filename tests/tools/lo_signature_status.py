"""Ask LibreOffice (UNO) for a document's signature status; prints JSON. Runs under Debian's
/usr/bin/python3 (python3-uno), not the project venv.

Usage: lo_signature_status.py DOCX PROFILE_DIR
LibreOffice takes its NSS certificate database (trust anchors) from MOZILLA_CERTIFICATE_FOLDER.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

# com.sun.star.security.CertificateValidity flags and sfx2 SignatureState (for the report)
VALIDITY = {0: "VALID", 1: "INVALID", 2: "UNTRUSTED", 4: "TIME_INVALID", 8: "NOT_TIME_NESTED",
            16: "REVOKED", 32: "UNKNOWN_REVOKATION", 64: "SIGNATURE_INVALID",
            128: "EXTENSION_INVALID", 256: "EXTENSION_UNKNOWN", 0x10000: "ISSUER_UNKNOWN",
            0x20000: "ISSUER_UNTRUSTED", 0x40000: "ISSUER_INVALID", 0x80000: "ROOT_UNKNOWN",
            0x100000: "ROOT_UNTRUSTED", 0x200000: "ROOT_INVALID", 0x400000: "CHAIN_INCOMPLETE"}


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def flags(value: int) -> list[str]:
    if value == 0:
        return ["VALID"]
    return [name for bit, name in VALIDITY.items() if bit and value & bit]


def main() -> None:
    docx, profile = sys.argv[1], sys.argv[2]
    pipe = f"rutin{uuid.uuid4().hex}"
    soffice = subprocess.Popen(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
         "--norestore", "--nologo", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(240):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.5)
        if ctx is None:
            raise SystemExit("LibreOffice started no UNO listener")
        smgr = ctx.ServiceManager
        url = uno.systemPathToFileUrl(os.path.abspath(docx))
        # 1. The document's own signature state, as the status bar shows it.
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
        # 2. DocumentDigitalSignatures on the package storage (plain zip format, as sfx2 opens a package to check it).
        factory = smgr.createInstanceWithContext("com.sun.star.embed.StorageFactory", ctx)
        media = uno.Any("[]com.sun.star.beans.PropertyValue",
                        (prop("StorageFormat", "ZipFormat"),))
        storage = uno.invoke(factory, "createInstanceWithArguments",
                             ((url, 1, media),))  # 1 = ElementModes.READ
        signatures = smgr.createInstanceWithContext(
            "com.sun.star.security.DocumentDigitalSignatures", ctx)
        infos = signatures.verifyDocumentContentSignatures(storage, None)
        result = {
            "signatures": [{
                "SignatureIsValid": bool(i.SignatureIsValid),
                "CertificateStatus": int(i.CertificateStatus),
                "CertificateStatusFlags": flags(int(i.CertificateStatus)),
                "PartialDocumentSignature": bool(i.PartialDocumentSignature),
                "Signer": i.Signer.SubjectName if i.Signer else None,
                "SignatureDate": i.SignatureDate,
                "SignatureTime": i.SignatureTime,
            } for i in infos],
        }
        doc.close(True)
        with contextlib.suppress(Exception):  # the bridge closes as LibreOffice exits
            desktop.terminate()
        sys.stdout.write(json.dumps(result) + "\n")
    finally:
        try:
            soffice.wait(timeout=30)
        except subprocess.TimeoutExpired:
            soffice.kill()


if __name__ == "__main__":
    main()
