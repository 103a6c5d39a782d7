/**
 * Who may call what on the enforcement path: every state-changing function of the enforcement module from every role,
 * as one table (ENFORCEMENT_MATRIX). An allowed call is checked for its effect; a refused one for its exact custom
 * error and arguments, and for changing nothing (the whole ledger: each loan's status, facts, case, commitment,
 * collateral and holder, every enforcement nonce, bank signer and reference, token balances, roles). The rules the
 * matrix cannot show follow it: the notary and resolver who are parties, a claim sold to a buyer, the pause, calls in
 * the wrong state, unknown loans and zero hashes.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { getAddress, keccak256, slice, toFunctionSelector, toHex, zeroAddress, zeroHash, type Hex } from "viem";

import { Stage, Status, bookEventsOf, revertOf } from "../support/loanBookFixture.ts";
import {
  NO_APPROVAL,
  certificateParams,
  commitmentPlan,
  evidence,
  now,
  signAcceptance,
  signBankPayment,
  signCertificate,
  signCommitment,
  type Approval,
} from "../support/enforcementFixture.ts";
import {
  ASSET_HASH,
  L,
  LOAN_IDS,
  NEW_SIGNER,
  REFS,
  as,
  attempt,
  expectAccepted,
  expectRefused,
  ledger,
  loadEnforcementBook,
  loanIn,
  normalized,
  type EnforcementBook,
  type Ledger,
  type Rejection,
  type Wallet,
} from "../support/enforcementBook.ts";

/*//////////////////////////////////////////////////////////////
                             HELPERS
//////////////////////////////////////////////////////////////*/

const load = loadEnforcementBook;
const same = (a: string, b: string) => getAddress(a) === getAddress(b);
const FLAG_FIXED_DEBT = 8;
const FLAG_AUTO_DEBIT = 64;
/** A bank payment small enough to leave loan ACTIVE's first installment open. */
const BANK_AMOUNT = 1_000_000n;

/** An approval that names `signer` and carries no signature (what a party acting by its own transaction sends). */
const ownApproval = (signer: Wallet): Approval => ({ ...NO_APPROVAL, signer: signer.account.address });

/** The borrower's signed commitment of loan `loanId`'s whole debt now, in 6 monthly installments. */
async function borrowerCommitment(f: EnforcementBook, loanId: bigint = L.DEFAULTED, nonce = 1n) {
  const debt = await f.book.read.payoffAmount([loanId]);
  const plan = commitmentPlan(loanId, debt, await now(f), 6);
  const { approval, commitmentHash } = await signCommitment(f, plan, { nonce });
  return { plan, approval, commitmentHash, debt };
}

/** The lender's bank signer's attestation of a payment of `amount` to loan `loanId` now, under `reference`. */
async function bankPayment(f: EnforcementBook, loanId: bigint = L.ACTIVE, reference: Hex = REFS.a) {
  return signBankPayment(f, f.bankSigner, {
    loanId,
    amount: BANK_AMOUNT,
    bankReferenceHash: reference,
    paidAt: await now(f),
  });
}

/** Every loan but `loanIds` is exactly as before. */
function othersUnchanged(before: Ledger, after: Ledger, ...loanIds: bigint[]) {
  for (const id of LOAN_IDS) {
    if (!loanIds.includes(id)) expect(loanIn(after, id), `loan ${id} changed`).to.deep.equal(loanIn(before, id));
  }
}

/*//////////////////////////////////////////////////////////////
                             THE MATRIX
//////////////////////////////////////////////////////////////*/

const ROLES = ["admin", "lender", "otherLender", "notary", "mediator", "borrower", "stranger"] as const;
type Role = (typeof ROLES)[number];

/** Allowed: the call succeeds and has its effect. */
const OK = "ok";
/** The caller (or the signer it names) is not a registered notary. */
const NOT_NOTARY = "LoanBook_NotANotary";
/** The caller (or the acceptance's signer) does not hold the loan's claim token. */
const NOT_HOLDER = "LoanBook_NotClaimHolder";
/** The caller (or the commitment's signer) is not the loan's borrower. */
const NOT_BORROWER = "LoanBook_NotBorrower";
/** The caller is neither a registered notary nor a mediator. */
const NOT_RESOLVER = "LoanBook_NotAResolver";
/** OpenZeppelin AccessControl: the caller lacks LENDER_ROLE. */
const ROLE = "AccessControlUnauthorizedAccount";
type Outcome =
  typeof OK | typeof NOT_NOTARY | typeof NOT_HOLDER | typeof NOT_BORROWER | typeof NOT_RESOLVER | typeof ROLE;

/**
 * One row per function (and way of calling it), one column per role. The state every cell starts from
 * (test/support/enforcementBook.ts): `lender` published the templates and holds every claim; `notary` and
 * `secondNotary` are registered, `mediator` holds MEDIATOR_ROLE; `lender` and `otherLender` hold LENDER_ROLE; loan
 * DEFAULTED is in default, CERTIFIED certified, DISPUTED under objection, ENFORCEMENT certified at the Enforcement stage
 * with an off-chain collateral, COMMITTED under a breachable commitment, ACTIVE active. "(own)" rows: the caller acts
 * for itself (the approval names the caller and carries no signature); "(signed)" rows: the caller submits the
 * entitled party's EIP-712 signature.
 */
