/**
 * Gas of the loan book's transactions: `npm run bench:gas:loanbook` (`npm run -s bench:gas:loanbook -- --json` for
 * exactly one JSON object `{"repay": n, "originate": n, ...}`).
 *
 * Each figure is a whole transaction's `receipt.gasUsed` on the in-process EVM (Hardhat's simulated network,
 * Cancun), in steady state: every balance a transfer touches is already non-zero, the borrower's and the notary's
 * nonce lanes have been used once, the lender already holds a claim, the escrow already holds collateral of the
 * same kind, and tokens are approved with an unlimited allowance (except for `repayWithPermit`, whose payer has no
 * allowance and whose permit nonce has been used once).
 *
 * The enforcement module's transactions (sent to LoanBook, which delegates them) are measured the same way on loans
 * of the same template: certify, commitments and their breach on loans in default, a bank payment and auto-debit of
 * an installment on loans in their normal course, and the keeper's batches of 20 loans, per loan. Every loan in the
 * benchmark has the same borrower, lender and template, so a batch touches their balances and the template once.
 *
 * Next to each figure: an EVM floor (`floorGas` below: base cost, the transaction's actual calldata and only the
 * storage, calls, logs and signature checks the operation cannot do without, priced from the EVM's cost schedule)
 * and the ratio of the two. The floor is the same for any layout of the code: it leaves out the delegatecalls that
 * reach the enforcement module (2,600 the first) and the calls LoanBook's code makes to its own functions.
 * Targets are printed PASS or OVER; a benchmark prints figures, it never fails on them.
 *
 * Then the runtime code size of LoanBook and its two modules (`eth_getCode`), against EIP-170's 24,576-byte limit.
 */
import { network } from "hardhat";
import { hexToBytes, maxUint256, parseEventLogs, parseSignature, zeroHash, type Address, type Hex } from "viem";

import {
  CollateralKind,
  DAY,
  deployLoanBook,
  documentHash,
  NO_COLLATERAL,
  Status,
  signedOrigination,
  templateParams,
} from "../test/support/loanBookFixture.ts";
import {
  bankReference,
  certificateParams,
  commitmentPlan,
  NO_APPROVAL,
  signBankPayment,
  signCertificate,
  signCommitment,
} from "../test/support/enforcementFixture.ts";
import { permitTypes } from "../keeper/src/core/typedData.ts";

/*//////////////////////////////////////////////////////////////
                         THE EVM FLOOR MODEL
//////////////////////////////////////////////////////////////*/

/** The EVM's gas schedule (Cancun), named as in go-ethereum `params/protocol_params.go`. */
const EVM = {
  TxGas: 21_000,
  TxDataZeroGas: 4,
  TxDataNonZeroGasEIP2028: 16,
  ColdSloadCostEIP2929: 2_100,
  WarmStorageReadCostEIP2929: 100,
  SstoreSetGasEIP2200: 20_000,
  SstoreResetGasEIP2200: 5_000,
  ColdAccountAccessCostEIP2929: 2_600,
  LogGas: 375,
  LogTopicGas: 375,
  LogDataGas: 8,
  Keccak256Gas: 30,
  Keccak256WordGas: 6,
  EcrecoverGas: 3_000,
} as const;

/** What an operation cannot do without, in EVM primitives: the facts it must read and write, each packed as tightly as
 * its values allow, its events, signature checks and token transfers. Computation, memory and the keccak256 of mapping
 * keys are left out, so the floor is a lower bound for any implementation that keeps the same facts. */
interface FloorParts {
  /** Cold storage slots read and not written (2,100 each). */
  coldReads?: number;
  /** Cold slots written from zero to non-zero (22,100 each: the cold read and the set). */
  slotsCreated?: number;
  /** Cold slots written from non-zero to non-zero (5,000 each, the cold read included). */
  slotsUpdated?: number;
  /** Cold zero slots set and then cleared in the same transaction, net of the EIP-3529 refund (2,300 each):
   * an allowance that a permit sets and the transfer spends. */
  slotsSetAndCleared?: number;
  /** First calls to another contract (2,600 each). */
  coldCalls?: number;
  /** Further calls to a contract already called (100 each). */
  warmCalls?: number;
  /** Events: each costs 375, 375 a topic (the signature included) and 8 a data byte. */
  logs?: { topics: number; dataWords: number }[];
  /** Signature recoveries (the ecrecover precompile, 3,000 each). */
  ecrecovers?: number;
  /** keccak256 of signed typed data, by the number of 32-byte words hashed (30 + 6 a word). */
  keccakWords?: number[];
}

/** The gas of `calldata` (the selector and the ABI-encoded arguments): 16 a non-zero byte, 4 a zero byte. */
function calldataGas(calldata: Hex): number {
  return hexToBytes(calldata).reduce(
    (gas, byte) => gas + (byte === 0 ? EVM.TxDataZeroGas : EVM.TxDataNonZeroGasEIP2028),
    0,
  );
}

