/**
 * Who may call what on LoanBook: every external state-changing function from every role, as one table (ROLE_MATRIX)
 * that a reviewer can scan. An allowed call is checked for its effect; a refused one for its exact custom error,
 * for naming the caller, and for changing nothing. The role rules the matrix cannot show (a revoked lender, the
 * notary registry, the pause, a third party's repayment) follow it.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, keccak256, parseSignature, toHex, zeroHash, type Address, type Hex } from "viem";

import {
  PRINCIPAL,
  Status,
  deployLoanBook,
  originateLoan,
  signedOrigination,
  templateParams,
  type LoanBookFixture,
} from "../support/loanBookFixture.ts";
import { permitTypes } from "../../keeper/src/core/typedData.ts";
import { customErrorOf } from "../support/scheduleFixtures.ts";

type Wallet = LoanBookFixture["lender"];

/*//////////////////////////////////////////////////////////////
                             THE MATRIX
//////////////////////////////////////////////////////////////*/

const ROLES = ["admin", "lender", "otherLender", "notary", "borrower", "stranger"] as const;
type Role = (typeof ROLES)[number];

/** Allowed: the call succeeds and has its effect. */
const OK = "ok";
/** OpenZeppelin AccessControl: the caller lacks the role the function requires. */
const ROLE = "AccessControlUnauthorizedAccount";
/** The caller is not the lender of the template (`otherLender` holds LENDER_ROLE but does not own template 1). */
const NOT_OWNER = "LoanBook_NotTemplateLender";
/** OpenZeppelin ERC-721: the caller neither holds the claim nor is approved for it. */
const NOT_HOLDER = "ERC721InsufficientApproval";
type Outcome = typeof OK | typeof ROLE | typeof NOT_OWNER | typeof NOT_HOLDER;

/**
 * One row per function, one column per role. The fixture state every cell starts from: the admin holds
 * DEFAULT_ADMIN_ROLE; `lender` and `otherLender` hold LENDER_ROLE; `notary` is registered; `lender` published
 * template 1 and originated loan 1 to `borrower` (so `lender` holds claim 1); `stranger` holds nothing.
 */
// prettier-ignore
const ROLE_MATRIX = {
  //                           admin       lender      otherLender notary      borrower    stranger
  addNotary:                 [ OK,         ROLE,       ROLE,       ROLE,       ROLE,       ROLE ],
  revokeNotary:              [ OK,         ROLE,       ROLE,       ROLE,       ROLE,       ROLE ],
  "grantRole(LENDER_ROLE)":  [ OK,         ROLE,       ROLE,       ROLE,       ROLE,       ROLE ],
  "revokeRole(LENDER_ROLE)": [ OK,         ROLE,       ROLE,       ROLE,       ROLE,       ROLE ],
  publishTemplate:           [ ROLE,       OK,         OK,         ROLE,       ROLE,       ROLE ],
  retireTemplate:            [ NOT_OWNER,  OK,         NOT_OWNER,  NOT_OWNER,  NOT_OWNER,  NOT_OWNER ],
  originate:                 [ ROLE,       OK,         NOT_OWNER,  ROLE,       ROLE,       ROLE ],
  repay:                     [ OK,         OK,         OK,         OK,         OK,         OK ],
  repayWithPermit:           [ OK,         OK,         OK,         OK,         OK,         OK ],
  declareDefault:            [ OK,         OK,         OK,         OK,         OK,         OK ],
  declareDefaults:           [ OK,         OK,         OK,         OK,         OK,         OK ],
  pause:                     [ OK,         ROLE,       ROLE,       ROLE,       ROLE,       ROLE ],
  unpause:                   [ OK,         ROLE,       ROLE,       ROLE,       ROLE,       ROLE ],
  "transferFrom(claim)":     [ NOT_HOLDER, OK,         NOT_HOLDER, NOT_HOLDER, NOT_HOLDER, NOT_HOLDER ],
} as const satisfies Record<string, readonly [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome]>;
type FunctionName = keyof typeof ROLE_MATRIX;

