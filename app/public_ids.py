"""Order ids a client sees cannot be enumerated: ``o_`` + the internal id encrypted under a key only the database
holds (migration 0007).

One AES-256 block per id: the 8-byte id followed by 8 zero bytes, encrypted (a keyed permutation of 128-bit
blocks), written as 26 lowercase base32 characters. Decrypting a client's id gives the internal id back only if
the 8 check bytes come out zero: a guessed or altered id is rejected (chance of a false accept: 2^-64). No extra
database round trip on the hot path, the internal sequence and its partitioning stay as they are.
"""

from __future__ import annotations

import base64
import re
import threading
from typing import Any

PREFIX = "o_"
PATTERN = r"^o_[a-z2-7]{26}$"
KEY_NAME = "order-public-id"
_CHECK = bytes(8)


class OrderIds:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the order id key must be 32 bytes")
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        self._cipher = Cipher(algorithms.AES(key), modes.ECB())  # one block per id: ECB is the block cipher itself

    def public(self, internal: int) -> str:
        enc = self._cipher.encryptor()
        block = enc.update(int(internal).to_bytes(8, "big") + _CHECK) + enc.finalize()
        return PREFIX + base64.b32encode(block).decode().rstrip("=").lower()

    def internal(self, public: str) -> int | None:
        """The internal id, or None for anything that is not an id this key issued."""
        if not isinstance(public, str) or not re.fullmatch(PATTERN, public):
            return None
        raw = base64.b32decode(public[len(PREFIX) :].upper() + "======")
        dec = self._cipher.decryptor()
        block = dec.update(raw) + dec.finalize()
        if block[8:] != _CHECK:
            return None
        internal = int.from_bytes(block[:8], "big")
        # 26 base32 characters carry 130 bits for 128: the last character's 2 spare bits must be the canonical
        # zeros, so one order has exactly one id (an id with other spare bits is not one this key issued)
        return internal if self.public(internal) == public else None


class OrderIdsFromDb:
    """The key read once from PostgreSQL (on first use) and kept for the process."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self._ids: OrderIds | None = None
        self._lock = threading.Lock()

    def get(self) -> OrderIds:
        if self._ids is None:
            with self._lock:
                if self._ids is None:
                    from . import db

                    with db.connection(self.pool) as conn:
                        row = conn.execute("SELECT key FROM ecomart_keys WHERE name = %s", (KEY_NAME,)).fetchone()
                    if row is None:
                        raise RuntimeError("ecomart_keys has no order-public-id key: run the migrations (0007)")
                    self._ids = OrderIds(bytes(row[0]))
        return self._ids
