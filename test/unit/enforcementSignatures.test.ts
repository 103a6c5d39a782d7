/**
 * The EIP-712 messages of the enforcement path (ExecutionCertificate, RepaymentCommitment, CommitmentAcceptance,
 * BankPayment) under attack: each forged, tampered, stale, foreign or replayed signature is refused with its exact
 * error and changes nothing (the whole ledger of test/support/enforcementBook.ts: statuses, cases, nonces, bank
 * references, balances). Then what must work: unordered nonces, ERC-1271 smart wallets wherever an EOA signs, and the
 * typed data of keeper/src/core/typedData.ts: its type strings hash to the contract's typehash constants, and the
 * digest viem computes is the one the contract verifies (a raw signature of it is accepted).
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import {
  concat,
  encodeAbiParameters,
  encodePacked,
  getAddress,
  hashStruct,
  hashTypedData,
  hexToBigInt,
  keccak256,
  maxUint256,
  numberToHex,
  parseSignature,
  serializeSignature,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";

import {
  bankPaymentTypedData,
  bankPaymentTypes,
  commitmentAcceptanceTypedData,
  commitmentAcceptanceTypes,
  executionCertificateTypedData,
  executionCertificateTypes,
  repaymentCommitmentTypedData,
  repaymentCommitmentTypes,
  type BankPaymentAttestation,
  type CommitmentAcceptance,
  type ExecutionCertificate,
  type RepaymentCommitment,
} from "../../keeper/src/core/typedData.ts";
import { DAY, Status, bookEventsOf, originateLoan } from "../support/loanBookFixture.ts";
import {
  NO_APPROVAL,
  certificateParams,
  commitmentPlan,
  evidence,
  now,
  type Approval,
} from "../support/enforcementFixture.ts";
import {
  INDEX,
  L,
  REFS,
  as,
  expectAccepted,
  expectRefused,
  ledger,
  loadEnforcementBook,
  localKeyOf,
  normalized,
  timeTo,
  walletSigner,
  type EnforcementBook,
  type Wallet,
} from "../support/enforcementBook.ts";

const load = loadEnforcementBook;
const INVALID = "LoanBook_InvalidSignature";
const EXPIRED = "LoanBook_SignatureExpired";
const NONCE_USED = "LoanBook_NonceUsed";
/** The order of the secp256k1 group: (r, s) and (r, n - s) with the other parity recover the same key. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const BANK_AMOUNT = 1_000_000n;

/** The same signature with s -> n - s and the other recovery parity: mathematically valid, but high-s. */
function malleate(signature: Hex): Hex {
  const { r, s, yParity } = parseSignature(signature);
  return serializeSignature({ r, s: numberToHex(SECP256K1_N - hexToBigInt(s), { size: 32 }), yParity: 1 - yParity });
}

/** Who signs and in which domain: by default the entitled party's own key, on this chain and this LoanBook. */
interface SignOptions {
  key?: Wallet;
  /** The signer the approval names (default: the key's address). */
  signer?: Address;
  chainId?: number;
  verifyingContract?: Address;
}

const domainOf = (f: EnforcementBook, o: SignOptions) =>
  [o.chainId ?? f.chainId, o.verifyingContract ?? f.book.address] as const;

const inAnHour = async (f: EnforcementBook) => (await now(f)) + 3_600n;

/** An attack: the refused submission, and the error's arguments. */
interface Attack {
  name: string;
  /** Builds the submission (after `arrange`); returns it with the expected error's arguments. */
  prepare: (f: EnforcementBook) => Promise<{ call: () => Promise<Hex>; args: unknown[] }>;
  error: string;
  arrange?: (f: EnforcementBook) => Promise<void>;
}

function runAttacks(attacks: Attack[]) {
  for (const attack of attacks) {
    it(`${attack.name}: ${attack.error}`, async () => {
      const f = await load();
      await attack.arrange?.(f);
      const { call, args } = await attack.prepare(f);
      await expectRefused(f, call, attack.error, args);
    });
  }
}

/*//////////////////////////////////////////////////////////////
                     EXECUTION CERTIFICATE
//////////////////////////////////////////////////////////////*/

/** The notary's signed ExecutionCertificate of loan `loanId`'s application (fields overridable). */
async function signedCertificate(
  f: EnforcementBook,
  fields: Partial<ExecutionCertificate> = {},
  o: SignOptions = {},
): Promise<{ message: ExecutionCertificate; approval: Approval }> {
  const message = {
    ...certificateParams(fields.loanId ?? L.DEFAULTED),
    nonce: 1n,
    deadline: await inAnHour(f),
    ...fields,
  };
  const key = o.key ?? f.notary;
  const signature = await key.signTypedData(executionCertificateTypedData(...domainOf(f, o), message));
  const approval = {
    signer: o.signer ?? key.account.address,
    nonce: message.nonce,
    deadline: message.deadline,
    signature,
  };
  return { message, approval };
}

/** The stranger submits the application of loan `loanId` with `approval`. */
const submitCertificate = (f: EnforcementBook, approval: Approval, loanId: bigint = L.DEFAULTED) =>
  f.book.write.certify([certificateParams(loanId), approval], as(f.stranger));

/** A certificate attack whose submission is the honest application of loan DEFAULTED with `approval`. */
const certificateAttack = (
  name: string,
  error: string,
  approval: (f: EnforcementBook) => Promise<Approval>,
  args: (f: EnforcementBook, approval: Approval) => unknown[] = (f) => [f.notary.account.address],
  arrange?: (f: EnforcementBook) => Promise<void>,
): Attack => ({
  name,
  error,
  arrange,
  prepare: async (f) => {
    const a = await approval(f);
    return { call: () => submitCertificate(f, a), args: args(f, a) };
  },
});

