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
