/**
 * The registry reporter: keeps the shared default registry (`DefaultRegistry`, named by the book's collateral watch)
 * in line with this book, so that other lenders see this book's open defaults and pledges at their originations.
 *
 * - Enrollment: an offer originated with an identity commitment (checked at the offer against a notary's attestation)
 *   has its loan bound to the commitment, once (`enrollIdentity`), with that attestation, which the chain checks again. The lender names this keeper as its reporter in the
 *   registry (`setReporter(keeper, true)`); without that the chain refuses and the action fails, visibly.
 * - Sync: each loan whose facts changed since the last check (a default, a settlement, a pledge released) is asked
 *   `pendingSync`; only a loan whose entries would change gets a `syncRegistry`, keyed by the block of its change, so
 *   no gas is spent on a loan the registry already has right.
 *
 * The chain decides what the entries say (`sync` derives them from the book's own state); the keeper only pays for
 * the transaction. At most once per `intervalSeconds` of chain time.
 */
import type { Address, Hex, PublicClient } from "viem";
import type { Logger } from "pino";
import { defaultRegistryAbi } from "../abi/collateral.ts";
import type { Store } from "../adapters/store/openStore.ts";
import type { PlanActionParameters } from "../adapters/store/types.ts";
import { ENROLL_KIND, REGISTRY_SYNC_KIND } from "./executor.ts";

/** How often the reporter looks by default (chain seconds). */
export const REGISTRY_CHECK_INTERVAL_SECONDS = 60n;
/** Blocks re-read before the last check's: a reorg rolls facts back, and a changed loan must not be missed. */
const REREAD_BLOCKS = 64n;
const PAGE_SIZE = 200;

/** An originated offer's loan, the identity commitment it was made with and the notary's attestation of it. */
export interface EnrollableLoan {
  readonly loanId: bigint;
  readonly commitment: Hex;
  readonly notary: Address;
  readonly signature: Hex;
}

export interface RegistryReporterParameters {
  readonly client: PublicClient;
  readonly store: Store;
  readonly loanBook: Address;
  readonly registry: Address;
  /** Originated loans with an identity commitment (the offers store); none when it is not given. */
  readonly enrollable?: () => readonly EnrollableLoan[];
  readonly logger: Logger;
  readonly intervalSeconds?: bigint;
}

/** The outbox row that enrolls `loan` (pure): one per loan, whatever its identity. */
export function enrollAction(loan: EnrollableLoan, now: bigint): PlanActionParameters {
  return {
    key: `${loan.loanId}:${ENROLL_KIND}`,
    loanId: loan.loanId,
    kind: ENROLL_KIND,
    installment: 0,
    validFrom: now,
    payload: { identity: loan.commitment, notary: loan.notary, signature: loan.signature },
  };
}

/** The outbox row that syncs a loan changed at block `updatedBlock` (pure). */
export function syncAction(loanId: bigint, updatedBlock: bigint, now: bigint): PlanActionParameters {
  return {
    key: `${loanId}:${REGISTRY_SYNC_KIND}:b${updatedBlock}`,
    loanId,
    kind: REGISTRY_SYNC_KIND,
    installment: 0,
    validFrom: now,
    payload: {},
  };
}

export function createRegistryReporter(parameters: RegistryReporterParameters) {
  const { client, store, loanBook, registry, logger } = parameters;
  const interval = parameters.intervalSeconds ?? REGISTRY_CHECK_INTERVAL_SECONDS;
  let lastCheck: bigint | null = null;
  /** The processed block of the last check: loans changed from a little before it are read again. */
  let checkedBlock = 0n;

  return {
    /** Plans the enrollments and syncs due at chain time `now`, block `processedBlock`; returns how many. */
    async check(now: bigint, processedBlock: bigint): Promise<{ enrolled: number; synced: number }> {
      if (lastCheck !== null && now < lastCheck + interval) return { enrolled: 0, synced: 0 };
      const enroll = (parameters.enrollable?.() ?? []).map((loan) => enrollAction(loan, now));
      let enrolled = 0;
      if (enroll.length !== 0) enrolled = store.planActions(enroll);

      let synced = 0;
      const since = checkedBlock > REREAD_BLOCKS ? checkedBlock - REREAD_BLOCKS : 0n;
      let after = 0n;
      for (;;) {
        const page = store.loansUpdatedSince(since, after, PAGE_SIZE);
        if (page.length === 0) break;
        after = page[page.length - 1].id;
        const pending = await Promise.all(
          page.map(
            (loan) =>
              client.readContract({
                address: registry,
                abi: defaultRegistryAbi,
                functionName: "pendingSync",
                args: [loanBook, loan.id],
              }) as Promise<boolean>,
          ),
        );
        const actions = page.filter((_, i) => pending[i]).map((loan) => syncAction(loan.id, loan.updatedBlock, now));
        if (actions.length !== 0) synced += store.planActions(actions);
        if (page.length < PAGE_SIZE) break;
      }
      if (enrolled + synced !== 0) logger.info({ enrolled, synced }, "default registry: entries to report");
      lastCheck = now;
      checkedBlock = processedBlock;
      return { enrolled, synced };
    },
  };
}

export type RegistryReporter = ReturnType<typeof createRegistryReporter>;
