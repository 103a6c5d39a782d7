/**
 * A loan's paperwork before origination, through the keeper: the lender offers exact terms (`POST /api/offers`), the
 * borrower signs them in its wallet as EIP-712 `LoanAcceptance` (`POST /api/offers/:id/acceptance`), a notary as
 * `Notarization` (`POST /api/offers/:id/notarization`), and the lender originates from its own account with both
 * signatures (`GET /api/offers?state=ready`). Each signature is checked when it comes in (EOA or ERC-1271 wallet,
 * through the chain), so a wrong one is refused at once instead of reverting the origination later.
 *
 * With `checks`, an offer first goes through the origination checks (`core/originationChecks.ts`: the borrower's
 * identity attestation, the shared default registry, the collateral free, its value fresh, the principal within the
 * loan-to-value limit). A refused one is not stored: it answers 422 `origination_refused` with its reason codes and
 * is recorded in `origination_refusals`, which `GET /api/originations/refusals` lists and counts. Flags (an open
 * default elsewhere under a `Flag` policy) are stored on the offer.
 */
import express, { Router, type Request, type Response } from "express";
import type { Logger } from "pino";
import {
  BaseError,
  ContractFunctionRevertedError,
  getAddress,
  isAddressEqual,
  zeroAddress,
  zeroHash,
  type Address,
  type Hex,
} from "viem";
import { z } from "zod";
import type { OfferState, OriginationOffer, OriginationOffers } from "../adapters/store/originationOffers.ts";
import type { OriginationRefusals } from "../adapters/store/originationRefusals.ts";
import { checkOrigination, type OriginationChainReads } from "../core/originationChecks.ts";
import { loanAcceptanceTypedData, notarizationTypedData } from "../core/typedData.ts";
import type { Auth, AuthLocals, Principal } from "./auth/requireAuth.ts";
import { badRequest, DECIMAL } from "./validation.ts";

/** Checks a typed-data signature by `address` (viem's `verifyTypedData`, which calls ERC-1271 wallets). */
export type VerifyTypedData = (parameters: {
  address: Address;
  signature: Hex;
  domain: ReturnType<typeof loanAcceptanceTypedData>["domain"];
  types: Record<string, readonly { name: string; type: string }[]>;
  primaryType: string;
  message: object;
}) => Promise<boolean>;

export interface CreateOriginationRouterParameters {
  readonly offers: OriginationOffers;
  readonly guard: Auth;
  readonly chainId: number;
  readonly loanBook: Address;
  readonly verifyTypedData: VerifyTypedData;
  /** Chain time, unix seconds: an offer's deadline counts from it. */
  readonly chainNow: () => bigint;
  /** Wall clock, unix ms. */
  readonly clock: () => number;
  readonly logger: Logger;
  /** The origination checks' chain reads and the record of refusals; without them offers are stored unchecked. */
  readonly checks?: {
    readonly reads: OriginationChainReads;
    readonly refusals: OriginationRefusals;
  };
}

/** How long an offer's signatures stay usable by default, and at most (chain seconds). */
export const OFFER_VALIDITY_SECONDS = 7 * 86_400;
export const MAX_OFFER_VALIDITY_SECONDS = 30 * 86_400;
/** The most offers one listing returns. */
const LIST_LIMIT = 200;
const UINT128_MAX = 2n ** 128n - 1n;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const SIGNATURE = /^0x[0-9a-fA-F]{130,}$/;
const address = (name: string) => z.string().regex(ADDRESS, `${name} must be a 0x-prefixed 20-byte address`);
const amount = (name: string, max: bigint) =>
  z
    .string()
    .regex(DECIMAL, `${name} must be a decimal integer string (token units)`)
    .transform(BigInt)
    .refine((value) => value <= max, `${name} is too large`);

