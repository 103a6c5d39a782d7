/**
 * `#/notary`: the signed offers waiting for the signed-in notary's notarization (`notary/offers.ts`), then the
 * defaults waiting for its execution certificate (`/api/notary/queue`), each with the three documents' hashes the
 * claim holder applied with and the chain facts behind the default. The notary signs the EIP-712
 * `ExecutionCertificate` in its wallet and submits `certify` from its own account: the chain checks again that the
 * loan is in default and that the notary is registered and no party to it.
 */
import type { Address, Hex } from "viem";
import { getJson, type LoanJson } from "../api.ts";
import { bookChain, loanBookAbi, unorderedNonce, type BookChain } from "../chain.ts";
import { h } from "../dom.ts";
import { executionCertificateTypedData } from "../../../src/core/typedData.ts";
import { actionPanel } from "./actionPanel.ts";
import { notarizationQueue } from "./notary/offers.ts";
import { formatAmount, formatDate, type View, type ViewContext } from "./context.ts";

/** How long the notary's signature may wait to be submitted (chain seconds). */
const SIGNATURE_VALIDITY_SECONDS = 3_600n;

interface ChainEventJson {
  readonly args: Readonly<Record<string, string>>;
  readonly blockNumber: string;
  readonly txHash: Hex;
}

interface QueueItemJson {
  readonly loan: LoanJson;
  readonly application: {
    readonly debtInstrumentHash: Hex;
    readonly defaultProofHash: Hex;
    readonly identityProofHash: Hex;
    readonly appliedBy: string;
    readonly appliedAtMs: string;
  };
  readonly debtInstrumentMatches: boolean;
  readonly facts: {
    readonly origination: ChainEventJson | null;
    readonly default: ChainEventJson | null;
    readonly grounds: {
      readonly oldestUnpaidInstallment: number;
      readonly missedInstallments: number;
      readonly dueTime: string | null;
      readonly daysPastDue: number | null;
    } | null;
    readonly payments: number;
  };
}

const definitions = (rows: readonly [string, Node | string][]) =>
  h("dl", {}, ...rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));

/** `#3 · 2 missed · Mar 1, 2027 · 35 days past due` (the date and the days while the schedule is known). */
function groundsText({ t, ...context }: ViewContext, grounds: QueueItemJson["facts"]["grounds"]): string {
  if (grounds === null) return "—";
  const parts = [`#${grounds.oldestUnpaidInstallment}`, `${grounds.missedInstallments} ${t("missed")}`];
  if (grounds.dueTime !== null) parts.push(formatDate({ t, ...context }, grounds.dueTime));
  if (grounds.daysPastDue !== null) parts.push(`${grounds.daysPastDue} ${t("daysPastDue")}`);
  return parts.join(" · ");
}

const hash = (value: string) => h("code", { class: "hash" }, value);

function certifyPanel(context: ViewContext, book: BookChain, notary: Address, item: QueueItemJson): HTMLElement {
  const { t } = context;
  return actionPanel(context, {
    name: "certify",
    title: t("certifyDefault"),
    body: [h("p", { class: "notice" }, t("certifyIntro"))],
    button: t("signAndSubmit"),
    async run() {
      const params = {
        loanId: BigInt(item.loan.id),
        debtInstrumentHash: item.application.debtInstrumentHash,
        defaultProofHash: item.application.defaultProofHash,
        identityProofHash: item.application.identityProofHash,
      };
      const nonce = unorderedNonce();
      const deadline = (await book.latestBlockTime()) + SIGNATURE_VALIDITY_SECONDS;
      const signature = await book.signTypedData(
        notary,
        executionCertificateTypedData(book.chainId, book.loanBook, { ...params, nonce, deadline }),
      );
      const receipt = await book.write(notary, {
        abi: loanBookAbi,
        functionName: "certify",
        args: [params, { signer: notary, nonce, deadline, signature }],
      });
      return receipt.transactionHash;
    },
  });
}

function queueCard(context: ViewContext, book: BookChain | null, notary: Address, item: QueueItemJson): HTMLElement {
  const { t } = context;
  const { loan, application, facts } = item;
  const defaultEvent = facts.default;
  return h(
    "li",
    { class: "card", "data-loan-id": loan.id },
    h("strong", {}, `${t("loan")} #${loan.id}`),
    definitions([
      [t("borrowerAddress"), hash(loan.borrower)],
      [t("claimHolder"), hash(loan.claimHolder)],
      [t("principal"), formatAmount(context, loan.principal)],
    ]),
    h("h4", {}, t("documents")),
    definitions([
      [
        t("debtInstrument"),
        h(
          "span",
          {},
          hash(application.debtInstrumentHash),
          h(
            "span",
            { class: item.debtInstrumentMatches ? "check ok" : "check error", "data-testid": "instrument-check" },
            item.debtInstrumentMatches ? t("matchesNotarized") : t("differsFromNotarized"),
          ),
        ),
      ],
      [t("defaultProof"), hash(application.defaultProofHash)],
      [t("identityProof"), hash(application.identityProofHash)],
    ]),
    h("h4", {}, t("chainFacts")),
    definitions([
      [
        t("defaultDeclared"),
        defaultEvent === null
          ? "—"
          : h("span", {}, `${t("block")} ${defaultEvent.blockNumber} · `, hash(defaultEvent.txHash)),
      ],
      [t("oldestUnpaid"), groundsText(context, facts.grounds)],
      [t("paymentsMade"), String(facts.payments)],
    ]),
    ...(book === null ? [] : [certifyPanel(context, book, notary, item)]),
  );
}

export const notaryView: View = async (context) => {
  const { t, session, wallet } = context;
  const section = h("section", { "data-view": "notary" }, h("h2", {}, t("notaryTitle")));
  if (session === null || !session.roles.includes("notary")) {
    section.append(h("p", { class: "notice", "data-testid": "notary-only" }, t("notaryOnly")));
    return section;
  }
  const book = bookChain(wallet.provider, context.display);
  const [{ items }, offers] = await Promise.all([
    getJson<{ items: QueueItemJson[] }>("/api/notary/queue"),
    notarizationQueue(context, book, session.address),
  ]);
  section.append(offers, h("h3", {}, t("defaultsToCertify")), h("p", { class: "notice" }, t("notaryIntro")));
  section.append(
    items.length === 0
      ? h("p", { class: "notice", "data-testid": "queue-empty" }, t("nothingToNotarize"))
      : h(
          "ul",
          { class: "cards wide", "data-testid": "notary-queue" },
          ...items.map((item) => queueCard(context, book, session.address, item)),
        ),
  );
  return section;
};
