"""The API guard's tables: tokens spent by a `single_use` view, and DPoP proofs seen."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SpentToken(models.Model):
    """A single-use access token that has been used, with the answer it got.

    Keyed by `AccessToken.key` (issuer + jti, or the signature's hash). The unique key is
    what makes a token single-use, even for two requests racing each other; the answer is
    kept so an exact retry (same request, same token) gets it again.
    """

    # Unique through the constraint below, not `unique=True`: on PostgreSQL that would add a
    # second, `varchar_pattern_ops` index for LIKE queries that nothing here makes.
    key = models.CharField(max_length=100)
    sub = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_content_type = models.CharField(max_length=100)
    response_body = models.TextField()
    # Kept until no clock skew can make the token valid again (exp + the maximum leeway);
    # indexed for the purge, which deletes the oldest by this.
    expires_at = models.DateTimeField(db_index=True)
    spent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="api_auth_spent_token_key")]

    def __str__(self) -> str:
        return f"token {self.key[:16]}… spent by {self.sub}"


class DPoPProofSeen(models.Model):
    """A DPoP proof the API has accepted, remembered until its `iat` window closes.

    RFC 9449 §11.1: a proof is single use. The table is shared by every worker, and its
    primary key (a hash of the proof key's thumbprint and the proof's `jti`) makes a second
    use fail even when two workers receive the same proof at the same instant.
    """

    key = models.CharField(max_length=64, primary_key=True)
    # After this, the proof's iat is out of the window anyway: `purge_spent_tokens` deletes.
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"DPoP proof {self.key[:16]}… (until {self.expires_at:%H:%M:%S})"