/** The least gas a transaction with `calldata` that must do `parts` can use. */
function floorGas(calldata: Hex, parts: FloorParts): number {
  const coldRead = EVM.ColdSloadCostEIP2929;
  // EIP-2200 with EIP-2929 and EIP-3529: set (cold read + 20,000), reset to the original zero (a warm write, 100),
  // refunded 20,000 - 100 for restoring the original value.
  const setAndCleared =
    coldRead +
    EVM.SstoreSetGasEIP2200 +
    EVM.WarmStorageReadCostEIP2929 -
    (EVM.SstoreSetGasEIP2200 - EVM.WarmStorageReadCostEIP2929);
  const logs = (parts.logs ?? []).reduce(
    (gas, log) => gas + EVM.LogGas + log.topics * EVM.LogTopicGas + log.dataWords * 32 * EVM.LogDataGas,
    0,
  );
  const keccaks = (parts.keccakWords ?? []).reduce(
    (gas, words) => gas + EVM.Keccak256Gas + words * EVM.Keccak256WordGas,
    0,
  );
  return (
    EVM.TxGas +
    calldataGas(calldata) +
    (parts.coldReads ?? 0) * coldRead +
    (parts.slotsCreated ?? 0) * (coldRead + EVM.SstoreSetGasEIP2200) +
    (parts.slotsUpdated ?? 0) * EVM.SstoreResetGasEIP2200 +
    (parts.slotsSetAndCleared ?? 0) * setAndCleared +
    (parts.coldCalls ?? 0) * EVM.ColdAccountAccessCostEIP2929 +
    (parts.warmCalls ?? 0) * EVM.WarmStorageReadCostEIP2929 +
    logs +
    keccaks +
    (parts.ecrecovers ?? 0) * EVM.EcrecoverGas
  );
}

/** The sum of several parts. */
function combine(...all: FloorParts[]): FloorParts {
  const sum = (key: "coldReads" | "slotsCreated" | "slotsUpdated" | "slotsSetAndCleared" | "coldCalls") =>
    all.reduce((total, parts) => total + (parts[key] ?? 0), 0);
  return {
    coldReads: sum("coldReads"),
    slotsCreated: sum("slotsCreated"),
    slotsUpdated: sum("slotsUpdated"),
    slotsSetAndCleared: sum("slotsSetAndCleared"),
    coldCalls: sum("coldCalls"),
    warmCalls: all.reduce((total, parts) => total + (parts.warmCalls ?? 0), 0),
    logs: all.flatMap((parts) => parts.logs ?? []),
    ecrecovers: all.reduce((total, parts) => total + (parts.ecrecovers ?? 0), 0),
    keccakWords: all.flatMap((parts) => parts.keccakWords ?? []),
  };
}

/** `parts` repeated `times` times. */
function times(count: number, parts: FloorParts): FloorParts {
  return combine(...Array.from({ length: count }, () => parts));
}

/** ERC-20 and ERC-721 `Transfer`, ERC-20 `Approval`: three topics and one data word; four topics and no data. */
const ERC20_TRANSFER_LOG = { topics: 3, dataWords: 1 };
const ERC721_TRANSFER_LOG = { topics: 4, dataWords: 0 };

/** ERC-20 `transferFrom` under an unlimited allowance between two non-zero balances: the token's first call, the
 * allowance read, both balances updated, `Transfer`. */
const ERC20_TRANSFER_FROM: FloorParts = { coldCalls: 1, coldReads: 1, slotsUpdated: 2, logs: [ERC20_TRANSFER_LOG] };
/** ERC-20 `transfer` out of the book's own balance: no allowance. */
const ERC20_TRANSFER: FloorParts = { coldCalls: 1, slotsUpdated: 2, logs: [ERC20_TRANSFER_LOG] };
/** ERC-721 `transferFrom` by an approved operator: the operator approval read, the owner and both balances updated. */
const ERC721_TRANSFER_FROM: FloorParts = {
  coldCalls: 1,
  coldReads: 1,
  slotsUpdated: 3,
  logs: [ERC721_TRANSFER_LOG],
};
/** ERC-721 `transferFrom` by its owner (the book releasing collateral). */
const ERC721_TRANSFER: FloorParts = { coldCalls: 1, slotsUpdated: 3, logs: [ERC721_TRANSFER_LOG] };

/** A repayment's own work: the loan's running balance updated (one slot), the rest of its terms read (start time,
 * template, annuity payment: one slot), the template's token and schedule read (one slot), the claim holder read
 * (the ERC-721 owner), `RepaymentMade` (loanId and payer indexed, four data words). */
const REPAYMENT: FloorParts = { slotsUpdated: 1, coldReads: 3, logs: [{ topics: 3, dataWords: 4 }] };

