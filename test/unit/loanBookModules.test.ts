/**
 * LoanBook's module architecture: LoanBook delegates every selector it does not have to the enforcement module, which
 * delegates what it does not have to the views module, all three running on LoanBook's state in one ERC-7201
 * namespace (`LoanStorage`). Checked here: the namespace's slot, selectors that one contract would shadow in another,
 * every function of ILoanEnforcement and ILoanViews reachable at LoanBook's address, the constructors' refusal of a
 * module without code, modules called at their own addresses (an empty book that LoanBook never sees changed), the
 * enforcement module's EIP-712 domain (LoanBook's), and the runtime code size limit.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import hre from "hardhat";
import {
  BaseError,
  decodeErrorResult,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  getTypesForEIP712Domain,
  hashDomain,
  hexToBigInt,
  keccak256,
  numberToHex,
  parseEventLogs,
  toFunctionSelector,
  toFunctionSignature,
  toHex,
  zeroAddress,
  zeroHash,
  type Abi,
  type AbiFunction,
  type Address,
  type Hex,
  type TypedData,
} from "viem";

import {
  CollateralKind,
  DAY,
  PRINCIPAL,
  Status,
  loadLoanBook,
  originateLoan,
  publishTemplate,
  startTimeOf,
  type LoanBookFixture,
} from "../support/loanBookFixture.ts";
import {
  NO_APPROVAL,
  bankReference,
  certificateParams,
  commitmentPlan,
  defaultedLoan,
  evidence,
  now,
  signCertificate,
} from "../support/enforcementFixture.ts";
import { executionCertificateTypes, loanBookDomain } from "../../keeper/src/core/typedData.ts";

/** EIP-170: the most runtime code a contract may have. */
const CODE_SIZE_LIMIT = 24_576;

/** ERC-7201: keccak256(abi.encode(uint256(keccak256(namespace)) - 1)) & ~bytes32(uint256(0xff)). */
function erc7201Slot(namespace: string): bigint {
  const outer = keccak256(encodeAbiParameters([{ type: "uint256" }], [hexToBigInt(keccak256(toHex(namespace))) - 1n]));
  return hexToBigInt(outer) & ~0xffn;
}
const NAMESPACE_SLOT = erc7201Slot("loanbook.storage.LoanBook");

/** The word at storage slot `slot` of `address`. */
async function wordAt(f: LoanBookFixture, address: Address, slot: bigint): Promise<bigint> {
  const word = await f.publicClient.getStorageAt({ address, slot: numberToHex(slot, { size: 32 }) });
  return hexToBigInt(word ?? "0x0");
}

/** The ABI of a compiled contract or interface. */
async function abiOf(name: string): Promise<Abi> {
  return (await hre.artifacts.readArtifact(name)).abi as Abi;
}

/** The functions of `abi` by selector, each with its signature (for a readable failure). */
function selectorsOf(abi: Abi): Map<Hex, string> {
  const functions = abi.filter((item): item is AbiFunction => item.type === "function");
  return new Map(functions.map((item) => [toFunctionSelector(item), toFunctionSignature(item)]));
}

/** The signatures of the functions of `theirs` whose selector `ours` also has. */
function collisions(ours: Map<Hex, string>, theirs: Map<Hex, string>): string[] {
  return [...theirs].filter(([selector]) => ours.has(selector)).map(([, signature]) => signature);
}

/** The bytes an `eth_call` reverted with (`0x` when it reverted without data), or undefined if it did not revert. */
async function revertDataOf(call: () => Promise<unknown>): Promise<Hex | undefined> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reverted = error.walk((cause) => typeof (cause as { data?: unknown }).data === "string") as {
      data: Hex;
    } | null;
    if (reverted === null) throw error;
    return reverted.data;
  }
  return undefined;
}