describe("Enforcement signatures: ExecutionCertificate", () => {
  it("control: the notary's certificate, submitted by anyone, certifies and spends the nonce", async () => {
    const f = await load();
    const { approval } = await signedCertificate(f);
    const hash = await expectAccepted(() => submitCertificate(f, approval));
    const event = (await bookEventsOf(f, hash)).find((e) => e.eventName === "DefaultCertified");
    expect(event?.args).to.have.property("notary", getAddress(f.notary.account.address));
    expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Certified);
    expect(await f.book.read.enforcementNonceUsed([f.notary.account.address, 1n])).to.equal(true);
  });

  runAttacks([
    certificateAttack(
      "signed by another registered notary in the notary's name",
      INVALID,
      async (f) => (await signedCertificate(f, {}, { key: f.secondNotary, signer: f.notary.account.address })).approval,
    ),
    certificateAttack(
      "signed by the lender in the notary's name",
      INVALID,
      async (f) => (await signedCertificate(f, {}, { key: f.lender, signer: f.notary.account.address })).approval,
    ),
    certificateAttack(
      "signed by a stranger in its own name",
      "LoanBook_NotANotary",
      async (f) => (await signedCertificate(f, {}, { key: f.stranger })).approval,
      (f) => [f.stranger.account.address],
    ),
    certificateAttack("no signature at all", INVALID, async (f) => ({
      ...(await signedCertificate(f)).approval,
      signature: "0x",
    })),
    certificateAttack("the signature's high-s twin (malleated)", INVALID, async (f) => {
      const { approval } = await signedCertificate(f);
      return { ...approval, signature: malleate(approval.signature) };
    }),
    certificateAttack(
      "signed for another loan (loanId)",
      INVALID,
      async (f) =>
        (await signedCertificate(f, { ...certificateParams(L.DEFAULTED), loanId: L.DEFAULTED_TOO })).approval,
    ),
    ...(["debtInstrumentHash", "defaultProofHash", "identityProofHash"] as const).map((field) =>
      certificateAttack(
        `signed with another ${field}`,
        INVALID,
        async (f) => (await signedCertificate(f, { [field]: evidence(`forged ${field}`) })).approval,
      ),
    ),
    certificateAttack("submitted with another nonce", INVALID, async (f) => ({
      ...(await signedCertificate(f)).approval,
      nonce: 2n,
    })),
    certificateAttack("submitted with a later deadline", INVALID, async (f) => {
      const { approval } = await signedCertificate(f);
      return { ...approval, deadline: approval.deadline + 1n };
    }),
    certificateAttack(
      "expired (deadline before now)",
      EXPIRED,
      async (f) => (await signedCertificate(f, { deadline: (await now(f)) - 1n })).approval,
      (f, a) => [f.notary.account.address, a.deadline],
    ),
    certificateAttack(
      "signed for another chain id",
      INVALID,
      async (f) => (await signedCertificate(f, {}, { chainId: 1 })).approval,
    ),
    certificateAttack(
      "signed for another LoanBook (verifying contract)",
      INVALID,
      async (f) => (await signedCertificate(f, {}, { verifyingContract: f.otherBook.address })).approval,
    ),
    certificateAttack(
      "signed by a notary revoked since",
      "LoanBook_NotANotary",
      async (f) => (await signedCertificate(f)).approval,
      (f) => [f.notary.account.address],
      async (f) => {
        await f.book.write.revokeNotary([f.notary.account.address], as(f.admin));
      },
    ),
  ]);

  it("replay of a used nonce on another loan: LoanBook_NonceUsed", async () => {
    const f = await load();
    await expectAccepted(async () => submitCertificate(f, (await signedCertificate(f, { nonce: 1n })).approval));
    const { approval } = await signedCertificate(f, { loanId: L.DEFAULTED_TOO, nonce: 1n });
    await expectRefused(f, () => submitCertificate(f, approval, L.DEFAULTED_TOO), NONCE_USED, [
      f.notary.account.address,
      1n,
    ]);
  });

  it("replay of the same certificate on its loan: refused by the loan's status (Certified)", async () => {
    const f = await load();
    const { approval } = await signedCertificate(f);
    await expectAccepted(() => submitCertificate(f, approval));
    await expectRefused(f, () => submitCertificate(f, approval), "LoanBook_WrongStatus", [
      L.DEFAULTED,
      Status.Certified,
    ]);
  });

  it("the deadline is inclusive: accepted in the block at the deadline, expired one second later", async () => {
    const f = await load();
    const deadline = (await now(f)) + 100n;
    const first = await signedCertificate(f, { deadline });
    const second = await signedCertificate(f, { loanId: L.DEFAULTED_TOO, deadline, nonce: 2n });
    await f.connection.networkHelpers.time.setNextBlockTimestamp(deadline);
    await expectAccepted(() => submitCertificate(f, first.approval));
    await expectRefused(f, () => submitCertificate(f, second.approval, L.DEFAULTED_TOO), EXPIRED, [
      f.notary.account.address,
      deadline,
    ]);
  });

  it("the notary's own transaction needs no signature and spends no nonce", async () => {
    const f = await load();
    const approval = { ...NO_APPROVAL, signer: f.notary.account.address, nonce: 1n };
    await expectAccepted(() => f.book.write.certify([certificateParams(L.DEFAULTED), approval], as(f.notary)));
    expect(await f.book.read.enforcementNonceUsed([f.notary.account.address, 1n])).to.equal(false);
  });
});

/*//////////////////////////////////////////////////////////////
                      REPAYMENT COMMITMENT
//////////////////////////////////////////////////////////////*/

/** A plan of loan `loanId`'s whole debt now: 6 monthly installments. */
async function planOf(f: EnforcementBook, loanId: bigint = L.DEFAULTED, total?: bigint) {
  return commitmentPlan(loanId, total ?? (await f.book.read.payoffAmount([loanId])), await now(f), 6);
}
type Plan = Awaited<ReturnType<typeof planOf>>;

/** The borrower's signed RepaymentCommitment of `plan` (message fields overridable), and its struct hash. */
async function signedCommitment(
  f: EnforcementBook,
  plan: Plan,
  fields: Partial<RepaymentCommitment> = {},
  o: SignOptions = {},
) {
  const message: RepaymentCommitment = { ...plan, nonce: 1n, deadline: await inAnHour(f), ...fields };
  const key = o.key ?? f.borrower;
  const signature = await key.signTypedData(repaymentCommitmentTypedData(...domainOf(f, o), message));
  const approval: Approval = {
    signer: o.signer ?? key.account.address,
    nonce: message.nonce,
    deadline: message.deadline,
    signature,
  };
  const commitmentHash = hashStruct({
    data: message,
    types: repaymentCommitmentTypes,
    primaryType: "RepaymentCommitment",
  });
  return { message, approval, commitmentHash };
}

const submitCommitment = (f: EnforcementBook, plan: Plan, approval: Approval) =>
  f.book.write.submitCommitment([plan, approval], as(f.stranger));

/** A commitment attack: the honest plan of loan DEFAULTED submitted (by the stranger, for the policy) with the
 * approval `approval` builds from it. */
const commitmentAttack = (
  name: string,
  error: string,
  approval: (f: EnforcementBook, plan: Plan) => Promise<Approval>,
  args: (f: EnforcementBook, approval: Approval) => unknown[] = (f) => [f.borrower.account.address],
): Attack => ({
  name,
  error,
  prepare: async (f) => {
    const plan = await planOf(f);
    const a = await approval(f, plan);
    return { call: () => submitCommitment(f, plan, a), args: args(f, a) };
  },
});