/** An origination's own work. Reads: the template (token and schedule, lender, principal bounds: three slots) and
 * the notary's registration. Writes: the loan counter, both nonces, the lender's claim balance (non-zero in steady
 * state), the loan (borrower, template, start, principal and annuity payment: two new slots) and the claim's owner.
 * Two EIP-712 signatures (the 4-word collateral struct hashed once, two 9-word term structs, two 66-byte digests),
 * `LoanOriginated` (three indexed, four data words) and the claim's `Transfer`. The principal moves with
 * `transferFrom`. */
const ORIGINATION: FloorParts = combine(
  {
    coldReads: 4,
    slotsUpdated: 4,
    slotsCreated: 3,
    ecrecovers: 2,
    keccakWords: [4, 9, 3, 9, 3],
    logs: [{ topics: 4, dataWords: 4 }, ERC721_TRANSFER_LOG],
  },
  ERC20_TRANSFER_FROM,
);

/** A pledge: the collateral's token and amount or id (two new slots) and `CollateralPledged` (loanId indexed, four
 * data words). */
const PLEDGE: FloorParts = { slotsCreated: 2, logs: [{ topics: 2, dataWords: 4 }] };

/** A payoff's extra work: the loan marked repaid (one more slot), the collateral read (two slots), `LoanRepaid` and
 * `CollateralReleased` (two indexed each). */
const RELEASE: FloorParts = {
  slotsUpdated: 1,
  coldReads: 2,
  logs: [
    { topics: 3, dataWords: 0 },
    { topics: 3, dataWords: 0 },
  ],
};

/** EIP-2612 `permit`: the token's first call, the owner's signature (a 6-word struct, a 66-byte digest), its nonce
 * updated, the allowance set (and spent again by the transfer), `Approval`. The transfer that follows is a warm call
 * and reads no allowance beyond it. */
const PERMIT_AND_TRANSFER: FloorParts = {
  coldCalls: 1,
  warmCalls: 1,
  ecrecovers: 1,
  keccakWords: [6, 3],
  slotsUpdated: 1 + 2,
  slotsSetAndCleared: 1,
  logs: [ERC20_TRANSFER_LOG, ERC20_TRANSFER_LOG],
};

/** A default declaration of one loan: its flags updated, its progress (installments paid) read, `LoanDefaulted`
 * (loanId and actor indexed, three data words). */
const DEFAULT_ONE: FloorParts = { slotsUpdated: 1, coldReads: 1, logs: [{ topics: 3, dataWords: 3 }] };
/** The template's schedule and default trigger: read once per transaction. */
const TEMPLATE_READ: FloorParts = { coldReads: 1 };

/** An enforcement message's EIP-712 signature over a struct of `words` words (the typehash included), after hashing
 * `arrayWords` words of its arrays: the struct and the 66-byte digest hashed, one recovery, and the signer's unordered
 * nonce marked used. The floor counts that as one bit of a word already in use (a bitmap, as Permit2's: an update);
 * LoanBook keeps a bool a nonce, so it sets a new slot every time (17,100 more). */
function enforcementSignature(words: number, arrayWords: number[] = []): FloorParts {
  return { ecrecovers: 1, keccakWords: [...arrayWords, words, 3], slotsUpdated: 1 };
}

/** A certificate's own work. Reads: the loan (borrower, template and flags: one slot), the template's notarization
 * flag and its lender (two slots), the notary's role and the claim holder (the ERC-721 owner). Writes: the certificate
 * id (a whole word) and the time certified (a new slot each; the status's objection deadline is read with the second).
 * `DefaultCertified` (three indexed, three data words). */
const CERTIFICATE: FloorParts = { coldReads: 5, slotsCreated: 2, logs: [{ topics: 4, dataWords: 3 }] };
/** The notary's `ExecutionCertificate` signature (a 7-word struct), when someone else sends it. */
const CERTIFICATE_SIGNATURE = enforcementSignature(7);

/** A commitment of `installments` installments put in force, with the borrower's `RepaymentCommitment` signature
 * (a 6-word struct over the hashes of its two arrays). The debt now is read: the loan's running balance and annuity
 * payment, the template's schedule, penalty terms and fee (with the commitment policy and grace: three slots).
 * Writes: the loan's flags and its balance (now the fixed debt: two slots updated), each installment (due time and
 * cumulative amount: a new slot each) and the commitment's record (total, length and grace: one new slot, which the
 * status's objection deadline shares). `CommitmentAccepted` (loanId and acceptedBy indexed, three data words). */
function commitment(installments: number): FloorParts {
  return combine(
    {
      coldReads: 4,
      slotsUpdated: 2,
      slotsCreated: installments + 1,
      logs: [{ topics: 3, dataWords: 3 }],
    },
    enforcementSignature(6, [installments, installments]),
  );
}
/** The claim holder's acceptance by its own transaction, waiving penalty: the claim holder read, `PenaltyWaived`
 * (two indexed, one data word). */
const ACCEPTANCE_WITH_WAIVER: FloorParts = { coldReads: 1, logs: [{ topics: 3, dataWords: 1 }] };