/** What a call did: returned a value, reverted with a custom error of LoanBook's ABI, or reverted with other bytes. */
type Outcome = { value: unknown } | { error: string; args: readonly unknown[] } | { undecoded: Hex };

/** Calls `functionName` of `abi` at `to` from `from` (an `eth_call`: nothing is written), decoding the outcome. */
async function outcomeOf(
  f: LoanBookFixture,
  to: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
  from: Address,
): Promise<Outcome> {
  const data = encodeFunctionData({ abi, functionName, args });
  let returned: Hex | undefined;
  const revert = await revertDataOf(async () => {
    returned = (await f.publicClient.call({ account: from, to, data })).data;
  });
  if (revert === undefined) return { value: decodeFunctionResult({ abi, functionName, data: returned ?? "0x" }) };
  try {
    const { errorName, args: errorArgs } = decodeErrorResult({ abi: f.book.abi as Abi, data: revert });
    return { error: errorName, args: errorArgs ?? [] };
  } catch {
    return { undecoded: revert };
  }
}

/** The custom error contract `name`'s constructor reverts with (simulated with `eth_call`), or undefined if it
 * deploys. */
async function constructorRevertOf(f: LoanBookFixture, name: string, args: readonly unknown[]) {
  const { abi, bytecode } = await hre.artifacts.readArtifact(name);
  const data = encodeDeployData({ abi: abi as Abi, bytecode: bytecode as Hex, args });
  const revert = await revertDataOf(() => f.publicClient.call({ account: f.admin.account.address, data }));
  if (revert === undefined) return undefined;
  const { errorName, args: errorArgs } = decodeErrorResult({ abi: f.book.abi as Abi, data: revert });
  return { errorName, args: errorArgs };
}

/** The two module addresses of the fixture's LoanBook. */
async function modulesOf(f: LoanBookFixture): Promise<{ enforcement: Address; views: Address }> {
  return { enforcement: await f.book.read.enforcementModule(), views: await f.book.read.viewsModule() };
}

/*//////////////////////////////////////////////////////////////
                            THE NAMESPACE
//////////////////////////////////////////////////////////////*/

describe("LoanBook modules: one ERC-7201 namespace", () => {
  it("ERC-7201's slot of loanbook.storage.LoanBook holds templateCount, the next word loanCount", async () => {
    const f = await loadLoanBook();
    // Two counts that tell the two words apart: two templates, three loans.
    await publishTemplate(f);
    for (let i = 0; i < 3; ++i) await originateLoan(f);
    expect(await f.book.read.templateCount()).to.equal(2n);
    expect(await f.book.read.loanCount()).to.equal(3n);

    expect(NAMESPACE_SLOT & 0xffn).to.equal(0n);
    expect(await wordAt(f, f.book.address, NAMESPACE_SLOT)).to.equal(2n);
    expect(await wordAt(f, f.book.address, NAMESPACE_SLOT + 1n)).to.equal(3n);
  });

  it("the layout's fifth word is the loans mapping: loan 3's first slot holds its borrower and template", async () => {
    const f = await loadLoanBook();
    const templateId = await publishTemplate(f);
    for (let i = 0; i < 3; ++i) await originateLoan(f, { templateId });
    // Solidity's mapping slot: keccak256(abi.encode(key, mapping's slot)); Loan's slot 0 packs borrower (bits 0-159),
    // templateId (160-191) and startTime (192-231).
    const slot = hexToBigInt(
      keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [3n, NAMESPACE_SLOT + 4n])),
    );
    const word = await wordAt(f, f.book.address, slot);
    expect(getAddress(numberToHex(word & ((1n << 160n) - 1n), { size: 20 }))).to.equal(
      getAddress(f.borrower.account.address),
    );
    expect((word >> 160n) & 0xffffffffn).to.equal(templateId);
    expect(Number((word >> 192n) & 0xffffffffffn)).to.equal(await startTimeOf(f, 3n));
  });

  it("the modules keep nothing at their own addresses: the namespace's words there stay zero", async () => {
    const f = await loadLoanBook();
    await originateLoan(f);
    const { enforcement, views } = await modulesOf(f);
    for (const address of [enforcement, views]) {
      expect(await wordAt(f, address, NAMESPACE_SLOT)).to.equal(0n);
      expect(await wordAt(f, address, NAMESPACE_SLOT + 1n)).to.equal(0n);
    }
  });
});

