import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress } from "viem";

import { DAY, PRINCIPAL, Status, deployLoanBook, originateLoan } from "../support/loanBookFixture.ts";

describe("LoanBook smoke", () => {
  it("originates and repays on time", async () => {
    const connection = await network.create();
    const fixture = await connection.networkHelpers.loadFixture(deployLoanBook);
    const { book, token, borrower, lender, publicClient } = fixture;
    const before = await token.read.balanceOf([borrower.account.address]);
    const loanId = await originateLoan(fixture);
    expect(await token.read.balanceOf([borrower.account.address])).to.equal(before + PRINCIPAL);
    expect(getAddress(await book.read.ownerOf([loanId]))).to.equal(getAddress(lender.account.address));
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);
    const installment = await book.read.currentInstallment([loanId]);
    console.log(installment);
    await connection.networkHelpers.time.increase(29 * DAY);
    const hash = await book.write.repay([loanId, installment.principal + installment.interest], {
      account: borrower.account,
    });
    const receipt = await publicClient.getTransactionReceipt({ hash });
    console.log("repay gas", receipt.gasUsed);
    expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(1);
    await connection.networkHelpers.time.increase(40 * DAY);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Late);
    console.log("due", await book.read.amountDue([loanId]), "payoff", await book.read.payoffAmount([loanId]));
    await connection.networkHelpers.time.increase(30 * DAY);
    await book.write.declareDefault([loanId], { account: fixture.stranger.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
    const payoff = await book.read.payoffAmount([loanId]);
    await book.write.repay([loanId, payoff], { account: borrower.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Repaid);
  });
});