const offerBody = z
  .object({
    templateId: amount("templateId", 2n ** 64n).refine((id) => id > 0n, "templateId must be at least 1"),
    principal: amount("principal", UINT128_MAX).refine((value) => value > 0n, "principal must be positive"),
    borrower: address("borrower"),
    documentHash: z
      .string()
      .regex(BYTES32, "documentHash must be a 32-byte hex hash")
      .refine((hash) => hash !== zeroHash, "documentHash must not be zero"),
    collateral: z
      .object({
        token: address("collateral.token"),
        amountOrId: amount("collateral.amountOrId", 2n ** 256n - 1n),
        assetHash: z.string().regex(BYTES32, "collateral.assetHash must be a 32-byte hex hash"),
      })
      .strict()
      .optional(),
    validForSeconds: z.number().int().min(60).max(MAX_OFFER_VALIDITY_SECONDS).optional(),
    /** The borrower's identity commitment (`core/identityCommitment.ts`) and a notary's attestation of it. */
    identity: z
      .object({
        commitment: z
          .string()
          .regex(BYTES32, "identity.commitment must be a 32-byte hex hash")
          .refine((hash) => hash !== zeroHash, "identity.commitment must not be zero"),
        attestedBy: address("identity.attestedBy"),
        signature: z.string().regex(SIGNATURE, "identity.signature must be 0x-prefixed hex of 65 bytes or more"),
      })
      .strict()
      .optional(),
  })
  .strict();

const signatureBody = z
  .object({ signature: z.string().regex(SIGNATURE, "signature must be 0x-prefixed hex of 65 bytes or more") })
  .strict();
const offerId = z.string().regex(DECIMAL, "Offer id must be a decimal integer").transform(Number);
const listQuery = z
  .object({ state: z.enum(["awaitingBorrower", "awaitingNotary", "ready", "originated"]).optional() })
  .strict();
const refusalsQuery = z
  .object({ limit: z.string().regex(DECIMAL, "limit must be a decimal integer").transform(Number).optional() })
  .strict()
  .refine(
    ({ limit }) => limit === undefined || (limit >= 1 && limit <= LIST_LIMIT),
    `limit must be 1 to ${LIST_LIMIT}`,
  );

/** A fresh keyed nonce: a random 64-bit lane of its own, sequence 0 (`NoncesKeyed`). */
const freshNonce = (): bigint => {
  const lane = crypto.getRandomValues(new BigUint64Array(1))[0]!;
  return (lane | 1n) << 64n;
};

const refuse = (response: Response, status: number, code: string, message: string) => {
  response.status(status).json({ error: { code, message } });
};

/** What both signatures sign, for offer `offer`. */
const termsOf = (offer: OriginationOffer, nonce: bigint) => ({
  templateId: offer.templateId,
  principal: offer.principal,
  borrower: offer.borrower,
  lender: offer.lender,
  documentHash: offer.documentHash,
  collateral: offer.collateral,
  nonce,
  deadline: offer.deadline,
});

const addressOf = (principal: Principal): Address | null => (principal.kind === "operator" ? null : principal.address);

/**
 * The offer routes, mounted by `createHttpServer` when sign-in is on.
 *
 * @example
 * app.use(createOriginationRouter({ offers, guard, chainId, loanBook, verifyTypedData, chainNow, clock, logger }));
 */
