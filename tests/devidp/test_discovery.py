"""What a client reads first: the discovery document and the JWKS."""

from __future__ import annotations

import pytest
from authlib.oauth2 import rfc9207
from authlib.oidc import rpinitiated
from authlib.oidc.discovery import OpenIDProviderMetadata
from django.test import Client as BrowserClient

from devidp.checks import issuer_transport_check
from devidp.models import SigningKey

from .conftest import ISSUER, MFA_POLICY

pytestmark = pytest.mark.django_db


def discovery() -> dict:
    response = BrowserClient().get("/idp/.well-known/openid-configuration")
    assert response.status_code == 200
    return response.json()


def test_the_discovery_document_passes_authlibs_validator():
    document = discovery()
    OpenIDProviderMetadata(document).validate(
        metadata_classes=[rfc9207.AuthorizationServerMetadata, rpinitiated.OpenIDProviderMetadata]
    )


def test_the_discovery_document_advertises_the_contract():
    document = discovery()
    assert document["issuer"] == ISSUER
    assert document["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert document["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert document["userinfo_endpoint"] == f"{ISSUER}/userinfo"
    assert document["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert document["end_session_endpoint"] == f"{ISSUER}/oidc/logout"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert MFA_POLICY in document["acr_values_supported"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"openid", "profile", "email", "read:accounts", "transfer:funds"} <= set(
        document["scopes_supported"]
    )
    assert document["response_types_supported"] == ["code"]


def test_every_endpoint_follows_the_issuer_to_another_host(settings):
    settings.DEVIDP_ISSUER = "http://127.0.0.1:8101/idp"
    document = discovery()
    assert document["issuer"] == "http://127.0.0.1:8101/idp"
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert document[name].startswith("http://127.0.0.1:8101/idp/")


def test_the_jwks_publishes_one_public_key_per_algorithm_each_with_a_kid():
    keys = BrowserClient().get("/idp/.well-known/jwks.json").json()["keys"]
    by_alg = {key["alg"]: key for key in keys}
    assert len(keys) == 3
    assert sorted(by_alg) == ["ES256", "PS256", "RS256"]
    assert by_alg["RS256"]["kty"] == by_alg["PS256"]["kty"] == "RSA"
    assert (by_alg["ES256"]["kty"], by_alg["ES256"]["crv"]) == ("EC", "P-256")
    assert by_alg["RS256"]["n"] != by_alg["PS256"]["n"]  # a key serves one algorithm only
    for key in keys:
        assert key["kid"]
        assert key["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_the_signing_key_is_generated_once_and_persisted():
    first = BrowserClient().get("/idp/.well-known/jwks.json").json()
    second = BrowserClient().get("/idp/.well-known/jwks.json").json()
    assert first == second
    assert SigningKey.objects.count() == 3


def test_a_plain_http_issuer_off_loopback_fails_the_start_up_checks(settings, monkeypatch):
    monkeypatch.delenv("AUTHLIB_INSECURE_TRANSPORT", raising=False)
    settings.DEVIDP_ISSUER = "http://idp.internal:8000/idp"
    assert [e.id for e in issuer_transport_check(None)] == ["devidp.E002"]
    settings.DEVIDP_ISSUER = "http://127.0.0.1:8101/idp"
    assert issuer_transport_check(None) == []
