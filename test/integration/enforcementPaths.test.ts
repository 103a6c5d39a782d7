/**
 * The enforcement paths end to end, each from the default (or the payment) to its last record: statuses at the exact
 * seconds the rules name, token moves to the claim holder, the events with their evidence hashes, and the
 * enforcement record (caseOf, commitmentOf, settlementOf).
 *
 * 1. default -> certificate -> commitment accepted by the claim holder with a penalty waiver -> kept -> Settled
 * 2. commitment accepted by policy -> installment missed -> breach at dueTime + grace + 1 -> Certified -> funnel
 * 3. objections: upheld (default annulled), rejected, lapsed
 * 4. funnel to enforcement: collateral taken, the rest written off; collateral covering the whole debt
 * 5. bank payments: paid on time at the bank, relayed late; a bank reference credited once
 * 6. auto-debit: exactly what is due, only when balance and allowance cover it
 * 7. the keeper's view (checkActions) and the batches that skip ineligible loans with ActionSkipped
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import {
  encodeAbiParameters,
  getAddress,
  keccak256,
  maxUint256,
  slice,
  toFunctionSelector,
  toHex,
  zeroAddress,
  zeroHash,
  type AbiFunction,
  type Address,
  type Hex,
} from "viem";

import { penaltyOf } from "../../keeper/src/core/penaltyMath.ts";
import { schedule } from "../../keeper/src/core/scheduleMath.ts";
import {
  CollateralKind,
  DAY,
  PRINCIPAL,
  Settlement,
  Stage,
  Status,
  bookEventsOf,
  loadLoanBook,
  originateLoan,
  penaltyTermsOf,
  publishTemplate,
  repayAt,
  revertOf,
  scheduleTermsOf,
  startTimeOf,
  templateParams,
  type LoanBookFixture,
  type OriginationOptions,
} from "../support/loanBookFixture.ts";
import {
  NO_APPROVAL,
  bankReference,
  certificateParams,
  certifyLoan,
  commitmentPlan,
  defaultedLoan,
  evidence,
  signAcceptance,
  signBankPayment,
  signCertificate,
  signCommitment,
} from "../support/enforcementFixture.ts";

type Wallet = LoanBookFixture["lender"];

const HOUR = 3_600;
const NFT_ID = 42n;
/** 5 collateral tokens of 18 decimals (a token other than the loan's). */
const COLLATERAL_AMOUNT = 5n * 10n ** 18n;

/*//////////////////////////////////////////////////////////////
                           LOCAL HELPERS
//////////////////////////////////////////////////////////////*/

/** The default template's installment table and penalty rules (the TypeScript mirror), and loan `loanId`'s due
 * times. */
async function termsOf(fixture: LoanBookFixture, loanId: bigint) {
  const params = templateParams(fixture.token.address);
  const table = schedule(scheduleTermsOf(params, PRINCIPAL));
  const start = await startTimeOf(fixture, loanId);
  return {
    params,
    table,
    start,
    penaltyTerms: penaltyTermsOf(params),
    due: (number: number) => start + table[number - 1].dueOffset,
  };
}

/** Sets the next block's timestamp; the next transaction (or `blockTag: "pending"` read) runs at `t`. */
async function at(fixture: LoanBookFixture, t: number | bigint) {
  await fixture.connection.networkHelpers.time.setNextBlockTimestamp(t);
}

/** The book's decoded events of transaction `hash` as [name, args] pairs (token events left out). */
async function eventsOf(fixture: LoanBookFixture, hash: Hex): Promise<[string, unknown][]> {
  return (await bookEventsOf(fixture, hash)).map((event) => [event.eventName, event.args as unknown]);
}

/** Originates a loan in a block at exactly `t` (its signatures valid an hour from then). */
async function originateAt(fixture: LoanBookFixture, t: number, options: OriginationOptions = {}) {
  await at(fixture, t);
  return originateLoan(fixture, { deadline: BigInt(t + HOUR), ...options });
}

/** `repay` at exactly `t` of a loan under a commitment (which emits DebtRepaid, not RepaymentMade). */
async function payDebtAt(fixture: LoanBookFixture, loanId: bigint, amount: bigint, t: number | bigint) {
  await at(fixture, t);
  const hash = await fixture.book.write.repay([loanId, amount], { account: fixture.borrower.account });
  return eventsOf(fixture, hash);
}

async function balanceOf(fixture: LoanBookFixture, account: Address) {
  return fixture.token.read.balanceOf([account]);
}

/** The selector of the book's custom error `name` (what ActionSkipped reports). */
function errorSelector(fixture: LoanBookFixture, name: string): Hex {
  const item = fixture.book.abi.find((entry) => entry.type === "error" && entry.name === name);
  if (item?.type !== "error") throw new Error(`no error ${name} in the ABI`);
  return slice(keccak256(toHex(`${name}(${item.inputs.map((input) => input.type).join(",")})`)), 0, 4);
}

/** The selector of the book's function `name`. */
function functionSelector(fixture: LoanBookFixture, name: string): Hex {
  const item = fixture.book.abi.find((entry) => entry.type === "function" && entry.name === name);
  if (item?.type !== "function") throw new Error(`no function ${name} in the ABI`);
  return toFunctionSelector(item as AbiFunction);
}

/** A template like the default one with collateral of `kind`; returns its id. */
async function collateralTemplate(fixture: LoanBookFixture, kind: number) {
  return publishTemplate(fixture, { collateralKind: kind });
}

/** An ERC-721 token minted to the borrower and approved to the book, as collateral terms. */
async function nftCollateral(fixture: LoanBookFixture, id = NFT_ID) {
  const nft = await fixture.viem.deployContract("TestCollateralNft");
  await nft.write.mint([fixture.borrower.account.address, id]);
  await nft.write.approve([fixture.book.address, id], { account: fixture.borrower.account });
  return { nft, collateral: { token: nft.address, amountOrId: id, assetHash: zeroHash } };
}

/** Advances loan `loanId` through the four recovery stages, a day apart from `from`; returns the events. */
async function advanceToEnforcement(fixture: LoanBookFixture, loanId: bigint, from: number) {
  const events: [string, unknown][] = [];
  for (let stage = 1; stage <= 4; ++stage) {
    await at(fixture, from + stage * DAY);
    const hash = await fixture.book.write.advanceStage([loanId, evidence(`notice ${stage} of loan ${loanId}`)], {
      account: fixture.lender.account,
    });
    events.push(...(await eventsOf(fixture, hash)));
  }
  return events;
}

const addr = (wallet: Wallet) => getAddress(wallet.account.address);

/*//////////////////////////////////////////////////////////////
   1. CERTIFICATE -> COMMITMENT (CLAIM HOLDER, WAIVER) -> SETTLED
//////////////////////////////////////////////////////////////*/

