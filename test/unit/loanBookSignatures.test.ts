/**
 * The EIP-712 signatures of origination under attack: each forged, replayed, stale, foreign or tampered approval is
 * refused with its exact error and changes nothing (no loan, no nonce used, no token moved). Then what must work:
 * ERC-1271 smart wallets as borrower and as notary, and keyed nonces that let a notary's loans be originated in any
 * order.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import {
  getAddress,
  hexToBigInt,
  keccak256,
  maxUint256,
  numberToHex,
  parseSignature,
  recoverTypedDataAddress,
  serializeSignature,
  toHex,
  type Address,
  type Hex,
} from "viem";

import {
  loanAcceptanceTypedData,
  notarizationTypedData,
  type LoanAcceptance,
  type Notarization,
} from "../../keeper/src/core/typedData.ts";
import {
  CollateralKind,
  PRINCIPAL,
  deployLoanBook,
  deployLoanBookContracts,
  documentHash,
  signedOrigination,
  templateParams,
  type LoanBookFixture,
} from "../support/loanBookFixture.ts";

type Wallet = LoanBookFixture["lender"];
type Origination = Awaited<ReturnType<typeof signedOrigination>>;

/** The order of the secp256k1 group: (r, s) and (r, n - s) with the other parity recover the same key. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** Collateral the borrower pledges on template 2 (18-decimal token). */
const COLLATERAL = 500n * 10n ** 18n;
/** Template 1: the fixture's (lender, notarized, no collateral). */
const TEMPLATE = 1n;
/** Template 2: lender's, ERC-20 collateral. */
const COLLATERAL_TEMPLATE = 2n;
/** Template 3: otherLender's, same terms as template 1. */
const OTHER_LENDERS_TEMPLATE = 3n;
/** Keyed nonce: the upper 192 bits choose an independent sequence (NoncesKeyed). */
const keyedNonce = (key: bigint, sequence: bigint) => (key << 64n) | sequence;

/*//////////////////////////////////////////////////////////////
                               FIXTURE
//////////////////////////////////////////////////////////////*/

const connection = await network.create();

/** The shared deployment, plus: a collateral token, template 2 (collateral) and 3 (otherLender's), a second LoanBook
 * (another verifying contract), and two ERC-1271 wallets owned by the borrower's and the notary's EOAs. */
async function deploySignatureBook(conn: typeof connection) {
  const f = await deployLoanBook(conn);
  const { viem, book, token, admin, lender, otherLender, notary, borrower } = f;
  const collateralToken = await viem.deployContract("TestToken", ["Test collateral", "TCOL", 18]);
  await collateralToken.write.mint([borrower.account.address, 10n * COLLATERAL]);
  await collateralToken.write.approve([book.address, maxUint256], as(borrower));
  await book.write.publishTemplate(
    [templateParams(token.address, { collateralKind: CollateralKind.ERC20 }), [], []],
    as(lender),
  );
  await book.write.publishTemplate([templateParams(token.address), [], []], as(otherLender));
  const otherBook = await deployLoanBookContracts(viem, admin.account.address);
  const borrowerWallet = await viem.deployContract("TestSmartWallet", [borrower.account.address]);
  const notaryWallet = await viem.deployContract("TestSmartWallet", [notary.account.address]);
  return { ...f, collateralToken, otherBook, borrowerWallet, notaryWallet };
}

type Fixture = Awaited<ReturnType<typeof deploySignatureBook>>;
const load = () => connection.networkHelpers.loadFixture(deploySignatureBook);

/*//////////////////////////////////////////////////////////////
                               HELPERS
//////////////////////////////////////////////////////////////*/

const as = (wallet: Wallet) => ({ account: wallet.account });

/** Who signs, and in which domain, when a test re-signs an origination. */
interface SignOptions {
  /** The key that signs (default: the named signer's own EOA, or the wallet owner for the ERC-1271 wallets). */
  key?: Wallet;
  /** The lender the message names (default: the fixture's lender). */
  lender?: Address;
  chainId?: number;
  verifyingContract?: Address;
}

/** The borrower's LoanAcceptance of `params`, as the contract rebuilds it for `lender`. */
function acceptanceOf(params: Origination, lender: Address): LoanAcceptance {
  return {
    templateId: params.templateId,
    principal: params.principal,
    borrower: params.borrower.signer,
    lender,
    documentHash: params.documentHash,
    collateral: params.collateral,
    nonce: params.borrower.nonce,
    deadline: params.borrower.deadline,
  };
}

