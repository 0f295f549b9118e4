"""The identity provider's own tables: users, clients, signing keys, SSO sessions and grants.

None of these share anything with the bank's models or with Django's session: the IdP is a
separate system that happens to live in the same process for the demo.
"""

from __future__ import annotations

import hashlib
import secrets

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oidc.core import AuthorizationCodeMixin
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils import timezone

from . import conf

# OpenID CIBA Core 1.0's grant, which a client may be registered for (`Client.grant_types`).
CIBA_GRANT_TYPE = "urn:openid:params:grant-type:ciba"
# Every OAuth client may ask for these; the discovery document advertises the same list.
DEFAULT_CLIENT_SCOPES = "openid profile email read:accounts transfer:funds"


def digest(value: str) -> str:
    """SHA-256 of a high-entropy secret (client secret, code, cookie) for storage.

    A fast hash is enough because these values are random, not chosen by people; it keeps a
    database leak from handing out working credentials.
    """
    return hashlib.sha256(value.encode()).hexdigest()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class IdpUser(models.Model):
    """A person who can sign in at the IdP; `sub` is what the bank knows them by."""

    sub = models.CharField("subject (sub)", max_length=255, unique=True)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    password = models.CharField(max_length=128)
    # Base32 TOTP secret; empty until the user enrols an authenticator app.
    totp_secret = models.CharField(max_length=64, blank=True)
    # The last accepted TOTP time-step: a code is accepted once, never replayed.
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    # The secret shown on the enrolment page until a first code proves it (then it moves to
    # `totp_secret`) or it expires: reopening the page must not change the key the person
    # is already typing into their app.
    totp_pending_secret = models.CharField(max_length=64, blank=True)
    totp_pending_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "IdP user"
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        return check_password(raw_password, self.password)

    @property
    def has_totp(self) -> bool:
        return bool(self.totp_secret)

    def get_user_id(self) -> str:
        """Authlib puts this in the access token's `sub`."""
        return self.sub


class Client(ClientMixin, models.Model):
    """A registered OAuth client (Auth0: an Application). Confidential clients only."""

    SECRET_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
    TOKEN_ENDPOINT_AUTH_METHODS = (*SECRET_AUTH_METHODS, "private_key_jwt")

    client_id = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    client_secret_hash = models.CharField(max_length=64, editable=False)
    redirect_uris = models.TextField(help_text="One URI per line; matched exactly.")
    post_logout_redirect_uris = models.TextField(
        blank=True, help_text="One URI per line; matched exactly."
    )
    allowed_scopes = models.CharField(max_length=500, default=DEFAULT_CLIENT_SCOPES)
    # RFC 9126 section 6 client metadata: authorization requests must arrive by PAR.
    require_pushed_authorization_requests = models.BooleanField(
        "require pushed authorization requests",
        default=False,
        help_text="Refuse authorization requests that were not pushed first (RFC 9126).",
    )
    # RFC 7591 client metadata. A secret client may send its secret either way (basic or
    # post); a private_key_jwt client (RFC 7523) only signed assertions, checked against
    # its `jwks`, or else the keys at its `jwks_uri`.
    token_endpoint_auth_method = models.CharField(
        max_length=30,
        choices=[(m, m) for m in TOKEN_ENDPOINT_AUTH_METHODS],
        default="client_secret_basic",
    )
    jwks = models.JSONField(null=True, blank=True, help_text="Public keys, as a JWKS.")
    jwks_uri = models.URLField(blank=True, help_text="Or where the client publishes them.")
    # Space-separated OAuth grant types (RFC 7591 `grant_types`): the web app's is the code
    # flow; an assistant's is CIBA (`urn:openid:params:grant-type:ciba`).
    grant_types = models.CharField(max_length=200, default="authorization_code")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["client_id"]

    def __str__(self) -> str:
        return self.client_id

    def set_client_secret(self, secret: str) -> None:
        self.client_secret_hash = digest(secret)

    # --- Authlib's ClientMixin -------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # OIDC requires `redirect_uri` on every request; there is no default to fall back to.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(self.allowed_scopes.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in _lines(self.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(digest(client_secret), self.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # FAPI 2.0 section 5.3.2.1: in that profile asymmetric authentication only, whatever
        # a client was registered with.
        if conf.is_fapi2() and method != "private_key_jwt":
            return False
        if self.token_endpoint_auth_method in self.SECRET_AUTH_METHODS:
            return method in self.SECRET_AUTH_METHODS and bool(self.client_secret_hash)
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        # No refresh tokens: every token comes from a fresh authorization code, or (for a
        # client registered for it) from a person's approval of a CIBA request.
        return grant_type in self.grant_types.split()

    @property
    def client_metadata(self) -> dict:
        """What Authlib's RP-initiated logout endpoint reads."""
        return {"post_logout_redirect_uris": _lines(self.post_logout_redirect_uris)}