describe("Path 1: certificate, commitment accepted by the claim holder with a waiver, kept to the end", () => {
  it("settles the loan by commitment (credit-repair record) and returns the ERC-721 collateral", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, borrower, notary, chainId } = fixture;
    const templateId = await collateralTemplate(fixture, CollateralKind.ERC721);
    const { nft, collateral } = await nftCollateral(fixture);
    const { loanId, defaultedAt } = await defaultedLoan(fixture, { templateId, collateral });
    const { table, penaltyTerms, due } = await termsOf(fixture, loanId);
    const defaulted = Number(defaultedAt);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
    expect(getAddress(await nft.read.ownerOf([NFT_ID]))).to.equal(getAddress(book.address));

    // The notary's signed certificate, relayed by the lender (anyone may submit it).
    const certAt = defaulted + HOUR;
    const certificate = certificateParams(loanId);
    const notaryApproval = await signCertificate(fixture, certificate, { nonce: 11n, deadline: BigInt(certAt + HOUR) });
    await at(fixture, certAt);
    const certHash = await book.write.certify([certificate, notaryApproval], { account: lender.account });
    const certificateId = keccak256(
      encodeAbiParameters(
        [
          { type: "uint256" },
          { type: "address" },
          { type: "uint256" },
          { type: "address" },
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "uint256" },
        ],
        [
          BigInt(chainId),
          book.address,
          loanId,
          notary.account.address,
          certificate.debtInstrumentHash,
          certificate.defaultProofHash,
          certificate.identityProofHash,
          BigInt(certAt),
        ],
      ),
    );
    expect(await eventsOf(fixture, certHash)).to.deep.equal([
      [
        "DefaultCertified",
        {
          loanId,
          notary: addr(notary),
          certificateId,
          debtInstrumentHash: certificate.debtInstrumentHash,
          defaultProofHash: certificate.defaultProofHash,
          identityProofHash: certificate.identityProofHash,
        },
      ],
    ]);
    const certified = await book.read.caseOf([loanId]);
    expect([certified.certificateId, certified.certifiedAt, certified.stage]).to.deep.equal([
      certificateId,
      certAt,
      Stage.None,
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);
    expect(await book.read.enforcementNonceUsed([notary.account.address, 11n])).to.equal(true);

    // A day later: the debt is installments 1 (31 started days late) and 2 (within grace), 3 not yet due,
    // and the principal after it.
    const acceptAt = defaulted + DAY;
    await at(fixture, acceptAt);
    const payoffBefore = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const rows = await book.read.installmentBreakdown([loanId], { blockTag: "pending" });
    const penalty = rows.reduce((sum, row) => sum + row.penalty, 0n);
    const penalty1 = penaltyOf(penaltyTerms, table[0].total, due(1), acceptAt);
    // 31 started days at 18.25% a year, plus the flat fee, under the 10% cap.
    expect(penalty1).to.equal((table[0].total * 1825n * 31n * 2n + 3_650_000n) / (2n * 3_650_000n) + 1_000_000n);
    expect(penaltyOf(penaltyTerms, table[1].total, due(2), acceptAt)).to.equal(0n);
    expect(penalty).to.equal(penalty1);
    expect(payoffBefore).to.equal(table[0].total + penalty1 + table[1].total + table[2].total + table[2].balanceAfter);

    // The claim holder waives the whole penalty: the plan covers the debt less the waiver, in 4 monthly parts.
    const waiver = penalty;
    const total = payoffBefore - waiver;
    const plan = commitmentPlan(loanId, total, BigInt(acceptAt), 4);
    const { approval: borrowerApproval, commitmentHash } = await signCommitment(fixture, plan, {
      nonce: 21n,
      deadline: BigInt(acceptAt + HOUR),
    });
    // Waiving more than the penalty accrued is refused.
    expect(
      await revertOf(() =>
        book.write.acceptCommitment([plan, borrowerApproval, NO_APPROVAL, waiver + 1n], { account: lender.account }),
      ),
    ).to.deep.equal({ errorName: "LoanBook_WaiverExceedsPenalty", args: [loanId, waiver + 1n, penalty] });
    const acceptHash = await book.write.acceptCommitment([plan, borrowerApproval, NO_APPROVAL, waiver], {
      account: lender.account,
    });
    expect(await eventsOf(fixture, acceptHash)).to.deep.equal([
      ["PenaltyWaived", { loanId, claimHolder: addr(lender), amount: waiver }],
      ["CommitmentAccepted", { loanId, acceptedBy: addr(lender), commitmentHash, total, installments: 4n }],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Committed);
    expect(await book.read.payoffAmount([loanId])).to.equal(payoffBefore - waiver);
    expect(await book.read.amountDue([loanId])).to.equal(0n);
    let cumulative = 0n;
    expect(await book.read.commitmentOf([loanId])).to.deep.equal(
      plan.dueTimes.map((dueTime, i) => ({ dueTime: Number(dueTime), cumulative: (cumulative += plan.amounts[i]) })),
    );
    const committed = await book.read.caseOf([loanId]);
    expect([committed.commitmentTotal, committed.commitmentLength, committed.commitmentGraceSeconds]).to.deep.equal([
      total,
      4,
      3 * DAY,
    ]);
    expect(await book.read.enforcementNonceUsed([borrower.account.address, 21n])).to.equal(true);

    // Every installment paid at its due second: each one is what is due then, and goes to the claim holder.
    const lenderBefore = await balanceOf(fixture, lender.account.address);
    const borrowerBefore = await balanceOf(fixture, borrower.account.address);
    let left = total;
    for (let i = 0; i < plan.amounts.length; ++i) {
      const dueTime = plan.dueTimes[i];
      await at(fixture, dueTime);
      expect(await book.read.amountDue([loanId], { blockTag: "pending" })).to.equal(plan.amounts[i]);
      expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Committed);
      const events = await payDebtAt(fixture, loanId, plan.amounts[i], dueTime);
      left -= plan.amounts[i];
      const repaid: [string, unknown] = [
        "DebtRepaid",
        { loanId, payer: addr(borrower), amount: plan.amounts[i], debtLeft: left },
      ];
      if (i < plan.amounts.length - 1) {
        expect(events).to.deep.equal([repaid]);
        expect(await book.read.statusOf([loanId])).to.equal(Status.Committed);
      } else {
        expect(events).to.deep.equal([
          repaid,
          ["LoanRepaid", { loanId, payer: addr(borrower) }],
          ["LoanSettled", { loanId, how: Settlement.Commitment, settledAt: dueTime }],
          ["CollateralReleased", { loanId, borrower: addr(borrower) }],
        ]);
      }
    }
    const lastDue = plan.dueTimes[plan.dueTimes.length - 1];
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([lastDue, Settlement.Commitment]);
    expect(await book.read.payoffAmount([loanId])).to.equal(0n);
    expect((await balanceOf(fixture, lender.account.address)) - lenderBefore).to.equal(total);
    expect(borrowerBefore - (await balanceOf(fixture, borrower.account.address))).to.equal(total);
    expect(getAddress(await nft.read.ownerOf([NFT_ID]))).to.equal(addr(borrower));
    expect(await book.read.pledgedTo([await book.read.collateralKey([CollateralKind.ERC721, collateral])])).to.equal(
      0n,
    );
  });

  it("accepts the same way with the claim holder's signed acceptance, relayed by the borrower", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, borrower } = fixture;
    const { loanId, defaultedAt } = await defaultedLoan(fixture);
    await certifyLoan(fixture, loanId);
    const acceptAt = Number(defaultedAt) + 2 * DAY;
    await at(fixture, acceptAt);
    const payoff = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const rows = await book.read.installmentBreakdown([loanId], { blockTag: "pending" });
    const penalty = rows.reduce((sum, row) => sum + row.penalty, 0n);
    const waiver = penalty / 2n;
    expect(waiver > 0n).to.equal(true);
    const plan = commitmentPlan(loanId, payoff - waiver, BigInt(acceptAt), 2);
    const { approval, commitmentHash } = await signCommitment(fixture, plan, { deadline: BigInt(acceptAt + HOUR) });
    const holderApproval = await signAcceptance(fixture, loanId, commitmentHash, waiver, {
      nonce: 5n,
      deadline: BigInt(acceptAt + HOUR),
    });
    // The borrower's own transaction is its signature of the plan (the nonce and deadline still name the commitment
    // the claim holder accepted).
    const ownApproval = { ...approval, signature: "0x" as Hex };
    const hash = await book.write.acceptCommitment([plan, ownApproval, holderApproval, waiver], {
      account: borrower.account,
    });
    expect(await eventsOf(fixture, hash)).to.deep.equal([
      ["PenaltyWaived", { loanId, claimHolder: addr(lender), amount: waiver }],
      [
        "CommitmentAccepted",
        { loanId, acceptedBy: addr(lender), commitmentHash, total: payoff - waiver, installments: 2n },
      ],
    ]);
    expect(await book.read.enforcementNonceUsed([lender.account.address, 5n])).to.equal(true);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Committed);
    expect(await book.read.payoffAmount([loanId])).to.equal(payoff - waiver);
  });
});

/*//////////////////////////////////////////////////////////////
         2. COMMITMENT BY POLICY -> MISSED -> BREACH -> FUNNEL
//////////////////////////////////////////////////////////////*/

