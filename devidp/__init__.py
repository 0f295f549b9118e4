"""An embedded, Auth0-like OpenID Provider for development and demos.

Nothing outside this app imports it: a real project deletes `devidp/`, sets DEVIDP_ENABLED
off and points OIDC_ISSUER (or AUTH0_DOMAIN) at its tenant.
"""