/*//////////////////////////////////////////////////////////////
                              SELECTORS
//////////////////////////////////////////////////////////////*/

describe("LoanBook modules: no selector is shadowed", () => {
  it("no selector of LoanEnforcement or LoanViews is one LoanBook has itself (LoanBook's would run)", async () => {
    const book = selectorsOf(await abiOf("LoanBook"));
    expect(book.size).to.be.greaterThan(0);
    expect(collisions(book, selectorsOf(await abiOf("LoanEnforcement")))).to.deep.equal([]);
    expect(collisions(book, selectorsOf(await abiOf("LoanViews")))).to.deep.equal([]);
  });

  it("no function of LoanViews has a selector LoanEnforcement has (the enforcement module's would run)", async () => {
    const enforcement = selectorsOf(await abiOf("LoanEnforcement"));
    expect(enforcement.size).to.be.greaterThan(0);
    expect(collisions(enforcement, selectorsOf(await abiOf("LoanViews")))).to.deep.equal([]);
  });

  it("control: the check finds a collision where there is one (LoanBook with itself)", async () => {
    const book = selectorsOf(await abiOf("LoanBook"));
    expect(collisions(book, book)).to.have.length(book.size);
  });
});

/*//////////////////////////////////////////////////////////////
                 EVERY INTERFACE FUNCTION AT LOANBOOK
//////////////////////////////////////////////////////////////*/

/** What each call of the table starts from: loan 1 of template 1, Active, just originated. */
interface Context {
  f: LoanBookFixture;
  loanId: bigint;
  lender: Address;
  borrower: Address;
  notary: Address;
  stranger: Address;
  lenderRole: Hex;
  startTime: bigint;
}

/** One call through LoanBook's address: its arguments, and what it must return (a value, or a check of it) or the
 * custom error with arguments it must revert with. Sent from the stranger unless `from` says otherwise. */
type Reach = { args: readonly unknown[]; from?: Address } & (
  { returns: unknown } | { check: (value: never) => void } | { error: string; errorArgs: readonly unknown[] }
);

const ILOAN_ENFORCEMENT = await abiOf("ILoanEnforcement");
const ILOAN_VIEWS = await abiOf("ILoanViews");

/** Every function of ILoanEnforcement and ILoanViews, and how it answers at LoanBook's address for loan 1 (Active):
 * a value only its code computes, or a custom error only its code throws (a selector nobody serves would revert
 * without data). The batches skip the loan and return 0. */
