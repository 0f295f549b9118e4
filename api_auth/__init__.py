"""API guard: validates JWT access tokens for a Django resource API.

A self-contained app: copy this folder, add "api_auth" to INSTALLED_APPS, set API_ISSUER and
API_AUDIENCE. See docs/copying.md. It imports nothing outside itself.
"""
