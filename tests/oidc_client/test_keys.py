"""The client's key (OIDC_CLIENT_KEY, PEM or JWK) and its public half at /oidc/jwks.json,
which a provider registers by `jwks_uri`: never a private part."""

from __future__ import annotations

import json

from joserfc.jwk import ECKey, RSAKey

PRIVATE_PARTS = {"d", "p", "q", "dp", "dq", "qi"}


def test_the_jwks_shows_only_the_public_half_of_an_ec_key(client, settings):
    key = ECKey.generate_key("P-256", parameters={"kid": "client-1"}, private=True)
    settings.OIDC_CLIENT_KEY = json.dumps(key.as_dict(private=True))
    response = client.get("/oidc/jwks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    (published,) = response.json()["keys"]
    assert not PRIVATE_PARTS & set(published)
    assert published == {**key.as_dict(private=False), "use": "sig", "alg": "ES256"}


def test_the_jwks_shows_only_the_public_half_of_an_rsa_pem_named_by_its_thumbprint(
    client, settings
):
    key = RSAKey.generate_key(2048, private=True)
    settings.OIDC_CLIENT_KEY_FILE = None
    settings.OIDC_CLIENT_KEY = key.as_pem(private=True).decode()
    (published,) = client.get("/oidc/jwks.json").json()["keys"]
    assert not PRIVATE_PARTS & set(published)
    assert published["alg"] == "PS256" and published["kid"] == key.thumbprint()


def test_a_key_file_is_read(client, settings, tmp_path):
    key = ECKey.generate_key("P-256", private=True)
    path = tmp_path / "client.pem"
    path.write_bytes(key.as_pem(private=True))
    settings.OIDC_CLIENT_KEY_FILE = str(path)
    (published,) = client.get("/oidc/jwks.json").json()["keys"]
    assert published["x"] == key.as_dict()["x"]


def test_without_a_key_the_jwks_is_empty(client, settings):
    settings.OIDC_CLIENT_KEY = settings.OIDC_CLIENT_KEY_FILE = None
    assert client.get("/oidc/jwks.json").json() == {"keys": []}