const REACH: Record<string, (c: Context) => Reach> = {
  // ILoanEnforcement
  certify: (c) => ({
    args: [certificateParams(c.loanId), { ...NO_APPROVAL, signer: c.notary }],
    error: "LoanBook_WrongStatus",
    errorArgs: [c.loanId, Status.Active],
  }),
  acceptCommitment: (c) => ({
    args: [commitmentPlan(c.loanId, PRINCIPAL, c.startTime, 2), NO_APPROVAL, NO_APPROVAL, 0n],
    error: "LoanBook_WrongStatus",
    errorArgs: [c.loanId, Status.Active],
  }),
  submitCommitment: (c) => ({
    args: [commitmentPlan(c.loanId, PRINCIPAL, c.startTime, 2), NO_APPROVAL],
    error: "LoanBook_WrongStatus",
    errorArgs: [c.loanId, Status.Active],
  }),
  breachCommitment: (c) => ({ args: [c.loanId], error: "LoanBook_WrongStatus", errorArgs: [c.loanId, Status.Active] }),
  breachCommitments: (c) => ({ args: [[c.loanId]], returns: 0n }),
  fileObjection: (c) => ({
    args: [c.loanId, evidence("objection")],
    error: "LoanBook_NotBorrower",
    errorArgs: [c.loanId, c.stranger],
  }),
  resolveObjection: (c) => ({
    args: [c.loanId, true, evidence("decision")],
    error: "LoanBook_NotAResolver",
    errorArgs: [c.stranger],
  }),
  advanceStage: (c) => ({
    args: [c.loanId, evidence("notice")],
    error: "LoanBook_NotClaimHolder",
    errorArgs: [c.loanId, c.stranger],
  }),
  enforceCollateral: (c) => ({
    args: [c.loanId, 1n, evidence("valuation")],
    error: "LoanBook_NotClaimHolder",
    errorArgs: [c.loanId, c.stranger],
  }),
  writeOff: (c) => ({
    args: [c.loanId, evidence("reason")],
    error: "LoanBook_NotClaimHolder",
    errorArgs: [c.loanId, c.stranger],
  }),
  setCollateralModules: (c) => ({
    args: [zeroAddress, zeroAddress],
    error: "AccessControlUnauthorizedAccount",
    errorArgs: [c.stranger, zeroHash],
  }),
  settleCollateralSale: (c) => ({
    args: [c.loanId, c.stranger, 1n, zeroHash],
    error: "LoanBook_NotAuctionHouse",
    errorArgs: [c.stranger],
  }),
  setBankSigner: (c) => ({
    args: [c.stranger, true],
    error: "AccessControlUnauthorizedAccount",
    errorArgs: [c.stranger, c.lenderRole],
  }),
  recordBankPayment: (c) => ({
    args: [bankPaymentOf(c)],
    error: "LoanBook_NotBankSigner",
    errorArgs: [c.lender, c.stranger],
  }),
  recordBankPayments: (c) => ({ args: [[bankPaymentOf(c)]], returns: 0n }),
  setAutoDebit: (c) => ({ args: [c.loanId, true], error: "LoanBook_NotBorrower", errorArgs: [c.loanId, c.stranger] }),
  autoDebit: (c) => ({ args: [c.loanId], error: "LoanBook_AutoDebitOff", errorArgs: [c.loanId] }),
  autoDebits: (c) => ({ args: [[c.loanId]], returns: 0n }),

  // ILoanViews
  templateCount: () => ({ args: [], returns: 1n }),
  templateOf: (c) => ({
    args: [1n],
    check: (template: { lender: Address; count: number }) => {
      expect(getAddress(template.lender)).to.equal(c.lender);
      expect(template.count).to.equal(12);
    },
  }),
  planOf: () => ({ args: [1n], returns: [] }),
  loanCount: () => ({ args: [], returns: 1n }),
  loanOf: (c) => ({
    args: [c.loanId],
    check: (loan: { borrower: Address; balance: bigint }) => {
      expect(getAddress(loan.borrower)).to.equal(c.borrower);
      expect(loan.balance).to.equal(PRINCIPAL);
    },
  }),
  collateralOf: (c) => ({ args: [c.loanId], returns: { token: zeroAddress, amountOrId: 0n, assetHash: zeroHash } }),
  pledgedTo: () => ({ args: [zeroHash], returns: 0n }),
  collateralKey: () => ({
    args: [CollateralKind.OffChain, { token: zeroAddress, amountOrId: 0n, assetHash: evidence("a flat") }],
    returns: keccak256(
      encodeAbiParameters([{ type: "uint8" }, { type: "bytes32" }], [CollateralKind.OffChain, evidence("a flat")]),
    ),
  }),
  statusOf: (c) => ({ args: [c.loanId], returns: Status.Active }),
  amountDue: (c) => ({ args: [c.loanId], returns: 0n }),
  payoffAmount: (c) => ({
    args: [c.loanId],
    check: (payoff: bigint) => expect(payoff > PRINCIPAL).to.equal(true),
  }),
  currentInstallment: (c) => ({
    args: [c.loanId],
    check: (row: { number: bigint; dueTime: bigint }) => {
      expect(row.number).to.equal(1n);
      expect(row.dueTime).to.equal(c.startTime + BigInt(30 * DAY));
    },
  }),
  installmentBreakdown: (c) => ({
    args: [c.loanId],
    check: (rows: { number: bigint }[]) => expect(rows.map((row) => row.number)).to.deep.equal([1n]),
  }),
  // 30 days past installment 1's due time (day 30), before the 3rd missed installment (day 90).
  defaultEligibleAt: (c) => ({ args: [c.loanId], returns: c.startTime + BigInt(60 * DAY) }),
  caseOf: (c) => ({
    args: [c.loanId],
    check: (case_: { certificateId: Hex; stage: number }) => {
      expect(case_.certificateId).to.equal(zeroHash);
      expect(case_.stage).to.equal(0);
    },
  }),
  commitmentOf: (c) => ({ args: [c.loanId], returns: [] }),
  settlementOf: (c) => ({ args: [c.loanId], returns: [0n, 0] }),
  isBankSigner: (c) => ({ args: [c.lender, c.stranger], returns: false }),
  bankReferenceLoan: () => ({ args: [bankReference("ICBC", "never credited")], returns: 0n }),
  enforcementNonceUsed: (c) => ({ args: [c.notary, 1n], returns: false }),
  checkActions: () => ({ args: [1n, 10n], returns: [[], 2n] }),
  autoDebitQuote: (c) => ({ args: [c.loanId], error: "LoanBook_AutoDebitOff", errorArgs: [c.loanId] }),
  collateralModules: () => ({ args: [], returns: [zeroAddress, zeroAddress] }),
};

