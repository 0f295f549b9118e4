"""The access-token battery: every way a bearer token can be wrong, against a real endpoint.

Each refusal is checked for its status and its WWW-Authenticate challenge (RFC 6750).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time

import pytest
from jose.utils import base64url_encode
from pytest_httpserver import HTTPServer

from api_auth import jwks
from api_auth import tokens as bearer
from tests.tokens import (
    AUDIENCE,
    CLIENT_ID,
    ISSUER,
    KID,
    SigningKey,
    access_claims,
    unsigned_token,
)
from tests.tokens import bearer as auth_header

pytestmark = pytest.mark.django_db

URL = "/api/accounts"
# RFC 9449 §7.1: the API takes DPoP too, so each answer offers both schemes.
DPOP = 'DPoP realm="fabrikam-api", algs="RS256 PS256 ES256"'
NO_CREDENTIALS = f'Bearer realm="fabrikam-api", {DPOP}'
REAL_JWKS_FETCH = jwks.jwks_fetch  # kept before any fixture replaces it


def invalid_token(description: str) -> str:
    return (
        f'Bearer realm="fabrikam-api", error="invalid_token", error_description="{description}", '
        f"{DPOP}"
    )


def assert_refused(response, challenge: str, status: int = 401) -> None:
    assert response.status_code == status
    assert response["WWW-Authenticate"] == challenge
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-store"
    assert response.json()["status"] == status


def test_a_valid_token_reads_the_callers_accounts(client, mint_token, alice_checking):
    response = client.get(URL, headers=auth_header(mint_token()))

    assert response.status_code == 200
    assert "WWW-Authenticate" not in response
    assert response["Cache-Control"] == "no-store"
    assert [a["number"] for a in response.json()["accounts"]] == [alice_checking.number]


def test_a_request_without_credentials_gets_a_challenge_without_error_code(
    client, identity_provider
):
    response = client.get(URL)

    assert_refused(response, NO_CREDENTIALS)
    assert response.json()["code"] == "unauthorized"


def test_another_authorization_scheme_counts_as_no_credentials(client, identity_provider):
    response = client.get(URL, headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})

    assert_refused(response, NO_CREDENTIALS)


@pytest.mark.parametrize(
    ("header", "description"),
    [
        ("Bearer not-a-jwt", "The access token is not a well-formed JWT."),
        ("Bearer a.b.c", "The access token is not a well-formed JWT."),
        ("Bearer ", "The Authorization header is not `Bearer <token>`."),
        ("Bearer two tokens", "The Authorization header is not `Bearer <token>`."),
        ("Bearer <script>", "The Authorization header is not `Bearer <token>`."),
    ],
)
def test_it_refuses_a_malformed_token(client, identity_provider, header, description):
    response = client.get(URL, headers={"Authorization": header})

    assert_refused(response, invalid_token(description))
    assert identity_provider.fetches == 0


def test_deeply_nested_json_in_a_token_is_refused_not_a_crash(client, identity_provider):
    nested = base64url_encode(b"[" * 2000 + b"]" * 2000).decode()

    response = client.get(URL, headers=auth_header(f"{nested}.e30.sig"))

    assert_refused(response, invalid_token("The access token is not a well-formed JWT."))


def test_it_refuses_alg_none_before_touching_any_key(client, identity_provider):
    token = unsigned_token({"alg": "none", "typ": "at+jwt", "kid": KID}, access_claims())

    response = client.get(URL, headers=auth_header(token))

    assert_refused(response, invalid_token("The token's signing algorithm is not accepted."))
    assert identity_provider.fetches == 0


def test_it_refuses_hs256_signed_with_the_public_key(client, identity_provider, signing_key):
    # The classic key-confusion attack: HMAC keyed with the RSA public key everyone can read.
    header = {"alg": "HS256", "typ": "at+jwt", "kid": KID}
    unsigned = unsigned_token(header, access_claims())[:-1]
    mac = hmac.new(signing_key.public_pem.encode(), unsigned.encode(), hashlib.sha256).digest()
    token = f"{unsigned}.{base64url_encode(mac).decode()}"

    response = client.get(URL, headers=auth_header(token))

    assert_refused(response, invalid_token("The token's signing algorithm is not accepted."))
    assert identity_provider.fetches == 0


def test_an_unknown_kid_refreshes_the_keys_once_then_is_refused(
    client, mint_token, identity_provider, other_signing_key
):
    assert client.get(URL, headers=auth_header(mint_token())).status_code == 200
    assert identity_provider.fetches == 1

    response = client.get(URL, headers=auth_header(mint_token(key=other_signing_key)))

    assert_refused(response, invalid_token("The token was not signed by a key of the issuer."))
    assert identity_provider.fetches == 2
    # A second unknown kid within the minute does not reach the identity provider again.
    third = SigningKey(kid="test-key-3", private_pem=other_signing_key.private_pem, public_pem="")
    assert client.get(URL, headers=auth_header(mint_token(key=third))).status_code == 401
    assert identity_provider.fetches == 2


def test_a_rotated_key_is_picked_up_after_the_refresh_interval(
    client, mint_token, identity_provider, other_signing_key
):
    assert (
        client.get(URL, headers=auth_header(mint_token(key=other_signing_key))).status_code == 401
    )
    identity_provider.keys.append(other_signing_key)
    identity_provider.clock.advance(61)

    response = client.get(URL, headers=auth_header(mint_token(key=other_signing_key)))

    assert response.status_code == 200
    assert identity_provider.fetches == 2


def test_a_jwks_outage_keeps_the_cached_keys_working(
    client, mint_token, identity_provider, other_signing_key
):
    assert client.get(URL, headers=auth_header(mint_token())).status_code == 200
    identity_provider.down = True
    identity_provider.clock.advance(120)
    # An unknown kid makes the cache try the provider, which is down.
    assert (
        client.get(URL, headers=auth_header(mint_token(key=other_signing_key))).status_code == 401
    )
    assert identity_provider.fetches == 2

    response = client.get(URL, headers=auth_header(mint_token()))

    assert response.status_code == 200


def test_it_refuses_an_expired_token(client, mint_token):
    now = int(time.time())
    token = mint_token(iat=now - 600, exp=now - 120)

    response = client.get(URL, headers=auth_header(token))

    assert_refused(response, invalid_token("The access token has expired."))


def test_it_tolerates_clock_skew_within_the_leeway(client, mint_token, alice):
    now = int(time.time())
    token = mint_token(iat=now + 10, nbf=now + 10, exp=now - 10)

    assert client.get(URL, headers=auth_header(token)).status_code == 200


def test_the_leeway_is_capped_at_a_minute(client, mint_token, api_settings):
    api_settings.API_TOKEN_LEEWAY = 3600
    now = int(time.time())
    token = mint_token(iat=now - 600, exp=now - 120)

    assert client.get(URL, headers=auth_header(token)).status_code == 401


def test_it_refuses_a_token_not_yet_valid(client, mint_token):
    token = mint_token(nbf=int(time.time()) + 300)

    response = client.get(URL, headers=auth_header(token))

    assert_refused(
        response,
        invalid_token("The token's claims are not accepted: The token is not yet valid (nbf)"),
    )


def test_it_refuses_a_token_issued_in_the_future(client, mint_token):
    now = int(time.time())
    token = mint_token(iat=now + 300, exp=now + 900)

    response = client.get(URL, headers=auth_header(token))

    assert_refused(response, invalid_token("The token was issued in the future (iat)."))


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ["9999999999", [1], float("inf"), True])
def test_it_refuses_dates_that_are_not_numbers(client, mint_token, claim, value):
    response = client.get(URL, headers=auth_header(mint_token(**{claim: value})))

    assert_refused(response, invalid_token(f"The {claim} claim must be a NumericDate."))


def test_it_refuses_a_token_from_another_issuer(client, mint_token):
    token = mint_token(iss="https://evil.example/")

    response = client.get(URL, headers=auth_header(token))

    assert_refused(response, invalid_token("The token's claims are not accepted: Invalid issuer"))


def test_the_issuer_must_match_exactly(client, mint_token):
    token = mint_token(iss=ISSUER.rstrip("/"))

    assert client.get(URL, headers=auth_header(token)).status_code == 401


def test_it_refuses_a_token_for_another_audience(client, mint_token):
    token = mint_token(aud="https://api.other.example")

    response = client.get(URL, headers=auth_header(token))

    assert_refused(response, invalid_token("The token's claims are not accepted: Invalid audience"))


def test_it_refuses_a_token_without_audience(client, mint_token):
    response = client.get(URL, headers=auth_header(mint_token(aud=None)))

    assert_refused(response, invalid_token("The token lacks the required aud claim."))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss"])
def test_it_refuses_a_token_missing_a_required_claim(client, mint_token, claim):
    response = client.get(URL, headers=auth_header(mint_token(**{claim: None})))

    assert_refused(response, invalid_token(f"The token lacks the required {claim} claim."))


def id_token(mint_token) -> str:
    return mint_token(
        headers={"typ": "JWT"},
        aud=CLIENT_ID,
        scope=None,
        nonce="n-0S6_WzA2Mj",
        auth_time=int(time.time()),
        email="alice@example.com",
    )


def test_it_refuses_an_id_token_presented_as_an_access_token(client, mint_token):
    response = client.get(URL, headers=auth_header(id_token(mint_token)))

    # An ID token says typ JWT, like Auth0's default access tokens: the answer names the
    # setting that accepts those, which still refuses an ID token by its audience (below).
    assert_refused(
        response,
        invalid_token(
            "The token says typ JWT, not at+jwt (RFC 9068). For Auth0's default token "
            "profile set API_ACCEPT_JWT_TYP=true, or switch the API to the RFC 9068 profile."
        ),
    )


def test_an_id_token_is_refused_by_its_audience_when_typ_jwt_is_allowed(
    client, mint_token, api_settings
):
    api_settings.API_ACCEPT_JWT_TYP = True

    response = client.get(URL, headers=auth_header(id_token(mint_token)))

    assert_refused(response, invalid_token("The token's claims are not accepted: Invalid audience"))


@pytest.mark.parametrize("typ", ["JWT", "jwt", None])
def test_typ_jwt_or_no_typ_is_accepted_only_when_the_setting_allows_it(
    client, mint_token, api_settings, alice, typ
):
    # Auth0's default access-token profile says `typ: JWT`.
    token = mint_token(headers={"typ": typ})

    refused = client.get(URL, headers=auth_header(token))
    api_settings.API_ACCEPT_JWT_TYP = True
    accepted = client.get(URL, headers=auth_header(token))

    expected = (
        "The token is not an access token (typ)."
        if typ is None
        else "The token says typ JWT, not at+jwt (RFC 9068). For Auth0's default token "
        "profile set API_ACCEPT_JWT_TYP=true, or switch the API to the RFC 9068 profile."
    )
    assert_refused(refused, invalid_token(expected))
    assert accepted.status_code == 200


@pytest.mark.parametrize("typ", [{"a": 1}, 1, ["at+jwt"], "", "at+jwt; v=2"])
def test_a_typ_of_the_wrong_shape_is_refused_even_when_jwt_is_allowed(
    client, mint_token, api_settings, typ
):
    api_settings.API_ACCEPT_JWT_TYP = True

    response = client.get(URL, headers=auth_header(mint_token(headers={"typ": typ})))

    assert_refused(response, invalid_token("The token is not an access token (typ)."))


def test_a_critical_header_extension_is_refused(client, mint_token):
    token = mint_token(headers={"crit": ["exp"], "exp": 1})

    response = client.get(URL, headers=auth_header(token))

    assert_refused(
        response,
        invalid_token("The token uses a critical header extension this API does not support."),
    )


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt", "AT+JWT", "Application/At+JWT"])
def test_the_rfc_9068_typ_is_accepted_in_any_case(client, mint_token, typ):
    response = client.get(URL, headers=auth_header(mint_token(headers={"typ": typ})))

    assert response.status_code == 200


def test_it_refuses_a_token_without_the_scope_and_names_the_scope(client, mint_token):
    token = mint_token(scope="openid profile email")

    response = client.get(URL, headers=auth_header(token))

    assert_refused(
        response,
        'Bearer realm="fabrikam-api", error="insufficient_scope", '
        'error_description="This request needs the scope: read:accounts.", scope="read:accounts", '
        f"{DPOP}",
        status=403,
    )


def test_it_refuses_a_tampered_payload(client, mint_token):
    header, _, signature = mint_token().split(".")
    forged = base64url_encode(json.dumps(access_claims(sub="test|bob")).encode()).decode()

    response = client.get(URL, headers=auth_header(f"{header}.{forged}.{signature}"))

    assert_refused(response, invalid_token("The access token could not be verified."))


def test_a_token_in_the_query_string_is_not_a_credential(client, mint_token):
    response = client.get(URL, {"access_token": mint_token()})

    assert_refused(response, NO_CREDENTIALS)


def test_a_token_in_a_form_body_is_not_a_credential(client, mint_token):
    response = client.generic(
        "GET",
        URL,
        f"access_token={mint_token()}",
        content_type="application/x-www-form-urlencoded",
    )

    assert_refused(response, NO_CREDENTIALS)


def test_a_token_in_both_header_and_query_string_is_an_invalid_request(client, mint_token):
    token = mint_token()

    response = client.get(URL, {"access_token": token}, headers=auth_header(token))

    assert_refused(
        response,
        'Bearer realm="fabrikam-api", error="invalid_request", '
        f'error_description="Send the access token in the header only.", {DPOP}',
        status=400,
    )


def test_a_100_kb_header_is_refused_cleanly(client, identity_provider):
    response = client.get(URL, headers={"Authorization": "Bearer " + "a" * 100_000})

    assert_refused(response, invalid_token("The access token is too large."))
    assert identity_provider.fetches == 0


def test_jku_x5u_and_jwk_headers_are_never_followed(
    client, mint_token, other_signing_key, monkeypatch
):
    def no_network(*args, **kwargs):
        raise AssertionError("the API fetched a URL named by a token")

    monkeypatch.setattr("requests.get", no_network)
    smuggled = {
        "kid": other_signing_key.kid,
        "jku": "https://evil.example/jwks.json",
        "x5u": "https://evil.example/cert.pem",
        "jwk": other_signing_key.public_jwk(),
    }

    response = client.get(
        URL, headers=auth_header(mint_token(key=other_signing_key, headers=smuggled))
    )

    assert_refused(response, invalid_token("The token was not signed by a key of the issuer."))


def test_refusals_are_logged_with_a_reason_and_without_the_token(client, mint_token, caplog):
    token = mint_token(aud="https://api.other.example")

    with caplog.at_level(logging.INFO, logger="fabrikam.bearer"):
        client.get(URL, headers=auth_header(token))

    messages = [record.getMessage() for record in caplog.records]
    assert any("Invalid audience" in message for message in messages)
    assert not any(token in message or token[-40:] in message for message in messages)


def test_the_validated_token_carries_its_hash_not_itself(mint_token, identity_provider):
    raw = mint_token()

    token = bearer.access_token_validate(token=raw)

    assert token.sub == "test|alice"
    assert token.scopes >= {"read:accounts"}
    # Named by issuer + jti: no spelling of the token changes that, and no key reveals it.
    expected = hashlib.sha256(f"{ISSUER}\x1f{token.claims['jti']}".encode()).hexdigest()
    assert token.key == f"jti:{expected}"
    assert raw not in repr(token)


def test_steady_state_requests_cause_no_key_fetch_after_the_first(
    client, mint_token, identity_provider, alice
):
    for _ in range(20):
        assert client.get(URL, headers=auth_header(mint_token())).status_code == 200

    assert identity_provider.fetches == 1


@pytest.fixture
def http_identity_provider(httpserver: HTTPServer, signing_key) -> HTTPServer:
    """A real HTTP server on loopback (pytest-httpserver) publishing discovery and the JWKS;
    its `log` holds each request."""
    issuer = httpserver.url_for("/idp")
    httpserver.expect_request("/idp/.well-known/openid-configuration").respond_with_json(
        {"issuer": issuer, "jwks_uri": f"{issuer}/.well-known/jwks.json"}
    )
    httpserver.expect_request("/idp/.well-known/jwks.json").respond_with_json(
        {"keys": [signing_key.public_jwk()]}
    )
    return httpserver


def test_keys_are_found_through_discovery_over_real_http(
    client, api_settings, mint_token, http_identity_provider, monkeypatch, alice
):
    # The real fetch function and a fresh cache, against a server on loopback.
    monkeypatch.setattr(jwks, "jwks_fetch", REAL_JWKS_FETCH)
    monkeypatch.setattr(jwks, "jwks_cache", jwks.JwksCache())
    issuer = http_identity_provider.url_for("/idp")
    api_settings.API_ISSUER = issuer
    token = mint_token(iss=issuer)

    first = client.get(URL, headers=auth_header(token))
    second = client.get(URL, headers=auth_header(token))

    assert (first.status_code, second.status_code) == (200, 200)
    assert [request.path for request, _ in http_identity_provider.log] == [
        "/idp/.well-known/openid-configuration",
        "/idp/.well-known/jwks.json",
    ]


@pytest.mark.parametrize(
    ("issuer", "expected"),
    [
        (
            "https://fabrikam.eu.auth0.com/",
            "https://fabrikam.eu.auth0.com/.well-known/openid-configuration",
        ),
        ("http://localhost:8000/idp", "http://localhost:8000/idp/.well-known/openid-configuration"),
    ],
)
def test_discovery_is_found_whether_or_not_the_issuer_ends_in_a_slash(issuer, expected):
    assert jwks.discovery_url(issuer) == expected


def test_concurrent_unknown_kids_cause_a_single_fetch(api_settings):
    fetches = []

    def slow_fetch():
        fetches.append(1)
        time.sleep(0.05)
        return {"keys": []}

    cache = jwks.JwksCache(fetch=slow_fetch)
    cache.get("kid-0")  # the first load
    threads = [threading.Thread(target=cache.get, args=(f"kid-{n}",)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(fetches) == 2


def test_a_step_up_challenge_carries_acr_values_and_max_age():
    # RFC 9470 §3: the shape the transfer API will raise.
    challenge = bearer.BearerChallenge(
        "insufficient_user_authentication",
        "A second factor is required.",
        acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor",
        max_age=0,
    )

    assert challenge.status == 401
    assert challenge.www_authenticate() == (
        'Bearer realm="fabrikam-api", error="insufficient_user_authentication", '
        'error_description="A second factor is required.", '
        'acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor", max_age="0", '
        f"{DPOP}"
    )


def test_challenge_values_cannot_break_out_of_their_quotes():
    challenge = bearer.BearerChallenge("invalid_token", 'bad "quote" and \\ and \r\nInjected: 1')

    assert challenge.www_authenticate() == (
        'Bearer realm="fabrikam-api", error="invalid_token", '
        f'error_description="bad quote and  and Injected: 1", {DPOP}'
    )


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"sub": 12345}, "The token's sub or scope claim is malformed."),
        ({"sub": ["test|alice"]}, "The token's sub or scope claim is malformed."),
        ({"jti": 7}, "The token's claims are not accepted: JWT ID must be a string."),
        ({"aud": {"aud": AUDIENCE}}, "The token's claims are not accepted: Invalid audience"),
        ({"aud": [1, 2]}, "The token's claims are not accepted: Invalid audience"),
        ({"iss": [ISSUER]}, "The token's claims are not accepted: Invalid issuer"),
    ],
)
def test_signed_claims_of_the_wrong_shape_are_refused_not_crashed_on(
    client, mint_token, claims, description
):
    # Validly signed, so only the claim checks stand between these and the views.
    response = client.get(URL, headers=auth_header(mint_token(**claims)))
    assert_refused(response, invalid_token(description))
