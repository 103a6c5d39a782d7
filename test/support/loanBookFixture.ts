/**
 * The one fixture module of the loan book tests (Sablier's `Defaults` habit): named accounts for every role, a
 * deployed LoanBook and token, a default template, and helpers that sign and originate loans the way a lender's
 * back office and the borrower's and notary's wallets do. Use with `networkHelpers.loadFixture(deployLoanBook)`.
 */
import { network } from "hardhat";
import type { ContractAbis, GetContractReturnType } from "@nomicfoundation/hardhat-viem/types";
import {
  getContract,
  isAddressEqual,
  keccak256,
  parseEventLogs,
  toHex,
  zeroAddress,
  zeroHash,
  type Abi,
  type Address,
  type Hex,
} from "viem";

import {
  loanAcceptanceTypedData,
  notarizationTypedData,
  type CollateralTerms,
} from "../../keeper/src/core/typedData.ts";
import type { PenaltyTerms } from "../../keeper/src/core/penaltyMath.ts";
import { customErrorOf } from "./scheduleFixtures.ts";
import { SCHEDULE_KINDS, kindId, type ScheduleKind, type ScheduleTerms } from "../../keeper/src/core/scheduleMath.ts";

export const DAY = 86_400;
/** 1,000.00 in a 6-decimal stablecoin. */
export const PRINCIPAL = 1_000_000_000n;
export const ONE_YEAR = 365n * 86_400n;

/** Solidity's `Loans.Status`: the keeper's copy, which a keeper test checks against DataTypes.sol. */
export { LoanStatus as Status } from "../../keeper/src/core/decisions.ts";
/** Solidity's `Loans.Stage` (the recovery funnel). */
export const Stage = { None: 0, Mediation: 1, PreLitigation: 2, Litigation: 3, Enforcement: 4 } as const;
/** Solidity's `Loans.Settlement`. */
export const Settlement = { None: 0, Repayment: 1, Commitment: 2, Collateral: 3 } as const;
/** Solidity's `Loans.CollateralKind`. */
export const CollateralKind = { None: 0, ERC20: 1, ERC721: 2, OffChain: 3 } as const;
/** Solidity's `Loans.PrepaymentRule`. */
export const PrepaymentRule = { None: 0, ShortenTerm: 1, LowerInstallments: 2 } as const;

/** `ILoanBook.TemplateParams` of a 12-month consumer loan at 12% with notarization, 3-day grace, default at 30 days
 * past due or 3 missed installments; commitments of up to 12 installments over a year with a first payment of at
 * least 5% accepted by policy (3-day grace); objections decided within 30 days. */
export function templateParams(token: Address, overrides: Partial<TemplateParams> = {}): TemplateParams {
  return {
    token,
    kind: kindId("annuity"),
    rateBps: 1200,
    count: 12,
    intervalSeconds: 30 * DAY,
    minPrincipal: 100_000_000n,
    maxPrincipal: 10_000_000_000n,
    graceSeconds: 3 * DAY,
    penaltyRateBps: 1825,
    penaltyCapBps: 1000,
    flatFee: 1_000_000n,
    defaultDaysPastDue: 30,
    defaultMissedInstallments: 3,
    requiresNotary: true,
    collateralKind: CollateralKind.None,
    prepaymentRule: PrepaymentRule.ShortenTerm,
    commitmentPolicy: { maxInstallments: 12, maxSpanDays: 365, minFirstPaymentBps: 500, graceSeconds: 3 * DAY },
    objectionWindowSeconds: 30 * DAY,
    ...overrides,
  };
}

export interface TemplateParams {
  token: Address;
  kind: number;
  rateBps: number;
  count: number;
  intervalSeconds: number;
  minPrincipal: bigint;
  maxPrincipal: bigint;
  graceSeconds: number;
  penaltyRateBps: number;
  penaltyCapBps: number;
  flatFee: bigint;
  defaultDaysPastDue: number;
  defaultMissedInstallments: number;
  requiresNotary: boolean;
  collateralKind: number;
  prepaymentRule: number;
  commitmentPolicy: CommitmentPolicy;
  objectionWindowSeconds: number;
}

/** `ILoanBookTypes.CommitmentPolicy`. */
export interface CommitmentPolicy {
  maxInstallments: number;
  maxSpanDays: number;
  minFirstPaymentBps: number;
  graceSeconds: number;
}

export const NO_COLLATERAL: CollateralTerms = { token: zeroAddress, amountOrId: 0n, assetHash: zeroHash };

/** A document hash as the lender's system would compute it from the signed contract's bytes. */
export function documentHash(label: string): Hex {
  return keccak256(toHex(`loan contract ${label}`));
}

type Viem = Awaited<ReturnType<typeof network.create>>["viem"];

