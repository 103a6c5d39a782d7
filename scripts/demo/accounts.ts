/**
 * The demo's accounts: the local stack's roles (Hardhat's default mnemonic, as `deployLocalStack` numbers them) and
 * the borrowers, whose keys come from the seed, so that the same seed gives the same borrowers.
 */
import { bytesToHex, keccak256, stringToHex, type Hex, type PrivateKeyAccount } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";

/** Hardhat's default accounts derive from this public mnemonic: never fund them on a real network. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** `deployLocalStack`'s accounts by index: admin #0, lender #1, keeper #2, bank signer #3, notary #4. */
export const ROLE_INDEX = { admin: 0, lender: 1, keeper: 2, bankSigner: 3, notary: 4 } as const;
export type Role = keyof typeof ROLE_INDEX;

/** The private key of Hardhat's default account `index`. */
export function hardhatKey(index: number): Hex {
  const key = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (key === null) throw new Error(`no private key for Hardhat account #${index}`);
  return bytesToHex(key);
}

export interface RoleAccounts {
  readonly admin: PrivateKeyAccount;
  readonly lender: PrivateKeyAccount;
  readonly keeper: PrivateKeyAccount;
  readonly bankSigner: PrivateKeyAccount;
  readonly notary: PrivateKeyAccount;
}

/**
 * The five accounts of the local stack, with their keys (the demo signs everything locally).
 *
 * @example
 * const { lender, notary } = roleAccounts();
 */
export function roleAccounts(): RoleAccounts {
  const account = (role: Role) => privateKeyToAccount(hardhatKey(ROLE_INDEX[role]));
  return {
    admin: account("admin"),
    lender: account("lender"),
    keeper: account("keeper"),
    bankSigner: account("bankSigner"),
    notary: account("notary"),
  };
}

/**
 * Borrower `index`'s key for `seed`: keccak256 of a label naming both (a valid secp256k1 key but with negligible
 * probability).
 *
 * @example
 * const borrower = borrowerAccount("loanbook", 7);
 */
export function borrowerAccount(seed: string, index: number): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(stringToHex(`loanbook demo borrower/${seed}/${index}`)));
}