/** A bank payment of loan 1 attested by the stranger, who is no bank-feed signer (signature unchecked before that). */
function bankPaymentOf(c: Context) {
  return {
    loanId: c.loanId,
    amount: 1n,
    bankReferenceHash: bankReference("ICBC", "reach"),
    paidAt: c.startTime,
    deadline: c.startTime + BigInt(DAY),
    signer: c.stranger,
    signature: "0x" as Hex,
  };
}

/** The interface that declares `name`. */
function interfaceOf(name: string): Abi {
  const declares = (abi: Abi) => abi.some((item) => item.type === "function" && item.name === name);
  if (declares(ILOAN_ENFORCEMENT)) return ILOAN_ENFORCEMENT;
  if (declares(ILOAN_VIEWS)) return ILOAN_VIEWS;
  throw new Error(`${name} is in neither ILoanEnforcement nor ILoanViews`);
}

async function reachContext(): Promise<Context> {
  const f = await loadLoanBook();
  const loanId = await originateLoan(f);
  return {
    f,
    loanId,
    lender: getAddress(f.lender.account.address),
    borrower: getAddress(f.borrower.account.address),
    notary: getAddress(f.notary.account.address),
    stranger: getAddress(f.stranger.account.address),
    lenderRole: await f.book.read.LENDER_ROLE(),
    startTime: BigInt(await startTimeOf(f, loanId)),
  };
}

/** Addresses in decoded values and errors as checksummed, so they compare with the context's. */
function normalized(value: unknown): unknown {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return getAddress(value);
  if (Array.isArray(value)) return value.map(normalized);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, normalized(field)]));
  }
  return value;
}

