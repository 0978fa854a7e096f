"""The receiver's bookkeeping file under the store's cipher: what came from an order or from PPW
(work-order numbers, update values, the push URL) is stored encrypted; ids, kinds and positions
stay plain so the file can still be queried.

A canary row, written when the file is first opened with a cipher, tells a wrong or a missing
key at once instead of at the first listing.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from ordertrail.adapters.store.cipher import CipherKeyError

if TYPE_CHECKING:
    from eventsourcing.persistence import Cipher

CANARY_KEY = "cipher_canary"
_CANARY = b"ordertrail ppw bookkeeping"


class Sealer:
    def __init__(self, cipher: Cipher | None) -> None:
        self.cipher = cipher

    def seal(self, text: str | None) -> str | bytes | None:
        """``text`` as stored: encrypted bytes under a cipher, else itself."""
        if text is None or self.cipher is None:
            return text
        return self.cipher.encrypt(text.encode("utf-8"))

    def open(self, value: Any) -> Any:
        """A stored value as text again (plain values, written without a cipher, pass through)."""
        if not isinstance(value, bytes):
            return value
        if self.cipher is None:
            raise CipherKeyError("the PPW bookkeeping file is encrypted, and no cipher key is set")
        return self.cipher.decrypt(value).decode("utf-8")

    def check(self, db: sqlite3.Connection, where: str) -> None:
        """CipherKeyError unless this cipher (or none) is the one the file was written with."""
        row = db.execute("select value from ppw_state where key = ?", (CANARY_KEY,)).fetchone()
        if row is None:
            if self.cipher is not None:
                db.execute("insert or ignore into ppw_state (key, value) values (?, ?)",
                           (CANARY_KEY, self.cipher.encrypt(_CANARY)))
            return
        if self.cipher is None:
            raise CipherKeyError(f"{where} is encrypted: set the store's cipher key")
        try:
            self.cipher.decrypt(row[0])
        except ValueError:
            raise CipherKeyError(f"{where}: the cipher key does not decrypt it (a wrong key)") from None
