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


def test_the_jwks_publishes_public_keys_only_each_with_a_kid():
    keys = BrowserClient().get("/idp/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1
    (key,) = keys
    assert key["kty"] == "RSA"
    assert key["kid"]
    assert key["use"] == "sig"
    assert key["alg"] == "RS256"
    assert {"n", "e"} <= set(key)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_the_signing_key_is_generated_once_and_persisted():
    first = BrowserClient().get("/idp/.well-known/jwks.json").json()
    second = BrowserClient().get("/idp/.well-known/jwks.json").json()
    assert first == second
    assert SigningKey.objects.count() == 1


def test_a_plain_http_issuer_off_loopback_fails_the_start_up_checks(settings, monkeypatch):
    monkeypatch.delenv("AUTHLIB_INSECURE_TRANSPORT", raising=False)
    settings.DEVIDP_ISSUER = "http://idp.internal:8000/idp"
    assert [e.id for e in issuer_transport_check(None)] == ["devidp.E002"]
    settings.DEVIDP_ISSUER = "http://127.0.0.1:8101/idp"
    assert issuer_transport_check(None) == []