describe("LoanBook modules: every function of ILoanEnforcement and ILoanViews answers at LoanBook's address", () => {
  it("the table (REACH) names exactly the interfaces' functions, none overloaded", () => {
    const declared = [...ILOAN_ENFORCEMENT, ...ILOAN_VIEWS]
      .filter((item): item is AbiFunction => item.type === "function")
      .map((item) => item.name);
    expect(new Set(declared).size).to.equal(declared.length);
    expect([...declared].sort()).to.deep.equal(Object.keys(REACH).sort());
  });

  it("control: a selector nobody serves reverts at LoanBook without data", async () => {
    const c = await reachContext();
    const unknown = [
      { type: "function", name: "notAFunction", inputs: [], outputs: [], stateMutability: "view" },
    ] as const satisfies Abi;
    expect(await outcomeOf(c.f, c.f.book.address, unknown, "notAFunction", [], c.stranger)).to.deep.equal({
      undecoded: "0x",
    });
  });

  for (const [name, reach] of Object.entries(REACH)) {
    it(name, async () => {
      const c = await reachContext();
      const call = reach(c);
      const outcome = await outcomeOf(
        c.f,
        c.f.book.address,
        interfaceOf(name),
        name,
        call.args,
        call.from ?? c.stranger,
      );
      if ("error" in call) {
        expect(normalized(outcome)).to.deep.equal({ error: call.error, args: normalized(call.errorArgs) });
      } else {
        expect(outcome).to.have.property("value");
        const { value } = outcome as { value: unknown };
        if ("returns" in call) expect(normalized(value)).to.deep.equal(normalized(call.returns));
        else call.check(value as never);
      }
    });
  }
});

/*//////////////////////////////////////////////////////////////
                             CONSTRUCTORS
//////////////////////////////////////////////////////////////*/

describe("LoanBook modules: a module must have code", () => {
  it("LoanBook(admin, an account without code) reverts with LoanBook_InvalidModule", async () => {
    const f = await loadLoanBook();
    const admin = f.admin.account.address;
    for (const module of [f.stranger.account.address, zeroAddress]) {
      expect(normalized(await constructorRevertOf(f, "LoanBook", [admin, module]))).to.deep.equal({
        errorName: "LoanBook_InvalidModule",
        args: [getAddress(module)],
      });
    }
  });

  it("LoanEnforcement(an account without code) reverts with LoanBook_InvalidModule", async () => {
    const f = await loadLoanBook();
    for (const module of [f.stranger.account.address, zeroAddress]) {
      expect(normalized(await constructorRevertOf(f, "LoanEnforcement", [module]))).to.deep.equal({
        errorName: "LoanBook_InvalidModule",
        args: [getAddress(module)],
      });
    }
  });

  it("control: both deploy with the fixture's modules", async () => {
    const f = await loadLoanBook();
    const { enforcement, views } = await modulesOf(f);
    expect(await constructorRevertOf(f, "LoanBook", [f.admin.account.address, enforcement])).to.equal(undefined);
    expect(await constructorRevertOf(f, "LoanEnforcement", [views])).to.equal(undefined);
  });
});

/*//////////////////////////////////////////////////////////////
                     THE MODULES AT THEIR OWN ADDRESSES
//////////////////////////////////////////////////////////////*/