/** The notary's Notarization of `params`, as the contract rebuilds it for `lender`. */
function notarizationOf(params: Origination, lender: Address): Notarization {
  return { ...acceptanceOf(params, lender), nonce: params.notary.nonce, deadline: params.notary.deadline };
}

/** `params` with the borrower's signature replaced by one made under `options`. */
async function withAcceptance(f: Fixture, params: Origination, options: SignOptions = {}): Promise<Origination> {
  const message = acceptanceOf(params, options.lender ?? f.lender.account.address);
  const typedData = loanAcceptanceTypedData(
    options.chainId ?? f.chainId,
    options.verifyingContract ?? f.book.address,
    message,
  );
  const signature = await (options.key ?? f.borrower).signTypedData(typedData);
  return { ...params, borrower: { ...params.borrower, signature } };
}

/** `params` with the notary's signature replaced by one made under `options`. */
async function withNotarization(f: Fixture, params: Origination, options: SignOptions = {}): Promise<Origination> {
  const message = notarizationOf(params, options.lender ?? f.lender.account.address);
  const typedData = notarizationTypedData(
    options.chainId ?? f.chainId,
    options.verifyingContract ?? f.book.address,
    message,
  );
  const signature = await (options.key ?? f.notary).signTypedData(typedData);
  return { ...params, notary: { ...params.notary, signature } };
}

/** The same signature with s -> n - s and the other recovery parity: mathematically valid, but high-s. */
function malleate(signature: Hex): Hex {
  const { r, s, yParity } = parseSignature(signature);
  return serializeSignature({ r, s: numberToHex(SECP256K1_N - hexToBigInt(s), { size: 32 }), yParity: 1 - yParity });
}

function originate(f: Fixture, params: Origination, lender: Wallet = f.lender) {
  return f.book.write.originate([params], as(lender));
}

/** Everything an origination would change: the loans, the nonces of every signer, every token balance involved. */
async function ledger(f: Fixture) {
  const { book, token, collateralToken } = f;
  const signers = [f.borrower, f.notary, f.stranger].map((w) => w.account.address);
  signers.push(f.borrowerWallet.address, f.notaryWallet.address);
  const holders = [f.lender, f.otherLender, f.borrower, f.stranger].map((w) => w.account.address);
  holders.push(f.borrowerWallet.address, book.address);
  return {
    loanCount: await book.read.loanCount(),
    claims: await Promise.all(holders.map((a) => book.read.balanceOf([a]))),
    nonces: await Promise.all(signers.map((a) => book.read.nonces([a, 0n]))),
    keyedNonces: await Promise.all([1n, 2n].map((key) => book.read.nonces([f.notary.account.address, key]))),
    balances: await Promise.all(holders.map((a) => token.read.balanceOf([a]))),
    collateral: await Promise.all(holders.map((a) => collateralToken.read.balanceOf([a]))),
  };
}

/** Runs `refusal` (an assertion that a submission reverts with a given error) and checks that nothing changed. */
async function refusedAndUnchanged(f: Fixture, refusal: () => Promise<void>) {
  const before = await ledger(f);
  await refusal();
  expect(await ledger(f), "a refused origination changed state").to.deep.equal(before);
}

/*//////////////////////////////////////////////////////////////
                                ATTACKS
//////////////////////////////////////////////////////////////*/

