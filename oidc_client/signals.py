"""What happened at sign-in and step-up, for the host to log or act on (the client itself
knows nothing of the host's models). Each is sent with `sender=None` and the keyword
arguments listed."""

from __future__ import annotations

from django.dispatch import Signal

# request, user, claims (the validated ID token's claims)
signed_in = Signal()
# request, user
signed_out = Signal()
# request, step_up (StepUp), claims
step_up_passed = Signal()
# request, step_up (StepUp), reason (a short text, never a token)
step_up_refused = Signal()
# request, step_up (StepUp), reason (the provider's words, or ""): the person said no at
# the provider (cancelled, or declined an approval), which is not a failure of the step-up
step_up_declined = Signal()