/*//////////////////////////////////////////////////////////////
                          HOW EACH ROW RUNS
//////////////////////////////////////////////////////////////*/

/** Loan 1 of the fixture: lender -> borrower, template 1. */
const LOAN_ID = 1n;
const TEMPLATE_ID = 1n;
/** A repayment small enough to leave installment 1 open: its effect is on `paidOnCurrent`. */
const PAYMENT = 1_000_000n;
/** An address with no role, the target of addNotary and grantRole. */
const CANDIDATE: Address = getAddress("0x00000000000000000000000000000000c0ffee00");
const OFFICE_ID_HASH = keccak256(toHex("Candidate Notary Office"));

/** Each row: the state it needs beyond the fixture, the call, what it observes, and the effect when allowed. A
 * refused call must leave the observation unchanged. */
interface RowSpec<T> {
  arrange?: (f: LoanBookFixture, caller: Wallet) => Promise<void>;
  call: (f: LoanBookFixture, caller: Wallet) => Promise<Hex>;
  observe: (f: LoanBookFixture, caller: Wallet) => Promise<T>;
  effect: (before: T, after: T, f: LoanBookFixture, caller: Wallet) => void;
}

/** What a cell does: arrange, observe, call, observe; returns the observations and the call's outcome. */
type Cell = (
  f: LoanBookFixture,
  caller: Wallet,
) => Promise<{ outcome: Rejection | { hash: Hex }; unchanged: () => void; effect: () => void }>;

function row<T>(spec: RowSpec<T>): Cell {
  return async (f, caller) => {
    await spec.arrange?.(f, caller);
    const before = await spec.observe(f, caller);
    const outcome = await attempt(() => spec.call(f, caller));
    const after = await spec.observe(f, caller);
    return {
      outcome,
      unchanged: () => expect(after, "a refused call changed state").to.deep.equal(before),
      effect: () => spec.effect(before, after, f, caller),
    };
  };
}

/** A reverted call's custom error, decoded against LoanBook's ABI (which includes OpenZeppelin's errors). */
interface Rejection {
  errorName: string;
  args: readonly unknown[];
}

async function attempt(call: () => Promise<Hex>): Promise<Rejection | { hash: Hex }> {
  try {
    return { hash: await call() };
  } catch (error) {
    const reverted = customErrorOf(error);
    if (reverted) return reverted;
    throw error;
  }
}

const as = (wallet: Wallet) => ({ account: wallet.account });
const same = (a: string, b: string) => getAddress(a) === getAddress(b);

/** Mints `PAYMENT` to `payer` and sets its allowance to the book to `allowance`. */
async function fund(f: LoanBookFixture, payer: Wallet, allowance: bigint) {
  await f.token.write.mint([payer.account.address, PAYMENT]);
  await f.token.write.approve([f.book.address, allowance], as(payer));
}

/** Observation of a repayment: the loan's progress, the payer's and the claim holder's token balances. */
async function repaymentView(f: LoanBookFixture, payer: Wallet) {
  const holder = await f.book.read.ownerOf([LOAN_ID]);
  return {
    paidOnCurrent: (await f.book.read.loanOf([LOAN_ID])).paidOnCurrent,
    payerBalance: await f.token.read.balanceOf([payer.account.address]),
    holder,
    holderBalance: await f.token.read.balanceOf([holder]),
  };
}

function repaymentEffect(before: Awaited<ReturnType<typeof repaymentView>>, after: typeof before, payer: Wallet) {
  expect(after.paidOnCurrent).to.equal(before.paidOnCurrent + PAYMENT);
  if (same(payer.account.address, before.holder)) {
    expect(after.payerBalance, "the holder paying itself").to.equal(before.payerBalance);
  } else {
    expect(after.payerBalance).to.equal(before.payerBalance - PAYMENT);
    expect(after.holderBalance).to.equal(before.holderBalance + PAYMENT);
  }
}

/** Moves time to when loan 1's default trigger holds. */
async function untilDefaultable(f: LoanBookFixture) {
  await f.connection.networkHelpers.time.increaseTo(await f.book.read.defaultEligibleAt([LOAN_ID]));
}