describe("LoanBook signatures: attacks are refused and change nothing", () => {
  it("control: the honest origination goes through (so each refusal below is the tampering's)", async () => {
    const f = await load();
    const before = await ledger(f);
    await originate(f, await signedOrigination(f));
    const after = await ledger(f);
    expect(after.loanCount).to.equal(before.loanCount + 1n);
    expect(after.nonces.slice(0, 2)).to.deep.equal([before.nonces[0] + 1n, before.nonces[1] + 1n]);
    expect(after.balances[2]).to.equal(before.balances[2] + PRINCIPAL);
  });

  describe("replay", () => {
    it("the same signed origination submitted twice: the second is refused", async () => {
      const f = await load();
      const params = await signedOrigination(f);
      await originate(f, params);
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "InvalidAccountNonce", [
          f.borrower.account.address,
          1n,
        ]),
      );
    });

    it("a borrower nonce below the current one", async () => {
      const f = await load();
      await originate(f, await signedOrigination(f));
      const stale = await signedOrigination(f, { borrowerNonce: 0n, document: documentHash("2") });
      expect(stale.notary.nonce, "the notary's nonce is current").to.equal(1n);
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, stale), f.book, "InvalidAccountNonce", [
          f.borrower.account.address,
          1n,
        ]),
      );
    });

    it("a notary nonce below the current one", async () => {
      const f = await load();
      await originate(f, await signedOrigination(f));
      const stale = await signedOrigination(f, { notaryNonce: 0n, document: documentHash("2") });
      expect(stale.borrower.nonce, "the borrower's nonce is current").to.equal(1n);
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, stale), f.book, "InvalidAccountNonce", [
          f.notary.account.address,
          1n,
        ]),
      );
    });

    it("a nonce ahead of the current one (a skipped sequence number)", async () => {
      const f = await load();
      const ahead = await signedOrigination(f, { borrowerNonce: 1n });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, ahead), f.book, "InvalidAccountNonce", [
          f.borrower.account.address,
          0n,
        ]),
      );
    });
  });

  describe("expired deadline", () => {
    it("the borrower's, one second past its deadline", async () => {
      const f = await load();
      const { time } = f.connection.networkHelpers;
      const deadline = BigInt(await time.latest()) + 600n;
      const params = await signedOrigination(f, { deadline });
      await time.setNextBlockTimestamp(deadline + 1n);
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_SignatureExpired", [
          f.borrower.account.address,
          deadline,
        ]),
      );
    });

    it("control: a signature is still valid in the block of its deadline second", async () => {
      const f = await load();
      const { time } = f.connection.networkHelpers;
      const deadline = BigInt(await time.latest()) + 600n;
      const params = await signedOrigination(f, { deadline });
      await time.setNextBlockTimestamp(deadline);
      await originate(f, params);
      expect(await f.book.read.loanCount()).to.equal(1n);
    });

    it("the notary's, while the borrower's is still valid", async () => {
      const f = await load();
      const { time } = f.connection.networkHelpers;
      const notaryDeadline = BigInt(await time.latest()) + 600n;
      const params = await signedOrigination(f, { deadline: notaryDeadline + 3_600n });
      const stale = await withNotarization(f, { ...params, notary: { ...params.notary, deadline: notaryDeadline } });
      await time.increaseTo(notaryDeadline + 1n);
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, stale), f.book, "LoanBook_SignatureExpired", [
          f.notary.account.address,
          notaryDeadline,
        ]),
      );
    });
  });

  describe("foreign domain", () => {
    it("another chain id in the borrower's domain", async () => {
      const f = await load();
      const params = await withAcceptance(f, await signedOrigination(f), { chainId: 1 });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_InvalidSignature", [
          f.borrower.account.address,
        ]),
      );
    });

    it("another chain id in the notary's domain", async () => {
      const f = await load();
      const params = await withNotarization(f, await signedOrigination(f), { chainId: 1 });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_InvalidSignature", [
          f.notary.account.address,
        ]),
      );
    });

    it("another verifying contract (a second LoanBook deployment) in the borrower's domain", async () => {
      const f = await load();
      const params = await withAcceptance(f, await signedOrigination(f), { verifyingContract: f.otherBook.address });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_InvalidSignature", [
          f.borrower.account.address,
        ]),
      );
    });

    it("another verifying contract in the notary's domain", async () => {
      const f = await load();
      const params = await withNotarization(f, await signedOrigination(f), { verifyingContract: f.otherBook.address });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_InvalidSignature", [
          f.notary.account.address,
        ]),
      );
    });
  });

  describe("wrong signer", () => {
    it("the borrower's acceptance signed by someone else", async () => {
      const f = await load();
      const params = await withAcceptance(f, await signedOrigination(f), { key: f.stranger });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_InvalidSignature", [
          f.borrower.account.address,
        ]),
      );
    });

    it("the notary's notarization signed by a non-notary, in the notary's name", async () => {
      const f = await load();
      const params = await withNotarization(f, await signedOrigination(f), { key: f.stranger });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_InvalidSignature", [
          f.notary.account.address,
        ]),
      );
    });

    it("a notarization correctly signed by a non-notary, in its own name", async () => {
      const f = await load();
      const params = await signedOrigination(f, { notary: f.stranger });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_NotANotary", [
          f.stranger.account.address,
        ]),
      );
    });

    it("a notary revoked between signing and submission", async () => {
      const f = await load();
      const params = await signedOrigination(f);
      await f.book.write.revokeNotary([f.notary.account.address], as(f.admin));
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_NotANotary", [
          f.notary.account.address,
        ]),
      );
    });
  });

  describe("malleable signature (s -> n - s, v flipped)", () => {
    it("the borrower's high-s twin is refused; the original low-s signature still works", async () => {
      const f = await load();
      const params = await signedOrigination(f);
      const twin = malleate(params.borrower.signature);
      // The twin is a valid ECDSA signature of the same message by the same key: only the low-s rule refuses it.
      const typedData = loanAcceptanceTypedData(
        f.chainId,
        f.book.address,
        acceptanceOf(params, f.lender.account.address),
      );
      expect(getAddress(await recoverTypedDataAddress({ ...typedData, signature: twin }))).to.equal(
        getAddress(f.borrower.account.address),
      );
      const forged = { ...params, borrower: { ...params.borrower, signature: twin } };
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, forged), f.book, "LoanBook_InvalidSignature", [
          f.borrower.account.address,
        ]),
      );
      await originate(f, params);
      expect(await f.book.read.loanCount()).to.equal(1n);
    });

    it("the notary's high-s twin is refused", async () => {
      const f = await load();
      const params = await signedOrigination(f);
      const forged = { ...params, notary: { ...params.notary, signature: malleate(params.notary.signature) } };
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, forged), f.book, "LoanBook_InvalidSignature", [
          f.notary.account.address,
        ]),
      );
    });
  });

  describe("a signature over different terms", () => {
    it("principal changed after signing", async () => {
      const f = await load();
      const params = await signedOrigination(f);
      const tampered = { ...params, principal: params.principal * 2n };
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, tampered), f.book, "LoanBook_InvalidSignature", [
          f.borrower.account.address,
        ]),
      );
    });

    it("document hash changed after signing", async () => {
      const f = await load();
      const params = await signedOrigination(f);
      const tampered = { ...params, documentHash: documentHash("a different contract") };
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, tampered), f.book, "LoanBook_InvalidSignature", [
          f.borrower.account.address,
        ]),
      );
    });

    it("collateral changed after signing (more than the borrower pledged)", async () => {
      const f = await load();
      const collateral = { ...(await signedOrigination(f)).collateral, token: f.collateralToken.address };
      const params = await signedOrigination(f, {
        templateId: COLLATERAL_TEMPLATE,
        collateral: { ...collateral, amountOrId: COLLATERAL },
      });
      const tampered = { ...params, collateral: { ...params.collateral, amountOrId: 2n * COLLATERAL } };
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, tampered), f.book, "LoanBook_InvalidSignature", [
          f.borrower.account.address,
        ]),
      );
      // The honest pledge escrows exactly what was signed.
      await originate(f, params);
      expect(await f.collateralToken.read.balanceOf([f.book.address])).to.equal(COLLATERAL);
    });

    it("lender changed: another lender submits an acceptance that names someone else", async () => {
      const f = await load();
      // Signed for template 3 with `lender` as the lender; template 3 is otherLender's, who submits it.
      const params = await signedOrigination(f, { templateId: OTHER_LENDERS_TEMPLATE, lender: f.lender });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(
          originate(f, params, f.otherLender),
          f.book,
          "LoanBook_InvalidSignature",
          [f.borrower.account.address],
        ),
      );
    });

    it("template changed after signing", async () => {
      const f = await load();
      const params = await signedOrigination(f, { templateId: TEMPLATE });
      const tampered = { ...params, templateId: COLLATERAL_TEMPLATE };
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, tampered), f.book, "LoanBook_InvalidSignature", [
          f.borrower.account.address,
        ]),
      );
    });

    it("the notary notarized a different document than the borrower accepted", async () => {
      const f = await load();
      const params = await signedOrigination(f);
      const otherDocument = await signedOrigination(f, { document: documentHash("the notary's copy") });
      const mixed = { ...params, notary: otherDocument.notary };
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, mixed), f.book, "LoanBook_InvalidSignature", [
          f.notary.account.address,
        ]),
      );
    });

    it("the notary notarized for a different lender", async () => {
      const f = await load();
      const params = await withNotarization(f, await signedOrigination(f), { lender: f.otherLender.account.address });
      await refusedAndUnchanged(f, () =>
        f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, params), f.book, "LoanBook_InvalidSignature", [
          f.notary.account.address,
        ]),
      );
    });
  });
});

