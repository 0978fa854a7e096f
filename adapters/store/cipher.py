"""The cipher key checked before a store is used: well formed, and the key the store was written with.

A wrong key must never get as far as a read command that looks only at read models, so
opening a store decrypts its first stored event (a store with no events accepts any key).
Messages name the store, never the key.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from typing import TYPE_CHECKING

import msgspec
from eventsourcing.cryptography import AESCipher

from ordertrail.adapters.store.errors import StoreConfigError

if TYPE_CHECKING:
    from eventsourcing.persistence import Cipher

    from ordertrail.domain.tracker import Tracker

KEY_HINT = "base64 of 16, 24 or 32 random bytes, as AESCipher.create_key(32) makes"


class CipherKeyError(StoreConfigError):
    """The cipher key is malformed, missing for an encrypted store, or not the store's key."""


def check_key(key: str, where: str = "the cipher key") -> None:
    """CipherKeyError unless ``key`` is an AES key the library accepts."""
    try:
        raw = b64decode(key.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise CipherKeyError(f"{where} is malformed: expected {KEY_HINT}") from None
    if len(raw) not in AESCipher.KEY_SIZES:
        raise CipherKeyError(f"{where} is malformed: it holds {len(raw)} bytes; expected {KEY_HINT}")


def check_store_key(tracker: Tracker, store: str) -> None:
    """CipherKeyError unless ``tracker``'s cipher (or its lack of one) reads the store's events."""
    first = tracker.recorder.select_notifications(start=1, limit=1)
    if not first:
        return
    if not readable(first[0].state, tracker.mapper.cipher):
        if tracker.mapper.cipher is None:
            raise CipherKeyError(
                f"store {store} is encrypted: set [store] cipher_key_env (or ORDERTRAIL_CIPHER_KEY) "
                "to the variable that holds its key")
        raise CipherKeyError(
            f"store {store}: the cipher key does not decrypt its events (a wrong key, or a store "
            "written without encryption)")


def readable(state: bytes, cipher: Cipher | None) -> bool:
    """Whether ``state`` (an event as stored) decrypts with ``cipher`` to JSON, or is JSON itself."""
    try:
        msgspec.json.decode(state if cipher is None else cipher.decrypt(state))
    except (ValueError, msgspec.DecodeError):  # the cipher's "Invalid cipher tag" is a ValueError
        return False
    return True