describe("LoanBook modules: called at their own addresses, they see an empty book and change nothing", () => {
  it("the enforcement module (views behind it) and the views module read no template and no loan", async () => {
    const f = await loadLoanBook();
    const loanId = await originateLoan(f);
    expect(await f.book.read.statusOf([loanId])).to.equal(Status.Active);
    const { enforcement, views } = await modulesOf(f);
    const stranger = f.stranger.account.address;
    const viewsAbi = await abiOf("LoanViews");
    for (const address of [enforcement, views]) {
      const read = (functionName: string, args: readonly unknown[] = []) =>
        outcomeOf(f, address, viewsAbi, functionName, args, stranger);
      expect(await read("templateCount")).to.deep.equal({ value: 0n });
      expect(await read("loanCount")).to.deep.equal({ value: 0n });
      expect(await read("statusOf", [loanId])).to.deep.equal({ value: Status.None });
      expect(await read("loanOf", [loanId])).to.deep.equal({ error: "LoanBook_UnknownLoan", args: [loanId] });
    }
  });

  it("certify sent to a module reverts; LoanBook's loan stays Defaulted, uncertified", async () => {
    const f = await loadLoanBook();
    const { loanId } = await defaultedLoan(f);
    const { enforcement, views } = await modulesOf(f);
    const caseBefore = await f.book.read.caseOf([loanId]);
    const params = certificateParams(loanId);
    const ownCall = { ...NO_APPROVAL, signer: f.notary.account.address };
    const enforcementAbi = await abiOf("LoanEnforcement");
    for (const address of [enforcement, views]) {
      // The enforcement module reads the pause from `address(this)`, which has no `paused()` outside LoanBook; the
      // views module has no `certify` and no fallback. Either way a revert, simulated and sent.
      const outcome = await outcomeOf(
        f,
        address,
        enforcementAbi,
        "certify",
        [params, ownCall],
        f.notary.account.address,
      );
      expect(outcome, `certify at ${address}`).to.not.have.property("value");
      const module = await f.viem.getContractAt("LoanEnforcement", address);
      let sent = true;
      try {
        await module.write.certify([params, ownCall], { account: f.notary.account });
      } catch {
        sent = false;
      }
      expect(sent, `certify at ${address}`).to.equal(false);
    }
    expect(await f.book.read.statusOf([loanId])).to.equal(Status.Defaulted);
    expect(await f.book.read.caseOf([loanId])).to.deep.equal(caseBefore);
    expect(caseBefore.certificateId).to.equal(zeroHash);

    // Control: the same call through LoanBook certifies.
    await f.book.write.certify([params, ownCall], { account: f.notary.account });
    expect(await f.book.read.statusOf([loanId])).to.equal(Status.Certified);
  });

  it("autoDebit sent to the enforcement module finds no loan, its batches refuse to run; LoanBook's is not debited", async () => {
    const f = await loadLoanBook();
    const loanId = await originateLoan(f);
    await f.book.write.setAutoDebit([loanId, true], { account: f.borrower.account });
    // Day 31: installment 1 is due, and LoanBook could debit it.
    await f.connection.networkHelpers.time.increaseTo((await startTimeOf(f, loanId)) + 31 * DAY);
    const due = await f.book.read.autoDebitQuote([loanId]);
    expect(due > 0n).to.equal(true);
    const { enforcement } = await modulesOf(f);
    const module = await f.viem.getContractAt("LoanEnforcement", enforcement);
    const balanceBefore = await f.token.read.balanceOf([f.borrower.account.address]);

    await f.viem.assertions.revertWithCustomErrorWithArgs(
      module.write.autoDebit([loanId], { account: f.stranger.account }),
      module,
      "LoanBook_UnknownLoan",
      [loanId],
    );
    // Batches run only through LoanBook: at the module's own address they would report skips from it.
    for (const batch of [
      () => module.write.autoDebits([[loanId]], { account: f.stranger.account }),
      () => module.write.breachCommitments([[loanId]], { account: f.stranger.account }),
      () => module.write.recordBankPayments([[]], { account: f.stranger.account }),
    ]) {
      await f.viem.assertions.revertWithCustomErrorWithArgs(batch(), module, "LoanBook_InvalidModule", [
        getAddress(enforcement),
      ]);
    }

    expect((await f.book.read.loanOf([loanId])).paidInstallments).to.equal(0);
    expect(await f.token.read.balanceOf([f.borrower.account.address])).to.equal(balanceBefore);
    expect(await wordAt(f, enforcement, NAMESPACE_SLOT + 1n)).to.equal(0n);

    // Control: through LoanBook, the same debit goes through.
    await f.book.write.autoDebit([loanId], { account: f.stranger.account });
    expect((await f.book.read.loanOf([loanId])).paidInstallments).to.equal(1);
    expect(await f.token.read.balanceOf([f.borrower.account.address])).to.equal(balanceBefore - due);
  });
});

