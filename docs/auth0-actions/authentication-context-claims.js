/**
 * Fabrikam step-up, Action 2 of 2: the authentication context, for the API and the web app.
 *
 * Login flow, post-login trigger, placed AFTER "require-mfa-for-transfers".
 *
 * Auth0 puts no `amr`, `acr` or `auth_time` in access tokens and reserves those names, so
 * this Action adds them as namespaced claims (the API reads them with API_CLAIM_NAMESPACE):
 *
 *   https://fabrikam.example/amr        e.g. ["pwd", "mfa"]
 *   https://fabrikam.example/acr        the PAPE multi-factor policy, when a factor was passed
 *   https://fabrikam.example/auth_time  when the SECOND FACTOR was passed (seconds)
 *
 * `auth_time` is the `mfa` method's own timestamp, never the latest of all methods: a
 * password typed a moment ago says nothing about how old the second factor is. The
 * methods are the session's, so an `mfa` from an earlier transaction keeps its old time,
 * and the API's "MFA within STEP_UP_MAX_AGE seconds" rule refuses it.
 *
 * Configure: the Action secret FABRIKAM_CLIENT_ID (as for Action 1), API_IDENTIFIER and
 * NAMESPACE below (NAMESPACE = the API's API_CLAIM_NAMESPACE).
 */
const MFA_POLICY = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
const API_IDENTIFIER = "https://api.fabrikam.example";
const NAMESPACE = "https://fabrikam.example/";

/** A method's timestamp (an ISO 8601 string) in whole seconds, or null if unreadable. */
function seconds(timestamp) {
  const milliseconds = typeof timestamp === "string" ? new Date(timestamp).getTime() : NaN;
  return Number.isFinite(milliseconds) ? Math.floor(milliseconds / 1000) : null;
}

exports.onExecutePostLogin = async (event, api) => {
  if (event.resource_server?.identifier !== API_IDENTIFIER) {
    return;
  }
  const clientId = event.secrets?.FABRIKAM_CLIENT_ID;
  if (!clientId) {
    api.access.deny("The Fabrikam step-up Action has no FABRIKAM_CLIENT_ID secret.");
    return;
  }
  if (event.client?.client_id !== clientId) {
    return;
  }

  const methods = event.authentication?.methods ?? [];
  // The most recent second factor of the session; entries without a readable time count
  // for nothing.
  const mfaTimes = methods
    .filter((method) => method.name === "mfa")
    .map((method) => seconds(method.timestamp))
    .filter((time) => time !== null);
  const mfaAt = mfaTimes.length ? Math.max(...mfaTimes) : null;

  const amr = [...new Set(methods.map((method) => method.name))].filter(
    (name) => typeof name === "string" && name !== "mfa",
  );
  if (mfaAt !== null) {
    amr.push("mfa");
  }

  for (const token of [api.accessToken, api.idToken]) {
    token.setCustomClaim(`${NAMESPACE}amr`, amr);
    if (mfaAt !== null) {
      token.setCustomClaim(`${NAMESPACE}acr`, MFA_POLICY);
      token.setCustomClaim(`${NAMESPACE}auth_time`, mfaAt);
    }
  }
};