/** LoanBook as its users see it: its own functions, the enforcement module's and the views module's, at one address. */
export type LoanBookContract = GetContractReturnType<
  readonly [...ContractAbis["LoanBook"], ...ContractAbis["LoanEnforcement"], ...ContractAbis["LoanViews"]]
>;

/** Deploys the views module, the enforcement module and LoanBook (which delegates to them); returns LoanBook with the
 * whole API. */
export async function deployLoanBookContracts(viem: Viem, admin: Address): Promise<LoanBookContract> {
  const views = await viem.deployContract("LoanViews");
  const enforcement = await viem.deployContract("LoanEnforcement", [views.address]);
  const entry = await viem.deployContract("LoanBook", [admin, enforcement.address]);
  return loanBookAt(viem, entry.address);
}

/** LoanBook at `address` with the ABI of all three contracts it serves. */
export async function loanBookAt(viem: Viem, address: Address): Promise<LoanBookContract> {
  const parts = await Promise.all([
    viem.getContractAt("LoanBook", address),
    viem.getContractAt("LoanEnforcement", address),
    viem.getContractAt("LoanViews", address),
  ]);
  // Events and errors are declared once (ILoanBookTypes) but appear in each ABI: keep one of each.
  const seen = new Set<string>();
  const abi = parts
    .flatMap((part) => part.abi as Abi)
    .filter((item) => {
      const key = JSON.stringify(item);
      return !seen.has(key) && seen.add(key);
    });
  const [wallet] = await viem.getWalletClients();
  const client = { public: await viem.getPublicClient(), wallet };
  return getContract({ address, abi, client }) as unknown as LoanBookContract;
}

/** Deploys LoanBook and a 6-decimal token, registers the roles, funds the lender and the borrower. */
export async function deployLoanBook(connection: Awaited<ReturnType<typeof network.create>>) {
  const { viem } = connection;
  const [admin, lender, otherLender, notary, borrower, stranger] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const token = await viem.deployContract("TestToken", ["Test USD", "TUSD", 6]);
  const book = await deployLoanBookContracts(viem, admin.account.address);
  const asAdmin = { account: admin.account };
  const lenderRole = await book.read.LENDER_ROLE();
  await book.write.grantRole([lenderRole, lender.account.address], asAdmin);
  await book.write.grantRole([lenderRole, otherLender.account.address], asAdmin);
  await book.write.addNotary([notary.account.address, keccak256(toHex("Kunshan Notary Office"))], asAdmin);
  for (const wallet of [lender, otherLender, borrower, stranger]) {
    await token.write.mint([wallet.account.address, 1_000_000n * 10n ** 6n]);
    await token.write.approve([book.address, 2n ** 256n - 1n], { account: wallet.account });
  }
  await book.write.publishTemplate([templateParams(token.address), [], []], { account: lender.account });
  return {
    connection,
    viem,
    publicClient,
    chainId,
    token,
    book,
    admin,
    lender,
    otherLender,
    notary,
    borrower,
    stranger,
  };
}

export type LoanBookFixture = Awaited<ReturnType<typeof deployLoanBook>>;

/** A fresh network connection with the loan book deployed (restored from a snapshot after the first time). */
export async function loadLoanBook(): Promise<LoanBookFixture> {
  const connection = await network.create();
  return connection.networkHelpers.loadFixture(deployLoanBook);
}
type Wallet = LoanBookFixture["lender"];

export interface OriginationOptions {
  templateId?: bigint;
  principal?: bigint;
  lender?: Wallet;
  borrower?: Wallet;
  notary?: Wallet;
  document?: Hex;
  collateral?: CollateralTerms;
  borrowerNonce?: bigint;
  notaryNonce?: bigint;
  deadline?: bigint;
}

/** The `ILoanBook.OriginationParams` of a loan, signed by the borrower's and the notary's wallets. */
export async function signedOrigination(fixture: LoanBookFixture, options: OriginationOptions = {}) {
  const lender = options.lender ?? fixture.lender;
  const borrower = options.borrower ?? fixture.borrower;
  const notary = options.notary ?? fixture.notary;
  const templateId = options.templateId ?? 1n;
  const principal = options.principal ?? PRINCIPAL;
  const document = options.document ?? documentHash("1");
  const collateral = options.collateral ?? NO_COLLATERAL;
  const deadline = options.deadline ?? BigInt((await fixture.publicClient.getBlock()).timestamp) + 3_600n;
  const borrowerNonce = options.borrowerNonce ?? (await fixture.book.read.nonces([borrower.account.address, 0n]));
  const notaryNonce = options.notaryNonce ?? (await fixture.book.read.nonces([notary.account.address, 0n]));
  const terms = {
    templateId,
    principal,
    borrower: borrower.account.address,
    lender: lender.account.address,
    documentHash: document,
  };
  const { chainId, book } = fixture;
  const message = { ...terms, collateral, deadline };
  const borrowerSignature = await borrower.signTypedData(
    loanAcceptanceTypedData(chainId, book.address, { ...message, nonce: borrowerNonce }),
  );
  const notarySignature = await notary.signTypedData(
    notarizationTypedData(chainId, book.address, { ...message, nonce: notaryNonce }),
  );
  return {
    templateId,
    principal,
    documentHash: document,
    collateral,
    borrower: { signer: borrower.account.address, nonce: borrowerNonce, deadline, signature: borrowerSignature },
    notary: { signer: notary.account.address, nonce: notaryNonce, deadline, signature: notarySignature },
  };
}