/** An EIP-2612 permit of `amount` for the book, signed by `owner`. */
async function signPermit(f: LoanBookFixture, owner: Wallet, amount: bigint, deadline: bigint) {
  const [, name, version] = await f.token.read.eip712Domain();
  const signature = await owner.signTypedData({
    domain: { name, version, chainId: f.chainId, verifyingContract: f.token.address },
    types: permitTypes,
    primaryType: "Permit",
    message: {
      owner: owner.account.address,
      spender: f.book.address,
      value: amount,
      nonce: await f.token.read.nonces([owner.account.address]),
      deadline,
    },
  });
  const { r, s, yParity } = parseSignature(signature);
  return { v: yParity + 27, r, s };
}

async function repayWithPermit(f: LoanBookFixture, payer: Wallet, amount: bigint) {
  const deadline = (await f.publicClient.getBlock()).timestamp + 3_600n;
  const { v, r, s } = await signPermit(f, payer, amount, deadline);
  return f.book.write.repayWithPermit([LOAN_ID, amount, deadline, v, r, s], as(payer));
}

const ROWS: Record<FunctionName, Cell> = {
  addNotary: row({
    call: (f, caller) => f.book.write.addNotary([CANDIDATE, OFFICE_ID_HASH], as(caller)),
    observe: async (f) => ({
      isNotary: await f.book.read.hasRole([await f.book.read.NOTARY_ROLE(), CANDIDATE]),
      office: await f.book.read.notaryOffice([CANDIDATE]),
    }),
    effect: (_, after) => expect(after).to.deep.equal({ isNotary: true, office: OFFICE_ID_HASH }),
  }),
  revokeNotary: row({
    call: (f, caller) => f.book.write.revokeNotary([f.notary.account.address], as(caller)),
    observe: async (f) => ({
      isNotary: await f.book.read.hasRole([await f.book.read.NOTARY_ROLE(), f.notary.account.address]),
      office: await f.book.read.notaryOffice([f.notary.account.address]),
    }),
    effect: (before, after) => {
      expect(before.isNotary).to.equal(true);
      expect(after).to.deep.equal({ isNotary: false, office: zeroHash });
    },
  }),
  "grantRole(LENDER_ROLE)": row({
    call: async (f, caller) => f.book.write.grantRole([await f.book.read.LENDER_ROLE(), CANDIDATE], as(caller)),
    observe: async (f) => f.book.read.hasRole([await f.book.read.LENDER_ROLE(), CANDIDATE]),
    effect: (before, after) => expect([before, after]).to.deep.equal([false, true]),
  }),
  "revokeRole(LENDER_ROLE)": row({
    call: async (f, caller) =>
      f.book.write.revokeRole([await f.book.read.LENDER_ROLE(), f.otherLender.account.address], as(caller)),
    observe: async (f) => f.book.read.hasRole([await f.book.read.LENDER_ROLE(), f.otherLender.account.address]),
    effect: (before, after) => expect([before, after]).to.deep.equal([true, false]),
  }),
  publishTemplate: row({
    call: (f, caller) => f.book.write.publishTemplate([templateParams(f.token.address), [], []], as(caller)),
    observe: async (f) => {
      const count = await f.book.read.templateCount();
      return { count, lastLender: (await f.book.read.templateOf([count])).lender };
    },
    effect: (before, after, _, caller) => {
      expect(after.count).to.equal(before.count + 1n);
      expect(same(after.lastLender, caller.account.address), "the publisher is the new template's lender").to.equal(
        true,
      );
    },
  }),
  retireTemplate: row({
    call: (f, caller) => f.book.write.retireTemplate([TEMPLATE_ID], as(caller)),
    observe: async (f) => (await f.book.read.templateOf([TEMPLATE_ID])).retired,
    effect: (before, after) => expect([before, after]).to.deep.equal([false, true]),
  }),
  originate: row({
    // The borrower and the notary sign for the caller as lender, so only the caller's standing can refuse it.
    call: async (f, caller) =>
      f.book.write.originate([await signedOrigination(f, { lender: caller, principal: PRINCIPAL })], as(caller)),
    observe: async (f) => ({
      loanCount: await f.book.read.loanCount(),
      borrowerBalance: await f.token.read.balanceOf([f.borrower.account.address]),
    }),
    effect: (before, after) => {
      expect(after.loanCount).to.equal(before.loanCount + 1n);
      expect(after.borrowerBalance).to.equal(before.borrowerBalance + PRINCIPAL);
    },
  }),
  repay: row({
    arrange: (f, caller) => fund(f, caller, PAYMENT),
    call: (f, caller) => f.book.write.repay([LOAN_ID, PAYMENT], as(caller)),
    observe: repaymentView,
    effect: (before, after, _, caller) => repaymentEffect(before, after, caller),
  }),
  repayWithPermit: row({
    // No allowance before: the permit in the same call is what lets the book take the payment.
    arrange: (f, caller) => fund(f, caller, 0n),
    call: (f, caller) => repayWithPermit(f, caller, PAYMENT),
    observe: repaymentView,
    effect: (before, after, _, caller) => repaymentEffect(before, after, caller),
  }),
  declareDefault: row({
    arrange: untilDefaultable,
    call: (f, caller) => f.book.write.declareDefault([LOAN_ID], as(caller)),
    observe: (f) => f.book.read.statusOf([LOAN_ID]),
    effect: (before, after) => expect([before, after]).to.deep.equal([Status.Late, Status.Defaulted]),
  }),
  declareDefaults: row({
    arrange: untilDefaultable,
    call: (f, caller) => f.book.write.declareDefaults([[LOAN_ID]], as(caller)),
    observe: (f) => f.book.read.statusOf([LOAN_ID]),
    effect: (before, after) => expect([before, after]).to.deep.equal([Status.Late, Status.Defaulted]),
  }),
  pause: row({
    call: (f, caller) => f.book.write.pause(as(caller)),
    observe: (f) => f.book.read.paused(),
    effect: (before, after) => expect([before, after]).to.deep.equal([false, true]),
  }),
  unpause: row({
    arrange: async (f) => {
      await f.book.write.pause(as(f.admin));
    },
    call: (f, caller) => f.book.write.unpause(as(caller)),
    observe: (f) => f.book.read.paused(),
    effect: (before, after) => expect([before, after]).to.deep.equal([true, false]),
  }),
  "transferFrom(claim)": row({
    call: (f, caller) =>
      f.book.write.transferFrom([f.lender.account.address, f.stranger.account.address, LOAN_ID], as(caller)),
    observe: (f) => f.book.read.ownerOf([LOAN_ID]),
    effect: (before, after, f) => {
      expect(same(before, f.lender.account.address)).to.equal(true);
      expect(same(after, f.stranger.account.address)).to.equal(true);
    },
  }),
};

