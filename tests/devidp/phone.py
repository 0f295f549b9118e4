"""A phone in Python: what `static/devidp/phone.js` does with WebCrypto, done with a P-256
key of its own, so tests can pair a device and sign its answers as the real app would."""

from __future__ import annotations

import json
import re
import time

from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from joserfc import jws
from joserfc.jwk import ECKey

from .test_passkey_step_up import csrf

ACCOUNT = "/idp/u/account"


class SoftPhone:
    def __init__(self, http: Client | None = None) -> None:
        self.key = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()))
        self.http = http or Client()
        self.device = ""

    @property
    def public_jwk(self) -> dict:
        public = self.key.as_dict(private=False)
        return {k: public[k] for k in ("kty", "crv", "x", "y")}

    def sign(self, typ: str, claims: dict, *, key: ECKey | None = None) -> str:
        payload = json.dumps({"device": self.device, **claims})
        header = {"alg": "ES256", "typ": typ}
        return jws.serialize_compact(header, payload, key or self.key)

    def pair(self, code: str, name: str = "Alice's phone"):
        response = self.http.post(
            "/idp/device/pair",
            {"code": code, "name": name, "jwk": self.public_jwk},
            content_type="application/json",
        )
        if response.status_code == 201:
            self.device = response.json()["device"]
        return response

    def poll(self, **claims):
        assertion = self.sign("device-poll+jwt", {"iat": int(time.time()), **claims})
        return self.http.get("/idp/device/requests", HTTP_AUTHORIZATION=f"Device {assertion}")

    def requests(self) -> list[dict]:
        response = self.poll()
        assert response.status_code == 200, response.content
        return response.json()["requests"]

    def answer_jws(
        self, request: dict, decision: str = "approve", number: int | None = None
    ) -> str:
        claims = {"request": request["request"], "decision": decision, "number": number}
        return self.sign("push-answer+jwt", {**claims, "iat": int(time.time())})

    def send(self, answer: str):
        return self.http.post(
            "/idp/device/answer", {"answer": answer}, content_type="application/json"
        )

    def answer(self, request: dict, decision: str = "approve", number: int | None = None):
        return self.send(self.answer_jws(request, decision, number))


def pairing_code(browser: Client) -> str:
    """Press "Pair a phone" on an unlocked account page; the code from the page's link."""
    page = browser.get(ACCOUNT)
    response = browser.post("/idp/u/account/phones/pair", {"csrfmiddlewaretoken": csrf(page)})
    assert response.status_code == 200, response.content
    found = re.search(rb"#pair=([A-Za-z0-9_-]+)", response.content)
    assert found is not None
    return found[1].decode()


def paired_phone(user, name: str = "Alice's phone") -> SoftPhone:
    """Pair a SoftPhone with `user` as the account page would, after a second factor."""
    from devidp import phone, sso

    session, _raw = sso.session_start(user=user)
    sso.session_add_second_factor(session)
    device = SoftPhone()
    response = device.pair(phone.pairing_code_new(session=session), name=name)
    assert response.status_code == 201, response.content
    return device