/** Originates a loan from the lender's wallet; returns its id. */
export async function originateLoan(fixture: LoanBookFixture, options: OriginationOptions = {}) {
  const params = await signedOrigination(fixture, options);
  const lender = options.lender ?? fixture.lender;
  await fixture.book.write.originate([params], { account: lender.account });
  return fixture.book.read.loanCount();
}

/** Solidity's `Schedule.Kind` of a kind name. */
export function kind(name: ScheduleKind): number {
  return kindId(name);
}

/*//////////////////////////////////////////////////////////////
        Repayment and default tests: mirror terms, timed calls, events
//////////////////////////////////////////////////////////////*/

/** A custom plan as `publishTemplate` takes it: due offsets (seconds) and principal parts. */
export interface CustomPlan {
  dueOffsets: number[];
  principals: bigint[];
}

/** Publishes a template of `lender` (the fixture's by default) with `overrides`; returns its id. */
export async function publishTemplate(
  fixture: LoanBookFixture,
  overrides: Partial<TemplateParams> = {},
  plan: CustomPlan = { dueOffsets: [], principals: [] },
  lender: Wallet = fixture.lender,
): Promise<bigint> {
  await fixture.book.write.publishTemplate(
    [templateParams(fixture.token.address, overrides), plan.dueOffsets, plan.principals],
    {
      account: lender.account,
    },
  );
  return fixture.book.read.templateCount();
}

/** The TypeScript mirror's schedule terms of a loan of `principal` made from template `params`. */
export function scheduleTermsOf(
  params: TemplateParams,
  principal: bigint,
  plan: CustomPlan = { dueOffsets: [], principals: [] },
): ScheduleTerms {
  return {
    kind: SCHEDULE_KINDS[params.kind - 1],
    principal,
    rateBps: params.rateBps,
    intervalSeconds: params.intervalSeconds,
    count: params.count,
    dueOffsets: plan.dueOffsets,
    principals: plan.principals,
  };
}

/** The TypeScript mirror's penalty terms of template `params`. */
export function penaltyTermsOf(params: TemplateParams): PenaltyTerms {
  return {
    graceSeconds: params.graceSeconds,
    rateBps: params.penaltyRateBps,
    flatFee: params.flatFee,
    capBps: params.penaltyCapBps,
  };
}

/** The start time of loan `loanId` (seconds), from which its due offsets count. */
export async function startTimeOf(fixture: LoanBookFixture, loanId: bigint): Promise<number> {
  return Number((await fixture.book.read.loanOf([loanId])).startTime);
}

/** The decoded events the LoanBook itself emitted in transaction `hash` (not those of tokens it called). */
export async function bookEventsOf(fixture: LoanBookFixture, hash: Hex) {
  const receipt = await fixture.publicClient.waitForTransactionReceipt({ hash });
  const logs = receipt.logs.filter((log) => isAddressEqual(log.address, fixture.book.address));
  return parseEventLogs({ abi: fixture.book.abi, logs });
}

/** Sends `repay(loanId, amount)` from `payer` (the borrower by default) in a block at exactly `timestamp`; returns
 * the transaction hash and the RepaymentMade event's arguments. */
export async function repayAt(
  fixture: LoanBookFixture,
  loanId: bigint,
  amount: bigint,
  timestamp: number | bigint,
  payer: Wallet = fixture.borrower,
) {
  await fixture.connection.networkHelpers.time.setNextBlockTimestamp(timestamp);
  const hash = await fixture.book.write.repay([loanId, amount], { account: payer.account });
  const events = await bookEventsOf(fixture, hash);
  const repayment = events.find((event) => event.eventName === "RepaymentMade");
  if (repayment?.eventName !== "RepaymentMade") throw new Error("repay emitted no RepaymentMade");
  return { hash, events, repayment: repayment.args };
}

/** Runs `call`, which must revert with a custom error of the contract's ABI; returns its name and arguments (so a
 * table of bad inputs can name the expected error and arguments as plain data). */
export async function revertOf(call: () => Promise<unknown>): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await call();
  } catch (error) {
    const reverted = customErrorOf(error);
    if (reverted) return reverted;
    throw error;
  }
  throw new Error("expected a revert with a custom error, but the call succeeded");
}