/** A commitment's breach: the loan's flags updated, its balance (what was paid of the commitment), the commitment's
 * record (total and grace) and its first unpaid installment read, `CommitmentBreached` (loanId and actor indexed,
 * three data words). */
const BREACH: FloorParts = { slotsUpdated: 1, coldReads: 3, logs: [{ topics: 3, dataWords: 3 }] };

/** A repayment credited without a transfer (a bank payment): `REPAYMENT` without the claim holder. */
const CREDIT: FloorParts = { slotsUpdated: 1, coldReads: 2, logs: [{ topics: 3, dataWords: 4 }] };
/** A bank payment's own work: the template's lender and the signer's registration read, the bank reference recorded
 * (a new slot: it is the replay guard, there is no nonce), the bank-feed signer's `BankPayment` signature (a 6-word
 * struct and the digest, one recovery), `BankPaymentRecorded` (three indexed, three data words). */
const BANK_PAYMENT: FloorParts = {
  coldReads: 2,
  slotsCreated: 1,
  ecrecovers: 1,
  keccakWords: [6, 3],
  logs: [{ topics: 4, dataWords: 3 }],
};

/** Auto-debit of what is due: a repayment pulled from the borrower. The opt-in flag is in the loan's slot read with
 * its terms; the balance and allowance checks read what the transfer reads anyway. */
const AUTO_DEBIT: FloorParts = combine(REPAYMENT, ERC20_TRANSFER_FROM);
/** A further loan of the same borrower, lender and template in an `autoDebits` batch: its running balance updated,
 * its terms and claim holder read, `RepaymentMade`; the token called again (warm), its balances and the allowance
 * warm by then (100 each, left out), its `Transfer`. */
const AUTO_DEBIT_NEXT: FloorParts = {
  slotsUpdated: 1,
  coldReads: 2,
  warmCalls: 1,
  logs: [{ topics: 3, dataWords: 4 }, ERC20_TRANSFER_LOG],
};

/*//////////////////////////////////////////////////////////////
                             MEASUREMENT
//////////////////////////////////////////////////////////////*/

/** The figures in print order: the issue's targets first. */
const ORDER = [
  "repay",
  "originate",
  "originateWithCollateral",
  "declareDefault",
  "declareDefaultsPerLoan",
  "originateWithCollateralErc721",
  "repayLate",
  "repayWithPermit",
  "payoffWithCollateral",
  "payoffWithCollateralErc721",
];
/** The enforcement module's figures in print order. */
const MODULE_ORDER = [
  "certify",
  "certifyRelayed",
  "acceptCommitment",
  "submitCommitment",
  "breachCommitment",
  "breachCommitmentsPerLoan",
  "recordBankPayment",
  "autoDebit",
  "autoDebitsPerLoan",
];

/** Loans in the batched default declaration. */
const BATCH = 100;
/** Loans in the keeper's enforcement batches (`breachCommitments`, `autoDebits`). */
const MODULE_BATCH = 20;
/** Installments of the benchmark's repayment commitments (monthly; within the template's policy of 12). */
const COMMITMENT_INSTALLMENTS = 6;
/** EIP-170: the most runtime code a contract may have. */
const CODE_SIZE_LIMIT = 24_576;

interface Figure {
  key: string;
  operation: string;
  gas: number;
  floor: number;
  target?: number;
}

const connection = await network.create();
const fixture = await deployLoanBook(connection);
const { viem, publicClient, book, token, lender, notary, borrower, stranger } = fixture;
const time = connection.networkHelpers.time;
const asBorrower = { account: borrower.account };
// Anyone may send what the enforcement module accepts from anyone: the stranger stands for the keeper.
const asKeeper = { account: stranger.account };
// The lender's bank-feed signer, which attests payments made at the bank.
const bankFeed = (await viem.getWalletClients())[6];

const collateralToken = await viem.deployContract("TestToken", ["Wrapped ether stand-in", "WETH", 18]);
const collateralNft = await viem.deployContract("TestCollateralNft");
const erc20Template = await publish(CollateralKind.ERC20);
const erc721Template = await publish(CollateralKind.ERC721);
await collateralToken.write.mint([borrower.account.address, 1_000n * 10n ** 18n]);
await collateralToken.write.approve([book.address, maxUint256], asBorrower);
for (let id = 1n; id <= 4n; ++id) await collateralNft.write.mint([borrower.account.address, id]);
await collateralNft.write.setApprovalForAll([book.address, true], asBorrower);
const erc20Collateral = { token: collateralToken.address, amountOrId: 10n ** 18n, assetHash: zeroHash };
const nftCollateral = (id: bigint) => ({ token: collateralNft.address, amountOrId: id, assetHash: zeroHash });

const figures: Figure[] = [];
let documents = 0;
// A fixed start time makes every deadline, signature and so every calldata byte, and the figures, repeatable.
const start = 2_000_000_000;
await time.increaseTo(start);
// The same for the enforcement signatures' deadline; their nonces are unordered, so any unused one will do.
const SIGNATURE_DEADLINE = BigInt(start + 365 * DAY);
let notaryNonce = 0n;
let borrowerNonce = 0n;

