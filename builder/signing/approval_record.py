"""The decision a signed PDF carries: the ledger entry's date, body, protocol and own hash.

Signing writes these into the PDF's document info, inside the signed revision, beside the id,
version and content hash. `rutin verify` compares them with the ledger as it is now, so a ledger
rewritten after signing, even with a recomputed hash chain, no longer vouches for the PDF: the
signed document is the independent evidence, and the attacker does not hold the signing key.
"""

from __future__ import annotations

from builder.governance.ledger import approval_of
from builder.load.library import Library
from builder.model import Document

META_DATE, META_BODY = "RutinBeslutsdatum", "RutinBeslutsorgan"
META_PROTOCOL, META_ENTRY = "RutinProtokoll", "RutinPostSha256"
# The approving parties' ids in signing order (a joint body's `parter`, else the body itself):
# whose signatures the decision requires. Not compared with the ledger (it names the body).
META_PARTIES = "RutinParter"
APPROVAL_KEYS = (META_DATE, META_BODY, META_PROTOCOL, META_ENTRY)
LABELS = {META_DATE: "beslutsdatum", META_BODY: "beslutande organ",
          META_PROTOCOL: "protokoll", META_ENTRY: "postens kontrollsumma (post_sha256)"}


def approval_metadata(library: Library, document: Document) -> dict[str, str]:
    """The ledger entry approving this very version, as document-info values (or nothing)."""
    entry = approval_of(library, document.id, document.version)
    if entry is None:
        return {}
    return {META_DATE: entry.date.isoformat(), META_BODY: entry.body,
            META_PROTOCOL: entry.protocol, META_ENTRY: entry.digest}
