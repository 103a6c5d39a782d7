/**
 * Objecting to a default: the borrower picks its evidence file, the page hashes it (keccak256, in the browser: the
 * file never leaves the machine) and `fileObjection` records the hash on chain, which freezes enforcement until a
 * notary or a mediator decides, or the template's objection window ends.
 */
import { keccak256, type Address, type Hex } from "viem";
import type { LoanJson } from "../../api.ts";
import { loanBookAbi, type BookChain } from "../../chain.ts";
import { h } from "../../dom.ts";
import { actionPanel } from "../actionPanel.ts";
import type { ViewContext } from "../context.ts";

/** keccak256 of a file's bytes, as 0x hex. */
export const fileHash = async (file: File): Promise<Hex> => keccak256(new Uint8Array(await file.arrayBuffer()));

export function objectionPanel(context: ViewContext, book: BookChain, loan: LoanJson): HTMLElement {
  const { t } = context;
  const file = h("input", { type: "file", "data-testid": "objection-file", "aria-label": t("objectionEvidence") });
  const shown = h("code", { class: "hash", "data-testid": "objection-hash" });
  file.addEventListener("change", async () => {
    const picked = file.files?.[0];
    shown.textContent = picked === undefined ? "" : await fileHash(picked);
  });
  return actionPanel(context, {
    name: "objection",
    title: t("fileObjection"),
    body: [h("p", { class: "notice" }, t("objectionIntro")), h("label", {}, t("objectionEvidence"), file), shown],
    button: t("fileObjection"),
    async run() {
      const picked = file.files?.[0];
      if (picked === undefined) throw new Error(t("objectionNoFile"));
      const evidenceHash = await fileHash(picked);
      const receipt = await book.write(loan.borrower as Address, {
        abi: loanBookAbi,
        functionName: "fileObjection",
        args: [BigInt(loan.id), evidenceHash],
      });
      return receipt.transactionHash;
    },
  });
}
