import { keccak256, stringToHex, type Hash } from "viem";

/**
 * The `bankReferenceHash` the chain credits once (`BankPayment.bankReferenceHash`): keccak256 of the bank's
 * identifier and its transaction reference, joined by a slash. The same payment reported by two feeds of one bank
 * (a webhook and a statement) has one hash; no personal data reaches the chain.
 *
 * @example
 * bankReferenceHashOf("ICBC-SH", "2026112500001234"); // 0x...
 */
export function bankReferenceHashOf(bank: string, reference: string): Hash {
  return keccak256(stringToHex(`${bank}/${reference}`));
}
