"""A software passkey: what a browser and its authenticator answer to the server's options.

A test double of the browser only: it builds real WebAuthn answers (attestation "none",
ES256 signatures with `cryptography`) that the server checks exactly as a browser's.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

ORIGIN = "http://localhost"  # what Flask's test client is, as the browser would say it
UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags: present, verified, credential data


@dataclass
class SoftPasskey:
    """One credential on a software authenticator.

    `counts` is False for an authenticator that always says 0 (as many passkeys do).
    """

    counts: bool = True
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(16))
    sign_count: int = 0

    @property
    def id(self) -> str:
        """The credential id as base64url."""
        return bytes_to_base64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, options: dict[str, Any], origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": options["challenge"], "origin": origin,
                           "crossOrigin": False}).encode()

    def _count(self) -> bytes:
        if self.counts:
            self.sign_count += 1
        return struct.pack(">I", self.sign_count)

    def create(self, options: dict[str, Any], origin: str = ORIGIN) -> str:
        """The browser's JSON answer to registration options."""
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        data = (rp_hash + bytes([UP | UV | AT]) + self._count() + bytes(16)
                + struct.pack(">H", len(self.credential_id)) + self.credential_id
                + self._cose_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": data})
        client = self._client_data("webauthn.create", options, origin)
        return json.dumps({"id": self.id, "rawId": self.id, "type": "public-key",
                           "response": {"clientDataJSON": bytes_to_base64url(client),
                                        "attestationObject": bytes_to_base64url(attestation),
                                        "transports": ["internal"]}})

    def get(self, options: dict[str, Any], origin: str = ORIGIN) -> str:
        """The browser's JSON answer to sign-in options."""
        allowed = [item["id"] for item in options.get("allowCredentials", [])]
        if allowed and self.id not in allowed:
            raise ValueError("the server did not ask for this passkey")
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        data = rp_hash + bytes([UP | UV]) + self._count()
        client = self._client_data("webauthn.get", options, origin)
        signature = self.key.sign(data + hashlib.sha256(client).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return json.dumps({"id": self.id, "rawId": self.id, "type": "public-key",
                           "response": {"clientDataJSON": bytes_to_base64url(client),
                                        "authenticatorData": bytes_to_base64url(data),
                                        "signature": bytes_to_base64url(signature),
                                        "userHandle": None}})


def challenge_of(options: dict[str, Any]) -> bytes:
    """The challenge the server put into its options."""
    return base64url_to_bytes(options["challenge"])