describe("Enforcement signatures: RepaymentCommitment", () => {
  it("control: the borrower's commitment, submitted by anyone, is accepted by policy and spends the nonce", async () => {
    const f = await load();
    const plan = await planOf(f);
    const { approval, commitmentHash } = await signedCommitment(f, plan);
    const hash = await expectAccepted(() => submitCommitment(f, plan, approval));
    const event = (await bookEventsOf(f, hash)).find((e) => e.eventName === "CommitmentAccepted");
    expect(event?.args).to.deep.include({ acceptedBy: zeroAddress, commitmentHash });
    expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Committed);
    expect(await f.book.read.enforcementNonceUsed([f.borrower.account.address, 1n])).to.equal(true);
  });

  runAttacks([
    commitmentAttack(
      "signed by a stranger in the borrower's name",
      INVALID,
      async (f, plan) =>
        (await signedCommitment(f, plan, {}, { key: f.stranger, signer: f.borrower.account.address })).approval,
    ),
    commitmentAttack(
      "signed by the lender in the borrower's name",
      INVALID,
      async (f, plan) =>
        (await signedCommitment(f, plan, {}, { key: f.lender, signer: f.borrower.account.address })).approval,
    ),
    commitmentAttack(
      "signed by a stranger in its own name",
      "LoanBook_NotBorrower",
      async (f, plan) => (await signedCommitment(f, plan, {}, { key: f.stranger })).approval,
      (f) => [L.DEFAULTED, f.stranger.account.address],
    ),
    commitmentAttack("no signature at all", INVALID, async (f, plan) => ({
      ...(await signedCommitment(f, plan)).approval,
      signature: "0x",
    })),
    commitmentAttack("the signature's high-s twin (malleated)", INVALID, async (f, plan) => {
      const { approval } = await signedCommitment(f, plan);
      return { ...approval, signature: malleate(approval.signature) };
    }),
    commitmentAttack(
      "signed for another loan (loanId)",
      INVALID,
      async (f, plan) => (await signedCommitment(f, plan, { loanId: L.DEFAULTED_TOO })).approval,
    ),
    commitmentAttack("signed with another due time (dueTimes)", INVALID, async (f, plan) => {
      const dueTimes = plan.dueTimes.map((t, i) => (i === 2 ? t + 1n : t));
      return (await signedCommitment(f, plan, { dueTimes })).approval;
    }),
    commitmentAttack("signed with other amounts of the same total (amounts)", INVALID, async (f, plan) => {
      const amounts = plan.amounts.map((a, i) => (i === 0 ? a - 1n : i === 1 ? a + 1n : a));
      return (await signedCommitment(f, plan, { amounts })).approval;
    }),
    commitmentAttack("signed with one installment fewer (dueTimes and amounts)", INVALID, async (f, plan) => {
      const amounts = [...plan.amounts.slice(0, 4), plan.amounts[4] + plan.amounts[5]];
      return (await signedCommitment(f, plan, { dueTimes: plan.dueTimes.slice(0, 5), amounts })).approval;
    }),
    commitmentAttack("submitted with another nonce", INVALID, async (f, plan) => ({
      ...(await signedCommitment(f, plan)).approval,
      nonce: 2n,
    })),
    commitmentAttack("submitted with a later deadline", INVALID, async (f, plan) => {
      const { approval } = await signedCommitment(f, plan);
      return { ...approval, deadline: approval.deadline + 1n };
    }),
    commitmentAttack(
      "expired (deadline before now)",
      EXPIRED,
      async (f, plan) => (await signedCommitment(f, plan, { deadline: (await now(f)) - 1n })).approval,
      (f, a) => [f.borrower.account.address, a.deadline],
    ),
    commitmentAttack(
      "signed for another chain id",
      INVALID,
      async (f, plan) => (await signedCommitment(f, plan, {}, { chainId: 1 })).approval,
    ),
    commitmentAttack(
      "signed for another LoanBook (verifying contract)",
      INVALID,
      async (f, plan) => (await signedCommitment(f, plan, {}, { verifyingContract: f.otherBook.address })).approval,
    ),
    {
      name: "a tampered plan submitted to the claim holder (acceptCommitment)",
      error: INVALID,
      prepare: async (f) => {
        const plan = await planOf(f);
        const { approval } = await signedCommitment(f, plan);
        const tampered = { ...plan, amounts: plan.amounts.map((a, i) => (i === 0 ? a - 1n : i === 5 ? a + 1n : a)) };
        return {
          call: () => f.book.write.acceptCommitment([tampered, approval, NO_APPROVAL, 0n], as(f.lender)),
          args: [f.borrower.account.address],
        };
      },
    },
  ]);

  it("replay of a used nonce on another loan: LoanBook_NonceUsed", async () => {
    const f = await load();
    const first = await planOf(f);
    await expectAccepted(async () => submitCommitment(f, first, (await signedCommitment(f, first)).approval));
    const second = await planOf(f, L.DEFAULTED_TOO);
    const { approval } = await signedCommitment(f, second);
    await expectRefused(f, () => submitCommitment(f, second, approval), NONCE_USED, [f.borrower.account.address, 1n]);
  });

  it("replay after a breach: the same signed plan cannot commit the loan again", async () => {
    const f = await load();
    const plan = commitmentPlan(L.DEFAULTED, await f.book.read.payoffAmount([L.DEFAULTED]), await now(f), 6, 1);
    const { approval } = await signedCommitment(f, plan, { deadline: (await now(f)) + 30n * BigInt(DAY) });
    await expectAccepted(() => submitCommitment(f, plan, approval));
    await timeTo(f, plan.dueTimes[0] + 3n * BigInt(DAY) + 1n);
    await f.book.write.breachCommitment([L.DEFAULTED], as(f.stranger));
    // Its first due time is past now: refused as a plan before the nonce is even looked at.
    await expectRefused(f, () => submitCommitment(f, plan, approval), "LoanBook_InvalidCommitmentPlan", []);
  });

  it("the borrower's own transaction needs no signature and spends no nonce", async () => {
    const f = await load();
    const plan = await planOf(f);
    const approval = { ...NO_APPROVAL, signer: f.borrower.account.address, nonce: 1n };
    await expectAccepted(() => f.book.write.submitCommitment([plan, approval], as(f.borrower)));
    expect(await f.book.read.enforcementNonceUsed([f.borrower.account.address, 1n])).to.equal(false);
  });
});

/*//////////////////////////////////////////////////////////////
                     COMMITMENT ACCEPTANCE
//////////////////////////////////////////////////////////////*/

/** Loan DEFAULTED's penalty now: what the claim holder may waive. */
async function penaltyOf(f: EnforcementBook, loanId: bigint = L.DEFAULTED) {
  const rows = await f.book.read.installmentBreakdown([loanId]);
  return rows.reduce((sum, row) => sum + row.penalty, 0n);
}

/** The claim holder's signed CommitmentAcceptance (message fields overridable). */
async function signedAcceptance(
  f: EnforcementBook,
  fields: Pick<CommitmentAcceptance, "commitmentHash" | "penaltyWaived"> & Partial<CommitmentAcceptance>,
  o: SignOptions = {},
): Promise<Approval> {
  const message: CommitmentAcceptance = { loanId: L.DEFAULTED, nonce: 1n, deadline: await inAnHour(f), ...fields };
  const key = o.key ?? f.lender;
  const signature = await key.signTypedData(commitmentAcceptanceTypedData(...domainOf(f, o), message));
  return { signer: o.signer ?? key.account.address, nonce: message.nonce, deadline: message.deadline, signature };
}

