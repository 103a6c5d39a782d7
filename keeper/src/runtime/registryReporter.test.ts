/**
 * The registry reporter's outbox rows: one enrollment per loan, whatever the identity (a second identity for the
 * same loan is never planned: the chain binds a loan once); one sync per change of a loan (the block of its change).
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { enrollAction, syncAction } from "./registryReporter.ts";

const IDENTITY = `0x${"d4".repeat(32)}` as const;
const NOTARY = `0x${"e5".repeat(20)}` as const;
const SIGNATURE = `0x${"f6".repeat(65)}` as const;
const attested = (loanId: bigint, commitment: `0x${string}` = IDENTITY) => ({
  loanId,
  commitment,
  notary: NOTARY,
  signature: SIGNATURE,
});

describe("registry reporter actions", () => {
  it("enrolls a loan under one key, with its identity commitment and the notary's attestation", () => {
    const action = enrollAction(attested(12n), 1_000n);
    expect(action).to.deep.equal({
      key: "12:enrollIdentity",
      loanId: 12n,
      kind: "enrollIdentity",
      installment: 0,
      validFrom: 1_000n,
      payload: { identity: IDENTITY, notary: NOTARY, signature: SIGNATURE },
    });
    expect(enrollAction(attested(12n, `0x${"e5".repeat(32)}`), 2_000n).key).to.equal(action.key);
  });

  it("syncs a loan once per block its facts changed at", () => {
    expect(syncAction(12n, 340n, 1_000n)).to.include({ key: "12:syncRegistry:b340", kind: "syncRegistry" });
    expect(syncAction(12n, 340n, 5_000n).key).to.equal("12:syncRegistry:b340");
    expect(syncAction(12n, 341n, 5_000n).key).to.equal("12:syncRegistry:b341");
  });
});