// Origination. The first loan of each kind uses the nonce lanes, gives the lender a claim and the escrow a balance.
await originate();
const plain = await originate();
await record("originate", "originate (both signatures, no collateral)", plain.hash, ORIGINATION, 220_000);
const erc20Terms = { templateId: erc20Template, collateral: erc20Collateral };
await originate(erc20Terms);
const erc20Loan = await originate(erc20Terms);
await record(
  "originateWithCollateral",
  "originate with ERC-20 collateral",
  erc20Loan.hash,
  combine(ORIGINATION, PLEDGE, ERC20_TRANSFER_FROM),
);
await originate({ templateId: erc721Template, collateral: nftCollateral(1n) });
const erc721Loan = await originate({ templateId: erc721Template, collateral: nftCollateral(2n) });
await record(
  "originateWithCollateralErc721",
  "originate with ERC-721 collateral",
  erc721Loan.hash,
  combine(ORIGINATION, PLEDGE, ERC721_TRANSFER_FROM),
);
const onTime = plain.loanId;
const permitWarmUpLoan = (await originate()).loanId;
const permitLoan = (await originate()).loanId;
const lateLoan = (await originate()).loanId;
const defaultLoan = (await originate()).loanId;
const batch: bigint[] = [];
for (let i = 0; i < BATCH; ++i) batch.push((await originate()).loanId);
// The payment rows' loans (made after the others, whose ids and so calldata stay as they were): a warm-up and a
// measured loan of each kind, and a batch of auto-debit loans. The borrower opts in; the lender registers its signer.
const [bankWarmUpLoan, bankLoan] = [(await originate()).loanId, (await originate()).loanId];
const debitLoans: bigint[] = [];
for (let i = 0; i < 2 + MODULE_BATCH; ++i) {
  const { loanId } = await originate();
  await book.write.setAutoDebit([loanId, true], asBorrower);
  debitLoans.push(loanId);
}
const [debitWarmUpLoan, debitLoan, ...debitBatch] = debitLoans;
await book.write.setBankSigner([bankFeed.account.address, true], { account: lender.account });

// Day 29: installment 1 (due on day 30) on time, with and without a permit; payoffs that release collateral.
await time.increaseTo(start + 29 * DAY);
const installment = await book.read.currentInstallment([onTime]);
const repayHash = await book.write.repay([onTime, installment.principal + installment.interest], asBorrower);
await record("repay", "repay one installment on time", repayHash, combine(REPAYMENT, ERC20_TRANSFER_FROM), 65_000);
if ((await book.read.loanOf([onTime])).paidInstallments !== 1) throw new Error("repay did not pay installment 1");

await token.write.approve([book.address, 0n], asBorrower);
await repayWithPermit(permitWarmUpLoan);
const permitHash = await repayWithPermit(permitLoan);
await record(
  "repayWithPermit",
  "repayWithPermit one installment on time",
  permitHash,
  combine(REPAYMENT, PERMIT_AND_TRANSFER),
);
await token.write.approve([book.address, maxUint256], asBorrower);

const collateralBefore = await collateralToken.read.balanceOf([borrower.account.address]);
const erc20Payoff = await payOff(erc20Loan.loanId);
if ((await collateralToken.read.balanceOf([borrower.account.address])) !== collateralBefore + 10n ** 18n) {
  throw new Error("the payoff did not return the ERC-20 collateral");
}
await record(
  "payoffWithCollateral",
  "full payoff, ERC-20 collateral released",
  erc20Payoff,
  combine(REPAYMENT, ERC20_TRANSFER_FROM, RELEASE, ERC20_TRANSFER),
);
const erc721Payoff = await payOff(erc721Loan.loanId);
if ((await collateralNft.read.ownerOf([2n])).toLowerCase() !== borrower.account.address.toLowerCase()) {
  throw new Error("the payoff did not return the ERC-721 collateral");
}
await record(
  "payoffWithCollateralErc721",
  "full payoff, ERC-721 collateral released",
  erc721Payoff,
  combine(REPAYMENT, ERC20_TRANSFER_FROM, RELEASE, ERC721_TRANSFER),
);

// Still day 29: installment 1 paid at the lender's bank today, attested by its bank feed and sent by a keeper.
await recordBankPayment(bankWarmUpLoan);
const bankHash = await recordBankPayment(bankLoan);
if ((await book.read.loanOf([bankLoan])).paidInstallments !== 1) throw new Error("the bank payment did not pay");
await record("recordBankPayment", "recordBankPayment one installment on time", bankHash, combine(CREDIT, BANK_PAYMENT));