/** The borrower's commitment of loan `loanId`'s debt less half its penalty, which the claim holder waives. */
async function waivedCommitment(f: EnforcementBook, loanId: bigint = L.DEFAULTED, nonce = 1n) {
  const waived = (await penaltyOf(f, loanId)) / 2n;
  const plan = await planOf(f, loanId, (await f.book.read.payoffAmount([loanId])) - waived);
  const { approval, commitmentHash } = await signedCommitment(f, plan, { nonce });
  return { plan, borrower: approval, commitmentHash, waived };
}
type Waived = Awaited<ReturnType<typeof waivedCommitment>>;

const submitAcceptance = (f: EnforcementBook, c: Waived, holder: Approval, loanId?: bigint) =>
  f.book.write.acceptCommitment(
    [loanId === undefined ? c.plan : { ...c.plan, loanId }, c.borrower, holder, c.waived],
    as(f.stranger),
  );

/** An acceptance attack: the honest waived commitment of loan DEFAULTED submitted by the stranger with the holder's
 * approval `approval` builds. */
const acceptanceAttack = (
  name: string,
  error: string,
  approval: (f: EnforcementBook, c: Waived) => Promise<Approval>,
  args: (f: EnforcementBook, approval: Approval) => unknown[] = (f) => [f.lender.account.address],
): Attack => ({
  name,
  error,
  prepare: async (f) => {
    const c = await waivedCommitment(f);
    const a = await approval(f, c);
    return { call: () => submitAcceptance(f, c, a), args: args(f, a) };
  },
});

const honest = (c: Waived) => ({ commitmentHash: c.commitmentHash, penaltyWaived: c.waived });

describe("Enforcement signatures: CommitmentAcceptance", () => {
  it("control: the claim holder's acceptance with a waiver, submitted by anyone, commits the loan", async () => {
    const f = await load();
    const c = await waivedCommitment(f);
    expect(c.waived > 0n, "the loan has penalty to waive").to.equal(true);
    const hash = await expectAccepted(async () => submitAcceptance(f, c, await signedAcceptance(f, honest(c))));
    const events = await bookEventsOf(f, hash);
    const waived = events.find((e) => e.eventName === "PenaltyWaived");
    expect(normalized(Object.values(waived?.args ?? {}))).to.deep.equal(
      normalized([L.DEFAULTED, f.lender.account.address, c.waived]),
    );
    const accepted = events.find((e) => e.eventName === "CommitmentAccepted");
    expect(accepted?.args).to.deep.include({
      acceptedBy: getAddress(f.lender.account.address),
      commitmentHash: c.commitmentHash,
    });
    // Nonces are per signer: the borrower's nonce 1 and the lender's nonce 1 are both spent.
    expect(await f.book.read.enforcementNonceUsed([f.borrower.account.address, 1n])).to.equal(true);
    expect(await f.book.read.enforcementNonceUsed([f.lender.account.address, 1n])).to.equal(true);
  });

  runAttacks([
    acceptanceAttack("signed by a stranger in the claim holder's name", INVALID, (f, c) =>
      signedAcceptance(f, honest(c), { key: f.stranger, signer: f.lender.account.address }),
    ),
    acceptanceAttack("signed by the borrower in the claim holder's name", INVALID, (f, c) =>
      signedAcceptance(f, honest(c), { key: f.borrower, signer: f.lender.account.address }),
    ),
    acceptanceAttack(
      "signed by a stranger in its own name",
      "LoanBook_NotClaimHolder",
      (f, c) => signedAcceptance(f, honest(c), { key: f.stranger }),
      (f) => [L.DEFAULTED, f.stranger.account.address],
    ),
    acceptanceAttack(
      "no acceptance at all (an empty approval: NotClaimHolder names the caller)",
      "LoanBook_NotClaimHolder",
      async () => NO_APPROVAL,
      (f) => [L.DEFAULTED, f.stranger.account.address],
    ),
    acceptanceAttack("no signature at all", INVALID, async (f, c) => ({
      ...(await signedAcceptance(f, honest(c))),
      signature: "0x",
    })),
    acceptanceAttack("the signature's high-s twin (malleated)", INVALID, async (f, c) => {
      const approval = await signedAcceptance(f, honest(c));
      return { ...approval, signature: malleate(approval.signature) };
    }),
    acceptanceAttack("signed for another loan (loanId)", INVALID, (f, c) =>
      signedAcceptance(f, { ...honest(c), loanId: L.DEFAULTED_TOO }),
    ),
    acceptanceAttack("signed for another commitment of the borrower (commitmentHash)", INVALID, async (f, c) => {
      const other = await signedCommitment(f, c.plan, { nonce: 2n });
      return signedAcceptance(f, { ...honest(c), commitmentHash: other.commitmentHash });
    }),
    acceptanceAttack("signed with a larger waiver than submitted (penaltyWaived)", INVALID, (f, c) =>
      signedAcceptance(f, { ...honest(c), penaltyWaived: c.waived + 1n }),
    ),
    acceptanceAttack("signed with a smaller waiver than submitted (penaltyWaived)", INVALID, (f, c) =>
      signedAcceptance(f, { ...honest(c), penaltyWaived: c.waived - 1n }),
    ),
    acceptanceAttack("submitted with another nonce", INVALID, async (f, c) => ({
      ...(await signedAcceptance(f, honest(c))),
      nonce: 2n,
    })),
    acceptanceAttack("submitted with a later deadline", INVALID, async (f, c) => {
      const approval = await signedAcceptance(f, honest(c));
      return { ...approval, deadline: approval.deadline + 1n };
    }),
    acceptanceAttack(
      "expired (deadline before now)",
      EXPIRED,
      async (f, c) => signedAcceptance(f, { ...honest(c), deadline: (await now(f)) - 1n }),
      (f, a) => [f.lender.account.address, a.deadline],
    ),
    acceptanceAttack("signed for another chain id", INVALID, (f, c) => signedAcceptance(f, honest(c), { chainId: 1 })),
    acceptanceAttack("signed for another LoanBook (verifying contract)", INVALID, (f, c) =>
      signedAcceptance(f, honest(c), { verifyingContract: f.otherBook.address }),
    ),
  ]);

  it("replay of a used nonce on another loan: LoanBook_NonceUsed", async () => {
    const f = await load();
    const first = await waivedCommitment(f);
    await expectAccepted(async () => submitAcceptance(f, first, await signedAcceptance(f, honest(first))));
    const second = await waivedCommitment(f, L.DEFAULTED_TOO, 2n);
    const approval = await signedAcceptance(f, { ...honest(second), loanId: L.DEFAULTED_TOO });
    await expectRefused(f, () => submitAcceptance(f, second, approval), NONCE_USED, [f.lender.account.address, 1n]);
  });

  it("the claim holder's signature does not vouch for the borrower's: a forged commitment is refused first", async () => {
    const f = await load();
    const c = await waivedCommitment(f);
    const forged = (await signedCommitment(f, c.plan, {}, { key: f.lender, signer: f.borrower.account.address }))
      .approval;
    const approval = await signedAcceptance(f, honest(c));
    await expectRefused(f, () => submitAcceptance(f, { ...c, borrower: forged }, approval), INVALID, [
      f.borrower.account.address,
    ]);
  });
});

