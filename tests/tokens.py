"""Access tokens for API tests: throwaway keys, their JWKS served to the API, and a minter;
DPoP keys and proofs made as a client makes them (joserfc).

Registered as a pytest plugin in tests/conftest.py, so any test can ask for `mint_token`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from jose import jwk
from jose.utils import base64url_encode
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from api_auth import jwks

ISSUER = "https://idp.fabrikam.test/"
AUDIENCE = "https://api.fabrikam.example"
CLIENT_ID = "fabrikam-web"
KID = "test-key-1"
# Where the test client's requests arrive, as the API's configured external URL.
EXTERNAL_URL = "http://testserver"
_JOSERFC_KEYS: dict[str, type[RSAKey] | type[ECKey] | type[OKPKey]] = {
    "RS256": RSAKey,
    "PS256": RSAKey,
    "ES256": ECKey,
    "EdDSA": OKPKey,
}


@dataclass
class SigningKey:
    kid: str
    private_pem: str
    public_pem: str
    alg: str = "RS256"

    @classmethod
    def generate(cls, kid: str, alg: str = "RS256") -> SigningKey:
        private: Any
        if alg in ("RS256", "PS256"):
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        else:
            private = ed25519.Ed25519PrivateKey.generate()
        return cls(
            alg=alg,
            kid=kid,
            private_pem=private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            public_pem=private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode(),
        )

    def public_jwk(self) -> dict[str, Any]:
        if self.alg == "RS256":
            public = jwk.construct(self.public_pem, "RS256").to_dict()
        else:
            public = dict(_JOSERFC_KEYS[self.alg].import_key(self.public_pem).as_dict())
        return {**public, "kid": self.kid, "use": "sig", "alg": self.alg}

    def sign(self, signing_input: bytes) -> bytes:
        if self.alg == "RS256":
            return _private_key(self.private_pem).sign(
                signing_input, padding.PKCS1v15(), hashes.SHA256()
            )
        key = _JOSERFC_KEYS[self.alg].import_key(self.private_pem)
        return JWSRegistry.algorithms[self.alg].sign(signing_input, key)


class DPoPKey:
    """A client's DPoP key pair (RFC 9449 §2): it signs proofs; tokens name its thumbprint."""

    def __init__(self, alg: str = "ES256") -> None:
        self.alg = alg
        if alg == "ES256":
            self.key: Any = ECKey.generate_key("P-256")
        elif alg == "EdDSA":
            self.key = OKPKey.generate_key("Ed25519")
        else:
            self.key = RSAKey.generate_key(2048)
        self.jkt = self.key.thumbprint()

    def public_jwk(self) -> dict[str, Any]:
        return dict(self.key.as_dict(private=False))

    def proof(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A fresh proof for `method` and `url` (and `token`'s ath); `None` drops a claim."""
        header = {"typ": "dpop+jwt", "alg": self.alg, "jwk": self.public_jwk(), **(headers or {})}
        body: dict[str, Any] = {
            "jti": uuid.uuid4().hex,
            "htm": method,
            "htu": url,
            "iat": int(time.time()),
        }
        if token is not None:
            body["ath"] = token_hash(token)
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        header = {name: value for name, value in header.items() if value is not None}
        return jws.serialize_compact(
            header, json.dumps(body).encode(), self.key, algorithms=[header.get("alg", self.alg)]
        )


def token_hash(token: str) -> str:
    """RFC 9449 §4.2 `ath`: base64url SHA-256 of the access token."""
    return base64url_encode(hashlib.sha256(token.encode()).digest()).decode()


class FakeClock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeIdentityProvider:
    """Stands in for the issuer's JWKS endpoint: counts fetches and can go down."""

    keys: list[SigningKey]
    clock: FakeClock = field(default_factory=FakeClock)
    fetches: int = 0
    down: bool = False

    def fetch(self) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise jwks.IssuerUnavailable("connection refused (simulated outage)")
        return {"keys": [key.public_jwk() for key in self.keys]}


def access_claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a valid RFC 9068 access token for Alice; `None` removes a claim."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "test|alice",
        "aud": [AUDIENCE, f"{ISSUER}userinfo"],
        "client_id": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "scope": "openid profile email read:accounts",
        "jti": f"jti-{time.monotonic_ns()}",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate(KID)


@pytest.fixture(scope="session")
def other_signing_key() -> SigningKey:
    """A key the issuer does not publish (yet)."""
    return SigningKey.generate("test-key-2")


@pytest.fixture
def api_settings(settings):
    settings.OIDC_ISSUER = settings.API_ISSUER = ISSUER
    settings.API_AUDIENCE = AUDIENCE
    settings.API_JWKS_URL = None
    settings.API_ACCEPT_JWT_TYP = False
    settings.API_TOKEN_LEEWAY = 30
    settings.API_PROFILE = "bearer"
    settings.API_ALGORITHMS = None
    settings.API_DPOP_NONCE = None
    settings.API_EXTERNAL_URL = EXTERNAL_URL
    # The fake issuer offers no introspection (tests/api_auth/test_introspection.py has one).
    settings.API_INTROSPECTION_CLIENT_ID = None
    # Paying a new payee needs a transaction-bound approval; tests of other rules pay Bob as
    # a known payee (tests/transfers/test_approvals.py tests the rule itself).
    settings.TRANSACTION_APPROVAL_FOR_NEW_PAYEES = False
    return settings


@pytest.fixture
def identity_provider(monkeypatch, api_settings, signing_key) -> FakeIdentityProvider:
    """The JWKS the API sees: a fresh cache on a fake clock, fed by a counting fetch."""
    provider = FakeIdentityProvider(keys=[signing_key])
    monkeypatch.setattr(jwks, "jwks_fetch", provider.fetch)
    monkeypatch.setattr(jwks, "jwks_cache", jwks.JwksCache(clock=provider.clock))
    return provider


@pytest.fixture
def mint_token(identity_provider, signing_key) -> Callable[..., str]:
    """mint_token(scope=..., exp=...) -> a signed token; headers=, key= to vary.

    A header value of None removes that header (python-jose would always write a typ).
    """

    def mint(
        *, headers: dict[str, Any] | None = None, key: SigningKey | None = None, **claims: Any
    ) -> str:
        key = key or signing_key
        header = {"alg": key.alg, "typ": "at+jwt", "kid": key.kid, **(headers or {})}
        header = {name: value for name, value in header.items() if value is not None}
        signing_input = unsigned_token(header, access_claims(**claims))[:-1]
        signature = key.sign(signing_input.encode())
        return f"{signing_input}.{base64url_encode(signature).decode()}"

    return mint


@functools.lru_cache(maxsize=8)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    # Loading a PEM checks the RSA key (about 40 ms); fuzz tests mint hundreds of tokens.
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def dpop_headers(token: str, proof: str) -> dict[str, str]:
    """The headers of a DPoP-bound request (RFC 9449 §7.1)."""
    return {"Authorization": f"DPoP {token}", "DPoP": proof}


@pytest.fixture(scope="session")
def strong_signing_keys() -> dict[str, SigningKey]:
    """The issuer's PS256, ES256 and EdDSA keys, by algorithm."""
    return {alg: SigningKey.generate(f"test-{alg}", alg) for alg in ("PS256", "ES256", "EdDSA")}


@pytest.fixture
def strong_keys(identity_provider, strong_signing_keys) -> dict[str, SigningKey]:
    """The issuer also publishes its PS256, ES256 and EdDSA keys."""
    identity_provider.keys.extend(strong_signing_keys.values())
    return strong_signing_keys


@pytest.fixture
def dpop_key() -> DPoPKey:
    return DPoPKey("ES256")


@pytest.fixture
def fapi2(api_settings, strong_keys):
    """The API in its FAPI 2.0 profile (nonces off unless a test turns them on)."""
    api_settings.API_PROFILE = "fapi2"
    api_settings.API_DPOP_NONCE = False
    return api_settings


def post_transfer(client, token: str, body: dict, key: str = "transfer-key-0001"):
    """POST /api/transfers as a client would: JSON, the bearer token, an Idempotency-Key."""
    return client.post(
        "/api/transfers",
        data=json.dumps(body),
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": key},
    )


def unsigned_token(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A JWT with whatever header and an empty signature: `alg: none` and friends."""

    def part(value: dict[str, Any]) -> str:
        return base64url_encode(json.dumps(value).encode()).decode()

    return f"{part(header)}.{part(claims)}."


MFA_POLICY = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


@pytest.fixture
def transfer_token(mint_token, api_settings) -> Callable[..., str]:
    """mint(**claims) -> a fresh step-up token for Alice: transfer:funds, MFA a moment ago.

    The API is set to insist on the authentication context, as it does with the dev IdP.
    """
    api_settings.API_REQUIRE_AUTH_CONTEXT = True
    api_settings.API_STEP_UP_MAX_AGE = 300
    api_settings.API_CLAIM_NAMESPACE = ""

    def mint(**claims: Any) -> str:
        defaults = {
            "scope": "openid transfer:funds",
            "amr": ["pwd", "mfa"],
            "acr": MFA_POLICY,
            "auth_time": int(time.time()) - 5,
        }
        return mint_token(**{**defaults, **claims})

    return mint