// Day 31: installment 1 (due on day 30) is due, within its 3-day grace: the keeper pulls it from the borrower.
await time.increaseTo(start + 31 * DAY);
await book.write.autoDebit([debitWarmUpLoan], asKeeper);
const debitHash = await book.write.autoDebit([debitLoan], asKeeper);
if ((await book.read.loanOf([debitLoan])).paidInstallments !== 1) throw new Error("autoDebit did not pay");
await record("autoDebit", "autoDebit one installment (in its grace)", debitHash, AUTO_DEBIT);
const debitBatchHash = await book.write.autoDebits([debitBatch], asKeeper);
await recordBatch(
  "autoDebitsPerLoan",
  `autoDebits, per loan of ${MODULE_BATCH}`,
  debitBatchHash,
  "RepaymentMade",
  MODULE_BATCH,
  combine(AUTO_DEBIT, times(MODULE_BATCH - 1, AUTO_DEBIT_NEXT)),
);

// Day 40: installment 1 paid 10 days late (7 days past the 3-day grace), with its penalty.
await time.increaseTo(start + 40 * DAY);
const late = await book.read.currentInstallment([lateLoan]);
if (late.penalty === 0n) throw new Error("the late installment owes no penalty");
const lateHash = await book.write.repay([lateLoan, late.principal + late.interest + late.penalty], asBorrower);
const [latePayment] = parseEventLogs({
  abi: book.abi,
  logs: (await publicClient.getTransactionReceipt({ hash: lateHash })).logs,
  eventName: "RepaymentMade",
});
if (latePayment.args.penaltyPaid !== late.penalty) throw new Error("the late repayment did not pay the penalty");
await record(
  "repayLate",
  "repay one installment late, with penalty",
  lateHash,
  combine(REPAYMENT, TEMPLATE_READ, ERC20_TRANSFER_FROM),
);

// Day 61: installment 1 is 30 days past due, the template's trigger.
await time.increaseTo(start + 61 * DAY);
const defaultHash = await book.write.declareDefault([defaultLoan], { account: stranger.account });
await record("declareDefault", "declareDefault", defaultHash, combine(DEFAULT_ONE, TEMPLATE_READ), 45_000);
const batchHash = await book.write.declareDefaults([batch], { account: stranger.account });
await recordBatch(
  "declareDefaultsPerLoan",
  `declareDefaults, per loan of ${BATCH}`,
  batchHash,
  "LoanDefaulted",
  BATCH,
  combine(times(BATCH, DEFAULT_ONE), TEMPLATE_READ),
  15_000,
);

// Day 62, a quarter past: the batch's loans are in default, installment 1 with 32 days of penalty. The enforcement
// path on them, each kind of transaction once to warm up, then measured. A commitment's debt is quoted just before
// it is sent, within the same day of penalty.
await time.increaseTo(start + 62 * DAY + DAY / 4);
const planStart = BigInt(start + 62 * DAY + DAY / 4);
const [certifyWarmUp, certifyLoan, relayWarmUp, relayLoan, acceptWarmUp, acceptLoan, submitWarmUp, submitLoan] = batch;
const [breachWarmUp, breachLoan, ...breachBatch] = batch.slice(8, 8 + 2 + MODULE_BATCH);
const ownCall = { ...NO_APPROVAL, signer: notary.account.address };
const asNotary = { account: notary.account };
await book.write.certify([certificateParams(certifyWarmUp), ownCall], asNotary);
const certifyHash = await book.write.certify([certificateParams(certifyLoan), ownCall], asNotary);
await expectStatus(certifyLoan, Status.Certified);
await record("certify", "certify (the notary's own transaction)", certifyHash, CERTIFICATE);
await certifyRelayed(relayWarmUp);
const relayHash = await certifyRelayed(relayLoan);
await expectStatus(relayLoan, Status.Certified);
await record(
  "certifyRelayed",
  "certify (the notary's signature, relayed)",
  relayHash,
  combine(CERTIFICATE, CERTIFICATE_SIGNATURE),
);

await acceptWithWaiver(acceptWarmUp);
const acceptHash = await acceptWithWaiver(acceptLoan);
await expectStatus(acceptLoan, Status.Committed);
await record(
  "acceptCommitment",
  `acceptCommitment (holder, waiver, ${COMMITMENT_INSTALLMENTS} inst.)`,
  acceptHash,
  combine(commitment(COMMITMENT_INSTALLMENTS), ACCEPTANCE_WITH_WAIVER),
);
await submitByPolicy(submitWarmUp);
const submitHash = await submitByPolicy(submitLoan);
await expectStatus(submitLoan, Status.Committed);
await record(
  "submitCommitment",
  `submitCommitment (policy, ${COMMITMENT_INSTALLMENTS} inst.)`,
  submitHash,
  commitment(COMMITMENT_INSTALLMENTS),
);
for (const loanId of [breachWarmUp, breachLoan, ...breachBatch]) await submitByPolicy(loanId);

