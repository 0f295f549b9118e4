// A certified OpenID Provider (panva's oidc-provider 9) in its FAPI 2.0 profile, for the
// web client's interop test (tests/interop/test_fapi2_client.py). Loopback only.
//
//   node fapi2_provider.mjs <port> <client_id> <redirect_uri> <client JWKS as JSON>
//
// Prints "ready <issuer>" once it listens; stops when its stdin closes (the test ends).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, clientId, redirectUri, clientJwks] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

// The provider's own signing key: ES256, one of the algorithms FAPI 2.0 allows.
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'op-es256', use: 'sig', alg: 'ES256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'private_key_jwt', // RFC 7523: the client's key, no secret
    jwks: JSON.parse(clientJwks), // what the web client serves at /oidc/jwks.json
    id_token_signed_response_alg: 'ES256',
    dpop_bound_access_tokens: true, // refuse a token request without a DPoP proof
  }],
  jwks: { keys: [signingKey] },
  features: {
    fapi: { enabled: true, profile: '2.0' },
    // Nonces always required, so the client's use_dpop_nonce retry is exercised too.
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    pushedAuthorizationRequests: { required: true },
    devInteractions: { enabled: true }, // the built-in login and consent forms
  },
  enabledJWA: {
    clientAuthSigningAlgValues: ['ES256', 'PS256'],
    idTokenSigningAlgValues: ['ES256', 'PS256'],
    dPoPSigningAlgValues: ['ES256', 'PS256'],
  },
  claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
  // devInteractions accepts any login; the account is that login.
  async findAccount(ctx, sub) {
    return { accountId: sub, claims: async () => ({ sub, email: `${sub}@interop.example`, name: sub }) };
  },
});

const server = provider.listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
