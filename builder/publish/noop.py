"""A build with nothing to do, answered without the model, the rules or any renderer.

``rutin build`` first compares a stamp of every byte the build reads (the routine files, the
templates, the tool, the options, the date and the signer) with the one the last build recorded.
Equal stamps and intact outputs mean that build's report stands, so a no-op build needs only the
standard library: no pydantic, no YAML parser, no WeasyPrint (``python -X importtime`` shows it).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from builder.locking import output_lock
from builder.paths import cache_dir
from builder.publish.manifest import (
    Manifest,
    library_stamp,
    outputs_exist,
    read_manifest,
    templates_digest,
)
from builder.publish.publish import recover_output
from builder.publish.result import BuildResult

if TYPE_CHECKING:
    from builder.options import BuildOptions

ORGANISATION_FILE = "organisation.yaml"  # as builder.load.library names it (a test checks)
# What builder.signing.keys reads: the environment names a key, else the cached test key.
SIGNING_VARIABLES = ("RUTIN_PKCS11_MODULE", "RUTIN_SIGN_P12")
TEST_KEY_CERTIFICATE = ("testnyckel", "signer.pem")
PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s*(.+?)\s*-----END CERTIFICATE-----",
                             re.DOTALL)


def library_root(path: Path) -> Path:
    """The folder holding organisation.yaml at or above ``path`` (else the folder itself);
    builder.load.library.find_library_root without loading the model."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / ORGANISATION_FILE).is_file():
            return folder
    return start


def test_key_fingerprint() -> str | None:
    """SHA-256 of the local test signer's certificate (DER), read from its PEM without loading
    cryptography (~0.06 s); None when a real key is configured or the test key is not made
    yet: then builder.signing answers."""
    if any(os.environ.get(name) for name in SIGNING_VARIABLES):
        return None
    try:
        pem = cache_dir().joinpath(*TEST_KEY_CERTIFICATE).read_bytes()
    except OSError:
        return None
    found = PEM_CERTIFICATE.search(pem)
    if found is None:
        return None
    try:
        der = base64.b64decode(b"".join(found.group(1).split()), validate=True)
    except ValueError:
        return None
    return hashlib.sha256(der).hexdigest()


def signer_fingerprint() -> str:
    """Identifies the signing key so a new key re-signs approved documents."""
    quick = test_key_fingerprint()
    if quick is not None:
        return quick
    from builder.signing.sign import signer_fingerprint as describe  # cryptography: ~0.1 s

    return describe()


@dataclass(frozen=True)
class BuildInputs:
    """What the build compares before anything else: the last manifest and today's stamp."""

    previous: Manifest
    templates: str
    signer: str
    stamp: str


def read_inputs(path: Path, options: BuildOptions) -> BuildInputs:
    """The last build's manifest and the stamp of everything this build would read."""
    previous = read_manifest(options.output)
    templates, signer = templates_digest(), signer_fingerprint()
    stamp = library_stamp(library_root(path), path, options, templates, signer)
    return BuildInputs(previous, templates, signer, stamp)


def replayed(inputs: BuildInputs, options: BuildOptions, prune: bool) -> BuildResult | None:
    """The last build's result when nothing at all changed since (byte-identical inputs, tool,
    options and date, every output intact); None when there is work to do."""
    previous = inputs.previous
    if prune or inputs.stamp != previous.stamp or not outputs_exist(previous, options.output):
        return None
    report = previous.report
    return BuildResult(report.documents, list(report.diagnostics),
                       up_to_date=len(previous.entries), not_built=list(report.not_built),
                       orphaned=list(report.orphaned))


def build_if_nothing_changed(path: Path, options: BuildOptions, prune: bool = False
                             ) -> tuple[BuildResult | None, list[str], bool]:
    """Under the output lock: finish what a killed build left (notes for the user), then
    replay the last result if nothing changed. A None result means the full build must run
    (builder.publish.run.run_build); the notes are said either way. The last item says whether
    the output holds an earlier build (a rebuild: most outputs are likely current)."""
    with output_lock(options.output):
        recovered = recover_output(options.output)
        inputs = read_inputs(path, options)
        result = replayed(inputs, options, prune)
    if result is not None:
        result.recovered = recovered
    return result, recovered, bool(inputs.previous.entries)
