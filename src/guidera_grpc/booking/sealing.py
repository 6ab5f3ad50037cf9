"""Encryption of travelers' personal data at rest (Fernet, from the cryptography library).

The key comes from GUIDERA_SECRET_KEY. Without one, a random key is made once and kept in
the state folder (readable by the service's user only), so a development install works and
its data stays unreadable in the database all the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from guidera_grpc.config import Settings, SettingsError

log = logging.getLogger(__name__)

KEY_FILE = "secret.key"


class Sealer:
    """Seals and opens bytes with the service's key."""

    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._tag_key = hashlib.sha256(b"fingerprint:" + secret.encode()).digest()
        self.key_id = hashlib.sha256(b"key-id:" + digest).hexdigest()[:12]

    def fingerprint(self, plain: bytes) -> str:
        """A short keyed hash of ``plain``: tells two secrets apart without revealing them."""
        return hmac.new(self._tag_key, plain, hashlib.sha256).hexdigest()[:16]

    def seal(self, plain: bytes) -> bytes:
        return self._fernet.encrypt(plain)

    def open(self, sealed: bytes) -> bytes | None:
        """The plain bytes, or None when they were sealed with another key."""
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            return None


def sealer_for(settings: Settings) -> Sealer:
    """The configured key, or the state folder's own when none is configured."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return Sealer(settings.secret_key.get_secret_value())
    state_dir = settings.resolved_state_dir()
    try:
        return Sealer(_local_key(state_dir))
    except OSError as error:
        raise SettingsError(
            f"GUIDERA_STATE_DIR: cannot keep the sealing key in {state_dir} "
            f"({error.strerror or type(error).__name__}); set GUIDERA_SECRET_KEY or the folder"
        ) from error


def _local_key(state_dir: Path) -> str:
    path = state_dir / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    state_dir.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    log.warning(
        "GUIDERA_SECRET_KEY is not set: travelers' data is sealed with a key kept in the state "
        "folder; set GUIDERA_SECRET_KEY in production"
    )
    return key
