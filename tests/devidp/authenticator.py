"""A software WebAuthn authenticator for tests: an ES256 key, "none" attestation, and the
bytes a browser would send, built with `cryptography` and py_webauthn's CBOR encoder.

It answers the options the IdP hands out exactly as `navigator.credentials.create()` and
`.get()` would (their `toJSON()` form), and each answer can be bent to test a refusal:
another origin, another RP ID, no user verification, a counter that goes backwards.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, encode_cbor

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


class SoftAuthenticator:
    def __init__(self, *, origin: str, rp_id: str, backup_eligible: bool = False):
        self.origin = origin
        self.rp_id = rp_id
        self.backup_eligible = backup_eligible
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.sign_count = 0
        self.user_handle = b""

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # RFC 9053 EC2 key: kty 2, alg -7 (ES256), crv 1 (P-256), x, y.
        return encode_cbor(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _authenticator_data(
        self, *, rp_id: str, verified: bool, attested: bool, present: bool = True
    ) -> bytes:
        flags = (UP if present else 0) | (UV if verified else 0)
        if self.backup_eligible:
            flags |= BE | BS
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags | (AT if attested else 0)])
        data += struct.pack(">I", self.sign_count)
        if attested:
            aaguid = bytes(16)  # "none" attestation: no authenticator model to name
            data += aaguid + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self._cose_public_key()
        return data

    def _client_data(self, kind: str, options: dict[str, Any], origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": options["challenge"],
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        verified: bool = True,
        present: bool = True,
    ) -> str:
        """What `navigator.credentials.create({publicKey: options})` would give, as JSON."""
        self.user_handle = base64url_to_bytes(options["user"]["id"])
        auth_data = self._authenticator_data(
            rp_id=rp_id or self.rp_id, verified=verified, attested=True, present=present
        )
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self._credential_json(
            {
                "clientDataJSON": bytes_to_base64url(
                    self._client_data("webauthn.create", options, origin)
                ),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            }
        )

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        verified: bool = True,
        present: bool = True,
        sign_count: int | None = None,
    ) -> str:
        """What `navigator.credentials.get({publicKey: options})` would give, as JSON.

        The counter moves forward by one each time, unless `sign_count` sets it.
        """
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        auth_data = self._authenticator_data(
            rp_id=rp_id or self.rp_id, verified=verified, attested=False, present=present
        )
        client_data = self._client_data("webauthn.get", options, origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return self._credential_json(
            {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": bytes_to_base64url(self.user_handle),
            }
        )

    def _credential_json(self, response: dict[str, Any]) -> str:
        """A PublicKeyCredential's `toJSON()` around a ceremony's `response`."""
        credential_id = bytes_to_base64url(self.credential_id)
        return json.dumps(
            {
                "id": credential_id,
                "rawId": credential_id,
                "type": "public-key",
                "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
                "response": response,
            }
        )