/*//////////////////////////////////////////////////////////////
                          BANK PAYMENT
//////////////////////////////////////////////////////////////*/

/** The bank signer's attestation of a payment to loan ACTIVE now (fields overridable). */
async function signedPayment(f: EnforcementBook, fields: Partial<BankPaymentAttestation> = {}, o: SignOptions = {}) {
  const message: BankPaymentAttestation = {
    loanId: L.ACTIVE,
    amount: BANK_AMOUNT,
    bankReferenceHash: REFS.a,
    paidAt: await now(f),
    deadline: (await now(f)) + 7n * BigInt(DAY),
    ...fields,
  };
  const key = o.key ?? f.bankSigner;
  const signature = await key.signTypedData(bankPaymentTypedData(...domainOf(f, o), message));
  return { ...message, signer: o.signer ?? key.account.address, signature };
}
type Payment = Awaited<ReturnType<typeof signedPayment>>;

const recordPayment = (f: EnforcementBook, payment: Payment) =>
  f.book.write.recordBankPayment([payment], as(f.stranger));

/** A bank-payment attack: the honest payment's fields submitted with the attestation `payment` builds. */
const paymentAttack = (
  name: string,
  error: string,
  payment: (f: EnforcementBook) => Promise<Payment>,
  args: (f: EnforcementBook, payment: Payment) => unknown[] = (f) => [f.bankSigner.account.address],
  arrange?: (f: EnforcementBook) => Promise<void>,
): Attack => ({
  name,
  error,
  arrange,
  prepare: async (f) => {
    const p = await payment(f);
    return { call: () => recordPayment(f, p), args: args(f, p) };
  },
});

/** The honest payment's fields, with the bank signer's signature of a message whose `fields` differ. */
async function tampered(f: EnforcementBook, fields: Partial<BankPaymentAttestation>) {
  const honestPayment = await signedPayment(f);
  const forged = await signedPayment(f, fields);
  return { ...honestPayment, signature: forged.signature };
}

describe("Enforcement signatures: BankPayment", () => {
  it("control: the bank signer's attestation, submitted by anyone, is credited once", async () => {
    const f = await load();
    const payment = await signedPayment(f);
    const hash = await expectAccepted(() => recordPayment(f, payment));
    const event = (await bookEventsOf(f, hash)).find((e) => e.eventName === "BankPaymentRecorded");
    expect(event?.args).to.deep.include({
      loanId: L.ACTIVE,
      signer: getAddress(f.bankSigner.account.address),
      bankReferenceHash: REFS.a,
      amount: BANK_AMOUNT,
    });
    expect(await f.book.read.bankReferenceLoan([REFS.a])).to.equal(L.ACTIVE);
  });

  runAttacks([
    paymentAttack("signed by another lender's bank signer in this signer's name", INVALID, (f) =>
      signedPayment(f, {}, { key: f.otherBankSigner, signer: f.bankSigner.account.address }),
    ),
    paymentAttack("signed by the lender in its bank signer's name", INVALID, (f) =>
      signedPayment(f, {}, { key: f.lender, signer: f.bankSigner.account.address }),
    ),
    paymentAttack(
      "signed by a stranger in its own name",
      "LoanBook_NotBankSigner",
      (f) => signedPayment(f, {}, { key: f.stranger }),
      (f) => [f.lender.account.address, f.stranger.account.address],
    ),
    paymentAttack(
      "signed by the lender itself (not its own bank signer)",
      "LoanBook_NotBankSigner",
      (f) => signedPayment(f, {}, { key: f.lender }),
      (f) => [f.lender.account.address, f.lender.account.address],
    ),
    paymentAttack(
      "signed by another lender's bank signer in its own name",
      "LoanBook_NotBankSigner",
      (f) => signedPayment(f, {}, { key: f.otherBankSigner }),
      (f) => [f.lender.account.address, f.otherBankSigner.account.address],
    ),
    paymentAttack(
      "signed by a bank signer the lender removed since",
      "LoanBook_NotBankSigner",
      (f) => signedPayment(f),
      (f) => [f.lender.account.address, f.bankSigner.account.address],
      async (f) => {
        await f.book.write.setBankSigner([f.bankSigner.account.address, false], as(f.lender));
      },
    ),
    paymentAttack("no signature at all", INVALID, async (f) => ({ ...(await signedPayment(f)), signature: "0x" })),
    paymentAttack("the signature's high-s twin (malleated)", INVALID, async (f) => {
      const payment = await signedPayment(f);
      return { ...payment, signature: malleate(payment.signature) };
    }),
    paymentAttack("signed for another loan of the lender (loanId)", INVALID, (f) =>
      tampered(f, { loanId: L.DEFAULTED }),
    ),
    paymentAttack("signed for another amount", INVALID, (f) => tampered(f, { amount: BANK_AMOUNT + 1n })),
    paymentAttack("signed for another bank reference", INVALID, (f) => tampered(f, { bankReferenceHash: REFS.b })),
    paymentAttack("signed for another time paid (paidAt)", INVALID, async (f) =>
      tampered(f, { paidAt: (await now(f)) - 1n }),
    ),
    paymentAttack("signed with another deadline", INVALID, async (f) => {
      const payment = await signedPayment(f);
      return { ...payment, deadline: payment.deadline + 1n };
    }),
    paymentAttack(
      "expired (deadline before now)",
      EXPIRED,
      async (f) => signedPayment(f, { deadline: (await now(f)) - 1n }),
      (f, p) => [f.bankSigner.account.address, p.deadline],
    ),
    paymentAttack("signed for another chain id", INVALID, (f) => signedPayment(f, {}, { chainId: 1 })),
    paymentAttack("signed for another LoanBook (verifying contract)", INVALID, (f) =>
      signedPayment(f, {}, { verifyingContract: f.otherBook.address }),
    ),
  ]);

  it("replay: the same attestation twice, or its reference on another loan: LoanBook_BankReferenceUsed", async () => {
    const f = await load();
    const payment = await signedPayment(f);
    await expectAccepted(() => recordPayment(f, payment));
    await expectRefused(f, () => recordPayment(f, payment), "LoanBook_BankReferenceUsed", [REFS.a, L.ACTIVE]);
    const elsewhere = await signedPayment(f, { loanId: L.DEFAULTED });
    await expectRefused(f, () => recordPayment(f, elsewhere), "LoanBook_BankReferenceUsed", [REFS.a, L.ACTIVE]);
    // In a batch, the replay is skipped (ActionSkipped) and nothing changes.
    const before = await ledger(f);
    const hash = await expectAccepted(() => f.book.write.recordBankPayments([[payment]], as(f.stranger)));
    expect((await bookEventsOf(f, hash)).map((e) => e.eventName)).to.deep.equal(["ActionSkipped"]);
    expect(await ledger(f)).to.deep.equal(before);
  });

  it("a bank signer re-allowed after removal attests again", async () => {
    const f = await load();
    await f.book.write.setBankSigner([f.bankSigner.account.address, false], as(f.lender));
    await f.book.write.setBankSigner([f.bankSigner.account.address, true], as(f.lender));
    await expectAccepted(async () => recordPayment(f, await signedPayment(f)));
  });
});

