// A standard CIBA client (panva's openid-client, certified) against the embedded IdP:
// discovery, initiateBackchannelAuthentication, then pollBackchannelAuthenticationGrant,
// which honours `interval` and `slow_down` itself. Prints one JSON line for the test:
// what the IdP answered and the claims openid-client validated (never the tokens).
//
//   node ciba_poll.mjs <issuer> <client_id> <client_secret> <login_hint> <details JSON>
import * as client from "openid-client";

const [issuer, clientId, clientSecret, loginHint, details] = process.argv.slice(2);

try {
  const config = await client.discovery(
    new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret),
    { execute: [client.allowInsecureRequests] }, // the test server is plain http on loopback
  );
  const started = await client.initiateBackchannelAuthentication(config, {
    scope: "openid transfer:funds",
    login_hint: loginHint,
    binding_message: "FAB-0424",
    authorization_details: details,
  });
  process.stderr.write("started\n");
  const tokens = await client.pollBackchannelAuthenticationGrant(config, started);
  const access = JSON.parse(Buffer.from(tokens.access_token.split(".")[1], "base64url"));
  console.log(JSON.stringify({
    expires_in: started.expires_in,
    interval: started.interval,
    id_token_claims: tokens.claims(),
    access_token_claims: access,
    authorization_details: tokens.authorization_details,
  }));
} catch (error) {
  console.log(JSON.stringify({ error: error.error || error.code || String(error), description: error.error_description }));
  process.exitCode = 1;
}
