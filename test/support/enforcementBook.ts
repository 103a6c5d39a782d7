/**
 * A loan book with one loan in each state of the enforcement path, for the enforcement role, signature and input
 * tests (test/unit/enforcement*.test.ts): built once and restored from a snapshot for every test, so that a test
 * starts at the state it exercises with no setup of its own. Also: the extra accounts (mediator, claim buyer, bank
 * signers, a second notary), ERC-1271 wallets, a `ledger` of everything an enforcement call can change (a refused
 * call must leave it equal), and the call-outcome helpers.
 */
import { network } from "hardhat";
import { expect } from "chai";
import { getAddress, isAddress, keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

import {
  CollateralKind,
  DAY,
  deployLoanBook,
  deployLoanBookContracts,
  originateLoan,
  publishTemplate,
  type LoanBookFixture,
} from "./loanBookFixture.ts";
import { certifyLoan, commitmentPlan, evidence, NO_APPROVAL, now } from "./enforcementFixture.ts";
import { customErrorOf } from "./scheduleFixtures.ts";

export type Wallet = LoanBookFixture["lender"];

/** The loans of the enforcement book, by the state the fixture leaves them in. */
export const L = {
  /** Template 1, declared in default (uncertified). */
  DEFAULTED: 1n,
  /** A second loan like DEFAULTED (another loan for the same signer, borrower and lender). */
  DEFAULTED_TOO: 2n,
  /** Template 1, defaulted and certified by the notary (stage None). */
  CERTIFIED: 3n,
  /** Template 1, defaulted; the borrower's objection is open. */
  DISPUTED: 4n,
  /** Template 2 (off-chain collateral), certified and advanced to the Enforcement stage. */
  ENFORCEMENT: 5n,
  /** Template 1, defaulted (uncertified), under a policy commitment whose first installment is missed (breachable). */
  COMMITTED: 6n,
  /** Template 3 (no notarization, no commitment policy), declared in default. */
  UNNOTARIZED: 7n,
  /** Template 1, originated last: Active, nothing due yet. */
  ACTIVE: 8n,
} as const;
export const LOAN_IDS = Object.values(L);

/** Template 2: the fixture's terms with an off-chain collateral. Template 3: no notary, no commitment policy. */
export const COLLATERAL_TEMPLATE = 2n;
export const UNNOTARIZED_TEMPLATE = 3n;
/** The off-chain asset pledged to loan ENFORCEMENT. */
export const ASSET_HASH = keccak256(toHex("property certificate 2024-0042"));
/** An unused address, the target of `setBankSigner` in the tests. */
export const NEW_SIGNER: Address = getAddress("0x00000000000000000000000000000000000b4a11");
/** Nonces the tests sign enforcement messages with (the ledger watches them). */
export const NONCES = [0n, 1n, 2n, 3n, 5n, 7n, 255n, 256n, 257n] as const;
/** Bank references the tests use (the ledger watches them). */
export const REFS = {
  a: keccak256(toHex("ICBC:TX-0001")),
  b: keccak256(toHex("ICBC:TX-0002")),
  c: keccak256(toHex("ICBC:TX-0003")),
} as const;

/** Hardhat's default accounts derive from this mnemonic: the same keys as the wallet clients, usable to sign a raw
 * digest (a JSON-RPC account only signs typed data or prefixed messages). */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const localKeyOf = (index: number) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
export const INDEX = {
  admin: 0,
  lender: 1,
  otherLender: 2,
  notary: 3,
  borrower: 4,
  stranger: 5,
  mediator: 6,
  buyer: 7,
  bankSigner: 8,
  otherBankSigner: 9,
  secondNotary: 10,
} as const;

export const as = (wallet: Wallet) => ({ account: wallet.account });

/** Moves to `time` (mines a block there). */
export async function timeTo(f: LoanBookFixture, time: bigint) {
  await f.connection.networkHelpers.time.increaseTo(time);
}

/** Deploys the loan book and brings one loan into each state (see `L`). Times: every loan but ACTIVE starts at t0;
 * the defaults are declared half a day into a day of their penalty clock, and the book ends 6 days later, still half a
 * day into a day, so that what a loan owes does not change between a read and the next transaction. */
export async function deployEnforcementBook(connection: Awaited<ReturnType<typeof network.create>>) {
  const f = await deployLoanBook(connection);
  const { viem, book, admin, lender, otherLender, notary, borrower } = f;
  const wallets = await viem.getWalletClients();
  const [mediator, buyer, bankSigner, otherBankSigner, secondNotary] = wallets.slice(6, 11);
  const time = f.connection.networkHelpers.time;

  const mediatorRole = await book.read.MEDIATOR_ROLE();
  const lenderRole = await book.read.LENDER_ROLE();
  const notaryRole = await book.read.NOTARY_ROLE();
  await book.write.grantRole([mediatorRole, mediator.account.address], as(admin));
  await book.write.addNotary([secondNotary.account.address, keccak256(toHex("Quanzhou Notary Office"))], as(admin));
  await book.write.setBankSigner([bankSigner.account.address, true], as(lender));
  await book.write.setBankSigner([otherBankSigner.account.address, true], as(otherLender));
  await publishTemplate(f, { collateralKind: CollateralKind.OffChain });
  await publishTemplate(f, {
    requiresNotary: false,
    commitmentPolicy: { maxInstallments: 0, maxSpanDays: 0, minFirstPaymentBps: 0, graceSeconds: 0 },
  });

  // Loans 1 to 7 at t0 (one second apart).
  for (let i = 1; i <= 7; i++) {
    const id = BigInt(i);
    await originateLoan(f, {
      document: keccak256(toHex(`loan contract ${i}`)),
      ...(id === L.ENFORCEMENT
        ? {
            templateId: COLLATERAL_TEMPLATE,
            collateral: { token: zeroAddress, amountOrId: 0n, assetHash: ASSET_HASH },
          }
        : {}),
      ...(id === L.UNNOTARIZED ? { templateId: UNNOTARIZED_TEMPLATE } : {}),
    });
  }
  const start = (await book.read.loanOf([1n])).startTime;
  // Default at 30 days past the first due date (start + 60 days); half a day in.
  const t1 = BigInt(start) + 60n * BigInt(DAY) + BigInt(DAY) / 2n;
  await time.setNextBlockTimestamp(t1);
  await book.write.declareDefaults([[1n, 2n, 3n, 4n, 5n, 6n, 7n]], as(f.stranger));
  await certifyLoan(f, L.CERTIFIED);
  await certifyLoan(f, L.ENFORCEMENT);
  for (let stage = 1; stage <= 4; stage++) {
    await book.write.advanceStage([L.ENFORCEMENT, evidence(`notice ${stage} of loan 5`)], as(lender));
  }
  // The borrower's own policy commitment: 6 installments every 2 days; the first is missed below.
  const debt = await book.read.payoffAmount([L.COMMITTED]);
  const plan = commitmentPlan(L.COMMITTED, debt, await now(f), 6, 2);
  await book.write.submitCommitment([plan, { ...NO_APPROVAL, signer: borrower.account.address }], as(borrower));

  // Six days on: the commitment's first installment (2 days, 3 days of grace) is breachable.
  const t2 = t1 + 6n * BigInt(DAY);
  await timeTo(f, t2);
  await book.write.fileObjection([L.DISPUTED, evidence("receipts of loan 4")], as(borrower));
  await originateLoan(f, { document: keccak256(toHex("loan contract 8")) });

  const smartWallet = (owner: Wallet) => viem.deployContract("TestSmartWallet", [owner.account.address]);
  const otherBook = await deployLoanBookContracts(viem, admin.account.address);
  return {
    ...f,
    mediator,
    buyer,
    bankSigner,
    otherBankSigner,
    secondNotary,
    mediatorRole,
    lenderRole,
    notaryRole,
    otherBook,
    /** ERC-1271 wallets owned by the notary's, the borrower's, the lender's and the bank signer's EOAs. */
    notaryWallet: await smartWallet(notary),
    borrowerWallet: await smartWallet(borrower),
    lenderWallet: await smartWallet(lender),
    bankWallet: await smartWallet(bankSigner),
  };
}

export type EnforcementBook = Awaited<ReturnType<typeof deployEnforcementBook>>;

const connection = await network.create();

/** The enforcement book, fresh for each test (a snapshot after the first time). */
export const loadEnforcementBook = () => connection.networkHelpers.loadFixture(deployEnforcementBook);

/** A stand-in `Wallet` for the ERC-1271 wallet at `address`: its address, and its owner's key signing typed data (what
 * the wallet accepts). The fixture's signing helpers take it wherever they take a wallet. */
export function walletSigner(address: Address, owner: Wallet): Wallet {
  return { account: { address }, signTypedData: owner.signTypedData } as unknown as Wallet;
}

/*//////////////////////////////////////////////////////////////
                           THE LEDGER
//////////////////////////////////////////////////////////////*/

/** Every account and ERC-1271 wallet of the book. */
export function accountsOf(f: EnforcementBook): Address[] {
  return [
    ...[f.admin, f.lender, f.otherLender, f.notary, f.borrower, f.stranger, f.mediator, f.buyer].map(
      (w) => w.account.address,
    ),
    ...[f.bankSigner, f.otherBankSigner, f.secondNotary].map((w) => w.account.address),
    f.notaryWallet.address,
    f.borrowerWallet.address,
    f.lenderWallet.address,
    f.bankWallet.address,
  ].map((a) => getAddress(a));
}

/** Everything an enforcement call can change: each loan's status, stored facts, case, commitment, collateral, claim
 * holder and settlement; the enforcement nonces of every account; the bank signers; the bank references; token
 * balances; roles; the pause. */
export async function ledger(f: EnforcementBook) {
  const { book, token } = f;
  const count = await book.read.loanCount();
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const accounts = accountsOf(f);
  const loans = await Promise.all(
    ids.map(async (id) => ({
      status: await book.read.statusOf([id]),
      loan: await book.read.loanOf([id]),
      case: await book.read.caseOf([id]),
      commitment: await book.read.commitmentOf([id]),
      collateral: await book.read.collateralOf([id]),
      holder: await book.read.ownerOf([id]),
      settlement: await book.read.settlementOf([id]),
      amountDue: await book.read.amountDue([id]),
      payoff: await book.read.payoffAmount([id]),
    })),
  );
  const nonces: Record<string, boolean> = {};
  for (const account of accounts) {
    for (const nonce of NONCES) nonces[`${account}:${nonce}`] = await book.read.enforcementNonceUsed([account, nonce]);
  }
  const bankSigners: Record<string, boolean> = {};
  for (const lender of accounts.slice(0, 8)) {
    for (const signer of [...accounts.slice(8), NEW_SIGNER]) {
      bankSigners[`${lender}:${signer}`] = await book.read.isBankSigner([lender, signer]);
    }
  }
  const refs: Record<string, bigint> = {};
  for (const [name, ref] of Object.entries(REFS)) refs[name] = await book.read.bankReferenceLoan([ref]);
  const roles = await Promise.all(
    accounts.flatMap((a) => [
      book.read.hasRole([f.mediatorRole, a]),
      book.read.hasRole([f.lenderRole, a]),
      book.read.hasRole([f.notaryRole, a]),
    ]),
  );
  return {
    loanCount: count,
    loans,
    nonces,
    bankSigners,
    refs,
    roles,
    balances: await Promise.all(accounts.map((a) => token.read.balanceOf([a]))),
    paused: await book.read.paused(),
  };
}

export type Ledger = Awaited<ReturnType<typeof ledger>>;

/** The ledger entry of loan `loanId`. */
export const loanIn = (ledger: Ledger, loanId: bigint) => ledger.loans[Number(loanId) - 1];

/*//////////////////////////////////////////////////////////////
                           OUTCOMES
//////////////////////////////////////////////////////////////*/

/** A reverted call's custom error, decoded against LoanBook's merged ABI (OpenZeppelin's errors included). */
export interface Rejection {
  errorName: string;
  args: readonly unknown[];
}

/** Runs `call`: its transaction hash, or the custom error it reverted with. */
export async function attempt(call: () => Promise<Hex>): Promise<Rejection | { hash: Hex }> {
  try {
    return { hash: await call() };
  } catch (error) {
    const reverted = customErrorOf(error);
    if (reverted) return reverted;
    throw error;
  }
}

/** Addresses checksummed, so that a decoded error's arguments compare with the wallets' addresses. */
export function normalized(args: readonly unknown[]): unknown[] {
  return args.map((a) => (typeof a === "string" && isAddress(a) ? getAddress(a) : a));
}

/** Runs `call`, which must revert with `errorName(args)` and leave the ledger exactly as it was. */
export async function expectRefused(
  f: EnforcementBook,
  call: () => Promise<Hex>,
  errorName: string,
  args: readonly unknown[],
) {
  const before = await ledger(f);
  const outcome = await attempt(call);
  expect(outcome, `expected ${errorName}`).to.have.property("errorName", errorName);
  const rejection = outcome as Rejection;
  expect(normalized(rejection.args), `${errorName}'s arguments`).to.deep.equal(normalized(args));
  expect(await ledger(f), "a refused call changed state").to.deep.equal(before);
}

/** Runs `call`, which must succeed; returns its receipt's hash. */
export async function expectAccepted(call: () => Promise<Hex>): Promise<Hex> {
  const outcome = await attempt(call);
  expect(
    outcome,
    `expected success, got ${JSON.stringify(outcome, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`,
  ).to.have.property("hash");
  return (outcome as { hash: Hex }).hash;
}
