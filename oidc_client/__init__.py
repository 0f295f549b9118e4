"""Web client: OpenID Connect sign-in, sign-out and step-up for a Django site.

A self-contained app: copy this folder, add "oidc_client" to INSTALLED_APPS and its
middleware, include its URLs, set OIDC_ISSUER and OIDC_CLIENT_ID. See docs/copying.md.
It imports nothing outside itself.

OIDC_PROFILE="fapi2" makes it a FAPI 2.0 client (PAR, private_key_jwt, DPoP, PS256/ES256
ID tokens); `session.api_auth(request)` sends its tokens to an API, Bearer or DPoP.
"""
