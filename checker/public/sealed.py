"""A page of the check given an address of its own: the form that led to it, sealed.

Each step is the answer to a form post. So that reload, Back and Forward ask for a page by GET
(never "Confirm Form Resubmission"), the page swaps its address for one whose query holds the
posted form, compressed and encrypted with AES-GCM under a key derived from SECRET_KEY, with the
time it was made: unreadable without the key, refused once changed, and refused once older than
CHECK_PAGE_SECONDS. Nothing is kept on the server; the logs show the value as [sealed]
(checker/access_log.py, deploy/nginx.conf.example).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
import zlib
from collections.abc import Iterable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED = "sealed"  # the query field that holds a page's sealed form
LIFETIME_SECONDS = 4 * 60 * 60  # how long an address works, unless CHECK_PAGE_SECONDS says
NONCE = 12
ISSUED = 5  # bytes of the time it was made, in seconds
SKEW_SECONDS = 60  # another instance's clock may be this far ahead
LONGEST = 16_000  # characters: longer than any check's form sealed, shorter than nginx's line
LARGEST = 64 * 1024  # bytes once opened, as the app's own limit on a posted form


@lru_cache(maxsize=4)
def _aead(secret: bytes) -> AESGCM:
    """The cipher, keyed for this one use of SECRET_KEY."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"recovery-check: a check's page address").derive(secret)
    return AESGCM(key)


def _secret(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode("utf-8")


def seal(fields: Iterable[tuple[str, str]], secret: str | bytes,
         now: float | None = None) -> str:
    """The fields, in order, as one URL-safe value only this app can open."""
    body = json.dumps(list(fields), separators=(",", ":"), ensure_ascii=False)
    issued = int(time.time() if now is None else now).to_bytes(ISSUED, "big")
    nonce = os.urandom(NONCE)
    sealed = _aead(_secret(secret)).encrypt(
        nonce, issued + zlib.compress(body.encode("utf-8"), 9), None)
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def unseal(value: str, secret: str | bytes, lifetime: float = LIFETIME_SECONDS,
           now: float | None = None) -> list[tuple[str, str]] | None:
    """The fields sealed in value; None when it is not ours, was changed or is too old."""
    if not value or len(value) > LONGEST:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        opened = _aead(_secret(secret)).decrypt(raw[:NONCE], raw[NONCE:], None)
    except (binascii.Error, ValueError, InvalidTag):
        return None
    issued = int.from_bytes(opened[:ISSUED], "big")
    moment = time.time() if now is None else now
    if not issued - SKEW_SECONDS <= moment <= issued + lifetime:
        return None
    unpack = zlib.decompressobj()
    try:
        body = unpack.decompress(opened[ISSUED:], LARGEST)
        fields = json.loads(body.decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError):
        return None
    if unpack.unconsumed_tail or not isinstance(fields, list) or not all(
            isinstance(f, list) and len(f) == 2 and all(isinstance(x, str) for x in f)
            for f in fields):
        return None
    return [(name, text) for name, text in fields]