/*//////////////////////////////////////////////////////////////
                         WHAT MUST WORK
//////////////////////////////////////////////////////////////*/

describe("LoanBook signatures: smart wallets and keyed nonces", () => {
  it("an ERC-1271 smart wallet as borrower: its owner signs, the wallet borrows", async () => {
    const f = await load();
    const wallet = f.borrowerWallet.address;
    expect(getAddress(await f.borrowerWallet.read.OWNER())).to.equal(getAddress(f.borrower.account.address));
    const base = await signedOrigination(f);
    const unsigned = {
      ...base,
      borrower: { ...base.borrower, signer: wallet, nonce: await f.book.read.nonces([wallet, 0n]) },
    };
    // The notarization names the wallet as borrower too.
    const params = await withNotarization(f, await withAcceptance(f, unsigned, { key: f.borrower }));

    const byStranger = await withAcceptance(f, params, { key: f.stranger });
    await refusedAndUnchanged(f, () =>
      f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, byStranger), f.book, "LoanBook_InvalidSignature", [
        wallet,
      ]),
    );

    await f.viem.assertions.emitWithArgs(originate(f, params), f.book, "LoanOriginated", [
      1n,
      TEMPLATE,
      getAddress(f.lender.account.address),
      getAddress(wallet),
      getAddress(f.notary.account.address),
      PRINCIPAL,
      params.documentHash,
    ]);
    expect(getAddress((await f.book.read.loanOf([1n])).borrower)).to.equal(getAddress(wallet));
    expect(await f.token.read.balanceOf([wallet])).to.equal(PRINCIPAL);
    expect(await f.book.read.nonces([wallet, 0n])).to.equal(1n);
  });

  it("an ERC-1271 smart wallet as notary: registered by the admin, its owner signs", async () => {
    const f = await load();
    const wallet = f.notaryWallet.address;
    await f.book.write.addNotary([wallet, keccak256(toHex("Notary office multisig"))], as(f.admin));
    const base = await signedOrigination(f);
    const unsigned = {
      ...base,
      notary: { ...base.notary, signer: wallet, nonce: await f.book.read.nonces([wallet, 0n]) },
    };
    const params = await withNotarization(f, unsigned, { key: f.notary });

    const byStranger = await withNotarization(f, params, { key: f.stranger });
    await refusedAndUnchanged(f, () =>
      f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, byStranger), f.book, "LoanBook_InvalidSignature", [
        wallet,
      ]),
    );

    await f.viem.assertions.emitWithArgs(originate(f, params), f.book, "LoanOriginated", [
      1n,
      TEMPLATE,
      getAddress(f.lender.account.address),
      getAddress(f.borrower.account.address),
      getAddress(wallet),
      PRINCIPAL,
      params.documentHash,
    ]);
    expect(await f.book.read.nonces([wallet, 0n])).to.equal(1n);
  });

  it("keyed nonces: a notary signs two loans that are originated in the opposite order", async () => {
    const f = await load();
    const notary = f.notary.account.address;
    // Both notarized up front, each on its own nonce key; two borrowers, each at their own nonce 0.
    const first = await signedOrigination(f, { notaryNonce: keyedNonce(1n, 0n), document: documentHash("A") });
    const second = await signedOrigination(f, {
      borrower: f.stranger,
      notaryNonce: keyedNonce(2n, 0n),
      document: documentHash("B"),
    });
    await originate(f, second);
    await originate(f, first);
    expect(await f.book.read.loanCount()).to.equal(2n);
    expect(getAddress((await f.book.read.loanOf([1n])).borrower)).to.equal(getAddress(f.stranger.account.address));
    expect(getAddress((await f.book.read.loanOf([2n])).borrower)).to.equal(getAddress(f.borrower.account.address));
    expect(await f.book.read.nonces([notary, 1n])).to.equal(keyedNonce(1n, 1n));
    expect(await f.book.read.nonces([notary, 2n])).to.equal(keyedNonce(2n, 1n));
    expect(await f.book.read.nonces([notary, 0n]), "the default sequence is untouched").to.equal(0n);
    // Each key is still a sequence: the used nonce cannot be replayed.
    const replay = await signedOrigination(f, { notaryNonce: keyedNonce(1n, 0n), document: documentHash("C") });
    await refusedAndUnchanged(f, () =>
      f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, replay), f.book, "InvalidAccountNonce", [
        notary,
        keyedNonce(1n, 1n),
      ]),
    );
  });

  it("without keys, one sequence: the later-signed loan cannot go first", async () => {
    const f = await load();
    const first = await signedOrigination(f, { notaryNonce: 0n, document: documentHash("A") });
    const second = await signedOrigination(f, { borrower: f.stranger, notaryNonce: 1n, document: documentHash("B") });
    await refusedAndUnchanged(f, () =>
      f.viem.assertions.revertWithCustomErrorWithArgs(originate(f, second), f.book, "InvalidAccountNonce", [
        f.notary.account.address,
        0n,
      ]),
    );
    await originate(f, first);
    await originate(f, second);
    expect(await f.book.read.loanCount()).to.equal(2n);
  });
});
