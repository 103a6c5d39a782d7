/**
 * The demo's shared secrets, fixed so that a run can be replayed: the demo bank's webhook secret (the keeper checks
 * each payment report's `Bank-Signature` with it) and the demo operator's bearer token (contact details, proofs).
 * Local use only: a real keeper reads its own from its environment.
 */

/** The bank source the demo's payments come from: its name in each bank reference hash. */
export const DEMO_BANK = "DEMO-BANK";
/** At least 32 characters, as the keeper's config demands. */
export const DEMO_BANK_SECRET = "demo-bank-webhook-secret-not-for-production";

/** The lender's operator who sets the borrowers' contact details in the demo. */
export const DEMO_OPERATOR = "demo-operator";
export const DEMO_OPERATOR_TOKEN = "demo-operator-token-not-for-production";

/**
 * The keeper's environment for these credentials.
 *
 * @example
 * startKeeperProcess({ env: { ...demoCredentialsEnv(), KEEPER_RPC_URL: url } });
 */
export function demoCredentialsEnv(): Record<string, string> {
  return {
    KEEPER_BANK_WEBHOOK_SECRETS: JSON.stringify({ [DEMO_BANK]: DEMO_BANK_SECRET }),
    KEEPER_OPERATOR_TOKENS: JSON.stringify({ [DEMO_OPERATOR]: DEMO_OPERATOR_TOKEN }),
  };
}

/** The `Authorization` header of the demo operator's requests. */
export const operatorHeaders = (): Record<string, string> => ({ authorization: `Bearer ${DEMO_OPERATOR_TOKEN}` });
