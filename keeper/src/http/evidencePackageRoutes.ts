/**
 * `GET /api/loans/:id/evidence-package`: the loan's court evidence package (`evidence/exportEvidence.ts`, the same
 * as `loanbook evidence export`) as one `.tar.gz` download, for whoever may read the loan (the lender or claim
 * holder, an admin or operator, the notary, the loan's own borrower: `requireLoanAccess`). It is read from the chain
 * through the keeper's node, never from its database, except the contact log and its Merkle proofs, which are the
 * keeper's own records (each then proven on chain by `evidence verify`). Chromium prints the report's PDFs when it is
 * installed; otherwise the package holds the HTML report only and the `x-evidence-report` header says why.
 *
 * Exports run one at a time (each may start Chromium): a request waits for the one before it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Router } from "express";
import type { Logger } from "pino";
import type { Address, PublicClient } from "viem";
import type { Store } from "../adapters/store/openStore.ts";
import { EvidenceError } from "../evidence/evidenceError.ts";
import { exportEvidence } from "../evidence/exportEvidence.ts";
import { blockPath } from "../evidence/manifest.ts";
import { packTarGz } from "../evidence/tarGz.ts";
import type { Auth, AuthLocals } from "./auth/requireAuth.ts";
import { storeContactSource } from "./contactProof.ts";
import { loanIdOf } from "./loanEvidenceRoutes.ts";

export interface CreateEvidencePackageRouterParameters {
  readonly client: PublicClient;
  readonly loanBook: Address;
  /** Where the loan book's logs start (its deployment block). */
  readonly fromBlock: bigint;
  /** The contact log's store and the contract its roots are anchored on (null: none configured). */
  readonly contactStore: Pick<Store, "contacts" | "getActionByKey">;
  readonly evidenceAnchor: Address | null;
  /** Print the report's PDFs when Chromium is installed (true by default). */
  readonly pdf?: boolean;
  readonly auth: Pick<Auth, "requireLoanAccess">;
  readonly logger: Logger;
}

/**
 * @example
 * app.use(createEvidencePackageRouter({ client, loanBook, fromBlock, contactStore: store, evidenceAnchor, auth, logger }));
 */
export function createEvidencePackageRouter(parameters: CreateEvidencePackageRouterParameters): Router {
  const { client, loanBook, fromBlock, contactStore, evidenceAnchor, pdf = true, auth, logger } = parameters;
  const router = Router();
  let previous: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const next = previous.then(work, work);
    previous = next.catch(() => undefined);
    return next;
  };

  router.get("/api/loans/:id/evidence-package", auth.requireLoanAccess(loanIdOf), async (request, response) => {
    const loanId = (response.locals as AuthLocals).loan!.id;
    const origin = `${request.protocol}://${request.get("host")}`;
    const started = performance.now();
    try {
      const { archive, pdfSkipped, events } = await oneAtATime(async () => {
        const dir = mkdtempSync(join(tmpdir(), `loan-${loanId}-evidence-`));
        try {
          const exported = await exportEvidence({
            client,
            loanBook,
            loanId,
            outDir: join(dir, "package"),
            fromBlock,
            pdf,
            contactLog: storeContactSource(contactStore, evidenceAnchor, origin),
          });
          const { readAt } = exported.manifest;
          const header = JSON.parse(readFileSync(join(dir, "package", blockPath(readAt.blockNumber)), "utf8"));
          const archive = packTarGz(join(dir, "package"), {
            root: `loan-${loanId}-evidence`,
            mtime: Number(BigInt(header.timestamp)),
          });
          return { archive, pdfSkipped: exported.pdfSkipped, events: exported.manifest.events.length };
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
      logger.info(
        { loanId, events, bytes: archive.length, ms: Math.round(performance.now() - started) },
        "evidence package exported",
      );
      response.set({
        "content-type": "application/gzip",
        "content-disposition": `attachment; filename="loan-${loanId}-evidence.tar.gz"`,
        "x-evidence-report":
          pdfSkipped === null ? "html+pdf" : `html only: ${pdfSkipped}`.replace(/[^\x20-\x7e]/g, "?"),
      });
      response.send(archive);
    } catch (error) {
      if (error instanceof EvidenceError) {
        response.status(409).json({ error: { code: "no_evidence", message: error.message } });
        return;
      }
      logger.error({ loanId, err: error }, "evidence package failed");
      response.status(502).json({ error: { code: "node_error", message: "The chain could not be read; try again" } });
    }
  });
  return router;
}