/*//////////////////////////////////////////////////////////////
                                TESTS
//////////////////////////////////////////////////////////////*/

const connection = await network.create();

/** The fixture of every test in this file: the shared deployment plus loan 1 (lender -> borrower). */
async function deployWithLoan(conn: typeof connection) {
  const fixture = await deployLoanBook(conn);
  const loanId = await originateLoan(fixture);
  if (loanId !== LOAN_ID) throw new Error(`expected loan ${LOAN_ID}, got ${loanId}`);
  return fixture;
}

const load = () => connection.networkHelpers.loadFixture(deployWithLoan);

function walletOf(f: LoanBookFixture, role: Role): Wallet {
  return f[role];
}

describe("LoanBook role matrix", () => {
  for (const [name, outcomes] of Object.entries(ROLE_MATRIX) as [FunctionName, readonly Outcome[]][]) {
    describe(name, () => {
      ROLES.forEach((role, column) => {
        const expected = outcomes[column];
        it(`from ${role}: ${expected}`, async () => {
          const f = await load();
          const caller = walletOf(f, role);
          const { outcome, unchanged, effect } = await ROWS[name](f, caller);
          if (expected === OK) {
            expect(outcome, `${name} from ${role} was refused`).to.have.property("hash");
            effect();
          } else {
            expect(outcome, `${name} from ${role}`).to.have.property("errorName", expected);
            const args = (outcome as Rejection).args;
            expect(
              args.some((arg) => typeof arg === "string" && arg.length === 42 && same(arg, caller.account.address)),
              `${expected} names the caller`,
            ).to.equal(true);
            unchanged();
          }
        });
      });
    });
  }
});

