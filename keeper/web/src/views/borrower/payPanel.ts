/**
 * Paying an installment from the wallet: the amount due now (read on chain, editable), then `repay`. When the token's
 * allowance is short, a token with EIP-2612 signs a `Permit` for the exact amount and `repayWithPermit` pays in one
 * transaction (no standing allowance is left behind); any other token gets an `approve` first. An amount above the
 * wallet's balance is refused before anything is signed or sent. The chain's waterfall credits penalty, interest and
 * principal in that order.
 */
import { erc20Abi, formatUnits, parseSignature, parseUnits, type Address, type TypedDataDomain } from "viem";
import type { LoanJson } from "../../api.ts";
import { ChainWriteError, loanBookAbi, type BookChain } from "../../chain.ts";
import { h } from "../../dom.ts";
import { testTokenAbi } from "../../../../src/abi/loanBook.ts";
import { permitTypes } from "../../../../src/core/typedData.ts";
import { actionPanel } from "../actionPanel.ts";
import { formatAmount, type ViewContext } from "../context.ts";

/** How long a permit may wait to be used (chain seconds). */
const PERMIT_VALIDITY_SECONDS = 3_600n;

/** The token's EIP-712 domain (EIP-5267), or null when it does not say: then it has no permit to rely on. */
async function permitDomain(book: BookChain, token: Address): Promise<TypedDataDomain | null> {
  try {
    const [, name, version, chainId, verifyingContract] = (await book.read({
      abi: testTokenAbi,
      address: token,
      functionName: "eip712Domain",
      args: [],
    })) as readonly [unknown, string, string, bigint, Address];
    return { name, version, chainId: Number(chainId), verifyingContract };
  } catch {
    return null;
  }
}

/** The pay panel of `loan`, suggesting `suggested` (default: `amountDue` on chain, what is due now). */
export async function payPanel(
  context: ViewContext,
  book: BookChain,
  loan: LoanJson,
  suggested?: bigint,
): Promise<HTMLElement> {
  const { t, display } = context;
  const loanId = BigInt(loan.id);
  const borrower = loan.borrower as Address;
  const [due, template] = await Promise.all([
    suggested ?? (book.read({ abi: loanBookAbi, functionName: "amountDue", args: [loanId] }) as Promise<bigint>),
    book.read({ abi: loanBookAbi, functionName: "templateOf", args: [BigInt(loan.templateId)] }) as Promise<{
      token: Address;
    }>,
  ]);
  const token = template.token;
  const input = h("input", {
    type: "text",
    inputmode: "decimal",
    "data-testid": "pay-amount",
    "aria-label": t("payAmount"),
    value: formatUnits(due, display.tokenDecimals),
  });
  const readToken = (functionName: "balanceOf" | "allowance", args: readonly Address[]) =>
    book.read({ abi: erc20Abi, address: token, functionName, args } as never) as Promise<bigint>;

  /** `repayWithPermit` with a permit for exactly `amount`, signed now. */
  const payWithPermit = async (domain: TypedDataDomain, amount: bigint) => {
    const nonce = (await book.read({
      abi: testTokenAbi,
      address: token,
      functionName: "nonces",
      args: [borrower],
    })) as bigint;
    const deadline = (await book.latestBlockTime()) + PERMIT_VALIDITY_SECONDS;
    const message = { owner: borrower, spender: book.loanBook, value: amount, nonce, deadline };
    const signature = await book.signTypedData(borrower, {
      domain,
      types: permitTypes,
      primaryType: "Permit",
      message,
    });
    const { v, r, s } = parseSignature(signature);
    return book.write(borrower, {
      abi: loanBookAbi,
      functionName: "repayWithPermit",
      args: [loanId, amount, deadline, Number(v ?? 27n), r, s],
    });
  };

  return actionPanel(context, {
    name: "pay",
    title: `${t("pay")} · ${t("amountDueNow")} ${formatAmount(context, due)}`,
    body: [h("label", {}, t("payAmount"), input)],
    button: t("pay"),
    async run() {
      const amount = parseUnits(input.value.trim(), display.tokenDecimals);
      if (amount <= 0n) throw new ChainWriteError("zeroAmount", t("payAmount"));
      if ((await readToken("balanceOf", [borrower])) < amount)
        throw new ChainWriteError("insufficientBalance", t("insufficientBalance"));
      if ((await readToken("allowance", [borrower, book.loanBook])) < amount) {
        const domain = await permitDomain(book, token);
        if (domain !== null) return (await payWithPermit(domain, amount)).transactionHash;
        await book.write(borrower, {
          abi: erc20Abi,
          address: token,
          functionName: "approve",
          args: [book.loanBook, amount],
        });
      }
      const receipt = await book.write(borrower, { abi: loanBookAbi, functionName: "repay", args: [loanId, amount] });
      return receipt.transactionHash;
    },
  });
}