class SigningKey(models.Model):
    """A key that signs ID and access tokens with one algorithm (RSA for RS256 and PS256,
    P-256 for ES256); per algorithm, the newest unretired one is active."""

    kid = models.CharField("key id (kid)", max_length=64, unique=True)
    alg = models.CharField("algorithm (alg)", max_length=10, default="RS256")
    private_key_pem = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kid


class IdpSession(models.Model):
    """One browser's session at the IdP (SSO), behind its own `devidp_session` cookie.

    A row exists from the first authorization request, anonymous until a password succeeds;
    pending sign-ins are bound to it so a link cannot be finished in another browser.
    """

    key_hash = models.CharField(max_length=64, unique=True)
    sid = models.CharField("session id (sid)", max_length=64, unique=True)
    user = models.ForeignKey(IdpUser, null=True, blank=True, on_delete=models.CASCADE)
    # The current authentication event: when a factor was last verified, and which ones.
    auth_time = models.DateTimeField(null=True, blank=True)
    amr = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "IdP session"

    def __str__(self) -> str:
        return f"{self.sid[:8]}… {self.user or 'anonymous'}"


class PendingAuthorization(models.Model):
    """An authorization request waiting for the user to finish the steps the policy asks for."""

    key = models.CharField(max_length=64, unique=True)
    session = models.ForeignKey(IdpSession, on_delete=models.CASCADE)
    params = models.JSONField()
    # The client pushed it first (RFC 9126), as a client that requires PAR must.
    pushed = models.BooleanField(default=False)
    # Steps done during this request (not earlier in the SSO session): the factors, and the
    # person's approval of the payment in `authorization_details`.
    password_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    mfa_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pending {self.params.get('client_id', '?')} {self.created_at:%H:%M:%S}"


class PushedAuthorizationRequest(models.Model):
    """RFC 9126: an authorization request a client pushed, usable once at /authorize.

    Only a hash of its `request_uri` is stored, like the other one-time secrets here.
    """

    request_uri_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    params = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pushed by {self.client_id} at {self.created_at:%H:%M:%S}"


class AuthorizationCode(AuthorizationCodeMixin, models.Model):
    """A one-time code (stored hashed) and the authentication context it carries to tokens."""

    code_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    user = models.ForeignKey(IdpUser, on_delete=models.CASCADE)
    redirect_uri = models.TextField()
    scope = models.TextField(blank=True)
    audience = models.CharField(max_length=255)
    nonce = models.CharField(max_length=255, blank=True)
    code_challenge = models.CharField(max_length=128)
    code_challenge_method = models.CharField(max_length=10)
    auth_time = models.DateTimeField()
    acr = models.CharField(max_length=255, blank=True)
    amr = models.JSONField(default=list)
    sid = models.CharField(max_length=64)
    # RFC 9449 section 10: the thumbprint of the DPoP key the client bound the code to.
    dpop_jkt = models.CharField(max_length=64, blank=True)
    # RFC 9396: the payment the person approved, copied unchanged into the access token.
    authorization_details = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Set on first redemption; a second redemption revokes what the first one issued.
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.client_id} / {self.user_id} at {self.created_at:%H:%M:%S}"

    # --- Authlib's AuthorizationCodeMixin --------------------------------------------------
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce or None

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str | None:
        return self.acr or None

    def get_amr(self) -> list[str]:
        return list(self.amr)


class IssuedToken(models.Model):
    """Every access token issued, by `jti`, so a replayed code can revoke them."""

    jti = models.CharField(max_length=64, unique=True)
    code = models.ForeignKey(
        AuthorizationCode, null=True, on_delete=models.SET_NULL, related_name="tokens"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    user = models.ForeignKey(IdpUser, on_delete=models.CASCADE)
    scope = models.TextField(blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.jti[:8]}… {self.user}"


class AttemptCounter(models.Model):
    """How many attempts one rate-limit key (an account or a client IP) made in its window.

    Used when there is no Redis: the database is shared by every process and survives a
    restart, which a per-process memory cache does not (see `counters.py`).
    """

    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} {self.count} since {self.window_start:%H:%M}"