/*//////////////////////////////////////////////////////////////
                            EIP-712 DOMAIN
//////////////////////////////////////////////////////////////*/

describe("LoanBook modules: the enforcement module signs under LoanBook's EIP-712 domain", () => {
  /** A certificate of `loanId` signed by the notary over `domain`, relayed by the stranger through LoanBook. */
  async function relayCertificate(
    f: LoanBookFixture,
    loanId: bigint,
    domain: { name: string; version: string; chainId: number; verifyingContract: Address },
  ) {
    const params = certificateParams(loanId);
    const message = { ...params, nonce: 7n, deadline: (await now(f)) + 3_600n };
    const signature = await f.notary.signTypedData({
      domain,
      types: executionCertificateTypes,
      primaryType: "ExecutionCertificate",
      message,
    });
    const approval = { signer: f.notary.account.address, nonce: message.nonce, deadline: message.deadline, signature };
    return f.book.write.certify([params, approval], { account: f.stranger.account });
  }

  it("a certificate signed over LoanBook's announced domain (eip712Domain, domainSeparator) verifies", async () => {
    const f = await loadLoanBook();
    const { loanId } = await defaultedLoan(f);
    const [, name, version, chainId, verifyingContract] = await f.book.read.eip712Domain();
    const domain = { name, version, chainId: Number(chainId), verifyingContract };
    expect(normalized(domain)).to.deep.equal(normalized(loanBookDomain(f.chainId, f.book.address)));
    expect(await f.book.read.domainSeparator()).to.equal(
      hashDomain<TypedData>({ domain, types: { EIP712Domain: getTypesForEIP712Domain({ domain }) } }),
    );

    await relayCertificate(f, loanId, domain);
    expect(await f.book.read.statusOf([loanId])).to.equal(Status.Certified);
    expect(await f.book.read.enforcementNonceUsed([f.notary.account.address, 7n])).to.equal(true);
  });

  it("signed over a module's own address instead, it is refused with LoanBook_InvalidSignature", async () => {
    const f = await loadLoanBook();
    const { loanId } = await defaultedLoan(f);
    const { enforcement, views } = await modulesOf(f);
    for (const verifyingContract of [enforcement, views]) {
      const domain = { name: "LoanBook", version: "1", chainId: f.chainId, verifyingContract };
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        relayCertificate(f, loanId, domain),
        f.book,
        "LoanBook_InvalidSignature",
        [getAddress(f.notary.account.address)],
      );
    }
    expect(await f.book.read.statusOf([loanId])).to.equal(Status.Defaulted);
    expect(await f.book.read.enforcementNonceUsed([f.notary.account.address, 7n])).to.equal(false);
    // The notary's own certificate helper (LoanBook's domain) then goes through.
    const params = certificateParams(loanId);
    await f.book.write.certify([params, await signCertificate(f, params)], { account: f.stranger.account });
    expect(await f.book.read.statusOf([loanId])).to.equal(Status.Certified);
  });
});

/*//////////////////////////////////////////////////////////////
                              CODE SIZE
//////////////////////////////////////////////////////////////*/

describe("LoanBook modules: every contract fits EIP-170", () => {
  it(`the runtime code of LoanBook, LoanEnforcement and LoanViews is under ${CODE_SIZE_LIMIT} bytes`, async () => {
    const f = await loadLoanBook();
    const { enforcement, views } = await modulesOf(f);
    for (const address of [f.book.address, enforcement, views]) {
      const code = await f.publicClient.getCode({ address });
      const bytes = ((code ?? "0x").length - 2) / 2;
      expect(bytes, `code at ${address}`).to.be.greaterThan(0);
      expect(bytes, `code at ${address}`).to.be.lessThan(CODE_SIZE_LIMIT);
    }
  });
});
