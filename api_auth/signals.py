"""What the API guard tells the host, so the host can log it without the guard knowing how.

Each is sent with `sender=None` and keyword arguments `request` and `token` (AccessToken).
"""

from __future__ import annotations

from django.dispatch import Signal

# A `single_use` view answered and its token is now spent; also `response`. Sent inside
# the view's transaction, so a receiver's writes commit with the spend, or roll back with it.
token_spent = Signal()
# A spent token came back with a different request (a replay): refused with invalid_token.
token_replayed = Signal()
# A valid token was refused for too weak or too old an authentication (RFC 9470's
# insufficient_user_authentication); also `acr_values`, what was asked for. Sent after the
# view's transaction rolled back, so a receiver's writes are kept.
step_up_challenged = Signal()