/*//////////////////////////////////////////////////////////////
                        UNORDERED NONCES
//////////////////////////////////////////////////////////////*/

describe("Enforcement signatures: unordered nonces", () => {
  it("a notary's certificates with nonces 7 and 3 land in either order; unused nonces stay usable", async () => {
    const f = await load();
    const notary = f.notary.account.address;
    const seven = await signedCertificate(f, { nonce: 7n });
    const three = await signedCertificate(f, { loanId: L.DEFAULTED_TOO, nonce: 3n });
    await expectAccepted(() => submitCertificate(f, three.approval, L.DEFAULTED_TOO));
    await expectAccepted(() => submitCertificate(f, seven.approval));
    for (const [nonce, used] of [
      [0n, false],
      [3n, true],
      [5n, false],
      [7n, true],
    ] as const) {
      expect(await f.book.read.enforcementNonceUsed([notary, nonce]), `nonce ${nonce}`).to.equal(used);
    }
  });

  it("any nonce works, 0 and 2^256 - 1 included", async () => {
    const f = await load();
    const notary = f.notary.account.address;
    await expectAccepted(async () =>
      submitCertificate(f, (await signedCertificate(f, { nonce: maxUint256 })).approval),
    );
    const zero = await signedCertificate(f, { loanId: L.DEFAULTED_TOO, nonce: 0n });
    await expectAccepted(() => submitCertificate(f, zero.approval, L.DEFAULTED_TOO));
    expect(await f.book.read.enforcementNonceUsed([notary, maxUint256])).to.equal(true);
    expect(await f.book.read.enforcementNonceUsed([notary, 0n])).to.equal(true);
  });

  it("nonces at the edge of a bitmap word (255, 256) are independent of each other and of their neighbours", async () => {
    const f = await load();
    const notary = f.notary.account.address;
    await expectAccepted(async () => submitCertificate(f, (await signedCertificate(f, { nonce: 256n })).approval));
    const last = await signedCertificate(f, { loanId: L.DEFAULTED_TOO, nonce: 255n });
    await expectAccepted(() => submitCertificate(f, last.approval, L.DEFAULTED_TOO));
    const used = async (nonce: bigint) => f.book.read.enforcementNonceUsed([notary, nonce]);
    expect(await Promise.all([0n, 1n, 254n, 255n, 256n, 257n, 511n, 512n].map(used))).to.deep.equal([
      false,
      false,
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
    // The breach returns loan COMMITTED to Defaulted: a third certificate with a used nonce is refused.
    await f.book.write.breachCommitment([L.COMMITTED], as(f.stranger));
    for (const nonce of [255n, 256n]) {
      const replay = await signedCertificate(f, { loanId: L.COMMITTED, nonce });
      await expectRefused(f, () => submitCertificate(f, replay.approval, L.COMMITTED), NONCE_USED, [notary, nonce]);
    }
    const fresh = await signedCertificate(f, { loanId: L.COMMITTED, nonce: 257n });
    await expectAccepted(() => submitCertificate(f, fresh.approval, L.COMMITTED));
  });

  it("a borrower's commitments with nonces 5 and 2 land in either order", async () => {
    const f = await load();
    const a = await planOf(f, L.DEFAULTED);
    const b = await planOf(f, L.DEFAULTED_TOO);
    const five = await signedCommitment(f, a, { nonce: 5n });
    const two = await signedCommitment(f, b, { nonce: 2n });
    await expectAccepted(() => submitCommitment(f, b, two.approval));
    await expectAccepted(() => submitCommitment(f, a, five.approval));
    expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Committed);
    expect(await f.book.read.statusOf([L.DEFAULTED_TOO])).to.equal(Status.Committed);
  });

  it("a refused signature spends no nonce: the honest one with the same nonce goes through after", async () => {
    const f = await load();
    const forged = await signedCertificate(f, {}, { key: f.secondNotary, signer: f.notary.account.address });
    await expectRefused(f, () => submitCertificate(f, forged.approval), INVALID, [f.notary.account.address]);
    expect(await f.book.read.enforcementNonceUsed([f.notary.account.address, 1n])).to.equal(false);
    await expectAccepted(async () => submitCertificate(f, (await signedCertificate(f)).approval));
  });
});

/*//////////////////////////////////////////////////////////////
                      ERC-1271 SMART WALLETS
//////////////////////////////////////////////////////////////*/

/** Brings a new loan of `borrower` (an address, signing through `key`) into default, half a day into a day of its
 * penalty clock; returns its id. */
async function defaultedLoanOf(f: EnforcementBook, borrower: Wallet) {
  const loanId = await originateLoan(f, { borrower, document: evidence("smart-wallet borrower's contract") });
  const eligibleAt = await f.book.read.defaultEligibleAt([loanId]);
  await f.connection.networkHelpers.time.setNextBlockTimestamp(eligibleAt + BigInt(DAY) / 2n);
  await f.book.write.declareDefault([loanId], as(f.stranger));
  return loanId;
}

describe("Enforcement signatures: ERC-1271 smart wallets are accepted where an EOA is", () => {
  it("a notary wallet: its owner's signature certifies; another key's is refused", async () => {
    const f = await load();
    const wallet = f.notaryWallet.address;
    await f.book.write.addNotary([wallet, evidence("notary office multisig")], as(f.admin));
    const byStranger = await signedCertificate(f, {}, { key: f.stranger, signer: wallet });
    await expectRefused(f, () => submitCertificate(f, byStranger.approval), INVALID, [wallet]);
    const byOwner = await signedCertificate(f, {}, { key: f.notary, signer: wallet });
    const hash = await expectAccepted(() => submitCertificate(f, byOwner.approval));
    const event = (await bookEventsOf(f, hash)).find((e) => e.eventName === "DefaultCertified");
    expect(event?.args).to.have.property("notary", getAddress(wallet));
    expect(await f.book.read.enforcementNonceUsed([wallet, 1n])).to.equal(true);
    expect(await f.book.read.enforcementNonceUsed([f.notary.account.address, 1n])).to.equal(false);
  });

  it("a borrower wallet: its owner's commitment is accepted by policy; another key's is refused", async () => {
    const f = await load();
    const wallet = f.borrowerWallet.address;
    const loanId = await defaultedLoanOf(f, walletSigner(wallet, f.borrower));
    expect(getAddress((await f.book.read.loanOf([loanId])).borrower)).to.equal(getAddress(wallet));
    const plan = await planOf(f, loanId);
    const byStranger = await signedCommitment(f, plan, {}, { key: f.stranger, signer: wallet });
    await expectRefused(f, () => submitCommitment(f, plan, byStranger.approval), INVALID, [wallet]);
    const byOwner = await signedCommitment(f, plan, {}, { key: f.borrower, signer: wallet });
    await expectAccepted(() => submitCommitment(f, plan, byOwner.approval));
    expect(await f.book.read.statusOf([loanId])).to.equal(Status.Committed);
    expect(await f.book.read.enforcementNonceUsed([wallet, 1n])).to.equal(true);
  });

  it("a claim-holder wallet: its owner's acceptance is accepted; another key's is refused", async () => {
    const f = await load();
    const wallet = f.lenderWallet.address;
    await f.book.write.transferFrom([f.lender.account.address, wallet, L.DEFAULTED], as(f.lender));
    const c = await waivedCommitment(f);
    const byStranger = await signedAcceptance(f, honest(c), { key: f.stranger, signer: wallet });
    await expectRefused(f, () => submitAcceptance(f, c, byStranger), INVALID, [wallet]);
    const byOwner = await signedAcceptance(f, honest(c), { key: f.lender, signer: wallet });
    const hash = await expectAccepted(() => submitAcceptance(f, c, byOwner));
    const event = (await bookEventsOf(f, hash)).find((e) => e.eventName === "CommitmentAccepted");
    expect(event?.args).to.have.property("acceptedBy", getAddress(wallet));
  });

  it("a bank-signer wallet: its owner's attestation is credited; another key's is refused", async () => {
    const f = await load();
    const wallet = f.bankWallet.address;
    await f.book.write.setBankSigner([wallet, true], as(f.lender));
    const byStranger = await signedPayment(f, {}, { key: f.stranger, signer: wallet });
    await expectRefused(f, () => recordPayment(f, byStranger), INVALID, [wallet]);
    const byOwner = await signedPayment(f, {}, { key: f.bankSigner, signer: wallet });
    const hash = await expectAccepted(() => recordPayment(f, byOwner));
    const event = (await bookEventsOf(f, hash)).find((e) => e.eventName === "BankPaymentRecorded");
    expect(event?.args).to.have.property("signer", getAddress(wallet));
  });
});

/*//////////////////////////////////////////////////////////////
               TYPE HASHES AND THE DIGEST THE CONTRACT CHECKS
//////////////////////////////////////////////////////////////*/

type TypeDefinitions = Record<string, readonly { name: string; type: string }[]>;

/** EIP-712 `encodeType` of a struct without nested structs (as every enforcement message is). */
function encodeType(types: TypeDefinitions, primaryType: string): string {
  for (const field of types[primaryType]) {
    if (field.type.replace(/(\[\d*\])+$/, "") in types) throw new Error("nested struct: use the full encodeType");
  }
  return `${primaryType}(${types[primaryType].map((field) => `${field.type} ${field.name}`).join(",")})`;
}
const typeHash = (types: TypeDefinitions, primaryType: string) => keccak256(toHex(encodeType(types, primaryType)));

/** The struct hash as the contract builds it: keccak256(abi.encode(typehash, fields...)), arrays as
 * keccak256(abi.encodePacked(array)). */
function contractStructHash(typehash: Hex, fields: { type: "uint256" | "bytes32"; value: bigint | Hex }[]): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, ...fields.map((field) => ({ type: field.type }))],
      [typehash, ...fields.map((field) => field.value)],
    ),
  );
}
const packed = (values: readonly bigint[]) =>
  keccak256(
    encodePacked(
      values.map(() => "uint256"),
      [...values],
    ),
  );
