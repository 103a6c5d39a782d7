import { describe, it } from "node:test";
import { expect } from "chai";
import {
  encodeFunctionData,
  keccak256,
  recoverTypedDataAddress,
  stringToHex,
  zeroAddress,
  zeroHash,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { loanBookAbi } from "../abi/loanBook.ts";
import { bankPaymentTypedData, executionCertificateTypedData, loanAcceptanceTypedData } from "../core/typedData.ts";
import { approvalsInCall } from "./approvalsInCall.ts";

const CHAIN_ID = 31_337;
const BOOK = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const TX: Hex = `0x${"ab".repeat(32)}`;
const borrower = privateKeyToAccount(keccak256(stringToHex("borrower")));
const notary = privateKeyToAccount(keccak256(stringToHex("notary")));
const lender = privateKeyToAccount(keccak256(stringToHex("lender")));
const relayer = privateKeyToAccount(keccak256(stringToHex("relayer")));
const hash = (text: string) => keccak256(stringToHex(text));
const call = (functionName: string, args: readonly unknown[]) =>
  encodeFunctionData({ abi: loanBookAbi, functionName, args } as never);
const approvals = (input: Hex, from = relayer.address, loanId = 1n) =>
  approvalsInCall({ chainId: CHAIN_ID, loanBook: BOOK, loanId, transactionHash: TX, from, input });
/** The address that signed `typedData` (a manifest's JSON typed data) with `signature`. */
const recover = (typedData: unknown, signature: Hex) =>
  recoverTypedDataAddress({ ...(typedData as object), signature } as never);
const ownCall = (signer: `0x${string}`) => ({ signer, nonce: 0n, deadline: 0n, signature: "0x" as Hex });

describe("approvalsInCall", () => {
  it("finds the borrower's acceptance and the notary's notarization in originate, over the lender's terms", async () => {
    const terms = {
      templateId: 2n,
      principal: 1_000n,
      borrower: borrower.address,
      lender: lender.address,
      documentHash: hash("contract"),
      collateral: { token: zeroAddress, amountOrId: 0n, assetHash: zeroHash },
      deadline: 99n,
    };
    const borrowerSignature = await borrower.signTypedData(
      loanAcceptanceTypedData(CHAIN_ID, BOOK, { ...terms, nonce: 0n }),
    );
    const input = call("originate", [
      {
        templateId: terms.templateId,
        principal: terms.principal,
        documentHash: terms.documentHash,
        collateral: terms.collateral,
        borrower: { signer: borrower.address, nonce: 0n, deadline: 99n, signature: borrowerSignature },
        notary: { signer: notary.address, nonce: 5n, deadline: 99n, signature: `0x${"11".repeat(65)}` },
      },
    ]);
    const found = approvals(input, lender.address);
    expect(found.map((a) => [a.kind, a.signer, a.ownTransaction])).to.deep.equal([
      ["LoanAcceptance", borrower.address, false],
      ["Notarization", notary.address, false],
    ]);
    const recovered = await recover(found[0].typedData, borrowerSignature);
    expect(recovered).to.equal(borrower.address);
    expect((found[1].typedData as any).message.nonce).to.equal("5");
  });

  it("takes a relayed certificate's signature, and a notary's own certify as its own transaction", async () => {
    const params = {
      loanId: 1n,
      debtInstrumentHash: hash("instrument"),
      defaultProofHash: hash("proof"),
      identityProofHash: hash("identity"),
    };
    const signature = await notary.signTypedData(
      executionCertificateTypedData(CHAIN_ID, BOOK, { ...params, nonce: 3n, deadline: 50n }),
    );
    const relayed = approvals(
      call("certify", [params, { signer: notary.address, nonce: 3n, deadline: 50n, signature }]),
    );
    expect(relayed).to.have.length(1);
    expect(await recover(relayed[0].typedData, signature)).to.equal(notary.address);
    const own = approvals(call("certify", [params, ownCall(notary.address)]), notary.address);
    expect(own).to.deep.equal([
      {
        kind: "ExecutionCertificate",
        transactionHash: TX,
        signer: notary.address,
        ownTransaction: true,
        signature: null,
        typedData: null,
      },
    ]);
    expect(approvals(call("certify", [{ ...params, loanId: 2n }, ownCall(notary.address)]))).to.deep.equal([]);
  });

  it("finds the commitment and the claim holder's acceptance in acceptCommitment", () => {
    const params = { loanId: 1n, dueTimes: [100n, 200n], amounts: [5n, 5n] };
    const borrowerApproval = { signer: borrower.address, nonce: 1n, deadline: 90n, signature: `0x${"22".repeat(65)}` };
    const input = call("acceptCommitment", [params, borrowerApproval, ownCall(lender.address), 3n]);
    const found = approvals(input, lender.address);
    expect(found.map((a) => [a.kind, a.signer, a.ownTransaction])).to.deep.equal([
      ["RepaymentCommitment", borrower.address, false],
      ["CommitmentAcceptance", lender.address, true],
    ]);
    expect((found[0].typedData as any).message.dueTimes).to.deep.equal(["100", "200"]);
    const own = approvals(call("submitCommitment", [params, ownCall(borrower.address)]), borrower.address);
    expect(own.map((a) => a.ownTransaction)).to.deep.equal([true]);
  });

  it("keeps a batch's bank payments for the loan only", async () => {
    const payment = (loanId: bigint) => ({
      loanId,
      amount: 10n,
      bankReferenceHash: hash(`ref ${loanId}`),
      paidAt: 5n,
      deadline: 9n,
    });
    const signature = await notary.signTypedData(bankPaymentTypedData(CHAIN_ID, BOOK, payment(1n)));
    const entry = (loanId: bigint) => ({ ...payment(loanId), signer: notary.address, signature });
    const found = approvals(call("recordBankPayments", [[entry(2n), entry(1n), entry(3n)]]));
    expect(found).to.have.length(1);
    expect((found[0].typedData as any).message.bankReferenceHash).to.equal(hash("ref 1"));
    expect(await recover(found[0].typedData, signature)).to.equal(notary.address);
  });

  it("finds nothing in a call without approvals or in calldata it does not know", () => {
    expect(approvals(call("repay", [1n, 10n]))).to.deep.equal([]);
    expect(approvals("0xdeadbeef")).to.deep.equal([]);
  });
});
