/**
 * A loan from origination to the end, as issue 3 describes it: collateral escrowed, installments paid on time,
 * late within grace (no penalty) and late after grace (penalty exactly as docs/rounding.md computes it, here with
 * the TypeScript mirror), default declared by a stranger once the trigger holds, and the loan then repaid in full
 * with the collateral back with the borrower. A second loan has its claim sold mid-way.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { encodeAbiParameters, getAddress, keccak256, zeroHash, type Address } from "viem";

import { penaltyOf } from "../../keeper/src/core/penaltyMath.ts";
import { schedule } from "../../keeper/src/core/scheduleMath.ts";
import {
  CollateralKind,
  DAY,
  PRINCIPAL,
  Settlement,
  Status,
  bookEventsOf,
  loadLoanBook,
  documentHash,
  originateLoan,
  penaltyTermsOf,
  publishTemplate,
  repayAt,
  revertOf,
  scheduleTermsOf,
  startTimeOf,
  templateParams,
  type LoanBookFixture,
} from "../support/loanBookFixture.ts";

const NFT_ID = 7n;
const COLLATERAL_AMOUNT = 5n * 10n ** 18n;

const setup = loadLoanBook;

async function tokenBalances(fixture: LoanBookFixture, accounts: Record<string, Address>) {
  const entries = await Promise.all(
    Object.entries(accounts).map(async ([name, account]) => [name, await fixture.token.read.balanceOf([account])]),
  );
  return Object.fromEntries(entries) as Record<string, bigint>;
}

describe("Loan lifecycle", () => {
  it("ERC-721 collateral: on time, late within grace, late after grace, default, payoff, collateral back", async () => {
    const fixture = await setup();
    const { book, token, lender, borrower, stranger, viem, connection } = fixture;
    const { time } = connection.networkHelpers;

    // A second template, like the default one but secured by an ERC-721 token (a tokenized vehicle title).
    const overrides = { collateralKind: CollateralKind.ERC721 };
    const templateId = await publishTemplate(fixture, overrides);
    const params = templateParams(token.address, overrides);
    const nft = await viem.deployContract("TestCollateralNft");
    await nft.write.mint([borrower.account.address, NFT_ID]);
    await nft.write.approve([book.address, NFT_ID], { account: borrower.account });
    const collateral = { token: nft.address, amountOrId: NFT_ID, assetHash: zeroHash };
    const collateralKey = keccak256(
      encodeAbiParameters(
        [{ type: "uint8" }, { type: "address" }, { type: "uint256" }],
        [CollateralKind.ERC721, nft.address, NFT_ID],
      ),
    );
    expect(await book.read.collateralKey([CollateralKind.ERC721, collateral])).to.equal(collateralKey);

    const accounts = { lender: lender.account.address, borrower: borrower.account.address, book: book.address };
    const start0 = await tokenBalances(fixture, accounts);

    // Origination: principal to the borrower, claim to the lender, collateral into escrow and the registry.
    const loanId = await originateLoan(fixture, { templateId, collateral, document: documentHash("vehicle") });
    const start = await startTimeOf(fixture, loanId);
    const table = schedule(scheduleTermsOf(params, PRINCIPAL));
    const penaltyTerms = penaltyTermsOf(params);
    const dueOf = (number: number) => start + table[number - 1].dueOffset;
    expect(getAddress(await book.read.ownerOf([loanId]))).to.equal(getAddress(lender.account.address));
    expect(getAddress(await nft.read.ownerOf([NFT_ID]))).to.equal(getAddress(book.address));
    expect(await book.read.pledgedTo([collateralKey])).to.equal(loanId);
    const afterOrigination = await tokenBalances(fixture, accounts);
    expect(afterOrigination.borrower - start0.borrower).to.equal(PRINCIPAL);
    expect(start0.lender - afterOrigination.lender).to.equal(PRINCIPAL);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);

    const payments: bigint[] = [];
    const pay = async (amount: bigint, at: number) => {
      const result = await repayAt(fixture, loanId, amount, at);
      payments.push(amount);
      return result.repayment;
    };
    const expectRepayment = (penalty: bigint, number: number) => ({
      loanId,
      payer: getAddress(borrower.account.address),
      penaltyPaid: penalty,
      interestPaid: table[number - 1].interest,
      principalPaid: table[number - 1].principal,
      prepaid: 0n,
    });

    // Installments 1 and 2 on time: a day early, then at the due second.
    expect(await pay(table[0].total, dueOf(1) - DAY)).to.deep.equal(expectRepayment(0n, 1));
    expect(await pay(table[1].total, dueOf(2))).to.deep.equal(expectRepayment(0n, 2));
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);

    // Installment 3 at the last second of the 3-day grace: late, but no penalty; one second later there would be.
    const graceEnd = dueOf(3) + params.graceSeconds;
    await time.setNextBlockTimestamp(graceEnd + 1);
    expect((await book.read.currentInstallment([loanId], { blockTag: "pending" })).penalty).to.equal(
      penaltyOf(penaltyTerms, table[2].total, dueOf(3), graceEnd + 1),
    );
    expect(penaltyOf(penaltyTerms, table[2].total, dueOf(3), graceEnd + 1) > 0n).to.equal(true);
    await time.setNextBlockTimestamp(graceEnd);
    expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Late);
    expect(await book.read.amountDue([loanId], { blockTag: "pending" })).to.equal(table[2].total);
    expect(await pay(table[2].total, graceEnd)).to.deep.equal(expectRepayment(0n, 3));
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);

    // Installment 4 after grace: 6 started days late; the penalty is the mirror's to the unit.
    const lateAt = dueOf(4) + 5 * DAY + 7 * 3_600;
    const penalty = penaltyOf(penaltyTerms, table[3].total, dueOf(4), lateAt);
    expect(penalty).to.equal(
      // divHalfUp(unpaid * 1825 * 6, 3_650_000) + flat fee, below the 10% cap
      (table[3].total * 1825n * 6n * 2n + 3_650_000n) / (2n * 3_650_000n) + params.flatFee,
    );
    const beforeLate = await tokenBalances(fixture, accounts);
    expect(await pay(table[3].total + penalty, lateAt)).to.deep.equal(expectRepayment(penalty, 4));
    const afterLate = await tokenBalances(fixture, accounts);
    expect(afterLate.lender - beforeLate.lender).to.equal(table[3].total + penalty);
    expect(beforeLate.borrower - afterLate.borrower).to.equal(table[3].total + penalty);

    // Installment 5 never paid: the trigger is 30 days past due (earlier than the 3rd missed installment).
    const eligibleAt = dueOf(5) + 30 * DAY;
    expect(eligibleAt < dueOf(7) + 1).to.equal(true);
    expect(await book.read.defaultEligibleAt([loanId])).to.equal(BigInt(eligibleAt));
    await time.setNextBlockTimestamp(eligibleAt - 1);
    expect(await revertOf(() => book.write.declareDefault([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_DefaultNotYetTriggered",
      args: [loanId, BigInt(eligibleAt)],
    });
    await time.setNextBlockTimestamp(eligibleAt);
    const defaultHash = await book.write.declareDefault([loanId], { account: stranger.account });
    const defaulted = (await bookEventsOf(fixture, defaultHash)).filter((event) => event.eventName === "LoanDefaulted");
    // Installment 6 falls due at this very second: it is not missed yet.
    expect(defaulted.map((event) => event.args)).to.deep.equal([
      {
        loanId,
        actor: getAddress(stranger.account.address),
        evidenceHash: keccak256(
          encodeAbiParameters(
            [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
            [loanId, 5n, BigInt(dueOf(5)), 1n, BigInt(eligibleAt)],
          ),
        ),
        oldestUnpaidInstallment: 5n,
        missedInstallments: 1n,
      },
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);

    // Repaid in full a day later: installment 5 with its penalty, 6 (within grace), 7 (not yet due), the rest.
    const payoffAt = eligibleAt + DAY;
    const payoff =
      table[4].total +
      penaltyOf(penaltyTerms, table[4].total, dueOf(5), payoffAt) +
      table[5].total +
      penaltyOf(penaltyTerms, table[5].total, dueOf(6), payoffAt) +
      table[6].total +
      table[6].balanceAfter;
    expect(penaltyOf(penaltyTerms, table[5].total, dueOf(6), payoffAt)).to.equal(0n);
    await time.setNextBlockTimestamp(payoffAt);
    expect(await book.read.payoffAmount([loanId], { blockTag: "pending" })).to.equal(payoff);
    const { events } = await repayAt(fixture, loanId, payoff, payoffAt);
    payments.push(payoff);
    expect(events.map((event) => [event.eventName, event.args])).to.deep.equal([
      [
        "RepaymentMade",
        {
          loanId,
          payer: getAddress(borrower.account.address),
          penaltyPaid: penaltyOf(penaltyTerms, table[4].total, dueOf(5), payoffAt),
          interestPaid: table[4].interest + table[5].interest + table[6].interest,
          principalPaid: table[4].principal + table[5].principal + table[6].principal + table[6].balanceAfter,
          prepaid: table[6].balanceAfter,
        },
      ],
      ["LoanRepaid", { loanId, payer: getAddress(borrower.account.address) }],
      // Paid in full after a default: settled, with the credit-repair record.
      ["LoanSettled", { loanId, how: Settlement.Repayment, settledAt: BigInt(payoffAt) }],
      ["CollateralReleased", { loanId, borrower: getAddress(borrower.account.address) }],
    ]);

    const loan = await book.read.loanOf([loanId]);
    expect([loan.balance, table[3].balanceAfter]).to.deep.equal([
      0n,
      table[4].principal + table[5].principal + table[6].principal + table[6].balanceAfter,
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([BigInt(payoffAt), Settlement.Repayment]);
    expect(getAddress(await nft.read.ownerOf([NFT_ID]))).to.equal(getAddress(borrower.account.address));
    expect(await book.read.pledgedTo([collateralKey])).to.equal(0n);
    const end = await tokenBalances(fixture, accounts);
    const paidByBorrower = afterOrigination.borrower - end.borrower;
    const paidTotal = payments.reduce((total, amount) => total + amount, 0n);
    expect(paidByBorrower).to.equal(paidTotal);
    expect(end.lender - afterOrigination.lender).to.equal(paidByBorrower);
    expect(end.book).to.equal(0n);
  });

  it("a claim sold mid-loan (ERC-721 transfer) sends later payments to the new holder; ERC-20 collateral returns", async () => {
    const fixture = await setup();
    const { book, token, lender, borrower, viem } = fixture;
    const buyer = (await viem.getWalletClients())[7];

    const overrides = { collateralKind: CollateralKind.ERC20 };
    const templateId = await publishTemplate(fixture, overrides);
    const params = templateParams(token.address, overrides);
    const collateralToken = await viem.deployContract("TestToken", ["Collateral", "COL", 18]);
    await collateralToken.write.mint([borrower.account.address, COLLATERAL_AMOUNT]);
    await collateralToken.write.approve([book.address, COLLATERAL_AMOUNT], { account: borrower.account });
    const collateral = { token: collateralToken.address, amountOrId: COLLATERAL_AMOUNT, assetHash: zeroHash };
    const loanId = await originateLoan(fixture, { templateId, collateral, document: documentHash("sold") });
    expect(await collateralToken.read.balanceOf([book.address])).to.equal(COLLATERAL_AMOUNT);
    expect(await collateralToken.read.balanceOf([borrower.account.address])).to.equal(0n);
    const start = await startTimeOf(fixture, loanId);
    const table = schedule(scheduleTermsOf(params, PRINCIPAL));

    const accounts = {
      lender: lender.account.address,
      buyer: buyer.account.address,
      borrower: borrower.account.address,
    };
    const before = await tokenBalances(fixture, accounts);
    await repayAt(fixture, loanId, table[0].total, start + table[0].dueOffset);
    const afterFirst = await tokenBalances(fixture, accounts);
    expect(afterFirst.lender - before.lender).to.equal(table[0].total);

    // The lender sells the claim: an ordinary ERC-721 transfer.
    await book.write.safeTransferFrom([lender.account.address, buyer.account.address, loanId], {
      account: lender.account,
    });
    expect(getAddress(await book.read.ownerOf([loanId]))).to.equal(getAddress(buyer.account.address));

    await repayAt(fixture, loanId, table[1].total, start + table[1].dueOffset);
    const afterSecond = await tokenBalances(fixture, accounts);
    expect(afterSecond.lender).to.equal(afterFirst.lender);
    expect(afterSecond.buyer - afterFirst.buyer).to.equal(table[1].total);

    const payoffAt = start + table[1].dueOffset + 10 * DAY;
    await fixture.connection.networkHelpers.time.setNextBlockTimestamp(payoffAt);
    const payoff = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    expect(payoff).to.equal(table[2].total + table[2].balanceAfter);
    await repayAt(fixture, loanId, payoff, payoffAt);
    const end = await tokenBalances(fixture, accounts);
    expect(end.lender).to.equal(afterFirst.lender);
    expect(end.buyer - before.buyer).to.equal(table[1].total + payoff);
    expect(before.borrower - end.borrower).to.equal(table[0].total + table[1].total + payoff);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Repaid);
    expect(await collateralToken.read.balanceOf([borrower.account.address])).to.equal(COLLATERAL_AMOUNT);
    expect(await collateralToken.read.balanceOf([book.address])).to.equal(0n);
    expect(await token.read.balanceOf([book.address])).to.equal(0n);
  });
});
