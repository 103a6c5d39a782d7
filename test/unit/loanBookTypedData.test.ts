/**
 * The TypeScript typed-data definitions (keeper/src/core/typedData.ts) against the contract: the type hashes derived
 * from the TypeScript types equal LOAN_ACCEPTANCE_TYPEHASH, COLLATERAL_TYPEHASH and NOTARIZATION_TYPEHASH; viem's
 * struct hashes equal the ones the contract builds on its constants; the domain matches `domainSeparator()` and
 * ERC-5267's `eip712Domain()`. A wallet, the keeper and the contract therefore sign and check the same digest.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import {
  concat,
  encodeAbiParameters,
  getAddress,
  getTypesForEIP712Domain,
  hashDomain,
  hashStruct,
  hashTypedData,
  keccak256,
  toHex,
  zeroHash,
  type Hex,
  type TypedData,
  type TypedDataDomain,
} from "viem";

import {
  loanAcceptanceTypedData,
  loanAcceptanceTypes,
  loanBookDomain,
  notarizationTypedData,
  notarizationTypes,
  type CollateralTerms,
  type LoanAcceptance,
  type Notarization,
} from "../../keeper/src/core/typedData.ts";
import {
  NO_COLLATERAL,
  PRINCIPAL,
  deployLoanBook,
  deployLoanBookContracts,
  documentHash,
} from "../support/loanBookFixture.ts";

const connection = await network.create();
const load = () => connection.networkHelpers.loadFixture(deployLoanBook);

type TypeDefinitions = Record<string, readonly { name: string; type: string }[]>;

/**
 * EIP-712 `encodeType`: the primary type, then every struct type it references (transitively) sorted by name, each
 * as `Name(type1 name1,type2 name2,...)`. viem implements it internally but does not export it.
 */
function encodeType(types: TypeDefinitions, primaryType: string): string {
  const referenced = new Set<string>();
  const visit = (name: string) => {
    for (const field of types[name]) {
      const base = field.type.replace(/(\[\d*\])+$/, "");
      if (base in types && base !== primaryType && !referenced.has(base)) {
        referenced.add(base);
        visit(base);
      }
    }
  };
  visit(primaryType);
  return [primaryType, ...[...referenced].sort()]
    .map((name) => `${name}(${types[name].map((field) => `${field.type} ${field.name}`).join(",")})`)
    .join("");
}

const typeHash = (types: TypeDefinitions, primaryType: string) => keccak256(toHex(encodeType(types, primaryType)));

/** Sample messages with every field non-zero, so that a field left out or swapped changes the hash. */
const COLLATERAL: CollateralTerms = {
  token: getAddress("0x00000000000000000000000000000000000c0113"),
  amountOrId: 123_456_789n,
  assetHash: keccak256(toHex("vehicle title VIN 1HGCM82633A004352")),
};

function sampleAcceptance(lender: Hex, borrower: Hex, collateral: CollateralTerms = COLLATERAL): LoanAcceptance {
  return {
    templateId: 7n,
    principal: PRINCIPAL,
    borrower: getAddress(borrower),
    lender: getAddress(lender),
    documentHash: documentHash("typed data"),
    collateral,
    nonce: (3n << 64n) | 5n,
    deadline: 1_900_000_000n,
  };
}

function sampleNotarization(lender: Hex, borrower: Hex): Notarization {
  return { ...sampleAcceptance(lender, borrower), nonce: 11n };
}

/** The struct hashes exactly as OriginationSignatures builds them (abi.encode of the typehash and the fields). */
function contractCollateralHash(typehash: Hex, collateral: CollateralTerms): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "uint256" }, { type: "bytes32" }],
      [typehash, collateral.token, collateral.amountOrId, collateral.assetHash],
    ),
  );
}

function contractAcceptanceHash(typehash: Hex, collateralTypehash: Hex, message: LoanAcceptance): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "uint256" },
        { type: "uint256" },
        { type: "address" },
        { type: "address" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint256" },
        { type: "uint256" },
      ],
      [
        typehash,
        message.templateId,
        message.principal,
        message.borrower,
        message.lender,
        message.documentHash,
        contractCollateralHash(collateralTypehash, message.collateral),
        message.nonce,
        message.deadline,
      ],
    ),
  );
}

/** The notarization has the acceptance's fields, under its own type hash. */
function contractNotarizationHash(typehash: Hex, collateralTypehash: Hex, message: Notarization): Hex {
  return contractAcceptanceHash(typehash, collateralTypehash, message);
}

/** viem's hash of an EIP-712 domain, over the domain type of exactly the fields it has. */
function separatorOf(domain: TypedDataDomain): Hex {
  return hashDomain<TypedData>({ domain, types: { EIP712Domain: getTypesForEIP712Domain({ domain }) } });
}

/** EIP-712 digest: keccak256(0x1901 || domainSeparator || structHash), what `_hashTypedDataV4` returns. */
const digestOf = (domainSeparator: Hex, structHash: Hex) => keccak256(concat(["0x1901", domainSeparator, structHash]));