// Day 96: the commitments' first installment (due on day 92, a quarter past) is unpaid after its 3-day grace.
await time.increaseTo(start + 96 * DAY);
await book.write.breachCommitment([breachWarmUp], asKeeper);
const breachHash = await book.write.breachCommitment([breachLoan], asKeeper);
await expectStatus(breachLoan, Status.Defaulted);
await record("breachCommitment", "breachCommitment", breachHash, BREACH);
const breachBatchHash = await book.write.breachCommitments([breachBatch], asKeeper);
await recordBatch(
  "breachCommitmentsPerLoan",
  `breachCommitments, per loan of ${MODULE_BATCH}`,
  breachBatchHash,
  "CommitmentBreached",
  MODULE_BATCH,
  times(MODULE_BATCH, BREACH),
);

const pick = (keys: string[]) =>
  keys.map((key) => {
    const figure = figures.find((row) => row.key === key);
    if (figure === undefined) throw new Error(`no figure for ${key}`);
    return figure;
  });
const codeSizes = await Promise.all(
  [
    ["LoanBook", book.address],
    ["LoanEnforcement", await book.read.enforcementModule()],
    ["LoanViews", await book.read.viewsModule()],
  ].map(async ([name, address]) => ({ name, bytes: await codeSize(address as Address) })),
);
print(pick(ORDER), pick(MODULE_ORDER), codeSizes);

/*//////////////////////////////////////////////////////////////
                               HELPERS
//////////////////////////////////////////////////////////////*/

/** Publishes a copy of the fixture's template taking collateral of `collateralKind`; returns its id. */
async function publish(collateralKind: number): Promise<bigint> {
  const params = templateParams(token.address, { collateralKind });
  await book.write.publishTemplate([params, [], []], { account: lender.account });
  return book.read.templateCount();
}

/** Originates a loan of the fixture's borrower, both signatures fresh; returns its id and the transaction. */
async function originate(
  options: { templateId?: bigint; collateral?: typeof NO_COLLATERAL } = {},
): Promise<{ loanId: bigint; hash: Hex }> {
  const params = await signedOrigination(fixture, {
    templateId: options.templateId ?? 1n,
    collateral: options.collateral ?? NO_COLLATERAL,
    document: documentHash(`benchmark ${++documents}`),
  });
  const hash = await book.write.originate([params], { account: lender.account });
  return { loanId: await book.read.loanCount(), hash };
}

/** Repays `loanId` in full; checks that it is repaid. */
async function payOff(loanId: bigint): Promise<Hex> {
  const hash = await book.write.repay([loanId, await book.read.payoffAmount([loanId])], asBorrower);
  if ((await book.read.statusOf([loanId])) !== Status.Repaid) throw new Error(`loan ${loanId} is not repaid`);
  return hash;
}

