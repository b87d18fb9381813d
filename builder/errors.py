"""The errors a user can act on: `cli` turns each into a Swedish message and an exit code.

Everything else that goes wrong is a finding (a located Diagnostic), never an exception.
"""

from __future__ import annotations


class RutinError(Exception):
    """An error whose message is meant for the user; shown without a traceback."""

    usage = False  # True: the command was asked for something that does not exist (exit 2)
    # True: raised while one document is built, it stops the whole build at once instead of
    # failing that document (a PIN the token refused: no other job may try it again).
    stops_build = False


class DiffError(RutinError, ValueError):
    """A version that does not exist or cannot be read (a usage error, in Swedish)."""

    usage = True


class SigningError(RutinError, RuntimeError):
    """The signing environment is broken (missing key file, wrong passphrase, no font)."""


class BuildStopped(RutinError, RuntimeError):
    """A job's error that stops the whole build (``stops_build``), raised again in the build
    process: nothing of the build is written."""


class RenderError(RutinError, RuntimeError):
    """WeasyPrint warned or a URL was refused: the document is not trustworthy as printed."""

    def __init__(self, document_id: str, messages: list[str]) -> None:
        self.document_id = document_id
        self.messages = tuple(messages)
        super().__init__(f"{document_id}: " + "; ".join(messages))


class LockHeldError(RutinError, RuntimeError):
    """Another process held the library's or the output folder's lock for the whole wait."""