class Passkey(models.Model):
    """A WebAuthn credential a person registered as a second factor (see `passkeys.py`).

    Only public material is kept: the credential's id and public key (COSE, as the
    authenticator sent it), and its signature counter, which must move forward.
    """

    class DeviceType(models.TextChoices):
        # WebAuthn's backup eligibility (BE) flag, as the authenticator reported it.
        SINGLE_DEVICE = "single_device", "bound to one device"
        MULTI_DEVICE = "multi_device", "synced between devices"

    user = models.ForeignKey(IdpUser, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=60)
    # base64url of the raw credential id (at most 1023 bytes, WebAuthn Level 3 section 5.8.3)
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    device_type = models.CharField(max_length=20, choices=DeviceType.choices)
    backed_up = models.BooleanField(default=False)
    transports = models.JSONField(default=list, blank=True)
    # What the browser said the authenticator is ("platform", "cross-platform"): unverified.
    attachment = models.CharField(max_length=20, blank=True)
    aaguid = models.CharField("AAGUID", max_length=36, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class PasskeyChallenge(models.Model):
    """A WebAuthn challenge: usable once, for two minutes, by the IdP session it was made for.

    Only a hash is stored; the browser's signed client data carries the challenge back.
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", "register a passkey"
        AUTHENTICATE = "authenticate", "verify with a passkey"

    challenge_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    session = models.ForeignKey(IdpSession, on_delete=models.CASCADE)
    user = models.ForeignKey(IdpUser, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} challenge for {self.user} at {self.created_at:%H:%M:%S}"


class SpentJwtId(models.Model):
    """A `jti` already used, kept until its JWT expires: RFC 7523 client assertions and
    RFC 9449 proofs each work once. In the database so every worker shares the record.
    """

    class Kind(models.TextChoices):
        CLIENT_ASSERTION = "assertion", "client assertion (RFC 7523)"
        DPOP_PROOF = "dpop", "DPoP proof (RFC 9449)"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # SHA-256 of the issuer (client id or key thumbprint) and the jti: bounded, and opaque.
    key_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key_hash"], name="devidp_jti_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key_hash[:8]}…"


class PhoneDevice(models.Model):
    """A phone paired with a person's account (see `phone.py`): it approves requests by
    signing them with its own P-256 key, which never leaves the phone.

    Only the public key is kept (a JWK), with its RFC 7638 thumbprint so one key cannot be
    paired twice.
    """

    user = models.ForeignKey(IdpUser, on_delete=models.CASCADE, related_name="phones")
    name = models.CharField(max_length=60)
    # A random, public handle the phone names itself by (its key is what proves it).
    device_id = models.CharField(max_length=64, unique=True)
    public_jwk = models.JSONField()
    thumbprint = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class PairingCode(models.Model):
    """A one-time code that lets one phone join one account, for five minutes.

    Made on the account page after a recent second factor; only its hash is stored.
    """

    code_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(IdpUser, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pairing code for {self.user} at {self.created_at:%H:%M:%S}"


class PushRequest(models.Model):
    """One request sent to a person's phones: a step-up in one IdP session (with number
    matching), or a client's back-channel request (CIBA, with its binding message).

    It is decided once, on one phone, by a signature of that phone's key (`push.py`).
    """

    class Decision(models.TextChoices):
        APPROVE = "approve", "approved"
        DENY = "deny", "declined"

    request_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(IdpUser, on_delete=models.CASCADE, related_name="push_requests")
    # A step-up belongs to the IdP session that asked; a CIBA request has none.
    session = models.ForeignKey(IdpSession, null=True, blank=True, on_delete=models.CASCADE)
    # The sign-in it is a step of; kept (as null) once that sign-in ends, for the fatigue rule.
    pending = models.ForeignKey(
        PendingAuthorization, null=True, blank=True, on_delete=models.SET_NULL
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    # What is asked for, so a second request for the same thing reuses the pending one.
    purpose_key = models.CharField(max_length=64)
    # What the phone shows: the scopes' purposes, or the payment in words.
    asks = models.JSONField(default=list)
    payment = models.CharField(max_length=300, blank=True)
    binding_message = models.CharField(max_length=64, blank=True)
    browser = models.CharField(max_length=100, blank=True)
    # Number matching (step-ups): the browser shows `number`, the phone offers `choices`.
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The phone picked another number than the browser showed: refused, and ended.
    mismatched = models.BooleanField(default=False)
    device = models.ForeignKey(PhoneDevice, null=True, blank=True, on_delete=models.SET_NULL)
    # Set when the sign-in (or the CIBA token request) spends the approval: once only.
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer request for the same purpose replaced this one before a decision.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose_key", "created_at"])]

    def __str__(self) -> str:
        return f"push to {self.user} at {self.created_at:%H:%M:%S} ({self.decision or 'open'})"


class BackchannelRequest(models.Model):
    """CIBA Core 1.0 (poll mode): a client's request for a person's approval, redeemed at
    the token endpoint with its `auth_req_id` (stored hashed), once, by that client only."""

    auth_req_id_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    user = models.ForeignKey(IdpUser, on_delete=models.CASCADE)
    push = models.OneToOneField(PushRequest, on_delete=models.CASCADE)
    scope = models.TextField(blank=True)
    audience = models.CharField(max_length=255)
    acr_values = models.CharField(max_length=500, blank=True)
    authorization_details = models.JSONField(null=True, blank=True)
    # The authentication event the phone's approval was, copied into the tokens.
    acr = models.CharField(max_length=255, blank=True)
    amr = models.JSONField(default=list)
    interval = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_polled_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"CIBA {self.client_id} for {self.user} at {self.created_at:%H:%M:%S}"

    # --- what the token generators read, as from an authorization code (`tokens.py`) ------
    sid = ""  # no browser session: the person answered on their phone
    nonce = ""

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return None

    def get_auth_time(self) -> int:
        # The moment the person approved on the phone: the factor's own time.
        decided_at = self.push.decided_at or self.created_at
        return int(decided_at.timestamp())

    def get_acr(self) -> str | None:
        return self.acr or None

    def get_amr(self) -> list[str]:
        return list(self.amr)
