"""Web client: OpenID Connect sign-in, sign-out and step-up for a Django site.

A self-contained app: copy this folder, add "oidc_client" to INSTALLED_APPS and its
middleware, include its URLs, set OIDC_ISSUER and OIDC_CLIENT_ID. See docs/copying.md.
It imports nothing outside itself.
"""