// prettier-ignore
const ENFORCEMENT_MATRIX = {
  //                                admin         lender        otherLender   notary        mediator      borrower      stranger
  "certify (own)":                [ NOT_NOTARY,   NOT_NOTARY,   NOT_NOTARY,   OK,           NOT_NOTARY,   NOT_NOTARY,   NOT_NOTARY ],
  "certify (signed)":             [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
  "acceptCommitment (own)":       [ NOT_HOLDER,   OK,           NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER ],
  "acceptCommitment (signed)":    [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
  "submitCommitment (own)":       [ NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, OK,           NOT_BORROWER ],
  "submitCommitment (signed)":    [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
  breachCommitment:               [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
  breachCommitments:              [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
  fileObjection:                  [ NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, OK,           NOT_BORROWER ],
  resolveObjection:               [ NOT_RESOLVER, NOT_RESOLVER, NOT_RESOLVER, OK,           OK,           NOT_RESOLVER, NOT_RESOLVER ],
  advanceStage:                   [ NOT_HOLDER,   OK,           NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER ],
  enforceCollateral:              [ NOT_HOLDER,   OK,           NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER ],
  writeOff:                       [ NOT_HOLDER,   OK,           NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER,   NOT_HOLDER ],
  setBankSigner:                  [ ROLE,         OK,           OK,           ROLE,         ROLE,         ROLE,         ROLE ],
  recordBankPayment:              [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
  recordBankPayments:             [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
  setAutoDebit:                   [ NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, NOT_BORROWER, OK,           NOT_BORROWER ],
  autoDebit:                      [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
  autoDebits:                     [ OK,           OK,           OK,           OK,           OK,           OK,           OK ],
} as const satisfies Record<string, readonly [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome]>;
type FunctionName = keyof typeof ENFORCEMENT_MATRIX;

/*//////////////////////////////////////////////////////////////
                          HOW EACH ROW RUNS
//////////////////////////////////////////////////////////////*/

interface RowSpec {
  /** The loan the row acts on (the first argument of NotClaimHolder and NotBorrower). */
  loanId: bigint;
  arrange?: (f: EnforcementBook, caller: Wallet) => Promise<void>;
  call: (f: EnforcementBook, caller: Wallet) => Promise<Hex>;
  /** The allowed call's effect, from the ledger before and after. */
  effect: (before: Ledger, after: Ledger, f: EnforcementBook, caller: Wallet) => Promise<void> | void;
}

/** The refusal's expected arguments: who is named, and for which loan. */
function refusalArgs(outcome: Outcome, f: EnforcementBook, caller: Wallet, loanId: bigint): unknown[] {
  const who = caller.account.address;
  switch (outcome) {
    case NOT_HOLDER:
    case NOT_BORROWER:
      return [loanId, who];
    case NOT_NOTARY:
    case NOT_RESOLVER:
      return [who];
    case ROLE:
      return [who, f.lenderRole];
    default:
      throw new Error(`no arguments for ${outcome}`);
  }
}

const committedBy = (loanId: bigint) => (before: Ledger, after: Ledger) => {
  expect(loanIn(after, loanId).status).to.equal(Status.Committed);
  expect(loanIn(after, loanId).commitment).to.have.length(6);
  expect(Number(loanIn(after, loanId).loan.flags) & FLAG_FIXED_DEBT).to.equal(FLAG_FIXED_DEBT);
  othersUnchanged(before, after, loanId);
};

const certified = (before: Ledger, after: Ledger) => {
  expect(loanIn(after, L.DEFAULTED).status).to.equal(Status.Certified);
  expect(loanIn(after, L.DEFAULTED).case.certificateId).to.not.equal(zeroHash);
  othersUnchanged(before, after, L.DEFAULTED);
};

const breached = (before: Ledger, after: Ledger) => {
  // Loan COMMITTED was never certified: the breach returns it to Defaulted, its fixed debt kept.
  expect(loanIn(before, L.COMMITTED).status).to.equal(Status.Committed);
  expect(loanIn(after, L.COMMITTED).status).to.equal(Status.Defaulted);
  expect(loanIn(after, L.COMMITTED).loan.balance).to.equal(loanIn(before, L.COMMITTED).loan.balance);
  othersUnchanged(before, after, L.COMMITTED);
};

const bankPaid = (before: Ledger, after: Ledger) => {
  expect(after.refs.a).to.equal(L.ACTIVE);
  expect(loanIn(after, L.ACTIVE).loan.paidOnCurrent).to.equal(
    loanIn(before, L.ACTIVE).loan.paidOnCurrent + BANK_AMOUNT,
  );
  othersUnchanged(before, after, L.ACTIVE);
};

/** Auto-debit of loan DEFAULTED: exactly what was due moves from the borrower to the claim holder. */
const debited = (before: Ledger, after: Ledger, f: EnforcementBook) => {
  const due = loanIn(before, L.DEFAULTED).amountDue;
  expect(due > 0n).to.equal(true);
  expect(loanIn(after, L.DEFAULTED).amountDue).to.equal(0n);
  const [lender, borrower] = [1, 4];
  expect(after.balances[lender]).to.equal(before.balances[lender] + due);
  expect(after.balances[borrower]).to.equal(before.balances[borrower] - due);
  expect(getAddress(loanIn(before, L.DEFAULTED).holder)).to.equal(getAddress(f.lender.account.address));
};

const enableAutoDebit = async (f: EnforcementBook) => {
  await f.book.write.setAutoDebit([L.DEFAULTED, true], as(f.borrower));
};

const ROWS: Record<FunctionName, RowSpec> = {
  "certify (own)": {
    loanId: L.DEFAULTED,
    call: (f, caller) => f.book.write.certify([certificateParams(L.DEFAULTED), ownApproval(caller)], as(caller)),
    effect: certified,
  },
  "certify (signed)": {
    loanId: L.DEFAULTED,
    call: async (f, caller) => {
      const params = certificateParams(L.DEFAULTED);
      return f.book.write.certify([params, await signCertificate(f, params, { nonce: 1n })], as(caller));
    },
    effect: (before, after, f, caller) => {
      certified(before, after);
      // The notary's own transaction is its signature: its nonce is spent only when someone else submits it.
      const key = `${getAddress(f.notary.account.address)}:1`;
      expect(after.nonces[key]).to.equal(!same(caller.account.address, f.notary.account.address));
    },
  },
  "acceptCommitment (own)": {
    loanId: L.DEFAULTED,
    call: async (f, caller) => {
      const { plan, approval } = await borrowerCommitment(f);
      return f.book.write.acceptCommitment([plan, approval, ownApproval(caller), 0n], as(caller));
    },
    effect: committedBy(L.DEFAULTED),
  },
  "acceptCommitment (signed)": {
    loanId: L.DEFAULTED,
    call: async (f, caller) => {
      const { plan, approval, commitmentHash } = await borrowerCommitment(f);
      const acceptance = await signAcceptance(f, L.DEFAULTED, commitmentHash, 0n, { nonce: 1n });
      return f.book.write.acceptCommitment([plan, approval, acceptance, 0n], as(caller));
    },
    effect: committedBy(L.DEFAULTED),
  },
  "submitCommitment (own)": {
    loanId: L.DEFAULTED,
    call: async (f, caller) => {
      const { plan } = await borrowerCommitment(f);
      return f.book.write.submitCommitment([plan, ownApproval(caller)], as(caller));
    },
    effect: committedBy(L.DEFAULTED),
  },
  "submitCommitment (signed)": {
    loanId: L.DEFAULTED,
    call: async (f, caller) => {
      const { plan, approval } = await borrowerCommitment(f);
      return f.book.write.submitCommitment([plan, approval], as(caller));
    },
    effect: (before, after, f, caller) => {
      committedBy(L.DEFAULTED)(before, after);
      const key = `${getAddress(f.borrower.account.address)}:1`;
      expect(after.nonces[key]).to.equal(!same(caller.account.address, f.borrower.account.address));
    },
  },
  breachCommitment: {
    loanId: L.COMMITTED,
    call: (f, caller) => f.book.write.breachCommitment([L.COMMITTED], as(caller)),
    effect: breached,
  },
  breachCommitments: {
    loanId: L.COMMITTED,
    call: (f, caller) => f.book.write.breachCommitments([[L.COMMITTED]], as(caller)),
    effect: breached,
  },
  fileObjection: {
    loanId: L.DEFAULTED,
    call: (f, caller) => f.book.write.fileObjection([L.DEFAULTED, evidence("receipts")], as(caller)),
    effect: (before, after) => {
      expect(loanIn(after, L.DEFAULTED).status).to.equal(Status.Disputed);
      expect(loanIn(after, L.DEFAULTED).case.objectionFiled).to.equal(true);
      othersUnchanged(before, after, L.DEFAULTED);
    },
  },
  resolveObjection: {
    loanId: L.DISPUTED,
    call: (f, caller) => f.book.write.resolveObjection([L.DISPUTED, false, evidence("decision")], as(caller)),
    effect: (before, after) => {
      // Rejected: the loan returns to where it was.
      expect(loanIn(before, L.DISPUTED).status).to.equal(Status.Disputed);
      expect(loanIn(after, L.DISPUTED).status).to.equal(Status.Defaulted);
      expect(loanIn(after, L.DISPUTED).case.objectionDeadline).to.equal(0);
      othersUnchanged(before, after, L.DISPUTED);
    },
  },
  advanceStage: {
    loanId: L.CERTIFIED,
    call: (f, caller) => f.book.write.advanceStage([L.CERTIFIED, evidence("mediation invitation")], as(caller)),
    effect: (before, after) => {
      expect(loanIn(after, L.CERTIFIED).case.stage).to.equal(Stage.Mediation);
      othersUnchanged(before, after, L.CERTIFIED);
    },
  },
  enforceCollateral: {
    loanId: L.ENFORCEMENT,
    call: (f, caller) =>
      f.book.write.enforceCollateral([L.ENFORCEMENT, 100_000_000n, evidence("valuation report")], as(caller)),
    effect: async (before, after, f) => {
      const [was, is] = [loanIn(before, L.ENFORCEMENT), loanIn(after, L.ENFORCEMENT)];
      expect(was.collateral.assetHash).to.equal(ASSET_HASH);
      expect(is.collateral.assetHash, "the pledge goes to the holder").to.equal(zeroHash);
      const key = await f.book.read.collateralKey([3, { token: zeroAddress, amountOrId: 0n, assetHash: ASSET_HASH }]);
      expect(await f.book.read.pledgedTo([key]), "the asset is free to be pledged again").to.equal(0n);
      // The value is credited against the whole debt, which becomes fixed.
      expect(is.payoff).to.equal(was.payoff - 100_000_000n);
      expect(is.loan.balance).to.equal(is.payoff);
      expect(Number(is.loan.flags) & FLAG_FIXED_DEBT).to.equal(FLAG_FIXED_DEBT);
      othersUnchanged(before, after, L.ENFORCEMENT);
    },
  },
  writeOff: {
    loanId: L.ENFORCEMENT,
    call: (f, caller) => f.book.write.writeOff([L.ENFORCEMENT, evidence("uncollectible")], as(caller)),
    effect: (before, after) => {
      expect(loanIn(after, L.ENFORCEMENT).status).to.equal(Status.WrittenOff);
      othersUnchanged(before, after, L.ENFORCEMENT);
    },
  },
  setBankSigner: {
    loanId: 0n,
    call: (f, caller) => f.book.write.setBankSigner([NEW_SIGNER, true], as(caller)),
    effect: (before, after, f, caller) => {
      const key = `${getAddress(caller.account.address)}:${NEW_SIGNER}`;
      expect(before.bankSigners[key]).to.equal(false);
      expect(after.bankSigners[key]).to.equal(true);
      othersUnchanged(before, after);
    },
  },
  recordBankPayment: {
    loanId: L.ACTIVE,
    call: async (f, caller) => f.book.write.recordBankPayment([await bankPayment(f)], as(caller)),
    effect: bankPaid,
  },
  recordBankPayments: {
    loanId: L.ACTIVE,
    call: async (f, caller) => f.book.write.recordBankPayments([[await bankPayment(f)]], as(caller)),
    effect: bankPaid,
  },
  setAutoDebit: {
    loanId: L.DEFAULTED,
    call: (f, caller) => f.book.write.setAutoDebit([L.DEFAULTED, true], as(caller)),
    effect: (before, after) => {
      expect(Number(loanIn(after, L.DEFAULTED).loan.flags) & FLAG_AUTO_DEBIT).to.equal(FLAG_AUTO_DEBIT);
      expect(Number(loanIn(before, L.DEFAULTED).loan.flags) & FLAG_AUTO_DEBIT).to.equal(0);
      othersUnchanged(before, after, L.DEFAULTED);
    },
  },
  autoDebit: {
    loanId: L.DEFAULTED,
    arrange: enableAutoDebit,
    call: (f, caller) => f.book.write.autoDebit([L.DEFAULTED], as(caller)),
    effect: debited,
  },
  autoDebits: {
    loanId: L.DEFAULTED,
    arrange: enableAutoDebit,
    call: (f, caller) => f.book.write.autoDebits([[L.DEFAULTED]], as(caller)),
    effect: debited,
  },
};

const walletOf = (f: EnforcementBook, role: Role): Wallet => f[role];

describe("Enforcement roles: who may call each enforcement function", () => {
  for (const [name, outcomes] of Object.entries(ENFORCEMENT_MATRIX) as [FunctionName, readonly Outcome[]][]) {
    describe(name, () => {
      ROLES.forEach((role, column) => {
        const expected = outcomes[column];
        it(`${role}: ${expected === OK ? "allowed" : expected}`, async () => {
          const f = await load();
          const caller = walletOf(f, role);
          const row = ROWS[name];
          await row.arrange?.(f, caller);
          const before = await ledger(f);
          const outcome = await attempt(() => row.call(f, caller));
          const after = await ledger(f);
          if (expected === OK) {
            expect(
              outcome,
              `refused: ${JSON.stringify(outcome, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`,
            ).to.have.property("hash");
            await row.effect(before, after, f, caller);
          } else {
            expect(outcome).to.have.property("errorName", expected);
            expect(normalized((outcome as Rejection).args)).to.deep.equal(
              normalized(refusalArgs(expected, f, caller, row.loanId)),
            );
            expect(after, "a refused call changed state").to.deep.equal(before);
          }
        });
      });
    });
  }
});

/*//////////////////////////////////////////////////////////////
                     PARTIES, RESOLVERS, A SOLD CLAIM
//////////////////////////////////////////////////////////////*/

/** The selector of a function or error signature (what ActionSkipped reports). */
const selector = (signature: string): Hex => slice(keccak256(toHex(signature)), 0, 4);

/** Sells loan `loanId`'s claim token from the lender to `buyer` (ERC-721 transferFrom, id = loan id). */
async function sellClaim(f: EnforcementBook, loanId: bigint, buyer: Wallet = f.buyer) {
  await f.book.write.transferFrom([f.lender.account.address, buyer.account.address, loanId], as(f.lender));
  expect(getAddress(await f.book.read.ownerOf([loanId]))).to.equal(getAddress(buyer.account.address));
}

/** Certify loan DEFAULTED by `signer`: its own transaction, or its signature submitted by the stranger. */
async function certifyBy(f: EnforcementBook, signer: Wallet, how: "own" | "signed") {
  const params = certificateParams(L.DEFAULTED);
  if (how === "own") return f.book.write.certify([params, ownApproval(signer)], as(signer));
  const approval = await signCertificate(f, params, { notary: signer, nonce: 2n });
  return f.book.write.certify([params, approval], as(f.stranger));
}

const resolveBy = (f: EnforcementBook, resolver: Wallet, upheld = false) =>
  f.book.write.resolveObjection([L.DISPUTED, upheld, evidence("decision")], as(resolver));

describe("Enforcement roles: a notary who is a party cannot certify", () => {
  const cases: { name: string; arrange: (f: EnforcementBook) => Promise<Wallet> }[] = [
    {
      name: "the lender, registered as a notary too",
      arrange: async (f) => {
        await f.book.write.addNotary([f.lender.account.address, evidence("lender's office")], as(f.admin));
        return f.lender;
      },
    },
    {
      name: "the borrower, registered as a notary too",
      arrange: async (f) => {
        await f.book.write.addNotary([f.borrower.account.address, evidence("borrower's office")], as(f.admin));
        return f.borrower;
      },
    },
    {
      name: "a notary who bought the claim",
      arrange: async (f) => {
        await sellClaim(f, L.DEFAULTED, f.secondNotary);
        return f.secondNotary;
      },
    },
    {
      name: "the template's lender after selling the claim",
      arrange: async (f) => {
        await f.book.write.addNotary([f.lender.account.address, evidence("lender's office")], as(f.admin));
        await sellClaim(f, L.DEFAULTED);
        return f.lender;
      },
    },
  ];
  for (const { name, arrange } of cases) {
    for (const how of ["own", "signed"] as const) {
      it(`${name} (${how}): LoanBook_NotaryIsParty; a notary who is no party then certifies`, async () => {
        const f = await load();
        const party = await arrange(f);
        await expectRefused(f, () => certifyBy(f, party, how), "LoanBook_NotaryIsParty", [party.account.address]);
        await expectAccepted(() => certifyBy(f, f.notary, how));
        expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Certified);
      });
    }
  }

  it("a revoked notary: LoanBook_NotANotary, by its own call and by its signature", async () => {
    const f = await load();
    await f.book.write.revokeNotary([f.notary.account.address], as(f.admin));
    for (const how of ["own", "signed"] as const) {
      await expectRefused(f, () => certifyBy(f, f.notary, how), "LoanBook_NotANotary", [f.notary.account.address]);
    }
    await expectAccepted(() => certifyBy(f, f.secondNotary, "own"));
  });

  it("a mediator cannot certify (mediators decide objections only)", async () => {
    const f = await load();
    await expectRefused(f, () => certifyBy(f, f.mediator, "signed"), "LoanBook_NotANotary", [
      f.mediator.account.address,
    ]);
  });
});

describe("Enforcement roles: an objection is decided by a notary or mediator who is no party", () => {
  const cases: { name: string; arrange: (f: EnforcementBook) => Promise<Wallet> }[] = [
    {
      name: "the lender, holding MEDIATOR_ROLE",
      arrange: async (f) => {
        await f.book.write.grantRole([f.mediatorRole, f.lender.account.address], as(f.admin));
        return f.lender;
      },
    },
    {
      name: "the borrower, holding MEDIATOR_ROLE",
      arrange: async (f) => {
        await f.book.write.grantRole([f.mediatorRole, f.borrower.account.address], as(f.admin));
        return f.borrower;
      },
    },
    {
      name: "the borrower, registered as a notary",
      arrange: async (f) => {
        await f.book.write.addNotary([f.borrower.account.address, evidence("borrower's office")], as(f.admin));
        return f.borrower;
      },
    },
    {
      name: "a mediator who bought the claim",
      arrange: async (f) => {
        await sellClaim(f, L.DISPUTED, f.mediator);
        return f.mediator;
      },
    },
    {
      name: "a notary who bought the claim",
      arrange: async (f) => {
        await sellClaim(f, L.DISPUTED, f.notary);
        return f.notary;
      },
    },
    {
      name: "the template's lender after selling the claim, holding MEDIATOR_ROLE",
      arrange: async (f) => {
        await f.book.write.grantRole([f.mediatorRole, f.lender.account.address], as(f.admin));
        await sellClaim(f, L.DISPUTED);
        return f.lender;
      },
    },
  ];
  for (const { name, arrange } of cases) {
    it(`${name}: LoanBook_ResolverIsParty; a resolver who is no party then decides`, async () => {
      const f = await load();
      const party = await arrange(f);
      for (const upheld of [true, false]) {
        await expectRefused(f, () => resolveBy(f, party, upheld), "LoanBook_ResolverIsParty", [party.account.address]);
      }
      const other = same(party.account.address, f.notary.account.address) ? f.mediator : f.secondNotary;
      await expectAccepted(() => resolveBy(f, other));
      expect(await f.book.read.statusOf([L.DISPUTED])).to.equal(Status.Defaulted);
    });
  }

  it("another lender granted MEDIATOR_ROLE is no party to this loan: it decides", async () => {
    const f = await load();
    await expectRefused(f, () => resolveBy(f, f.otherLender), NOT_RESOLVER, [f.otherLender.account.address]);
    await f.book.write.grantRole([f.mediatorRole, f.otherLender.account.address], as(f.admin));
    const hash = await expectAccepted(() => resolveBy(f, f.otherLender, true));
    const events = await bookEventsOf(f, hash);
    expect(events.map((e) => e.eventName)).to.deep.equal(["ObjectionResolved"]);
    // Upheld: the default is annulled, the loan is back in its normal course (late).
    expect(await f.book.read.statusOf([L.DISPUTED])).to.equal(Status.Late);
  });

  it("a revoked mediator and a revoked notary: LoanBook_NotAResolver", async () => {
    const f = await load();
    await f.book.write.revokeRole([f.mediatorRole, f.mediator.account.address], as(f.admin));
    await f.book.write.revokeNotary([f.notary.account.address], as(f.admin));
    await expectRefused(f, () => resolveBy(f, f.mediator), NOT_RESOLVER, [f.mediator.account.address]);
    await expectRefused(f, () => resolveBy(f, f.notary), NOT_RESOLVER, [f.notary.account.address]);
    await expectAccepted(() => resolveBy(f, f.secondNotary));
  });

  it("the checks run in order: not a resolver before party, party before zero hash", async () => {
    const f = await load();
    // The borrower holds no resolver role: NotAResolver, though it is also a party and the hash is zero.
    await expectRefused(
      f,
      () => f.book.write.resolveObjection([L.DISPUTED, true, zeroHash], as(f.borrower)),
      NOT_RESOLVER,
      [f.borrower.account.address],
    );
    await f.book.write.grantRole([f.mediatorRole, f.borrower.account.address], as(f.admin));
    await expectRefused(
      f,
      () => f.book.write.resolveObjection([L.DISPUTED, true, zeroHash], as(f.borrower)),
      "LoanBook_ResolverIsParty",
      [f.borrower.account.address],
    );
  });
});

describe("Enforcement roles: a sold claim moves the claim holder's rights to the buyer", () => {
  it("advanceStage: the buyer advances, the former lender is refused", async () => {
    const f = await load();
    await sellClaim(f, L.CERTIFIED);
    const notice = evidence("mediation invitation");
    await expectRefused(f, () => f.book.write.advanceStage([L.CERTIFIED, notice], as(f.lender)), NOT_HOLDER, [
      L.CERTIFIED,
      f.lender.account.address,
    ]);
    const hash = await expectAccepted(() => f.book.write.advanceStage([L.CERTIFIED, notice], as(f.buyer)));
    const [event] = await bookEventsOf(f, hash);
    expect(event.eventName).to.equal("RecoveryStageAdvanced");
    expect(normalized(Object.values(event.args))).to.deep.equal(
      normalized([L.CERTIFIED, Stage.Mediation, f.buyer.account.address, notice]),
    );
  });

  it("enforceCollateral and writeOff: the buyer takes the collateral and writes off, the former lender cannot", async () => {
    const f = await load();
    await sellClaim(f, L.ENFORCEMENT);
    const valuation = evidence("valuation");
    await expectRefused(
      f,
      () => f.book.write.enforceCollateral([L.ENFORCEMENT, 1n, valuation], as(f.lender)),
      NOT_HOLDER,
      [L.ENFORCEMENT, f.lender.account.address],
    );
    const enforced = await expectAccepted(() =>
      f.book.write.enforceCollateral([L.ENFORCEMENT, 1n, valuation], as(f.buyer)),
    );
    const event = (await bookEventsOf(f, enforced)).find((e) => e.eventName === "CollateralEnforced");
    expect(event?.args).to.have.property("claimHolder", getAddress(f.buyer.account.address));
    await expectRefused(f, () => f.book.write.writeOff([L.ENFORCEMENT, valuation], as(f.lender)), NOT_HOLDER, [
      L.ENFORCEMENT,
      f.lender.account.address,
    ]);
    await expectAccepted(() => f.book.write.writeOff([L.ENFORCEMENT, valuation], as(f.buyer)));
    expect(await f.book.read.statusOf([L.ENFORCEMENT])).to.equal(Status.WrittenOff);
  });

  it("acceptCommitment: the former lender's own call and signature are refused, the buyer's signature accepted", async () => {
    const f = await load();
    await sellClaim(f, L.DEFAULTED);
    const { plan, approval, commitmentHash } = await borrowerCommitment(f);
    await expectRefused(
      f,
      () => f.book.write.acceptCommitment([plan, approval, ownApproval(f.lender), 0n], as(f.lender)),
      NOT_HOLDER,
      [L.DEFAULTED, f.lender.account.address],
    );
    const lenders = await signAcceptance(f, L.DEFAULTED, commitmentHash, 0n);
    await expectRefused(
      f,
      () => f.book.write.acceptCommitment([plan, approval, lenders, 0n], as(f.stranger)),
      NOT_HOLDER,
      [L.DEFAULTED, f.lender.account.address],
    );
    const buyers = await signAcceptance(f, L.DEFAULTED, commitmentHash, 0n, { holder: f.buyer });
    const hash = await expectAccepted(() =>
      f.book.write.acceptCommitment([plan, approval, buyers, 0n], as(f.stranger)),
    );
    const event = (await bookEventsOf(f, hash)).find((e) => e.eventName === "CommitmentAccepted");
    expect(event?.args).to.have.property("acceptedBy", getAddress(f.buyer.account.address));
    expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Committed);
  });

  it("an ERC-721 approval of the claim is not the claim: an approved operator cannot act", async () => {
    const f = await load();
    await f.book.write.approve([f.stranger.account.address, L.CERTIFIED], as(f.lender));
    await f.book.write.setApprovalForAll([f.otherLender.account.address, true], as(f.lender));
    for (const operator of [f.stranger, f.otherLender]) {
      await expectRefused(
        f,
        () => f.book.write.advanceStage([L.CERTIFIED, evidence("notice")], as(operator)),
        NOT_HOLDER,
        [L.CERTIFIED, operator.account.address],
      );
    }
  });

  it("auto-debit pays the buyer, not the former lender", async () => {
    const f = await load();
    await sellClaim(f, L.DEFAULTED);
    await f.book.write.setAutoDebit([L.DEFAULTED, true], as(f.borrower));
    const due = await f.book.read.amountDue([L.DEFAULTED]);
    const balances = () => Promise.all([f.buyer, f.lender].map((w) => f.token.read.balanceOf([w.account.address])));
    const [buyerBefore, lenderBefore] = await balances();
    await expectAccepted(() => f.book.write.autoDebit([L.DEFAULTED], as(f.stranger)));
    const [buyerAfter, lenderAfter] = await balances();
    expect(due > 0n).to.equal(true);
    expect(buyerAfter).to.equal(buyerBefore + due);
    expect(lenderAfter).to.equal(lenderBefore);
  });

  it("bank payments stay attested by the template lender's bank signers after a sale (the buyer's cannot)", async () => {
    // What the contract does (Payments.recordBankPayment reads the template's lender): documented, see the report.
    const f = await load();
    await sellClaim(f, L.ACTIVE);
    await f.book.write.grantRole([f.lenderRole, f.buyer.account.address], as(f.admin));
    await f.book.write.setBankSigner([f.otherBankSigner.account.address, true], as(f.buyer));
    const byBuyersSigner = await signBankPayment(f, f.otherBankSigner, {
      loanId: L.ACTIVE,
      amount: BANK_AMOUNT,
      bankReferenceHash: REFS.a,
      paidAt: await now(f),
    });
    await expectRefused(
      f,
      () => f.book.write.recordBankPayment([byBuyersSigner], as(f.stranger)),
      "LoanBook_NotBankSigner",
      [f.lender.account.address, f.otherBankSigner.account.address],
    );
    await expectAccepted(async () => f.book.write.recordBankPayment([await bankPayment(f)], as(f.stranger)));
    expect(await f.book.read.bankReferenceLoan([REFS.a])).to.equal(L.ACTIVE);
  });
});

/*//////////////////////////////////////////////////////////////
                              THE PAUSE
//////////////////////////////////////////////////////////////*/

interface Action {
  name: string;
  call: (f: EnforcementBook) => Promise<Hex>;
}

/** The actions the pause stops: the lender's enforcement and the breach. */
const PAUSED_ACTIONS: Action[] = [
  { name: "certify (the notary's own call)", call: (f) => certifyBy(f, f.notary, "own") },
  { name: "certify (the notary's signature)", call: (f) => certifyBy(f, f.notary, "signed") },
  {
    name: "advanceStage",
    call: (f) => f.book.write.advanceStage([L.CERTIFIED, evidence("notice")], as(f.lender)),
  },
  {
    name: "enforceCollateral",
    call: (f) => f.book.write.enforceCollateral([L.ENFORCEMENT, 1n, evidence("valuation")], as(f.lender)),
  },
  { name: "writeOff", call: (f) => f.book.write.writeOff([L.ENFORCEMENT, evidence("reason")], as(f.lender)) },
  { name: "breachCommitment", call: (f) => f.book.write.breachCommitment([L.COMMITTED], as(f.stranger)) },
];

describe("Enforcement roles: the pause", () => {
  for (const action of PAUSED_ACTIONS) {
    it(`paused, ${action.name} is refused with EnforcedPause; unpaused, it goes through`, async () => {
      const f = await load();
      await f.book.write.pause(as(f.admin));
      await expectRefused(f, () => action.call(f), "EnforcedPause", []);
      await f.book.write.unpause(as(f.admin));
      await expectAccepted(() => action.call(f));
    });
  }

  it("paused, breachCommitments skips the loan with ActionSkipped(EnforcedPause) and changes nothing", async () => {
    const f = await load();
    await f.book.write.pause(as(f.admin));
    const before = await ledger(f);
    const hash = await expectAccepted(() => f.book.write.breachCommitments([[L.COMMITTED]], as(f.stranger)));
    const events = await bookEventsOf(f, hash);
    expect(events.map((e) => [e.eventName, normalized(Object.values(e.args))])).to.deep.equal([
      ["ActionSkipped", [L.COMMITTED, selector("breachCommitment(uint256)"), selector("EnforcedPause()")]],
    ]);
    expect(await ledger(f)).to.deep.equal(before);
  });

  it("paused, the borrower still objects (fileObjection)", async () => {
    const f = await load();
    await f.book.write.pause(as(f.admin));
    await expectAccepted(() => f.book.write.fileObjection([L.DEFAULTED, evidence("receipts")], as(f.borrower)));
    expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Disputed);
  });

  it("paused, a bank payment is still recorded (recordBankPayment, recordBankPayments)", async () => {
    const f = await load();
    await f.book.write.pause(as(f.admin));
    await expectAccepted(async () => f.book.write.recordBankPayment([await bankPayment(f)], as(f.stranger)));
    await expectAccepted(async () =>
      f.book.write.recordBankPayments([[await bankPayment(f, L.ACTIVE, REFS.b)]], as(f.stranger)),
    );
    expect(await f.book.read.bankReferenceLoan([REFS.a])).to.equal(L.ACTIVE);
    expect(await f.book.read.bankReferenceLoan([REFS.b])).to.equal(L.ACTIVE);
    expect((await f.book.read.loanOf([L.ACTIVE])).paidOnCurrent).to.equal(2n * BANK_AMOUNT);
  });

  it("paused, auto-debit still pulls what is due (setAutoDebit, autoDebit, autoDebits)", async () => {
    const f = await load();
    await f.book.write.pause(as(f.admin));
    await expectAccepted(() => f.book.write.setAutoDebit([L.DEFAULTED, true], as(f.borrower)));
    await expectAccepted(() => f.book.write.autoDebit([L.DEFAULTED], as(f.stranger)));
    expect(await f.book.read.amountDue([L.DEFAULTED])).to.equal(0n);
    await expectAccepted(() => f.book.write.setAutoDebit([L.DEFAULTED_TOO, true], as(f.borrower)));
    await expectAccepted(() => f.book.write.autoDebits([[L.DEFAULTED_TOO]], as(f.stranger)));
    expect(await f.book.read.amountDue([L.DEFAULTED_TOO])).to.equal(0n);
  });

  it("paused, repay still works on a loan in default, under a commitment and in enforcement", async () => {
    const f = await load();
    await f.book.write.pause(as(f.admin));
    for (const loanId of [L.DEFAULTED, L.COMMITTED, L.ENFORCEMENT]) {
      const paidBefore = await f.book.read.payoffAmount([loanId]);
      await expectAccepted(() => f.book.write.repay([loanId, 1_000_000n], as(f.borrower)));
      expect(await f.book.read.payoffAmount([loanId]), `loan ${loanId}`).to.equal(paidBefore - 1_000_000n);
    }
  });

  it("paused, the objection's decision, commitments and bank-signer changes are not blocked either", async () => {
    // Not in the pause's documented list either way; this pins what the contract does (see the report).
    const f = await load();
    await f.book.write.pause(as(f.admin));
    await expectAccepted(() => resolveBy(f, f.mediator));
    await expectAccepted(() => f.book.write.setBankSigner([NEW_SIGNER, true], as(f.lender)));
    const { plan, approval } = await borrowerCommitment(f);
    await expectAccepted(() => f.book.write.submitCommitment([plan, approval], as(f.stranger)));
    const other = await borrowerCommitment(f, L.DEFAULTED_TOO, 2n);
    await expectAccepted(() =>
      f.book.write.acceptCommitment([other.plan, other.approval, NO_APPROVAL, 0n], as(f.lender)),
    );
    expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Committed);
    expect(await f.book.read.statusOf([L.DEFAULTED_TOO])).to.equal(Status.Committed);
  });
});

/*//////////////////////////////////////////////////////////////
                   WRONG STATE, UNKNOWN LOAN, ZERO HASH
//////////////////////////////////////////////////////////////*/

interface RefusalCase {
  name: string;
  arrange?: (f: EnforcementBook) => Promise<void>;
  call: (f: EnforcementBook) => Promise<Hex>;
  error: string;
  args: (f: EnforcementBook) => unknown[] | Promise<unknown[]>;
}

/** Certify loan `loanId` by the notary's own call. */
const certifyOwn = (f: EnforcementBook, loanId: bigint) =>
  f.book.write.certify([certificateParams(loanId), ownApproval(f.notary)], as(f.notary));

/** The borrower's own policy commitment of loan `loanId`'s whole debt (6 monthly installments). */
async function submitOwn(f: EnforcementBook, loanId: bigint) {
  const debt = await f.book.read.payoffAmount([loanId]);
  const plan = commitmentPlan(loanId, debt, await now(f), 6);
  return f.book.write.submitCommitment([plan, ownApproval(f.borrower)], as(f.borrower));
}

const advance = (f: EnforcementBook, loanId: bigint) =>
  f.book.write.advanceStage([loanId, evidence("notice")], as(f.lender));

const WRONG_STATE: RefusalCase[] = [
  {
    name: "certify an Active loan",
    call: (f) => certifyOwn(f, L.ACTIVE),
    error: "LoanBook_WrongStatus",
    args: () => [L.ACTIVE, Status.Active],
  },
  {
    name: "certify a Certified loan again",
    call: (f) => certifyOwn(f, L.CERTIFIED),
    error: "LoanBook_WrongStatus",
    args: () => [L.CERTIFIED, Status.Certified],
  },
  {
    name: "certify a Disputed loan",
    call: (f) => certifyOwn(f, L.DISPUTED),
    error: "LoanBook_WrongStatus",
    args: () => [L.DISPUTED, Status.Disputed],
  },
  {
    name: "certify a Committed loan",
    call: (f) => certifyOwn(f, L.COMMITTED),
    error: "LoanBook_WrongStatus",
    args: () => [L.COMMITTED, Status.Committed],
  },
  {
    name: "certify a loan whose template needs no notarization",
    call: (f) => certifyOwn(f, L.UNNOTARIZED),
    error: "LoanBook_NotNotarized",
    args: () => [L.UNNOTARIZED],
  },
  {
    name: "certify a written-off loan",
    arrange: async (f) => {
      await f.book.write.writeOff([L.ENFORCEMENT, evidence("reason")], as(f.lender));
    },
    call: (f) => certifyOwn(f, L.ENFORCEMENT),
    error: "LoanBook_WrongStatus",
    args: () => [L.ENFORCEMENT, Status.WrittenOff],
  },
  {
    name: "commit an Active loan (acceptCommitment)",
    call: async (f) => {
      const plan = commitmentPlan(L.ACTIVE, 1_000_000n, await now(f), 1);
      return f.book.write.acceptCommitment([plan, ownApproval(f.borrower), NO_APPROVAL, 0n], as(f.lender));
    },
    error: "LoanBook_WrongStatus",
    args: () => [L.ACTIVE, Status.Active],
  },
  {
    name: "commit a Disputed loan (submitCommitment)",
    call: (f) => submitOwn(f, L.DISPUTED),
    error: "LoanBook_WrongStatus",
    args: () => [L.DISPUTED, Status.Disputed],
  },
  {
    name: "commit a loan already Committed",
    call: (f) => submitOwn(f, L.COMMITTED),
    error: "LoanBook_WrongStatus",
    args: () => [L.COMMITTED, Status.Committed],
  },
  {
    name: "breach a loan under no commitment",
    call: (f) => f.book.write.breachCommitment([L.DEFAULTED], as(f.stranger)),
    error: "LoanBook_WrongStatus",
    args: () => [L.DEFAULTED, Status.Defaulted],
  },
  {
    name: "breach a commitment whose first installment is not yet missed",
    arrange: async (f) => {
      await submitOwn(f, L.DEFAULTED);
    },
    call: (f) => f.book.write.breachCommitment([L.DEFAULTED], as(f.stranger)),
    error: "LoanBook_CommitmentNotBreached",
    // Breachable from the second after the first installment's grace (the template's 3 days).
    args: async (f) => {
      const [first] = await f.book.read.commitmentOf([L.DEFAULTED]);
      return [L.DEFAULTED, BigInt(first.dueTime) + 3n * 86_400n + 1n];
    },
  },
  {
    name: "object to an Active loan",
    call: (f) => f.book.write.fileObjection([L.ACTIVE, evidence("receipts")], as(f.borrower)),
    error: "LoanBook_WrongStatus",
    args: () => [L.ACTIVE, Status.Active],
  },
  {
    name: "object to a Committed loan",
    call: (f) => f.book.write.fileObjection([L.COMMITTED, evidence("receipts")], as(f.borrower)),
    error: "LoanBook_WrongStatus",
    args: () => [L.COMMITTED, Status.Committed],
  },
  {
    name: "object to a restructured debt after its commitment's breach",
    arrange: async (f) => {
      await f.book.write.breachCommitment([L.COMMITTED], as(f.stranger));
    },
    call: (f) => f.book.write.fileObjection([L.COMMITTED, evidence("receipts")], as(f.borrower)),
    error: "LoanBook_WrongStatus",
    args: () => [L.COMMITTED, Status.Defaulted],
  },
  {
    name: "object twice (while the first objection is open)",
    call: (f) => f.book.write.fileObjection([L.DISPUTED, evidence("more receipts")], as(f.borrower)),
    error: "LoanBook_WrongStatus",
    args: () => [L.DISPUTED, Status.Disputed],
  },
  {
    name: "object again after the objection was rejected",
    arrange: async (f) => {
      await resolveBy(f, f.mediator, false);
    },
    call: (f) => f.book.write.fileObjection([L.DISPUTED, evidence("more receipts")], as(f.borrower)),
    error: "LoanBook_ObjectionAlreadyFiled",
    args: () => [L.DISPUTED],
  },
  {
    name: "object again after the objection lapsed",
    arrange: async (f) => {
      await f.connection.networkHelpers.time.increase(31 * 86_400);
    },
    call: (f) => f.book.write.fileObjection([L.DISPUTED, evidence("more receipts")], as(f.borrower)),
    error: "LoanBook_ObjectionAlreadyFiled",
    args: () => [L.DISPUTED],
  },
  {
    name: "resolve a loan with no objection",
    call: (f) => f.book.write.resolveObjection([L.DEFAULTED, true, evidence("decision")], as(f.notary)),
    error: "LoanBook_NoOpenObjection",
    args: () => [L.DEFAULTED],
  },
  {
    name: "resolve an objection already decided",
    arrange: async (f) => {
      await resolveBy(f, f.mediator, false);
    },
    call: (f) => resolveBy(f, f.notary, true),
    error: "LoanBook_NoOpenObjection",
    args: () => [L.DISPUTED],
  },
  {
    name: "resolve a lapsed objection",
    arrange: async (f) => {
      await f.connection.networkHelpers.time.increase(31 * 86_400);
    },
    call: (f) => resolveBy(f, f.notary, true),
    error: "LoanBook_NoOpenObjection",
    args: () => [L.DISPUTED],
  },
  {
    name: "resolve the objection of a loan repaid in full while disputed (moot)",
    arrange: async (f) => {
      await f.book.write.repay([L.DISPUTED, await f.book.read.payoffAmount([L.DISPUTED])], as(f.borrower));
    },
    call: (f) => resolveBy(f, f.mediator, true),
    error: "LoanBook_WrongStatus",
    args: () => [L.DISPUTED, Status.Settled],
  },
  {
    name: "advanceStage on an uncertified (Defaulted) loan",
    call: (f) => advance(f, L.DEFAULTED),
    error: "LoanBook_WrongStatus",
    args: () => [L.DEFAULTED, Status.Defaulted],
  },
  {
    name: "advanceStage on an Active loan",
    call: (f) => advance(f, L.ACTIVE),
    error: "LoanBook_WrongStatus",
    args: () => [L.ACTIVE, Status.Active],
  },
  {
    name: "advanceStage on a Disputed loan",
    call: (f) => advance(f, L.DISPUTED),
    error: "LoanBook_WrongStatus",
    args: () => [L.DISPUTED, Status.Disputed],
  },
  {
    name: "advanceStage past Enforcement",
    call: (f) => advance(f, L.ENFORCEMENT),
    error: "LoanBook_WrongStage",
    args: () => [L.ENFORCEMENT, Stage.Enforcement],
  },
  {
    name: "advanceStage on a certified loan under a commitment",
    arrange: async (f) => {
      await submitOwn(f, L.CERTIFIED);
    },
    call: (f) => advance(f, L.CERTIFIED),
    error: "LoanBook_WrongStatus",
    args: () => [L.CERTIFIED, Status.Committed],
  },
  {
    name: "enforceCollateral before the Enforcement stage",
    call: (f) => f.book.write.enforceCollateral([L.CERTIFIED, 1n, evidence("valuation")], as(f.lender)),
    error: "LoanBook_WrongStage",
    args: () => [L.CERTIFIED, Stage.None],
  },
  {
    name: "enforceCollateral on an uncertified loan",
    call: (f) => f.book.write.enforceCollateral([L.DEFAULTED, 1n, evidence("valuation")], as(f.lender)),
    error: "LoanBook_WrongStatus",
    args: () => [L.DEFAULTED, Status.Defaulted],
  },
  {
    name: "enforceCollateral of a loan without collateral",
    arrange: async (f) => {
      for (let i = 0; i < 4; i++) await advance(f, L.CERTIFIED);
    },
    call: (f) => f.book.write.enforceCollateral([L.CERTIFIED, 1n, evidence("valuation")], as(f.lender)),
    error: "LoanBook_NoCollateral",
    args: () => [L.CERTIFIED],
  },
  {
    name: "enforceCollateral twice",
    arrange: async (f) => {
      await f.book.write.enforceCollateral([L.ENFORCEMENT, 1n, evidence("valuation")], as(f.lender));
    },
    call: (f) => f.book.write.enforceCollateral([L.ENFORCEMENT, 1n, evidence("valuation")], as(f.lender)),
    error: "LoanBook_NoCollateral",
    args: () => [L.ENFORCEMENT],
  },
  {
    name: "writeOff before the Enforcement stage",
    call: (f) => f.book.write.writeOff([L.CERTIFIED, evidence("reason")], as(f.lender)),
    error: "LoanBook_WrongStage",
    args: () => [L.CERTIFIED, Stage.None],
  },
  {
    name: "writeOff twice",
    arrange: async (f) => {
      await f.book.write.writeOff([L.ENFORCEMENT, evidence("reason")], as(f.lender));
    },
    call: (f) => f.book.write.writeOff([L.ENFORCEMENT, evidence("reason")], as(f.lender)),
    error: "LoanBook_WrongStatus",
    args: () => [L.ENFORCEMENT, Status.WrittenOff],
  },
  {
    name: "setAutoDebit on a written-off loan",
    arrange: async (f) => {
      await f.book.write.writeOff([L.ENFORCEMENT, evidence("reason")], as(f.lender));
    },
    call: (f) => f.book.write.setAutoDebit([L.ENFORCEMENT, true], as(f.borrower)),
    error: "LoanBook_LoanRepaid",
    args: () => [L.ENFORCEMENT],
  },
  {
    name: "autoDebit without the borrower's opt-in",
    call: (f) => f.book.write.autoDebit([L.DEFAULTED], as(f.stranger)),
    error: "LoanBook_AutoDebitOff",
    args: () => [L.DEFAULTED],
  },
  {
    name: "autoDebit of a loan with nothing due",
    arrange: async (f) => {
      await f.book.write.setAutoDebit([L.ACTIVE, true], as(f.borrower));
    },
    call: (f) => f.book.write.autoDebit([L.ACTIVE], as(f.stranger)),
    error: "LoanBook_NothingDue",
    args: () => [L.ACTIVE],
  },
  {
    name: "autoDebit after auto-debit was turned off",
    arrange: async (f) => {
      await f.book.write.setAutoDebit([L.DEFAULTED, true], as(f.borrower));
      await f.book.write.setAutoDebit([L.DEFAULTED, false], as(f.borrower));
    },
    call: (f) => f.book.write.autoDebit([L.DEFAULTED], as(f.stranger)),
    error: "LoanBook_AutoDebitOff",
    args: () => [L.DEFAULTED],
  },
  {
    name: "setBankSigner of the zero address",
    call: (f) => f.book.write.setBankSigner([zeroAddress, true], as(f.lender)),
    error: "LoanBook_ZeroAddress",
    args: () => [],
  },
];

describe("Enforcement roles: calls in the wrong state are refused and change nothing", () => {
  for (const c of WRONG_STATE) {
    it(`${c.name}: ${c.error}`, async () => {
      const f = await load();
      await c.arrange?.(f);
      await expectRefused(f, () => c.call(f), c.error, await c.args(f));
    });
  }
});

const UNKNOWN = 99n;
const NONEXISTENT_TOKEN = "ERC721NonexistentToken";
const UNKNOWN_LOAN = "LoanBook_UnknownLoan";

/** Each function on a loan id that does not exist, and the error the contract gives: the functions that first ask
 * for the claim holder (ownerOf) get ERC-721's error, the others LoanBook's. */
const UNKNOWN_LOAN_CASES: { name: string; call: (f: EnforcementBook, id: bigint) => Promise<Hex>; error: string }[] = [
  { name: "certify", call: (f, id) => certifyOwn(f, id), error: UNKNOWN_LOAN },
  {
    name: "acceptCommitment",
    call: async (f, id) =>
      f.book.write.acceptCommitment(
        [commitmentPlan(id, 1_000_000n, await now(f), 1), ownApproval(f.borrower), NO_APPROVAL, 0n],
        as(f.lender),
      ),
    error: UNKNOWN_LOAN,
  },
  {
    name: "submitCommitment",
    call: async (f, id) =>
      f.book.write.submitCommitment(
        [commitmentPlan(id, 1_000_000n, await now(f), 1), ownApproval(f.borrower)],
        as(f.borrower),
      ),
    error: UNKNOWN_LOAN,
  },
  {
    name: "breachCommitment",
    call: (f, id) => f.book.write.breachCommitment([id], as(f.stranger)),
    error: UNKNOWN_LOAN,
  },
  {
    name: "fileObjection",
    call: (f, id) => f.book.write.fileObjection([id, evidence("receipts")], as(f.borrower)),
    error: UNKNOWN_LOAN,
  },
  {
    name: "resolveObjection",
    call: (f, id) => f.book.write.resolveObjection([id, true, evidence("decision")], as(f.notary)),
    error: UNKNOWN_LOAN,
  },
  { name: "advanceStage", call: (f, id) => advance(f, id), error: NONEXISTENT_TOKEN },
  {
    name: "enforceCollateral",
    call: (f, id) => f.book.write.enforceCollateral([id, 1n, evidence("valuation")], as(f.lender)),
    error: NONEXISTENT_TOKEN,
  },
  {
    name: "writeOff",
    call: (f, id) => f.book.write.writeOff([id, evidence("reason")], as(f.lender)),
    error: NONEXISTENT_TOKEN,
  },
  {
    name: "recordBankPayment",
    call: async (f, id) => f.book.write.recordBankPayment([await bankPayment(f, id)], as(f.stranger)),
    error: UNKNOWN_LOAN,
  },
  { name: "setAutoDebit", call: (f, id) => f.book.write.setAutoDebit([id, true], as(f.borrower)), error: UNKNOWN_LOAN },
  { name: "autoDebit", call: (f, id) => f.book.write.autoDebit([id], as(f.stranger)), error: UNKNOWN_LOAN },
];

describe("Enforcement roles: an unknown loan", () => {
  for (const c of UNKNOWN_LOAN_CASES) {
    for (const id of [UNKNOWN, 0n]) {
      it(`${c.name}(${id}): ${c.error}(${id})`, async () => {
        const f = await load();
        await expectRefused(f, () => c.call(f, id), c.error, [id]);
      });
    }
  }

  const BATCHES = [
    { name: "breachCommitments", action: "breachCommitment(uint256)" },
    { name: "autoDebits", action: "autoDebit(uint256)" },
    {
      name: "recordBankPayments",
      action: "recordBankPayment((uint256,uint256,bytes32,uint256,uint256,address,bytes))",
    },
  ] as const;
  for (const batch of BATCHES) {
    it(`${batch.name}([${UNKNOWN}]): skipped with ActionSkipped(${UNKNOWN}, ${batch.action}, UnknownLoan)`, async () => {
      const f = await load();
      const before = await ledger(f);
      const hash = await expectAccepted(async () => {
        if (batch.name === "breachCommitments") return f.book.write.breachCommitments([[UNKNOWN]], as(f.stranger));
        if (batch.name === "autoDebits") return f.book.write.autoDebits([[UNKNOWN]], as(f.stranger));
        return f.book.write.recordBankPayments([[await bankPayment(f, UNKNOWN)]], as(f.stranger));
      });
      const events = await bookEventsOf(f, hash);
      expect(events.map((e) => [e.eventName, normalized(Object.values(e.args))])).to.deep.equal([
        ["ActionSkipped", [UNKNOWN, selector(batch.action), selector("LoanBook_UnknownLoan(uint256)")]],
      ]);
      expect(await ledger(f)).to.deep.equal(before);
    });
  }
});

/** Each hash an enforcement call records, zero: LoanBook_ZeroHash. */
const ZERO_HASH_CASES: { name: string; call: (f: EnforcementBook) => Promise<Hex> }[] = [
  ...(["debtInstrumentHash", "defaultProofHash", "identityProofHash"] as const).map((field) => ({
    name: `certify with a zero ${field}`,
    call: (f: EnforcementBook) =>
      f.book.write.certify(
        [{ ...certificateParams(L.DEFAULTED), [field]: zeroHash }, ownApproval(f.notary)],
        as(f.notary),
      ),
  })),
  {
    name: "certify (signed) with a zero defaultProofHash",
    call: async (f) => {
      const params = { ...certificateParams(L.DEFAULTED), defaultProofHash: zeroHash };
      return f.book.write.certify([params, await signCertificate(f, params)], as(f.stranger));
    },
  },
  {
    name: "fileObjection with a zero evidence hash",
    call: (f) => f.book.write.fileObjection([L.DEFAULTED, zeroHash], as(f.borrower)),
  },
  {
    name: "resolveObjection with a zero decision hash",
    call: (f) => f.book.write.resolveObjection([L.DISPUTED, true, zeroHash], as(f.mediator)),
  },
  {
    name: "advanceStage with a zero notice hash",
    call: (f) => f.book.write.advanceStage([L.CERTIFIED, zeroHash], as(f.lender)),
  },
  {
    name: "enforceCollateral with a zero valuation hash",
    call: (f) => f.book.write.enforceCollateral([L.ENFORCEMENT, 1n, zeroHash], as(f.lender)),
  },
  {
    name: "writeOff with a zero reason hash",
    call: (f) => f.book.write.writeOff([L.ENFORCEMENT, zeroHash], as(f.lender)),
  },
];

describe("Enforcement roles: zero hashes", () => {
  for (const c of ZERO_HASH_CASES) {
    it(`${c.name}: LoanBook_ZeroHash`, async () => {
      const f = await load();
      await expectRefused(f, () => c.call(f), "LoanBook_ZeroHash", []);
    });
  }
});

/*//////////////////////////////////////////////////////////////
                       SUSPECTED CONTRACT BUGS
//////////////////////////////////////////////////////////////*/

describe("Enforcement roles: a revoked lender's bank signers", () => {
  // Found by this suite: a revoked lender could not remove its bank signers, and they kept crediting its loans.
  it("a revoked lender can still remove its bank signers", async () => {
    const f = await load();
    await f.book.write.revokeRole([f.lenderRole, f.lender.account.address], as(f.admin));
    const removal = await attempt(() =>
      f.book.write.setBankSigner([f.bankSigner.account.address, false], as(f.lender)),
    );
    expect(removal, `removing a bank signer was refused: ${JSON.stringify(removal)}`).to.have.property("hash");
    expect(await f.book.read.isBankSigner([f.lender.account.address, f.bankSigner.account.address])).to.equal(false);
  });

  it("while the lender's role is revoked its signers' attestations are refused; restored, they are accepted", async () => {
    const f = await load();
    const payment = await bankPayment(f);
    await f.book.write.revokeRole([f.lenderRole, f.lender.account.address], as(f.admin));
    const before = await f.book.read.loanOf([payment.loanId]);
    expect(await revertOf(() => f.book.write.recordBankPayment([payment], as(f.stranger)))).to.deep.equal({
      errorName: "LoanBook_NotBankSigner",
      args: [getAddress(f.lender.account.address), getAddress(f.bankSigner.account.address)],
    });
    expect(await f.book.read.loanOf([payment.loanId])).to.deep.equal(before);
    await f.book.write.grantRole([f.lenderRole, f.lender.account.address], as(f.admin));
    await f.book.write.recordBankPayment([payment], as(f.stranger));
    expect(await f.book.read.bankReferenceLoan([payment.bankReferenceHash])).to.equal(payment.loanId);
  });
});
