"""A library whose approving body is joint (two parties, each with its own PKCS#12 key), for
the co-signing, verify and archival tests."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.signing.keys import ENV_P12, ENV_PASSWORD
from builder.signing.sign import sign_artifacts
from tests.pki_helpers import Issued, issue

ROOT = Path(__file__).resolve().parents[1]
APPROVED = "kungalv-insatser-i-hemmet"
PARTIES = {"sjukhuset": "Kungälvs sjukhus", "kommunen": "Kungälvs kommun"}


@contextmanager
def cosigning_library(folder: Path, ca: Issued, extra_yaml: str = "",
                      parties: dict[str, Issued] | None = None) -> Iterator[Library]:
    """routines/ copied to ``folder``: Samordningsgruppen is a joint body of PARTIES, each
    party's key a PKCS#12 named in organisation.yaml, the CA trusted (rot.pem)."""
    root = folder / "routines"
    shutil.copytree(ROOT / "routines", root)
    (root / "rot.pem").write_bytes(ca.pem)
    organisation = (root / "organisation.yaml").read_text(encoding="utf-8")
    start = organisation.index("godkännande_organ:")
    # The block ends at the first line after it that is neither indented nor a list item.
    end = next(m.start() for m in re.finditer(r"\n(?![ -])", organisation) if m.start() > start)
    bodies = ["godkännande_organ:", "  - id: samordningsgruppen", "    namn: Samordningsgruppen",
              f"    parter: [{', '.join(PARTIES)}]"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        mp.delenv(ENV_P12, raising=False)
        mp.delenv(ENV_PASSWORD, raising=False)
        for body_id, name in PARTIES.items():
            issued = (parties or {}).get(body_id) or issue(ca, name)
            p12 = folder / f"{body_id}.p12"
            p12.write_bytes(pkcs12.serialize_key_and_certificates(
                body_id.encode(), issued.key, issued.certificate, [ca.certificate],
                BestAvailableEncryption(f"lösen-{body_id}".encode())))
            bodies += [f"  - id: {body_id}", f"    namn: {name}", f"    nyckel: {{pkcs12: {p12}}}"]
            mp.setenv(f"RUTIN_SIGN_PASSWORD_{body_id.upper()}", f"lösen-{body_id}")
        (root / "organisation.yaml").write_text(
            organisation[:start] + "\n".join(bodies) + organisation[end:]
            + "betrodda_certifikat: [rot.pem]\n" + extra_yaml, encoding="utf-8")
        library, diagnostics = load_library(root)
        assert library.organisation is not None, diagnostics
        yield library


def signed_files(library: Library, fmt: str, folder: Path) -> dict[str, Path]:
    """The approved routine rendered as ``fmt`` and signed as the build signs it."""
    routine = library.by_id(APPROVED)
    assert routine is not None
    ctx = RenderContext(routine, library, BuildOptions())
    files = {}
    for artifact in sign_artifacts(ctx, get_renderer(fmt)(ctx)):
        (folder / artifact.filename).write_bytes(artifact.data)
        files[artifact.filename[len(ctx.stem) + 1:]] = folder / artifact.filename
    return files