const digestOf = (separator: Hex, structHash: Hex) => keccak256(concat(["0x1901", separator, structHash]));

/** Sample messages with every field non-zero and distinct. */
const CERTIFICATE: ExecutionCertificate = {
  loanId: 17n,
  debtInstrumentHash: evidence("debt instrument"),
  defaultProofHash: evidence("default proof"),
  identityProofHash: evidence("identity proof"),
  nonce: 23n,
  deadline: 1_900_000_000n,
};
const COMMITMENT: RepaymentCommitment = {
  loanId: 17n,
  dueTimes: [1_900_000_000n, 1_902_592_000n, 1_905_184_000n],
  amounts: [123n, 456n, 789n],
  nonce: 29n,
  deadline: 1_900_000_001n,
};
const ACCEPTANCE: CommitmentAcceptance = {
  loanId: 17n,
  commitmentHash: evidence("a commitment"),
  penaltyWaived: 31n,
  nonce: 37n,
  deadline: 1_900_000_002n,
};
const PAYMENT: BankPaymentAttestation = {
  loanId: 17n,
  amount: 41n,
  bankReferenceHash: evidence("bank reference"),
  paidAt: 1_800_000_000n,
  deadline: 1_900_000_003n,
};

describe("Enforcement signatures: the typed data of keeper/src/core/typedData.ts matches the contract", () => {
  it("type strings hash to EXECUTION_CERTIFICATE_, REPAYMENT_COMMITMENT_, COMMITMENT_ACCEPTANCE_, BANK_PAYMENT_TYPEHASH", async () => {
    const { book } = await load();
    expect(encodeType(executionCertificateTypes, "ExecutionCertificate")).to.equal(
      "ExecutionCertificate(uint256 loanId,bytes32 debtInstrumentHash,bytes32 defaultProofHash,bytes32 identityProofHash,uint256 nonce,uint256 deadline)",
    );
    expect(typeHash(executionCertificateTypes, "ExecutionCertificate")).to.equal(
      await book.read.EXECUTION_CERTIFICATE_TYPEHASH(),
    );
    expect(typeHash(repaymentCommitmentTypes, "RepaymentCommitment")).to.equal(
      await book.read.REPAYMENT_COMMITMENT_TYPEHASH(),
    );
    expect(typeHash(commitmentAcceptanceTypes, "CommitmentAcceptance")).to.equal(
      await book.read.COMMITMENT_ACCEPTANCE_TYPEHASH(),
    );
    expect(typeHash(bankPaymentTypes, "BankPayment")).to.equal(await book.read.BANK_PAYMENT_TYPEHASH());
  });

  it("viem's hashStruct equals the struct hash the contract builds on its typehash", async () => {
    const { book } = await load();
    const c = CERTIFICATE;
    expect(hashStruct({ types: executionCertificateTypes, primaryType: "ExecutionCertificate", data: c })).to.equal(
      contractStructHash(await book.read.EXECUTION_CERTIFICATE_TYPEHASH(), [
        { type: "uint256", value: c.loanId },
        { type: "bytes32", value: c.debtInstrumentHash },
        { type: "bytes32", value: c.defaultProofHash },
        { type: "bytes32", value: c.identityProofHash },
        { type: "uint256", value: c.nonce },
        { type: "uint256", value: c.deadline },
      ]),
    );
    const r = COMMITMENT;
    expect(hashStruct({ types: repaymentCommitmentTypes, primaryType: "RepaymentCommitment", data: r })).to.equal(
      contractStructHash(await book.read.REPAYMENT_COMMITMENT_TYPEHASH(), [
        { type: "uint256", value: r.loanId },
        { type: "bytes32", value: packed(r.dueTimes) },
        { type: "bytes32", value: packed(r.amounts) },
        { type: "uint256", value: r.nonce },
        { type: "uint256", value: r.deadline },
      ]),
    );
    const a = ACCEPTANCE;
    expect(hashStruct({ types: commitmentAcceptanceTypes, primaryType: "CommitmentAcceptance", data: a })).to.equal(
      contractStructHash(await book.read.COMMITMENT_ACCEPTANCE_TYPEHASH(), [
        { type: "uint256", value: a.loanId },
        { type: "bytes32", value: a.commitmentHash },
        { type: "uint256", value: a.penaltyWaived },
        { type: "uint256", value: a.nonce },
        { type: "uint256", value: a.deadline },
      ]),
    );
    const p = PAYMENT;
    expect(hashStruct({ types: bankPaymentTypes, primaryType: "BankPayment", data: p })).to.equal(
      contractStructHash(await book.read.BANK_PAYMENT_TYPEHASH(), [
        { type: "uint256", value: p.loanId },
        { type: "uint256", value: p.amount },
        { type: "bytes32", value: p.bankReferenceHash },
        { type: "uint256", value: p.paidAt },
        { type: "uint256", value: p.deadline },
      ]),
    );
  });

  it("hashTypedData equals 0x1901 || domainSeparator() || the struct hash, for each message", async () => {
    const { book, chainId } = await load();
    const separator = await book.read.domainSeparator();
    const cases: [string, Hex, Hex][] = [
      [
        "ExecutionCertificate",
        hashTypedData(executionCertificateTypedData(chainId, book.address, CERTIFICATE)),
        hashStruct({ types: executionCertificateTypes, primaryType: "ExecutionCertificate", data: CERTIFICATE }),
      ],
      [
        "RepaymentCommitment",
        hashTypedData(repaymentCommitmentTypedData(chainId, book.address, COMMITMENT)),
        hashStruct({ types: repaymentCommitmentTypes, primaryType: "RepaymentCommitment", data: COMMITMENT }),
      ],
      [
        "CommitmentAcceptance",
        hashTypedData(commitmentAcceptanceTypedData(chainId, book.address, ACCEPTANCE)),
        hashStruct({ types: commitmentAcceptanceTypes, primaryType: "CommitmentAcceptance", data: ACCEPTANCE }),
      ],
      [
        "BankPayment",
        hashTypedData(bankPaymentTypedData(chainId, book.address, PAYMENT)),
        hashStruct({ types: bankPaymentTypes, primaryType: "BankPayment", data: PAYMENT }),
      ],
    ];
    for (const [name, digest, structHash] of cases) {
      expect(digest, name).to.equal(digestOf(separator, structHash));
    }
  });

  it("ExecutionCertificate: a raw signature of viem's digest is what the contract verifies", async () => {
    const f = await load();
    const key = localKeyOf(INDEX.notary);
    expect(getAddress(key.address)).to.equal(getAddress(f.notary.account.address));
    const message = { ...certificateParams(L.DEFAULTED), nonce: 11n, deadline: await inAnHour(f) };
    const digest = hashTypedData(executionCertificateTypedData(f.chainId, f.book.address, message));
    const approval = { signer: key.address, nonce: message.nonce, deadline: message.deadline };
    // The struct hash alone and a personal_sign of the digest are other messages.
    const structHash = hashStruct({
      types: executionCertificateTypes,
      primaryType: "ExecutionCertificate",
      data: message,
    });
    for (const signature of [
      await key.sign({ hash: structHash }),
      await key.signMessage({ message: { raw: digest } }),
    ]) {
      await expectRefused(f, () => submitCertificate(f, { ...approval, signature }), INVALID, [key.address]);
    }
    await expectAccepted(async () =>
      submitCertificate(f, { ...approval, signature: await key.sign({ hash: digest }) }),
    );
    expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Certified);
  });

  it("RepaymentCommitment: a raw signature of viem's digest is accepted; CommitmentAccepted carries viem's struct hash", async () => {
    const f = await load();
    const key = localKeyOf(INDEX.borrower);
    const plan = await planOf(f);
    const message = { ...plan, nonce: 13n, deadline: await inAnHour(f) };
    const digest = hashTypedData(repaymentCommitmentTypedData(f.chainId, f.book.address, message));
    const approval = {
      signer: key.address,
      nonce: message.nonce,
      deadline: message.deadline,
      signature: await key.sign({ hash: digest }),
    };
    const hash = await expectAccepted(() => submitCommitment(f, plan, approval));
    const event = (await bookEventsOf(f, hash)).find((e) => e.eventName === "CommitmentAccepted");
    expect(event?.args).to.have.property(
      "commitmentHash",
      hashStruct({ types: repaymentCommitmentTypes, primaryType: "RepaymentCommitment", data: message }),
    );
  });

  it("CommitmentAcceptance: a raw signature of viem's digest is accepted", async () => {
    const f = await load();
    const key = localKeyOf(INDEX.lender);
    const c = await waivedCommitment(f);
    const message = { loanId: L.DEFAULTED, ...honest(c), nonce: 17n, deadline: await inAnHour(f) };
    const digest = hashTypedData(commitmentAcceptanceTypedData(f.chainId, f.book.address, message));
    const approval = {
      signer: key.address,
      nonce: message.nonce,
      deadline: message.deadline,
      signature: await key.sign({ hash: digest }),
    };
    await expectAccepted(() => submitAcceptance(f, c, approval));
    expect(await f.book.read.statusOf([L.DEFAULTED])).to.equal(Status.Committed);
  });

  it("BankPayment: a raw signature of viem's digest is accepted", async () => {
    const f = await load();
    const key = localKeyOf(INDEX.bankSigner);
    const message: BankPaymentAttestation = {
      loanId: L.ACTIVE,
      amount: BANK_AMOUNT,
      bankReferenceHash: REFS.c,
      paidAt: await now(f),
      deadline: await inAnHour(f),
    };
    const digest = hashTypedData(bankPaymentTypedData(f.chainId, f.book.address, message));
    await expectAccepted(async () =>
      recordPayment(f, { ...message, signer: key.address, signature: await key.sign({ hash: digest }) }),
    );
    expect(await f.book.read.bankReferenceLoan([REFS.c])).to.equal(L.ACTIVE);
  });
});
