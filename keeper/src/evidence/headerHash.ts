/**
 * A block's hash computed from its own header fields (keccak256 of the RLP list of the header, as the execution
 * layer defines it through the Prague fork), so that `blocks/<n>.json` proves itself: a changed field no longer
 * hashes to the block hash every node agrees on. Fields a fork added are included when the header has them.
 */
import { keccak256, toRlp, type Hex } from "viem";

/** The header's fields in RLP order; the optional ones (later forks) follow in the order they were added. */
const FIELDS = [
  "parentHash",
  "sha3Uncles",
  "miner",
  "stateRoot",
  "transactionsRoot",
  "receiptsRoot",
  "logsBloom",
  "difficulty",
  "number",
  "gasLimit",
  "gasUsed",
  "timestamp",
  "extraData",
  "mixHash",
  "nonce",
] as const;
const LATER_FIELDS = [
  "baseFeePerGas",
  "withdrawalsRoot",
  "blobGasUsed",
  "excessBlobGas",
  "parentBeaconBlockRoot",
  "requestsHash",
] as const;
/** Quantities: RLP writes them as minimal big-endian bytes (zero: empty). */
const QUANTITIES = new Set([
  "difficulty",
  "number",
  "gasLimit",
  "gasUsed",
  "timestamp",
  "baseFeePerGas",
  "blobGasUsed",
  "excessBlobGas",
]);

/**
 * The hash of the header `block` (a raw `eth_getBlockByNumber` result), from its fields.
 *
 * @example
 * computeHeaderHash(rawBlock) === rawBlock.hash; // true for an untouched header
 */
export function computeHeaderHash(block: Readonly<Record<string, unknown>>): Hex {
  const present = LATER_FIELDS.filter((field) => block[field] !== undefined && block[field] !== null);
  const items = [...FIELDS, ...present].map((field) => {
    const value = block[field];
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]*$/.test(value)) {
      throw new Error(`the header's ${field} is not a hex string`);
    }
    if (!QUANTITIES.has(field)) return value as Hex;
    const quantity = BigInt(value);
    if (quantity === 0n) return "0x";
    const digits = quantity.toString(16);
    return `0x${digits.length % 2 === 0 ? digits : `0${digits}`}` as Hex;
  });
  return keccak256(toRlp(items));
}