describe("LoanBook role rules", () => {
  it("a lender whose LENDER_ROLE was revoked can no longer originate nor publish", async () => {
    const f = await load();
    const { book, viem, admin, lender } = f;
    const lenderRole = await book.read.LENDER_ROLE();
    await book.write.revokeRole([lenderRole, lender.account.address], as(admin));
    const params = await signedOrigination(f, { document: keccak256(toHex("after revocation")) });
    await viem.assertions.revertWithCustomErrorWithArgs(
      book.write.originate([params], as(lender)),
      book,
      "AccessControlUnauthorizedAccount",
      [lender.account.address, lenderRole],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      book.write.publishTemplate([templateParams(f.token.address), [], []], as(lender)),
      book,
      "AccessControlUnauthorizedAccount",
      [lender.account.address, lenderRole],
    );
    expect(await book.read.loanCount()).to.equal(LOAN_ID);
    // The claim it already holds is still its own and still paid.
    expect(same(await book.read.ownerOf([LOAN_ID]), lender.account.address)).to.equal(true);
  });

  it("grantRole(NOTARY_ROLE) and revokeRole(NOTARY_ROLE) are refused to the admin: only the registry moves it", async () => {
    const { book, viem, admin, notary } = await load();
    const notaryRole = await book.read.NOTARY_ROLE();
    const registryOnly = keccak256(toHex("NOTARY_REGISTRY_ONLY"));
    expect(await book.read.getRoleAdmin([notaryRole])).to.equal(registryOnly);
    await viem.assertions.revertWithCustomErrorWithArgs(
      book.write.grantRole([notaryRole, CANDIDATE], as(admin)),
      book,
      "AccessControlUnauthorizedAccount",
      [admin.account.address, registryOnly],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      book.write.revokeRole([notaryRole, notary.account.address], as(admin)),
      book,
      "AccessControlUnauthorizedAccount",
      [admin.account.address, registryOnly],
    );
    expect(await book.read.hasRole([notaryRole, CANDIDATE])).to.equal(false);
    expect(await book.read.hasRole([notaryRole, notary.account.address])).to.equal(true);
  });

  it("the admin cannot make a notary through the registry-only role either", async () => {
    // NotaryRegistry makes NOTARY_REGISTRY_ONLY the admin role of NOTARY_ROLE, "held by nobody, so that grantRole
    // cannot skip the registry". That holds only if nobody can be granted NOTARY_REGISTRY_ONLY: its own admin role
    // must not be DEFAULT_ADMIN_ROLE.
    const { book, admin } = await load();
    const registryOnly = keccak256(toHex("NOTARY_REGISTRY_ONLY"));
    const notaryRole = await book.read.NOTARY_ROLE();
    const grantRegistryRole = await attempt(() =>
      book.write.grantRole([registryOnly, admin.account.address], as(admin)),
    );
    await attempt(() => book.write.grantRole([notaryRole, CANDIDATE], as(admin)));
    expect(
      await book.read.hasRole([notaryRole, CANDIDATE]),
      `the admin made a notary without addNotary (no office id, no NotaryAdded); granting itself ` +
        `NOTARY_REGISTRY_ONLY gave ${JSON.stringify(grantRegistryRole)}`,
    ).to.equal(false);
    expect(grantRegistryRole).to.have.property("errorName", ROLE);
  });

  it("a notary that renounces its role leaves the registry", async () => {
    const { book, notary } = await load();
    const notaryRole = await book.read.NOTARY_ROLE();
    expect(await book.read.notaryOffice([notary.account.address])).to.not.equal(zeroHash);
    await book.write.renounceRole([notaryRole, notary.account.address], as(notary));
    expect(await book.read.hasRole([notaryRole, notary.account.address])).to.equal(false);
    expect(await book.read.notaryOffice([notary.account.address])).to.equal(zeroHash);
  });

  it("pause blocks originate, declareDefault and declareDefaults, but not repay nor repayWithPermit", async () => {
    const f = await load();
    const { book, token, viem, admin, lender, borrower, stranger } = f;
    await untilDefaultable(f);
    const params = await signedOrigination(f, { document: keccak256(toHex("while paused")) });
    await book.write.pause(as(admin));
    await viem.assertions.revertWithCustomError(book.write.originate([params], as(lender)), book, "EnforcedPause");
    await viem.assertions.revertWithCustomError(
      book.write.declareDefault([LOAN_ID], as(stranger)),
      book,
      "EnforcedPause",
    );
    await viem.assertions.revertWithCustomError(
      book.write.declareDefaults([[LOAN_ID]], as(stranger)),
      book,
      "EnforcedPause",
    );
    expect(await book.read.loanCount()).to.equal(LOAN_ID);
    expect(await book.read.statusOf([LOAN_ID])).to.equal(Status.Late);

    // Repayments still reach the claim holder (the loan is late: they pay the penalty first).
    const holderBefore = await token.read.balanceOf([lender.account.address]);
    await viem.assertions.emit(book.write.repay([LOAN_ID, PAYMENT], as(borrower)), book, "RepaymentMade");
    await fund(f, stranger, 0n);
    await viem.assertions.emit(repayWithPermit(f, stranger, PAYMENT), book, "RepaymentMade");
    expect(await token.read.balanceOf([lender.account.address])).to.equal(holderBefore + 2n * PAYMENT);

    // The pause lifted, the same origination and declaration go through.
    await book.write.unpause(as(admin));
    await book.write.originate([params], as(lender));
    expect(await book.read.loanCount()).to.equal(LOAN_ID + 1n);
    await book.write.declareDefault([LOAN_ID], as(stranger));
    expect(await book.read.statusOf([LOAN_ID])).to.equal(Status.Defaulted);
  });

  it("a third party repays for the borrower: the money comes from the payer, the loan is the borrower's", async () => {
    const { book, token, viem, lender, borrower, stranger } = await load();
    const payoff = await book.read.payoffAmount([LOAN_ID]);
    const balances = async () =>
      Promise.all([stranger, borrower, lender].map((w) => token.read.balanceOf([w.account.address])));
    const [strangerBefore, borrowerBefore, lenderBefore] = await balances();
    const hash = book.write.repay([LOAN_ID, payoff], as(stranger));
    await viem.assertions.emitWithArgs(hash, book, "LoanRepaid", [LOAN_ID, getAddress(stranger.account.address)]);
    const [strangerAfter, borrowerAfter, lenderAfter] = await balances();
    expect(strangerAfter).to.equal(strangerBefore - payoff);
    expect(borrowerAfter).to.equal(borrowerBefore);
    expect(lenderAfter).to.equal(lenderBefore + payoff);
    expect(await book.read.statusOf([LOAN_ID])).to.equal(Status.Repaid);
    expect(same((await book.read.loanOf([LOAN_ID])).borrower, borrower.account.address)).to.equal(true);
  });

  it("after a claim transfer, repayments go to the new holder and the old lender has no say", async () => {
    const { book, token, lender, borrower, stranger } = await load();
    await book.write.transferFrom([lender.account.address, stranger.account.address, LOAN_ID], as(lender));
    const [holderBefore, lenderBefore] = await Promise.all([
      token.read.balanceOf([stranger.account.address]),
      token.read.balanceOf([lender.account.address]),
    ]);
    await book.write.repay([LOAN_ID, PAYMENT], as(borrower));
    expect(await token.read.balanceOf([stranger.account.address])).to.equal(holderBefore + PAYMENT);
    expect(await token.read.balanceOf([lender.account.address])).to.equal(lenderBefore);
    const rejection = await attempt(() =>
      book.write.transferFrom([stranger.account.address, lender.account.address, LOAN_ID], as(lender)),
    );
    expect(rejection).to.have.property("errorName", NOT_HOLDER);
  });
});