/** Repays `loanId`'s current installment with an EIP-2612 permit signed by the borrower for exactly that amount. */
async function repayWithPermit(loanId: bigint): Promise<Hex> {
  const current = await book.read.currentInstallment([loanId]);
  const amount = current.principal + current.interest;
  const deadline = BigInt(start + 365 * DAY);
  const [, name, version, chainId, verifyingContract] = await token.read.eip712Domain();
  const signature = await borrower.signTypedData({
    domain: { name, version, chainId, verifyingContract },
    types: permitTypes,
    primaryType: "Permit",
    message: {
      owner: borrower.account.address,
      spender: book.address,
      value: amount,
      nonce: await token.read.nonces([borrower.account.address]),
      deadline,
    },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  const recovery = v === undefined ? 27 + yParity : Number(v);
  return book.write.repayWithPermit([loanId, amount, deadline, recovery, r, s], asBorrower);
}

/** Records a payment of `loanId`'s current installment, made at the bank on day 29, attested by the lender's bank feed
 * and sent by the keeper. */
async function recordBankPayment(loanId: bigint): Promise<Hex> {
  const current = await book.read.currentInstallment([loanId]);
  const payment = await signBankPayment(fixture, bankFeed, {
    loanId,
    amount: current.principal + current.interest,
    bankReferenceHash: bankReference("ICBC", `benchmark payment ${loanId}`),
    paidAt: BigInt(start + 29 * DAY),
    deadline: SIGNATURE_DEADLINE,
  });
  return book.write.recordBankPayment([payment], asKeeper);
}

/** Certifies `loanId`'s default with the notary's signature, sent by the keeper. */
async function certifyRelayed(loanId: bigint): Promise<Hex> {
  const params = certificateParams(loanId);
  const approval = await signCertificate(fixture, params, { nonce: ++notaryNonce, deadline: SIGNATURE_DEADLINE });
  return book.write.certify([params, approval], asKeeper);
}

/** The claim holder (the lender) accepts, by its own transaction, the borrower's signed commitment to pay `loanId`'s
 * debt less its whole accrued penalty, which it waives. */
async function acceptWithWaiver(loanId: bigint): Promise<Hex> {
  const penalty = (await book.read.installmentBreakdown([loanId])).reduce((sum, row) => sum + row.penalty, 0n);
  if (penalty === 0n) throw new Error(`loan ${loanId} owes no penalty to waive`);
  const total = (await book.read.payoffAmount([loanId])) - penalty;
  const plan = commitmentPlan(loanId, total, planStart, COMMITMENT_INSTALLMENTS);
  const { approval } = await signCommitment(fixture, plan, { nonce: ++borrowerNonce, deadline: SIGNATURE_DEADLINE });
  const hash = await book.write.acceptCommitment([plan, approval, NO_APPROVAL, penalty], { account: lender.account });
  const { logs } = await publicClient.getTransactionReceipt({ hash });
  if (parseEventLogs({ abi: book.abi, logs, eventName: "PenaltyWaived" }).length !== 1) {
    throw new Error(`acceptCommitment of loan ${loanId} waived nothing`);
  }
  return hash;
}

/** The keeper submits the borrower's signed commitment to pay `loanId`'s whole debt, accepted by the template's
 * policy. */
async function submitByPolicy(loanId: bigint): Promise<Hex> {
  const plan = commitmentPlan(loanId, await book.read.payoffAmount([loanId]), planStart, COMMITMENT_INSTALLMENTS);
  const { approval } = await signCommitment(fixture, plan, { nonce: ++borrowerNonce, deadline: SIGNATURE_DEADLINE });
  return book.write.submitCommitment([plan, approval], asKeeper);
}

/** Throws unless loan `loanId` has status `status`. */
async function expectStatus(loanId: bigint, status: number): Promise<void> {
  const actual = await book.read.statusOf([loanId]);
  if (actual !== status) throw new Error(`loan ${loanId} has status ${actual}, expected ${status}`);
}

/** The runtime code size of the contract at `address`, in bytes. */
async function codeSize(address: Address): Promise<number> {
  const code = await publicClient.getCode({ address });
  if (code === undefined) throw new Error(`no code at ${address}`);
  return hexToBytes(code).length;
}

/** Records the gas of batch transaction `hash` and its floor (`parts` for the whole batch) per loan of `count`, after
 * checking that it emitted `eventName` once for every loan (none skipped). */
async function recordBatch(
  key: string,
  operation: string,
  hash: Hex,
  eventName: "LoanDefaulted" | "CommitmentBreached" | "RepaymentMade",
  count: number,
  parts: FloorParts,
  target?: number,
): Promise<void> {
  const receipt = await publicClient.getTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${operation} reverted`);
  const done = parseEventLogs({ abi: book.abi, logs: receipt.logs, eventName }).length;
  if (done !== count) throw new Error(`${operation}: ${eventName} for ${done} of ${count} loans`);
  const { input } = await publicClient.getTransaction({ hash });
  figures.push({
    key,
    operation,
    gas: Math.round(Number(receipt.gasUsed) / count),
    floor: Math.round(floorGas(input, parts) / count),
    target,
  });
}

/** Records transaction `hash`'s gas and its floor under `key`. */
async function record(key: string, operation: string, hash: Hex, parts: FloorParts, target?: number): Promise<void> {
  const receipt = await publicClient.getTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${operation} reverted`);
  const { input } = await publicClient.getTransaction({ hash });
  figures.push({
    key,
    operation,
    gas: Number(receipt.gasUsed),
    floor: floorGas(input, parts),
    target,
  });
}

/** Prints the figures: one JSON object of the gas figures with `--json`; otherwise a table of LoanBook's own
 * transactions, one of those served by the enforcement module, and the code sizes. */
function print(rows: Figure[], moduleRows: Figure[], codeSizes: { name: string; bytes: number }[]): void {
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(Object.fromEntries([...rows, ...moduleRows].map((row) => [row.key, row.gas]))));
    return;
  }
  const format = (gas: number) => gas.toLocaleString("en-US");
  // Column widths: the operation left-aligned, then gas, floor, ratio, target and the verdict right-aligned.
  const widths = [44, 10, 10, 8, 10, 6];
  const line = (cells: string[]) =>
    console.log(
      cells
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join("")
        .trimEnd(),
    );
  const table = (heading: string, figures: Figure[]) => {
    console.log(heading);
    for (const row of figures) {
      const verdict = row.target === undefined ? "" : row.gas <= row.target ? "  PASS" : "  OVER";
      const target = row.target === undefined ? "" : format(row.target);
      line([row.operation, format(row.gas), format(row.floor), (row.gas / row.floor).toFixed(2), target, verdict]);
    }
  };
  console.log("Gas of one loan book transaction (receipt.gasUsed), steady state, in-process EVM (Cancun)\n");
  line(["operation", "gas", "floor", "ratio", "target"]);
  table("LoanBook", rows);
  table("\nenforcement module (through LoanBook's fallback)", moduleRows);
  console.log(`\nRuntime code size (eth_getCode), limit ${format(CODE_SIZE_LIMIT)} bytes (EIP-170)\n`);
  line(["contract", "bytes", "margin"]);
  for (const { name, bytes } of codeSizes) line([name, format(bytes), format(CODE_SIZE_LIMIT - bytes)]);
}