describe("Path 2: commitment accepted by policy, an installment missed, breach, enforceable again", () => {
  it("breaches in the exact block dueTime + grace + 1, not a second before, then the funnel opens at once", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, borrower, stranger } = fixture;
    const { loanId, defaultedAt } = await defaultedLoan(fixture);
    const certificateId = await certifyLoan(fixture, loanId);
    const submitAt = Number(defaultedAt) + 2 * DAY;
    await at(fixture, submitAt);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });

    // Outside the policy (a first payment under 5% of the total): refused without the claim holder.
    const tooSmallFirst = {
      loanId,
      dueTimes: [BigInt(submitAt + 30 * DAY), BigInt(submitAt + 60 * DAY)],
      amounts: [(debt * 499n) / 10_000n, debt - (debt * 499n) / 10_000n],
    };
    const outside = await signCommitment(fixture, tooSmallFirst, { nonce: 2n, deadline: BigInt(submitAt + HOUR) });
    expect(
      await revertOf(() =>
        book.write.submitCommitment([tooSmallFirst, outside.approval], { account: stranger.account }),
      ),
    ).to.deep.equal({ errorName: "LoanBook_OutsideCommitmentPolicy", args: [loanId] });

    // Within the policy (3 monthly installments of the whole debt), submitted by a stranger.
    const plan = commitmentPlan(loanId, debt, BigInt(submitAt), 3);
    const { approval, commitmentHash } = await signCommitment(fixture, plan, { deadline: BigInt(submitAt + HOUR) });
    const submitHash = await book.write.submitCommitment([plan, approval], { account: stranger.account });
    expect(await eventsOf(fixture, submitHash)).to.deep.equal([
      ["CommitmentAccepted", { loanId, acceptedBy: zeroAddress, commitmentHash, total: debt, installments: 3n }],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Committed);

    // Installment 1 on time; installment 2 never paid.
    await payDebtAt(fixture, loanId, plan.amounts[0], plan.dueTimes[0]);
    const grace = 3 * DAY;
    const breachableAt = Number(plan.dueTimes[1]) + grace + 1;

    // The last second of the grace: still Committed, the funnel closed, no breach yet (nor in the keeper's view).
    await at(fixture, breachableAt - 1);
    expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Committed);
    expect(await book.read.amountDue([loanId], { blockTag: "pending" })).to.equal(plan.amounts[1]);
    expect((await book.read.checkActions([loanId, 1n], { blockTag: "pending" }))[0]).to.deep.equal([]);
    expect(await revertOf(() => book.write.breachCommitment([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_CommitmentNotBreached",
      args: [loanId, BigInt(breachableAt)],
    });
    expect(
      await revertOf(() => book.write.advanceStage([loanId, evidence("too early")], { account: lender.account })),
    ).to.deep.equal({ errorName: "LoanBook_WrongStatus", args: [loanId, Status.Committed] });

    // The first second it is callable: breached by a stranger, in that very block.
    await at(fixture, breachableAt);
    expect((await book.read.checkActions([loanId, 1n], { blockTag: "pending" }))[0]).to.deep.equal([
      { loanId, action: functionSelector(fixture, "breachCommitment") },
    ]);
    const breachHash = await book.write.breachCommitment([loanId], { account: stranger.account });
    const block = await fixture.publicClient.getBlock();
    expect(block.timestamp).to.equal(BigInt(breachableAt));
    const evidenceHash = keccak256(
      encodeAbiParameters(
        [
          { type: "uint256" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "uint256" },
        ],
        [loanId, 2n, plan.dueTimes[1], plan.amounts[0] + plan.amounts[1], plan.amounts[0], BigInt(breachableAt)],
      ),
    );
    expect(await eventsOf(fixture, breachHash)).to.deep.equal([
      [
        "CommitmentBreached",
        { loanId, actor: addr(stranger), evidenceHash, installment: 2n, dueTime: plan.dueTimes[1] },
      ],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);
    expect((await book.read.caseOf([loanId])).certificateId).to.equal(certificateId);
    // After a breach the whole debt left is due.
    const left = debt - plan.amounts[0];
    expect(await book.read.amountDue([loanId])).to.equal(left);
    expect(await book.read.payoffAmount([loanId])).to.equal(left);

    // Enforceable again at once: the claim holder opens the funnel in the next block.
    const notice = evidence("mediation invitation after breach");
    await at(fixture, breachableAt + 1);
    const stageHash = await book.write.advanceStage([loanId, notice], { account: lender.account });
    expect(await eventsOf(fixture, stageHash)).to.deep.equal([
      ["RecoveryStageAdvanced", { loanId, stage: Stage.Mediation, claimHolder: addr(lender), noticeHash: notice }],
    ]);
    expect((await book.read.caseOf([loanId])).stage).to.equal(Stage.Mediation);
  });
  // Found by this test: the policy used to accept a new commitment at once after a breach, so a borrower could put
  // off enforcement for ever (one installment of 100% a year out is within the default policy). The policy now
  // accepts a default's first commitment only; after a breach the claim holder decides.
  it("after a breach, a new commitment is not accepted by policy alone", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, stranger } = fixture;
    const { loanId, defaultedAt } = await defaultedLoan(fixture);
    await certifyLoan(fixture, loanId);
    const submitAt = Number(defaultedAt) + DAY;
    await at(fixture, submitAt);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    // One installment of the whole debt a year out: within the policy.
    const plan = { loanId, dueTimes: [BigInt(submitAt + 365 * DAY)], amounts: [debt] };
    const first = await signCommitment(fixture, plan, { nonce: 1n, deadline: BigInt(submitAt + HOUR) });
    await book.write.submitCommitment([plan, first.approval], { account: stranger.account });
    const breachAt = submitAt + 368 * DAY + 1;
    await at(fixture, breachAt);
    await book.write.breachCommitment([loanId], { account: stranger.account });
    await book.write.advanceStage([loanId, evidence("mediation invitation")], { account: lender.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);

    // The same again, a year further out, by policy.
    const again = { loanId, dueTimes: [BigInt(breachAt + 365 * DAY)], amounts: [debt] };
    const second = await signCommitment(fixture, again, { nonce: 2n, deadline: BigInt(breachAt + DAY) });
    expect(
      await revertOf(() => book.write.submitCommitment([again, second.approval], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_OutsideCommitmentPolicy", args: [loanId] });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);
  });
});

/*//////////////////////////////////////////////////////////////
                            3. OBJECTIONS
//////////////////////////////////////////////////////////////*/

describe("Path 3: objections", () => {
  it("upheld: the default is annulled and the trigger restarts from the decision", async () => {
    const fixture = await loadLoanBook();
    const { book, borrower, notary, stranger, lender } = fixture;
    const { loanId, defaultedAt } = await defaultedLoan(fixture);
    const { start, due } = await termsOf(fixture, loanId);
    expect(await book.read.defaultEligibleAt([loanId])).to.equal(0n); // in default: no trigger pending

    // The borrower objects: Disputed until its deadline, 30 days on.
    const fileAt = Number(defaultedAt) + HOUR;
    const objectionEvidence = evidence("bank statement: installment 1 paid");
    await at(fixture, fileAt);
    const fileHash = await book.write.fileObjection([loanId, objectionEvidence], { account: borrower.account });
    const deadline = BigInt(fileAt + 30 * DAY);
    expect(await eventsOf(fixture, fileHash)).to.deep.equal([
      ["ObjectionFiled", { loanId, borrower: addr(borrower), evidenceHash: objectionEvidence, deadline }],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Disputed);
    const disputed = await book.read.caseOf([loanId]);
    expect([disputed.objectionDeadline, disputed.objectionFiled]).to.deep.equal([Number(deadline), true]);

    // Enforcement is frozen: no certificate while Disputed.
    const certificate = certificateParams(loanId);
    const approval = await signCertificate(fixture, certificate);
    expect(
      await revertOf(() => book.write.certify([certificate, approval], { account: notary.account })),
    ).to.deep.equal({ errorName: "LoanBook_WrongStatus", args: [loanId, Status.Disputed] });

    // Only a notary or mediator who is no party decides.
    const decision = evidence("decision: objection upheld");
    const resolveAt = fileAt + 10 * DAY;
    await at(fixture, resolveAt);
    for (const caller of [stranger, lender]) {
      expect(
        await revertOf(() => book.write.resolveObjection([loanId, true, decision], { account: caller.account })),
      ).to.deep.equal({ errorName: "LoanBook_NotAResolver", args: [addr(caller)] });
    }
    const resolveHash = await book.write.resolveObjection([loanId, true, decision], { account: notary.account });
    expect(await eventsOf(fixture, resolveHash)).to.deep.equal([
      ["ObjectionResolved", { loanId, resolver: addr(notary), upheld: true, decisionHash: decision }],
    ]);
    // Back to its normal course: installments 1 and 2 are overdue, so Late.
    expect(await book.read.statusOf([loanId])).to.equal(Status.Late);
    const annulled = await book.read.caseOf([loanId]);
    expect([
      annulled.certificateId,
      annulled.stage,
      annulled.objectionDeadline,
      annulled.objectionFiled,
      annulled.annulledAt,
    ]).to.deep.equal([zeroHash, Stage.None, 0, false, resolveAt]);

    // The new trigger counts from the decision: the installments unpaid then count as due at the decision (30 days
    // past due: 30 days after it), and the missed-installments trigger counts those due after it (3 missed from
    // installment 3 on: the second after installment 5 is due), whichever comes first.
    let first = 1;
    while (due(first) <= resolveAt) ++first;
    expect(first).to.equal(3);
    const newEligibleAt = Math.min(Math.max(due(1), resolveAt) + 30 * DAY, due(first + 2) + 1);
    expect(newEligibleAt).to.equal(resolveAt + 30 * DAY);
    expect(start).to.be.lessThan(newEligibleAt);
    const eligibleAfter = await book.read.defaultEligibleAt([loanId]);
    expect(eligibleAfter).to.equal(BigInt(newEligibleAt));
    expect(eligibleAfter > defaultedAt).to.equal(true);

    // Installments 1 and 2 are long past the 30-day trigger, yet no default until the new trigger holds.
    await at(fixture, resolveAt + 1);
    expect(await revertOf(() => book.write.declareDefault([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_DefaultNotYetTriggered",
      args: [loanId, BigInt(newEligibleAt)],
    });
    await at(fixture, newEligibleAt - 1);
    expect(await revertOf(() => book.write.declareDefault([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_DefaultNotYetTriggered",
      args: [loanId, BigInt(newEligibleAt)],
    });
    await at(fixture, newEligibleAt);
    const defaultHash = await book.write.declareDefault([loanId], { account: stranger.account });
    // The evidence names the facts: the oldest unpaid installment (still 1) and every installment past due.
    let missed = 0n;
    for (let number = 1; number <= 12 && due(number) < newEligibleAt; ++number) ++missed;
    const defaultEvidence = keccak256(
      encodeAbiParameters(
        [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
        [loanId, 1n, BigInt(due(1)), missed, BigInt(newEligibleAt)],
      ),
    );
    expect(await eventsOf(fixture, defaultHash)).to.deep.equal([
      [
        "LoanDefaulted",
        {
          loanId,
          actor: addr(stranger),
          evidenceHash: defaultEvidence,
          oldestUnpaidInstallment: 1n,
          missedInstallments: missed,
        },
      ],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
    // A new default may be objected to once more.
    await book.write.fileObjection([loanId, evidence("second objection")], { account: borrower.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Disputed);
  });

  it("rejected (decided at the deadline's last second): back to Certified, or Defaulted; one objection per default", async () => {
    const fixture = await loadLoanBook();
    const { book, borrower, notary, lender } = fixture;
    const { loanId, defaultedAt } = await defaultedLoan(fixture);
    const certificateId = await certifyLoan(fixture, loanId);
    const fileAt = Number(defaultedAt) + DAY;
    await at(fixture, fileAt);
    await book.write.fileObjection([loanId, evidence("objection A")], { account: borrower.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Disputed);
    expect(
      await revertOf(() => book.write.advanceStage([loanId, evidence("notice")], { account: lender.account })),
    ).to.deep.equal({ errorName: "LoanBook_WrongStatus", args: [loanId, Status.Disputed] });

    const deadline = fileAt + 30 * DAY;
    await at(fixture, deadline);
    expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Disputed);
    const decision = evidence("decision: objection rejected");
    const hash = await book.write.resolveObjection([loanId, false, decision], { account: notary.account });
    expect(await eventsOf(fixture, hash)).to.deep.equal([
      ["ObjectionResolved", { loanId, resolver: addr(notary), upheld: false, decisionHash: decision }],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);
    const rejected = await book.read.caseOf([loanId]);
    expect([
      rejected.certificateId,
      rejected.objectionDeadline,
      rejected.objectionFiled,
      rejected.annulledAt,
    ]).to.deep.equal([certificateId, 0, true, 0]);
    expect(
      await revertOf(() => book.write.fileObjection([loanId, evidence("objection B")], { account: borrower.account })),
    ).to.deep.equal({ errorName: "LoanBook_ObjectionAlreadyFiled", args: [loanId] });
    const notice = evidence("mediation invitation");
    await book.write.advanceStage([loanId, notice], { account: lender.account });
    expect((await book.read.caseOf([loanId])).stage).to.equal(Stage.Mediation);

    // An uncertified default rejected returns to Defaulted.
    const second = await defaultedLoan(fixture);
    await book.write.fileObjection([second.loanId, evidence("objection C")], { account: borrower.account });
    expect(await book.read.statusOf([second.loanId])).to.equal(Status.Disputed);
    await book.write.resolveObjection([second.loanId, false, decision], { account: notary.account });
    expect(await book.read.statusOf([second.loanId])).to.equal(Status.Defaulted);
  });

  it("lapses at the objection window's end: the status returns without a decision, and none can be made", async () => {
    const fixture = await loadLoanBook();
    const { book, borrower, notary } = fixture;
    const { loanId, defaultedAt } = await defaultedLoan(fixture);
    const fileAt = Number(defaultedAt) + HOUR;
    await at(fixture, fileAt);
    await book.write.fileObjection([loanId, evidence("objection")], { account: borrower.account });
    const window = templateParams(fixture.token.address).objectionWindowSeconds;
    const deadline = fileAt + window;
    expect((await book.read.caseOf([loanId])).objectionDeadline).to.equal(deadline);

    await at(fixture, deadline);
    expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Disputed);
    await at(fixture, deadline + 1);
    expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Defaulted);
    expect(
      await revertOf(() =>
        book.write.resolveObjection([loanId, true, evidence("too late")], { account: notary.account }),
      ),
    ).to.deep.equal({ errorName: "LoanBook_NoOpenObjection", args: [loanId] });
    expect(
      await revertOf(() => book.write.fileObjection([loanId, evidence("again")], { account: borrower.account })),
    ).to.deep.equal({ errorName: "LoanBook_ObjectionAlreadyFiled", args: [loanId] });

    // Enforcement resumes: the notary certifies.
    await certifyLoan(fixture, loanId);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);
  });
  // Found by this test: an upheld decision on a loan paid in full while disputed used to clear its default, leaving
  // status Repaid beside a settlement record. A paid loan's objection is moot now: the decision is refused.
  it("an objection upheld after the loan was paid in full leaves a consistent record", async () => {
    const fixture = await loadLoanBook();
    const { book, borrower, notary } = fixture;
    const { loanId, defaultedAt } = await defaultedLoan(fixture);
    const fileAt = Number(defaultedAt) + HOUR;
    await at(fixture, fileAt);
    await book.write.fileObjection([loanId, evidence("objection")], { account: borrower.account });
    await at(fixture, fileAt + DAY);
    const payoff = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    await book.write.repay([loanId, payoff], { account: borrower.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([BigInt(fileAt + DAY), Settlement.Repayment]);

    expect(
      await revertOf(() =>
        book.write.resolveObjection([loanId, true, evidence("decision: upheld")], { account: notary.account }),
      ),
    ).to.deep.equal({ errorName: "LoanBook_WrongStatus", args: [loanId, Status.Settled] });
    const status = await book.read.statusOf([loanId]);
    const [settledAt, how] = await book.read.settlementOf([loanId]);
    const consistent =
      (status === Status.Settled && how === Settlement.Repayment) ||
      (status === Status.Repaid && settledAt === 0n && how === Settlement.None);
    expect({ status, settledAt, how, consistent }).to.include({ consistent: true });
  });

  // Found by this test: an objection upheld past maturity used to leave no installment for a new default to count,
  // so the debt could never be enforced. Now the days-past-due clock restarts at the decision.
  it("an objection upheld past maturity still lets an unpaid loan be declared in default later", async () => {
    const fixture = await loadLoanBook();
    const { book, borrower, notary, stranger } = fixture;
    const loanId = await originateLoan(fixture);
    const { start } = await termsOf(fixture, loanId);
    await at(fixture, start + 400 * DAY); // all 12 installments (the last at day 360) overdue
    await book.write.declareDefault([loanId], { account: stranger.account });
    await book.write.fileObjection([loanId, evidence("objection")], { account: borrower.account });
    await book.write.resolveObjection([loanId, true, evidence("decision: upheld")], { account: notary.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Late);
    expect((await book.read.amountDue([loanId])) > PRINCIPAL).to.equal(true);

    const eligibleAt = await book.read.defaultEligibleAt([loanId]);
    expect(eligibleAt > 0n).to.equal(true);
    await at(fixture, eligibleAt);
    await book.write.declareDefault([loanId], { account: stranger.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
  });
});

/*//////////////////////////////////////////////////////////////
                  4. RECOVERY FUNNEL AND ENFORCEMENT
//////////////////////////////////////////////////////////////*/

describe("Path 4: recovery funnel to enforcement", () => {
  it("ERC-20 collateral taken for its value, the rest written off; no more repayment; due dates unchanged", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, borrower, stranger, viem } = fixture;
    const templateId = await collateralTemplate(fixture, CollateralKind.ERC20);
    const collateralToken = await viem.deployContract("TestToken", ["Collateral", "COL", 18]);
    await collateralToken.write.mint([borrower.account.address, COLLATERAL_AMOUNT]);
    await collateralToken.write.approve([book.address, COLLATERAL_AMOUNT], { account: borrower.account });
    const collateral = { token: collateralToken.address, amountOrId: COLLATERAL_AMOUNT, assetHash: zeroHash };
    const { loanId, defaultedAt } = await defaultedLoan(fixture, { templateId, collateral });
    await certifyLoan(fixture, loanId);
    const { start, due } = await termsOf(fixture, loanId);
    const loanBefore = await book.read.loanOf([loanId]);
    const dueTimesBefore = (await book.read.installmentBreakdown([loanId])).map((row) => row.dueTime);

    // Only the claim holder moves the funnel.
    expect(
      await revertOf(() => book.write.advanceStage([loanId, evidence("notice")], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_NotClaimHolder", args: [loanId, addr(stranger)] });

    const from = Number(defaultedAt);
    // Three stages first: enforcement actions need the fourth.
    const events: [string, unknown][] = [];
    for (let stage = 1; stage <= 3; ++stage) {
      await at(fixture, from + stage * DAY);
      const hash = await book.write.advanceStage([loanId, evidence(`notice ${stage} of loan ${loanId}`)], {
        account: lender.account,
      });
      events.push(...(await eventsOf(fixture, hash)));
    }
    const valuation = evidence("valuation report of 5 COL");
    expect(
      await revertOf(() => book.write.enforceCollateral([loanId, 1n, valuation], { account: lender.account })),
    ).to.deep.equal({ errorName: "LoanBook_WrongStage", args: [loanId, Stage.Litigation] });
    await at(fixture, from + 4 * DAY);
    const last = await book.write.advanceStage([loanId, evidence(`notice 4 of loan ${loanId}`)], {
      account: lender.account,
    });
    events.push(...(await eventsOf(fixture, last)));
    expect(events).to.deep.equal(
      [Stage.Mediation, Stage.PreLitigation, Stage.Litigation, Stage.Enforcement].map((stage) => [
        "RecoveryStageAdvanced",
        { loanId, stage, claimHolder: addr(lender), noticeHash: evidence(`notice ${stage} of loan ${loanId}`) },
      ]),
    );
    expect((await book.read.caseOf([loanId])).stage).to.equal(Stage.Enforcement);
    expect(
      await revertOf(() => book.write.advanceStage([loanId, evidence("notice 5")], { account: lender.account })),
    ).to.deep.equal({ errorName: "LoanBook_WrongStage", args: [loanId, Stage.Enforcement] });
    // The funnel moved no due date.
    expect(await book.read.loanOf([loanId])).to.deep.equal(loanBefore);
    const dueTimesNow = (await book.read.installmentBreakdown([loanId])).map((row) => row.dueTime);
    expect(dueTimesNow.slice(0, dueTimesBefore.length)).to.deep.equal(dueTimesBefore);
    expect(dueTimesNow).to.deep.equal(dueTimesNow.map((_, i) => BigInt(due(i + 1))));
    // Escrowed collateral must be taken before a write-off.
    expect(
      await revertOf(() => book.write.writeOff([loanId, evidence("uncollectible")], { account: lender.account })),
    ).to.deep.equal({ errorName: "LoanBook_CollateralStillHeld", args: [loanId] });

    // The collateral, valued at 400.00, goes to the claim holder; its value is credited against the debt.
    const enforceAt = from + 5 * DAY;
    await at(fixture, enforceAt);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const value = 400_000_000n;
    expect(value < debt).to.equal(true);
    const lenderUsd = await balanceOf(fixture, lender.account.address);
    const enforceHash = await book.write.enforceCollateral([loanId, value, valuation], { account: lender.account });
    expect(await eventsOf(fixture, enforceHash)).to.deep.equal([
      ["CollateralEnforced", { loanId, claimHolder: addr(lender), value, credited: value, valuationHash: valuation }],
    ]);
    expect(await collateralToken.read.balanceOf([lender.account.address])).to.equal(COLLATERAL_AMOUNT);
    expect(await collateralToken.read.balanceOf([book.address])).to.equal(0n);
    expect(await book.read.collateralOf([loanId])).to.deep.equal({
      token: zeroAddress,
      amountOrId: 0n,
      assetHash: zeroHash,
    });
    expect(await book.read.payoffAmount([loanId])).to.equal(debt - value);
    expect(await book.read.amountDue([loanId])).to.equal(debt - value);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);
    expect(
      await revertOf(() => book.write.enforceCollateral([loanId, value, valuation], { account: lender.account })),
    ).to.deep.equal({ errorName: "LoanBook_NoCollateral", args: [loanId] });

    // The rest is written off.
    const reason = evidence("uncollectible after enforcement");
    await at(fixture, enforceAt + DAY);
    const writeOffHash = await book.write.writeOff([loanId, reason], { account: lender.account });
    expect(await eventsOf(fixture, writeOffHash)).to.deep.equal([
      ["LoanWrittenOff", { loanId, claimHolder: addr(lender), amount: debt - value, reasonHash: reason }],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.WrittenOff);
    expect(await book.read.amountDue([loanId])).to.equal(0n);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([0n, Settlement.None]);
    expect(await revertOf(() => book.write.repay([loanId, 1_000_000n], { account: borrower.account }))).to.deep.equal({
      errorName: "LoanBook_LoanRepaid",
      args: [loanId],
    });
    // No USD moved in enforcement; the loan's start (and with it every due date) is where it was.
    expect(await balanceOf(fixture, lender.account.address)).to.equal(lenderUsd);
    const loanAfter = await book.read.loanOf([loanId]);
    expect(loanAfter.startTime).to.equal(start);
    expect(loanAfter.templateId).to.equal(loanBefore.templateId);
    expect((await book.read.templateOf([BigInt(loanAfter.templateId)])).intervalSeconds).to.equal(30 * DAY);
  });

  it("collateral worth the whole debt settles the loan (Settlement.Collateral); the ERC-721 goes to the claim holder", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, borrower } = fixture;
    const templateId = await collateralTemplate(fixture, CollateralKind.ERC721);
    const { nft, collateral } = await nftCollateral(fixture);
    const { loanId, defaultedAt } = await defaultedLoan(fixture, { templateId, collateral });
    await certifyLoan(fixture, loanId);
    const from = Number(defaultedAt);
    await advanceToEnforcement(fixture, loanId, from);

    const enforceAt = from + 5 * DAY;
    await at(fixture, enforceAt);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const value = debt + 500_000_000n;
    const valuation = evidence("vehicle valuation");
    const hash = await book.write.enforceCollateral([loanId, value, valuation], { account: lender.account });
    expect(await eventsOf(fixture, hash)).to.deep.equal([
      ["CollateralEnforced", { loanId, claimHolder: addr(lender), value, credited: debt, valuationHash: valuation }],
      ["LoanRepaid", { loanId, payer: addr(lender) }],
      ["LoanSettled", { loanId, how: Settlement.Collateral, settledAt: BigInt(enforceAt) }],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([BigInt(enforceAt), Settlement.Collateral]);
    expect(await book.read.payoffAmount([loanId])).to.equal(0n);
    expect(getAddress(await nft.read.ownerOf([NFT_ID]))).to.equal(addr(lender));
    expect(await book.read.pledgedTo([await book.read.collateralKey([CollateralKind.ERC721, collateral])])).to.equal(
      0n,
    );
    expect(
      await revertOf(() => book.write.writeOff([loanId, evidence("nothing left")], { account: lender.account })),
    ).to.deep.equal({ errorName: "LoanBook_WrongStatus", args: [loanId, Status.Settled] });
    expect(await revertOf(() => book.write.repay([loanId, 1n], { account: borrower.account }))).to.deep.equal({
      errorName: "LoanBook_LoanRepaid",
      args: [loanId],
    });
  });

  // Found by this test: collateral in the loan's own token used to go to the claim holder whole, surplus included.
  it("collateral in the loan's own token worth more than the debt: the surplus returns to the borrower", async () => {
    const fixture = await loadLoanBook();
    const { book, token, lender, borrower } = fixture;
    const templateId = await collateralTemplate(fixture, CollateralKind.ERC20);
    const amount = 3_000_000_000n; // 3,000.00 of the loan's own token
    const collateral = { token: token.address, amountOrId: amount, assetHash: zeroHash };
    const { loanId, defaultedAt } = await defaultedLoan(fixture, { templateId, collateral });
    await certifyLoan(fixture, loanId);
    const from = Number(defaultedAt);
    await advanceToEnforcement(fixture, loanId, from);
    const enforceAt = from + 5 * DAY;
    await at(fixture, enforceAt);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    expect(debt < amount).to.equal(true);
    const lenderBefore = await balanceOf(fixture, lender.account.address);
    const borrowerBefore = await balanceOf(fixture, borrower.account.address);
    const hash = await book.write.enforceCollateral([loanId, amount, evidence("cash collateral")], {
      account: lender.account,
    });
    expect((await eventsOf(fixture, hash))[0]).to.deep.equal([
      "CollateralEnforced",
      { loanId, claimHolder: addr(lender), value: amount, credited: debt, valuationHash: evidence("cash collateral") },
    ]);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([BigInt(enforceAt), Settlement.Collateral]);
    expect((await balanceOf(fixture, lender.account.address)) - lenderBefore).to.equal(debt);
    expect((await balanceOf(fixture, borrower.account.address)) - borrowerBefore).to.equal(amount - debt);
  });
});

/*//////////////////////////////////////////////////////////////
                          5. BANK PAYMENTS
//////////////////////////////////////////////////////////////*/

describe("Path 5: bank payments", () => {
  it("paid at the bank before the due date, relayed days late: no penalty; a bank reference is credited once", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, borrower, stranger, viem } = fixture;
    const bank = (await viem.getWalletClients())[6];
    const signerHash = await book.write.setBankSigner([bank.account.address, true], { account: lender.account });
    expect(await eventsOf(fixture, signerHash)).to.deep.equal([
      ["BankSignerSet", { lender: addr(lender), signer: addr(bank), allowed: true }],
    ]);
    expect(await book.read.isBankSigner([lender.account.address, bank.account.address])).to.equal(true);

    const loanId = await originateLoan(fixture);
    const twinId = await originateLoan(fixture);
    const { table, penaltyTerms, due } = await termsOf(fixture, loanId);
    const twin = await termsOf(fixture, twinId);

    // Installment 1 paid at the bank a day before its due date; the feed relays it 5 days after (past the grace).
    const paidAt = due(1) - DAY;
    const relayAt = due(1) + 5 * DAY;
    const reference = bankReference("ICBC Kunshan", "TX-0001");
    const payment = await signBankPayment(fixture, bank, {
      loanId,
      amount: table[0].total,
      bankReferenceHash: reference,
      paidAt: BigInt(paidAt),
      deadline: BigInt(relayAt + DAY),
    });
    await at(fixture, relayAt);
    expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Late);
    const penaltyIfPaidNow = penaltyOf(penaltyTerms, table[0].total, due(1), relayAt);
    expect(penaltyIfPaidNow > 0n).to.equal(true);
    expect(await book.read.amountDue([loanId], { blockTag: "pending" })).to.equal(table[0].total + penaltyIfPaidNow);
    const lenderBefore = await balanceOf(fixture, lender.account.address);
    const borrowerBefore = await balanceOf(fixture, borrower.account.address);
    const hash = await book.write.recordBankPayment([payment], { account: stranger.account });
    expect(await eventsOf(fixture, hash)).to.deep.equal([
      [
        "BankPaymentRecorded",
        {
          loanId,
          signer: addr(bank),
          bankReferenceHash: reference,
          amount: table[0].total,
          paidAt: BigInt(paidAt),
          creditedAt: BigInt(paidAt),
        },
      ],
      [
        "RepaymentMade",
        {
          loanId,
          payer: addr(borrower),
          penaltyPaid: 0n,
          interestPaid: table[0].interest,
          principalPaid: table[0].principal,
          prepaid: 0n,
        },
      ],
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);
    expect(await book.read.amountDue([loanId])).to.equal(0n);
    expect(await book.read.bankReferenceLoan([reference])).to.equal(loanId);
    // Paid off chain: no token moved.
    expect(await balanceOf(fixture, lender.account.address)).to.equal(lenderBefore);
    expect(await balanceOf(fixture, borrower.account.address)).to.equal(borrowerBefore);

    // The same bank reference again (even re-signed, for another amount): refused, nothing changes.
    const loanAfterFirst = await book.read.loanOf([loanId]);
    const replay = await signBankPayment(fixture, bank, {
      loanId,
      amount: table[1].total,
      bankReferenceHash: reference,
      paidAt: BigInt(relayAt),
      deadline: BigInt(relayAt + DAY),
    });
    for (const attempt of [payment, replay]) {
      expect(
        await revertOf(() => book.write.recordBankPayment([attempt], { account: stranger.account })),
      ).to.deep.equal({ errorName: "LoanBook_BankReferenceUsed", args: [reference, loanId] });
    }
    expect(await book.read.loanOf([loanId])).to.deep.equal(loanAfterFirst);

    // The twin loan's borrower pays the same installment directly, as late as the relay: it pays the penalty.
    const lateAt = twin.due(1) + 5 * DAY;
    const twinPenalty = penaltyOf(penaltyTerms, table[0].total, twin.due(1), lateAt);
    expect(twinPenalty).to.equal(penaltyIfPaidNow);
    const direct = await repayAt(fixture, twinId, table[0].total + twinPenalty, lateAt);
    expect(direct.repayment).to.deep.equal({
      loanId: twinId,
      payer: addr(borrower),
      penaltyPaid: twinPenalty,
      interestPaid: table[0].interest,
      principalPaid: table[0].principal,
      prepaid: 0n,
    });
    expect(await book.read.statusOf([twinId])).to.equal(Status.Active);
  });

  it("paid at the bank after the grace: the penalty is the one as of paidAt, not as of the relay", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, borrower, stranger, viem } = fixture;
    const bank = (await viem.getWalletClients())[6];
    await book.write.setBankSigner([bank.account.address, true], { account: lender.account });
    const loanId = await originateLoan(fixture);
    const { table, penaltyTerms, due } = await termsOf(fixture, loanId);

    const paidAt = due(1) + 4 * DAY; // a day past the 3-day grace
    const relayAt = due(1) + 20 * DAY;
    const penaltyAtBank = penaltyOf(penaltyTerms, table[0].total, due(1), paidAt);
    const penaltyAtRelay = penaltyOf(penaltyTerms, table[0].total, due(1), relayAt);
    expect(penaltyAtBank > 0n && penaltyAtBank < penaltyAtRelay).to.equal(true);
    const reference = bankReference("ICBC Kunshan", "TX-0002");
    const payment = await signBankPayment(fixture, bank, {
      loanId,
      amount: table[0].total + penaltyAtBank,
      bankReferenceHash: reference,
      paidAt: BigInt(paidAt),
      deadline: BigInt(relayAt + DAY),
    });
    // Not the lender's bank-feed signer, or a payment booked in the future: refused.
    const forged = await signBankPayment(fixture, stranger, {
      loanId,
      amount: table[0].total,
      bankReferenceHash: bankReference("ICBC Kunshan", "TX-FORGED"),
      paidAt: BigInt(paidAt),
      deadline: BigInt(relayAt + DAY),
    });
    const future = await signBankPayment(fixture, bank, {
      loanId,
      amount: table[0].total,
      bankReferenceHash: bankReference("ICBC Kunshan", "TX-FUTURE"),
      paidAt: BigInt(relayAt + 1),
      deadline: BigInt(relayAt + DAY),
    });
    await at(fixture, relayAt);
    expect(await revertOf(() => book.write.recordBankPayment([forged], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_NotBankSigner",
      args: [addr(lender), addr(stranger)],
    });
    expect(await revertOf(() => book.write.recordBankPayment([future], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_InvalidPaymentTime",
      args: [BigInt(relayAt + 1)],
    });
    const hash = await book.write.recordBankPayment([payment], { account: stranger.account });
    const events = await eventsOf(fixture, hash);
    expect(events[1]).to.deep.equal([
      "RepaymentMade",
      {
        loanId,
        payer: addr(borrower),
        penaltyPaid: penaltyAtBank,
        interestPaid: table[0].interest,
        principalPaid: table[0].principal,
        prepaid: 0n,
      },
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);
    expect(await book.read.amountDue([loanId])).to.equal(0n);
  });
  // BUG (suspected, design gap): a payment made on time at the bank but relayed after the loan was declared in
  // default is credited as on time (no penalty), yet the default stays: the loan is still Defaulted and a notary can
  // certify it, although on the facts as of paidAt the trigger never held (installment 1 was paid before its due
  // date; installment 2 fell due at the very second of the declaration). The borrower's only remedy is an objection.
  // Expected: a default whose trigger no longer holds once the attested payment is credited does not stand.
  it.skip("a payment made on time at the bank and relayed after a default declaration undoes that default", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, stranger, notary, viem } = fixture;
    const bank = (await viem.getWalletClients())[6];
    await book.write.setBankSigner([bank.account.address, true], { account: lender.account });
    const { loanId, defaultedAt } = await defaultedLoan(fixture);
    const { table, due } = await termsOf(fixture, loanId);
    const relayAt = Number(defaultedAt) + DAY;
    const payment = await signBankPayment(fixture, bank, {
      loanId,
      amount: table[0].total,
      bankReferenceHash: bankReference("ICBC Kunshan", "TX-0100"),
      paidAt: BigInt(due(1) - DAY),
      deadline: BigInt(relayAt + DAY),
    });
    await at(fixture, relayAt);
    const hash = await book.write.recordBankPayment([payment], { account: stranger.account });
    expect((await eventsOf(fixture, hash))[1][1]).to.include({ penaltyPaid: 0n });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Late);
    const certificate = certificateParams(loanId);
    const approval = await signCertificate(fixture, certificate);
    expect(await revertOf(() => book.write.certify([certificate, approval], { account: notary.account }))).to.include({
      errorName: "LoanBook_WrongStatus",
    });
  });
});

/*//////////////////////////////////////////////////////////////
                            6. AUTO-DEBIT
//////////////////////////////////////////////////////////////*/

describe("Path 6: auto-debit", () => {
  it("pulls exactly amountDue when balance and allowance cover it, else nothing; off means off", async () => {
    const fixture = await loadLoanBook();
    const { book, token, lender, borrower, stranger } = fixture;
    const loanId = await originateLoan(fixture);
    const { table, penaltyTerms, due, start } = await termsOf(fixture, loanId);
    const lenderOf = () => balanceOf(fixture, lender.account.address);
    const borrowerOf = () => balanceOf(fixture, borrower.account.address);

    // Off until the borrower opts in.
    await at(fixture, start + DAY);
    expect(await revertOf(() => book.write.autoDebit([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_AutoDebitOff",
      args: [loanId],
    });
    const onHash = await book.write.setAutoDebit([loanId, true], { account: borrower.account });
    expect(await eventsOf(fixture, onHash)).to.deep.equal([["AutoDebitSet", { loanId, enabled: true }]]);
    expect(await revertOf(() => book.write.setAutoDebit([loanId, false], { account: stranger.account }))).to.deep.equal(
      { errorName: "LoanBook_NotBorrower", args: [loanId, addr(stranger)] },
    );

    // Nothing due before installment 1's due date.
    await at(fixture, due(1) - 1);
    expect(await revertOf(() => book.write.autoDebit([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_NothingDue",
      args: [loanId],
    });

    // At the due second: exactly installment 1, from the borrower to the claim holder.
    await at(fixture, due(1));
    expect(await book.read.autoDebitQuote([loanId], { blockTag: "pending" })).to.equal(table[0].total);
    let lenderBefore = await lenderOf();
    let borrowerBefore = await borrowerOf();
    const debitHash = await book.write.autoDebit([loanId], { account: stranger.account });
    expect(await eventsOf(fixture, debitHash)).to.deep.equal([
      [
        "RepaymentMade",
        {
          loanId,
          payer: addr(borrower),
          penaltyPaid: 0n,
          interestPaid: table[0].interest,
          principalPaid: table[0].principal,
          prepaid: 0n,
        },
      ],
    ]);
    expect((await lenderOf()) - lenderBefore).to.equal(table[0].total);
    expect(borrowerBefore - (await borrowerOf())).to.equal(table[0].total);
    expect(await book.read.amountDue([loanId])).to.equal(0n);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);
    // Nothing more is due now: a second debit in the next block pulls nothing.
    expect(await revertOf(() => book.write.autoDebit([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_NothingDue",
      args: [loanId],
    });

    // Installment 2 six started days late: due is the installment and its penalty.
    const lateAt = due(2) + 5 * DAY + 3 * HOUR;
    const due2 = table[1].total + penaltyOf(penaltyTerms, table[1].total, due(2), lateAt);
    expect(due2 > table[1].total).to.equal(true);
    // The borrower keeps one unit less than that.
    await at(fixture, lateAt - 100);
    const keep = due2 - 1n;
    await token.write.transfer([stranger.account.address, (await borrowerOf()) - keep], { account: borrower.account });
    await at(fixture, lateAt);
    expect(await book.read.amountDue([loanId], { blockTag: "pending" })).to.equal(due2);
    const loanBefore = await book.read.loanOf([loanId]);
    lenderBefore = await lenderOf();
    expect(await revertOf(() => book.write.autoDebit([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_InsufficientFunds",
      args: [loanId, due2, keep, maxUint256],
    });
    expect(await revertOf(() => book.read.autoDebitQuote([loanId], { blockTag: "pending" }))).to.deep.equal({
      errorName: "LoanBook_InsufficientFunds",
      args: [loanId, due2, keep, maxUint256],
    });
    // Enough balance, but an allowance one unit short: refused as well.
    await token.write.transfer([borrower.account.address, 1_000n * 10n ** 6n], { account: stranger.account });
    await token.write.approve([book.address, due2 - 1n], { account: borrower.account });
    expect(await revertOf(() => book.write.autoDebit([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_InsufficientFunds",
      args: [loanId, due2, keep + 1_000n * 10n ** 6n, due2 - 1n],
    });
    expect(await book.read.loanOf([loanId])).to.deep.equal(loanBefore);
    expect(await lenderOf()).to.equal(lenderBefore);

    // Allowance exactly the amount due: pulled, penalty first.
    await token.write.approve([book.address, due2], { account: borrower.account });
    borrowerBefore = await borrowerOf();
    const lateHash = await book.write.autoDebit([loanId], { account: stranger.account });
    const [repayment] = await eventsOf(fixture, lateHash);
    expect(repayment).to.deep.equal([
      "RepaymentMade",
      {
        loanId,
        payer: addr(borrower),
        penaltyPaid: due2 - table[1].total,
        interestPaid: table[1].interest,
        principalPaid: table[1].principal,
        prepaid: 0n,
      },
    ]);
    expect((await lenderOf()) - lenderBefore).to.equal(due2);
    expect(borrowerBefore - (await borrowerOf())).to.equal(due2);
    expect(await token.read.allowance([borrower.account.address, book.address])).to.equal(0n);

    // Opted out: no more debits, even with everything due and covered.
    await token.write.approve([book.address, maxUint256], { account: borrower.account });
    const offHash = await book.write.setAutoDebit([loanId, false], { account: borrower.account });
    expect(await eventsOf(fixture, offHash)).to.deep.equal([["AutoDebitSet", { loanId, enabled: false }]]);
    await at(fixture, due(3));
    expect(await revertOf(() => book.write.autoDebit([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_AutoDebitOff",
      args: [loanId],
    });
  });
});

/*//////////////////////////////////////////////////////////////
                      7. KEEPER VIEW AND BATCHES
//////////////////////////////////////////////////////////////*/

describe("Path 7: keeper view and batches", () => {
  /**
   * Six loans whose situations meet at time T:
   * 1 (A) committed, installment 1 missed: breachable; 2 (B) committed, paid so far: not breachable;
   * 3 (C) default trigger holds from T exactly; 4 (D) auto-debit on, installment 1 due an hour ago and covered;
   * 5 (F) auto-debit on, due, but its borrower allowed the book one unit; 6 (E) auto-debit on, nothing due.
   */
  async function keeperBook() {
    const fixture = await loadLoanBook();
    const { book, token, borrower, viem } = fixture;
    const poorBorrower = (await viem.getWalletClients())[7];
    await token.write.approve([fixture.book.address, 1n], { account: poorBorrower.account });
    const base = Number((await fixture.publicClient.getBlock()).timestamp) + 1_000;
    const T = base + 80 * DAY;

    const A = await originateAt(fixture, base);
    const B = await originateAt(fixture, base + 10);
    const C = await originateAt(fixture, T - 60 * DAY);
    const D = await originateAt(fixture, T - 30 * DAY - HOUR);
    const F = await originateAt(fixture, T - 30 * DAY - HOUR + 10, { borrower: poorBorrower });
    for (const [loanId, declareAt] of [
      [A, base + 60 * DAY],
      [B, base + 10 + 60 * DAY],
    ] as const) {
      expect(await book.read.defaultEligibleAt([loanId])).to.equal(BigInt(declareAt));
      await at(fixture, declareAt);
      await book.write.declareDefault([loanId], { account: fixture.stranger.account });
    }
    const plans = [];
    for (const [loanId, commitAt] of [
      [A, base + 60 * DAY + 100],
      [B, base + 60 * DAY + 110],
    ] as const) {
      await at(fixture, commitAt);
      const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
      const plan = commitmentPlan(loanId, debt, BigInt(commitAt), 3, 14);
      const { approval } = await signCommitment(fixture, plan, { nonce: loanId, deadline: BigInt(commitAt + HOUR) });
      await book.write.submitCommitment([plan, approval], { account: fixture.stranger.account });
      plans.push(plan);
    }
    const E = await originateAt(fixture, T - 10 * DAY);
    for (const loanId of [D, E]) await book.write.setAutoDebit([loanId, true], { account: borrower.account });
    await book.write.setAutoDebit([F, true], { account: poorBorrower.account });
    // B keeps its commitment; A misses its first installment.
    await payDebtAt(fixture, B, plans[1].amounts[0], plans[1].dueTimes[0]);
    const breachableA = Number(plans[0].dueTimes[0]) + 3 * DAY + 1;
    expect(breachableA <= T).to.equal(true);
    expect(Number(plans[1].dueTimes[1]) + 3 * DAY + 1 > T + 10).to.equal(true);
    return { fixture, T, ids: { A, B, C, D, F, E }, plans, breachableA, poorBorrower };
  }

  it("checkActions lists declareDefault, breachCommitment and autoDebit for exactly the loans that can take them", async () => {
    const { fixture, T, ids, breachableA } = await keeperBook();
    const { book } = fixture;
    expect([ids.A, ids.B, ids.C, ids.D, ids.F, ids.E]).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n]);
    const declare = functionSelector(fixture, "declareDefault");
    const breach = functionSelector(fixture, "breachCommitment");
    const debit = functionSelector(fixture, "autoDebit");

    // The second before A becomes breachable: nothing yet; at that second, A's breach.
    await at(fixture, breachableA - 1);
    expect(await book.read.checkActions([1n, 10n], { blockTag: "pending" })).to.deep.equal([[], 7n]);
    await at(fixture, breachableA);
    expect(await book.read.checkActions([1n, 10n], { blockTag: "pending" })).to.deep.equal([
      [{ loanId: ids.A, action: breach }],
      7n,
    ]);
    await fixture.connection.networkHelpers.mine();

    await at(fixture, T - 1);
    expect(await book.read.checkActions([1n, 10n], { blockTag: "pending" })).to.deep.equal([
      [
        { loanId: ids.A, action: breach },
        { loanId: ids.D, action: debit },
      ],
      7n,
    ]);
    await at(fixture, T);
    expect(await book.read.checkActions([1n, 10n], { blockTag: "pending" })).to.deep.equal([
      [
        { loanId: ids.A, action: breach },
        { loanId: ids.C, action: declare },
        { loanId: ids.D, action: debit },
      ],
      7n,
    ]);
    // Pages: from 4, two loans (D and F); past the end, nothing and the same next.
    expect(await book.read.checkActions([4n, 2n], { blockTag: "pending" })).to.deep.equal([
      [{ loanId: ids.D, action: debit }],
      6n,
    ]);
    expect(await book.read.checkActions([7n, 5n], { blockTag: "pending" })).to.deep.equal([[], 7n]);
    // The view's autoDebit quote agrees: F's borrower allowed one unit.
    expect(await revertOf(() => book.read.autoDebitQuote([ids.F], { blockTag: "pending" }))).to.include({
      errorName: "LoanBook_InsufficientFunds",
    });
  });

  it("breachCommitments and autoDebits act on the eligible loans and skip the others with the error's selector", async () => {
    const { fixture, T, ids, plans } = await keeperBook();
    const { book, lender, stranger } = fixture;
    const breach = functionSelector(fixture, "breachCommitment");
    const debit = functionSelector(fixture, "autoDebit");
    const skipped = (loanId: bigint, action: Hex, error: string): [string, unknown] => [
      "ActionSkipped",
      { loanId, action, reason: errorSelector(fixture, error) },
    ];

    await at(fixture, T);
    const breachIds = [ids.A, ids.B, ids.C, 99n];
    const { result: breached } = await book.simulate.breachCommitments([breachIds], {
      account: stranger.account.address,
      blockTag: "pending",
    });
    expect(breached).to.equal(1n);
    const breachHash = await book.write.breachCommitments([breachIds], { account: stranger.account });
    const breachEvents = await eventsOf(fixture, breachHash);
    expect(breachEvents.map(([name]) => name)).to.deep.equal([
      "CommitmentBreached",
      "ActionSkipped",
      "ActionSkipped",
      "ActionSkipped",
    ]);
    expect(breachEvents[0][1]).to.deep.include({ loanId: ids.A, installment: 1n, dueTime: plans[0].dueTimes[0] });
    expect(breachEvents.slice(1)).to.deep.equal([
      skipped(ids.B, breach, "LoanBook_CommitmentNotBreached"),
      skipped(ids.C, breach, "LoanBook_WrongStatus"),
      skipped(99n, breach, "LoanBook_UnknownLoan"),
    ]);
    expect(await book.read.statusOf([ids.A])).to.equal(Status.Defaulted); // uncertified: back to Defaulted
    expect(await book.read.statusOf([ids.B])).to.equal(Status.Committed);

    await at(fixture, T + 1);
    const debitIds = [ids.D, ids.F, ids.E, ids.C, 99n];
    const dueD = await book.read.amountDue([ids.D], { blockTag: "pending" });
    const { result: debited } = await book.simulate.autoDebits([debitIds], {
      account: stranger.account.address,
      blockTag: "pending",
    });
    expect(debited).to.equal(1n);
    const lenderBefore = await balanceOf(fixture, lender.account.address);
    const debitHash = await book.write.autoDebits([debitIds], { account: stranger.account });
    const debitEvents = await eventsOf(fixture, debitHash);
    expect(debitEvents.map(([name]) => name)).to.deep.equal([
      "RepaymentMade",
      "ActionSkipped",
      "ActionSkipped",
      "ActionSkipped",
      "ActionSkipped",
    ]);
    expect(debitEvents.slice(1)).to.deep.equal([
      skipped(ids.F, debit, "LoanBook_InsufficientFunds"),
      skipped(ids.E, debit, "LoanBook_NothingDue"),
      skipped(ids.C, debit, "LoanBook_AutoDebitOff"),
      skipped(99n, debit, "LoanBook_UnknownLoan"),
    ]);
    expect((await balanceOf(fixture, lender.account.address)) - lenderBefore).to.equal(dueD);
    expect(await book.read.amountDue([ids.D])).to.equal(0n);

    // What is left for the keeper: C's default only; declaring it empties the list.
    await at(fixture, T + 2);
    expect(await book.read.checkActions([1n, 10n], { blockTag: "pending" })).to.deep.equal([
      [{ loanId: ids.C, action: functionSelector(fixture, "declareDefault") }],
      7n,
    ]);
    await book.write.declareDefault([ids.C], { account: stranger.account });
    expect((await book.read.checkActions([1n, 10n]))[0]).to.deep.equal([]);
  });

  it("recordBankPayments credits the valid attestations and skips a reused reference, a stranger's signature, an expired one", async () => {
    const fixture = await loadLoanBook();
    const { book, lender, stranger, viem } = fixture;
    const bank = (await viem.getWalletClients())[6];
    await book.write.setBankSigner([bank.account.address, true], { account: lender.account });
    const X = await originateLoan(fixture);
    const Y = await originateLoan(fixture);
    const { table, due } = await termsOf(fixture, X);
    const relayAt = due(1) + 2 * DAY;
    const deadline = BigInt(relayAt + DAY);
    const sign = (signer: Wallet, loanId: bigint, reference: string, deadlineOf = deadline) =>
      signBankPayment(fixture, signer, {
        loanId,
        amount: table[0].total,
        bankReferenceHash: bankReference("BOC", reference),
        paidAt: BigInt(due(1) - HOUR),
        deadline: deadlineOf,
      });
    const payments = [
      await sign(bank, X, "R1"),
      await sign(bank, Y, "R1"), // the same bank transaction credited twice
      await sign(stranger, Y, "R2"),
      await sign(bank, Y, "R3", BigInt(relayAt - 1)),
      await sign(bank, Y, "R4"),
    ];
    await at(fixture, relayAt);
    const { result: recorded } = await book.simulate.recordBankPayments([payments], {
      account: stranger.account.address,
      blockTag: "pending",
    });
    expect(recorded).to.equal(2n);
    const hash = await book.write.recordBankPayments([payments], { account: stranger.account });
    const record = functionSelector(fixture, "recordBankPayment");
    const skips = (await eventsOf(fixture, hash)).filter(([name]) => name === "ActionSkipped");
    expect(skips).to.deep.equal(
      [
        [Y, "LoanBook_BankReferenceUsed"],
        [Y, "LoanBook_NotBankSigner"],
        [Y, "LoanBook_SignatureExpired"],
      ].map(([loanId, error]) => [
        "ActionSkipped",
        { loanId, action: record, reason: errorSelector(fixture, error as string) },
      ]),
    );
    expect(await book.read.bankReferenceLoan([bankReference("BOC", "R1")])).to.equal(X);
    expect(await book.read.bankReferenceLoan([bankReference("BOC", "R4")])).to.equal(Y);
    for (const loanId of [X, Y]) {
      expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(1);
      expect(await book.read.statusOf([loanId])).to.equal(Status.Active);
    }
  });
});
