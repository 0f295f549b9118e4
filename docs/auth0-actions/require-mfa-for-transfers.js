/**
 * Fabrikam step-up, Action 1 of 2: a fresh second factor before money can move.
 *
 * Login flow, post-login trigger, placed BEFORE "authentication-context-claims".
 *
 * When the Fabrikam web application asks the Fabrikam API for `transfer:funds`, or asks for
 * the multi-factor policy in `acr_values`, the user must pass a one-time-password challenge.
 * `api.authentication.challengeWith` pauses the flow until the factor is passed; the next
 * Action then runs and sees the completed factor in `event.authentication.methods`.
 * (`api.multifactor.enable` would not do: its challenge runs after the whole flow, so no
 * Action of this login would ever see the second factor.)
 *
 * Configure: the Action secret FABRIKAM_CLIENT_ID = the web application's client id
 * (AUTH0_CLIENT_ID), and API_IDENTIFIER below = the API's identifier (AUTH0_AUDIENCE).
 */
const MFA_POLICY = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
const API_IDENTIFIER = "https://api.fabrikam.example";
const STEP_UP_SCOPES = ["transfer:funds"];

exports.onExecutePostLogin = async (event, api) => {
  // Only requests for this API: other applications and APIs of the tenant are left alone.
  if (event.resource_server?.identifier !== API_IDENTIFIER) {
    return;
  }
  const clientId = event.secrets?.FABRIKAM_CLIENT_ID;
  if (!clientId) {
    // Fail loudly rather than hand out tokens without a second factor.
    api.access.deny("The Fabrikam step-up Action has no FABRIKAM_CLIENT_ID secret.");
    return;
  }
  if (event.client?.client_id !== clientId) {
    // Another application of the tenant: it gets no second factor here, so the API
    // (API_TRANSFER_CLIENTS, recent MFA) refuses any transfer token it obtains.
    return;
  }

  const scopes = event.transaction?.requested_scopes ?? [];
  const acrValues = event.transaction?.acr_values ?? [];
  if (STEP_UP_SCOPES.some((scope) => scopes.includes(scope)) || acrValues.includes(MFA_POLICY)) {
    // Asked in every such transaction: a factor passed earlier in the session does not
    // count, only one passed in this transaction does. The user must already be enrolled
    // in OTP; if not, Auth0 fails the login instead of skipping the factor.
    api.authentication.challengeWith({ type: "otp" });
  }
};