export function createOriginationRouter(parameters: CreateOriginationRouterParameters): Router {
  const { offers, guard, chainId, loanBook, verifyTypedData, chainNow, clock, logger, checks } = parameters;
  const router = Router();
  const json = express.json({ limit: "8kb", type: () => true });

  /** The offer of `:id`, or a refusal sent (400 or 404). */
  const offerOf = (request: Request, response: Response): OriginationOffer | undefined => {
    const id = offerId.safeParse(request.params.id);
    if (!id.success) return void badRequest(response, "Invalid offer id", id.error);
    const offer = Number.isSafeInteger(id.data) ? offers.get(id.data) : undefined;
    if (offer === undefined) return void refuse(response, 404, "unknown_offer", `No offer ${request.params.id}`);
    return offer;
  };
  const signatureOf = (request: Request, response: Response): Hex | undefined => {
    const body = signatureBody.safeParse(request.body ?? {});
    if (!body.success) return void badRequest(response, 'The body must be { "signature" }', body.error);
    return body.data.signature as Hex;
  };
  const expired = (offer: OriginationOffer, response: Response): boolean => {
    if (chainNow() <= offer.deadline) return false;
    refuse(response, 410, "offer_expired", `Offer ${offer.id} expired at ${offer.deadline}`);
    return true;
  };

  router.post("/api/offers", guard.requireRole("lender", "admin"), json, async (request, response) => {
    const lender = addressOf((response.locals as AuthLocals).principal);
    if (lender === null) return refuse(response, 403, "wrong_principal", "An offer is made by a lender's address");
    const body = offerBody.safeParse(request.body ?? {});
    if (!body.success) return badRequest(response, "Invalid offer", body.error, "bad_offer");
    const {
      validForSeconds = OFFER_VALIDITY_SECONDS,
      collateral: collateralBody,
      identity: identityBody,
      ...terms
    } = body.data;
    // Addresses in lower case: viem takes them so whatever their checksum, and the store writes them checksummed.
    const borrower = terms.borrower.toLowerCase() as Address;
    if (isAddressEqual(borrower, lender))
      return refuse(response, 400, "bad_offer", "The borrower cannot be the lender");
    const collateral = collateralBody
      ? {
          ...collateralBody,
          token: collateralBody.token.toLowerCase() as Address,
          assetHash: collateralBody.assetHash.toLowerCase() as Hex,
        }
      : { token: zeroAddress, amountOrId: 0n, assetHash: zeroHash };
    const identity = identityBody && {
      commitment: identityBody.commitment.toLowerCase() as Hex,
      attestedBy: identityBody.attestedBy.toLowerCase() as Address,
      signature: identityBody.signature as Hex,
    };

    let flags: string[] = [];
    if (checks !== undefined) {
      const offered = { templateId: terms.templateId, principal: terms.principal, borrower, collateral, identity };
      let outcome;
      try {
        outcome = await checkOrigination(offered, { reads: checks.reads, verifyTypedData, chainId, loanBook });
      } catch (error) {
        // A view that reverts refuses these terms (an unknown template, say); anything else is the node's failure.
        if (error instanceof BaseError && error.walk((cause) => cause instanceof ContractFunctionRevertedError))
          return refuse(response, 400, "bad_offer", "The chain cannot check these terms (is the template published?)");
        logger.warn({ err: error, lender, borrower }, "origination checks could not read the chain");
        return refuse(response, 503, "chain_unavailable", "The origination checks could not read the chain; try again");
      }
      if (outcome.refusals.length > 0) {
        const refusal = checks.refusals.record({
          atMs: clock(),
          lender,
          borrower,
          templateId: terms.templateId,
          principal: terms.principal,
          identity: identity?.commitment ?? null,
          reasons: outcome.refusals,
          flags: outcome.flags,
        });
        logger.info({ refusal: refusal.id, borrower, lender, reasons: outcome.refusals }, "loan offer refused");
        response.status(422).json({
          error: {
            code: "origination_refused",
            message: `The origination checks refuse this offer: ${outcome.refusals.join(", ")}`,
            reasons: outcome.refusals,
          },
        });
        return;
      }
      flags = outcome.flags;
    }

    const offer = offers.create(
      {
        ...terms,
        borrower: getAddress(borrower),
        lender,
        documentHash: terms.documentHash.toLowerCase() as Hex,
        collateral,
        deadline: chainNow() + BigInt(validForSeconds),
        borrowerNonce: freshNonce(),
        notaryNonce: freshNonce(),
        flags,
        // Kept only when the checks verified its attestation: the keeper enrolls it in the default registry.
        identity:
          checks !== undefined && identity
            ? { commitment: identity.commitment, notary: identity.attestedBy, signature: identity.signature }
            : null,
      },
      lender,
      clock(),
    );
    logger.info({ offer: offer.id, borrower: offer.borrower, lender, flags }, "loan offered");
    response.status(201).json(offer);
  });

  router.get("/api/originations/refusals", guard.requireRole("lender", "admin"), (request, response) => {
    if (checks === undefined) return refuse(response, 404, "not_found", "The origination checks are not on");
    const query = refusalsQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
    const principal = (response.locals as AuthLocals).principal;
    const lender = principal.kind === "operator" || principal.roles.includes("admin") ? null : principal.address;
    response.set("Cache-Control", "no-store").json({
      // Bigints (template id, principal) become decimal strings through the app's JSON replacer.
      refusals: checks.refusals.list(lender, query.data.limit ?? LIST_LIMIT),
      counts: checks.refusals.counts(lender),
    });
  });

  router.get("/api/offers", guard.requireRole("lender", "admin"), (request, response) => {
    const query = listQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
    const principal = (response.locals as AuthLocals).principal;
    const lender = principal.kind === "operator" || principal.roles.includes("admin") ? null : principal.address;
    const states: OfferState[] = query.data.state
      ? [query.data.state]
      : ["awaitingBorrower", "awaitingNotary", "ready"];
    const listed = states
      .flatMap((state) => offers.inState(state, LIST_LIMIT))
      .filter((offer) => lender === null || isAddressEqual(offer.lender, lender));
    response.set("Cache-Control", "no-store").json({ offers: listed, asOf: chainNow() });
  });

  router.get("/api/me/offers", guard.requireSession, (_request, response) => {
    const address = addressOf((response.locals as AuthLocals).principal)!;
    response.set("Cache-Control", "no-store").json({ offers: offers.ofBorrower(address), asOf: chainNow() });
  });

  router.post("/api/offers/:id/acceptance", guard.requireSession, json, async (request, response) => {
    const offer = offerOf(request, response);
    if (offer === undefined) return;
    const address = addressOf((response.locals as AuthLocals).principal)!;
    if (!isAddressEqual(address, offer.borrower))
      return refuse(response, 403, "not_your_offer", `Offer ${offer.id} is made to another borrower`);
    const signature = signatureOf(request, response);
    if (signature === undefined || expired(offer, response)) return;
    if (offer.state !== "awaitingBorrower")
      return refuse(response, 409, "already_accepted", `Offer ${offer.id} is accepted already`);
    const typedData = loanAcceptanceTypedData(chainId, loanBook, termsOf(offer, offer.borrowerNonce));
    if (!(await verifyTypedData({ ...typedData, address, signature })))
      return refuse(response, 400, "bad_signature", "The signature is not the borrower's over these terms");
    if (!offers.accept(offer.id, signature))
      return refuse(response, 409, "already_accepted", `Offer ${offer.id} is accepted already`);
    logger.info({ offer: offer.id, borrower: address }, "loan offer accepted");
    response.json(offers.get(offer.id));
  });

  router.get("/api/notary/offers", guard.requireRole("notary"), (request, response) => {
    if (Object.keys(request.query).length > 0) return refuse(response, 400, "bad_request", "No query parameters");
    const notary = addressOf((response.locals as AuthLocals).principal);
    const waiting = offers
      .inState("awaitingNotary", LIST_LIMIT)
      .filter(
        (offer) => notary === null || ![offer.borrower, offer.lender].some((party) => isAddressEqual(party, notary)),
      );
    response.set("Cache-Control", "no-store").json({ offers: waiting, asOf: chainNow() });
  });

  router.post("/api/offers/:id/notarization", guard.requireRole("notary"), json, async (request, response) => {
    const offer = offerOf(request, response);
    if (offer === undefined) return;
    const notary = addressOf((response.locals as AuthLocals).principal);
    if (notary === null) return refuse(response, 403, "wrong_principal", "A notarization is a notary's signature");
    if ([offer.borrower, offer.lender].some((party) => isAddressEqual(party, notary)))
      return refuse(response, 403, "notary_is_party", `The notary is a party to offer ${offer.id}`);
    const signature = signatureOf(request, response);
    if (signature === undefined || expired(offer, response)) return;
    if (offer.state !== "awaitingNotary")
      return refuse(response, 409, "not_awaiting_notary", `Offer ${offer.id} is ${offer.state}`);
    const typedData = notarizationTypedData(chainId, loanBook, termsOf(offer, offer.notaryNonce));
    if (!(await verifyTypedData({ ...typedData, address: notary, signature })))
      return refuse(response, 400, "bad_signature", "The signature is not the notary's over these terms");
    if (!offers.notarize(offer.id, notary, signature))
      return refuse(response, 409, "not_awaiting_notary", `Offer ${offer.id} is notarized already`);
    logger.info({ offer: offer.id, notary }, "loan offer notarized");
    response.json(offers.get(offer.id));
  });

  return router;
}