describe("LoanBook typed data: the TypeScript definitions match the contract", () => {
  describe("type hashes", () => {
    it("LoanAcceptance (with its Collateral appended) equals LOAN_ACCEPTANCE_TYPEHASH", async () => {
      const { book } = await load();
      expect(typeHash(loanAcceptanceTypes, "LoanAcceptance")).to.equal(await book.read.LOAN_ACCEPTANCE_TYPEHASH());
    });

    it("Collateral equals COLLATERAL_TYPEHASH", async () => {
      const { book } = await load();
      expect(typeHash(loanAcceptanceTypes, "Collateral")).to.equal(await book.read.COLLATERAL_TYPEHASH());
    });

    it("Notarization equals NOTARIZATION_TYPEHASH", async () => {
      const { book } = await load();
      expect(typeHash(notarizationTypes, "Notarization")).to.equal(await book.read.NOTARIZATION_TYPEHASH());
    });
  });

  describe("viem's hashStruct equals the struct hash built on the contract's type hash", () => {
    it("Collateral", async () => {
      const { book } = await load();
      const typehash = await book.read.COLLATERAL_TYPEHASH();
      for (const collateral of [COLLATERAL, NO_COLLATERAL]) {
        expect(hashStruct({ types: loanAcceptanceTypes, primaryType: "Collateral", data: collateral })).to.equal(
          contractCollateralHash(typehash, collateral),
        );
      }
    });

    it("LoanAcceptance", async () => {
      const { book, lender, borrower } = await load();
      const [typehash, collateralTypehash] = await Promise.all([
        book.read.LOAN_ACCEPTANCE_TYPEHASH(),
        book.read.COLLATERAL_TYPEHASH(),
      ]);
      for (const collateral of [COLLATERAL, NO_COLLATERAL]) {
        const message = sampleAcceptance(lender.account.address, borrower.account.address, collateral);
        expect(hashStruct({ types: loanAcceptanceTypes, primaryType: "LoanAcceptance", data: message })).to.equal(
          contractAcceptanceHash(typehash, collateralTypehash, message),
        );
      }
    });

    it("Notarization", async () => {
      const { book, lender, borrower } = await load();
      const message = sampleNotarization(lender.account.address, borrower.account.address);
      expect(hashStruct({ types: notarizationTypes, primaryType: "Notarization", data: message })).to.equal(
        contractNotarizationHash(
          await book.read.NOTARIZATION_TYPEHASH(),
          await book.read.COLLATERAL_TYPEHASH(),
          message,
        ),
      );
    });
  });

  describe("domain", () => {
    it("domainSeparator() equals viem's hashDomain of loanBookDomain(chainId, address)", async () => {
      const { book, chainId } = await load();
      expect(await book.read.domainSeparator()).to.equal(separatorOf(loanBookDomain(chainId, book.address)));
    });

    it("a second deployment has its own domain separator", async () => {
      const { book, viem, admin, chainId } = await load();
      const other = await deployLoanBookContracts(viem, admin.account.address);
      expect(await other.read.domainSeparator()).to.equal(separatorOf(loanBookDomain(chainId, other.address)));
      expect(await other.read.domainSeparator()).to.not.equal(await book.read.domainSeparator());
    });

    it("ERC-5267 eip712Domain() announces the same name, version, chain and contract", async () => {
      const { book, chainId } = await load();
      const [fields, name, version, domainChainId, verifyingContract, salt, extensions] =
        await book.read.eip712Domain();
      const domain = loanBookDomain(chainId, book.address);
      // 0x0f: name, version, chainId and verifyingContract are used; no salt.
      expect({ fields, name, version, chainId: domainChainId, salt, extensions }).to.deep.equal({
        fields: "0x0f",
        name: domain.name,
        version: domain.version,
        chainId: BigInt(domain.chainId),
        salt: zeroHash,
        extensions: [],
      });
      expect(getAddress(verifyingContract)).to.equal(getAddress(domain.verifyingContract));
    });
  });

  describe("the digest a wallet signs is the one the contract checks", () => {
    it("LoanAcceptance and Notarization: hashTypedData equals 0x1901 || domainSeparator || contract struct hash", async () => {
      const { book, chainId, lender, borrower } = await load();
      const separator = await book.read.domainSeparator();
      const acceptance = sampleAcceptance(lender.account.address, borrower.account.address);
      expect(hashTypedData(loanAcceptanceTypedData(chainId, book.address, acceptance))).to.equal(
        digestOf(
          separator,
          contractAcceptanceHash(
            await book.read.LOAN_ACCEPTANCE_TYPEHASH(),
            await book.read.COLLATERAL_TYPEHASH(),
            acceptance,
          ),
        ),
      );
      const notarization = sampleNotarization(lender.account.address, borrower.account.address);
      expect(hashTypedData(notarizationTypedData(chainId, book.address, notarization))).to.equal(
        digestOf(
          separator,
          contractNotarizationHash(
            await book.read.NOTARIZATION_TYPEHASH(),
            await book.read.COLLATERAL_TYPEHASH(),
            notarization,
          ),
        ),
      );
    });
  });
});
