"""Make the demo's client keys for the fapi2 profile, once: `make demo PROFILE=fapi2`
runs this before seeding. Demo-only: never use these keys for anything but the demo.

Writes, into the folder given (default var/demo-keys/, which git ignores), for each of the
two clients that authenticate with private_key_jwt in fapi2 (the web client and the
assistant, `make assistant-pay`):
- <client>.demo-only.private.jwk: its EC P-256 private key (ES256), as a JWK, readable by
  its owner only; the settings pass it as OIDC_CLIENT_KEY_FILE / ASSISTANT_CLIENT_KEY_FILE;
- <client>.demo-only.public.jwks.json: its public half, which `devidp_seed` registers at
  the embedded IdP (inline, so the IdP never has to call the site for it).

An existing key is kept: re-running changes nothing, so sessions and the IdP's
registration survive a restart. Delete the folder to make new ones.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from joserfc.jwk import ECKey

CLIENTS = ("web-client", "assistant")
PRIVATE = "web-client.demo-only.private.jwk"
PUBLIC = "web-client.demo-only.public.jwks.json"


def key_files(client: str) -> tuple[str, str]:
    """The private and public file names of one client's demo key."""
    return f"{client}.demo-only.private.jwk", f"{client}.demo-only.public.jwks.json"


NOTE = """Demo-only keys for `make demo PROFILE=fapi2`, made by scripts/demo_keys.py.
Never use them outside the demo. Delete this folder to make new ones (then re-seed).
"""


def demo_keys_make(folder: Path) -> bool:
    """Write each client's key pair into `folder` unless it is there already; True if any
    was written."""
    written = [_key_pair_make(folder, client) for client in CLIENTS]
    if any(written):
        (folder / "README").write_text(NOTE)
    return any(written)


def _key_pair_make(folder: Path, client: str) -> bool:
    names = key_files(client)
    private, public = folder / names[0], folder / names[1]
    if private.exists() and public.exists():
        return False
    folder.mkdir(parents=True, exist_ok=True)
    key = ECKey.generate_key("P-256", parameters={"use": "sig", "alg": "ES256"}, private=True)
    # RFC 7638: the key is named by its thumbprint, as oidc_client does for a key without kid.
    key = ECKey.import_key(key.as_dict(private=True), {"kid": key.thumbprint()})
    # Owner-only from the first byte: it is a private key, demo or not. A half-written pair
    # (an interrupted first run) is made again whole.
    descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(key.as_dict(private=True), out)
    public.write_text(json.dumps({"keys": [key.as_dict(private=False)]}, indent=2) + "\n")
    return True


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else "var/demo-keys")
    if demo_keys_make(folder):
        print(f"demo-only client keys written to {folder}/ (ES256)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
