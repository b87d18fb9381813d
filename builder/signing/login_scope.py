"""One PKCS#11 login attempt per build: the folder a build's processes share to record a
refused PIN (light to import: `rutin build` opens the scope before anything else loads)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

# Set before any worker forks, so every process of the build sees the same folder.
ENV_LOGIN_SCOPE = "RUTIN_PKCS11_LOGIN_SCOPE"


@contextmanager
def login_scope() -> Iterator[None]:
    """Everything inside (a build and its workers) tries each token's PIN at most once."""
    if os.environ.get(ENV_LOGIN_SCOPE):
        yield
        return
    folder = tempfile.mkdtemp(prefix="rutin-pkcs11-")
    os.environ[ENV_LOGIN_SCOPE] = folder
    try:
        yield
    finally:
        os.environ.pop(ENV_LOGIN_SCOPE, None)
        shutil.rmtree(folder, ignore_errors=True)
