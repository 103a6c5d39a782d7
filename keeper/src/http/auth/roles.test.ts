import { describe, it } from "node:test";
import { expect } from "chai";
import { getAddress, type Address, type Hex } from "viem";
import { createChainRoleReader, createRoleResolver, ROLE_CACHE_MS, type ChainRole } from "./roles.ts";

const LOAN_BOOK: Address = getAddress("0x" + "56".repeat(20));
const ALICE: Address = getAddress("0x" + "a1".repeat(20));
const BOB: Address = getAddress("0x" + "b2".repeat(20));
const ROLE_IDS: Record<string, Hex> = {
  LENDER_ROLE: `0x${"11".repeat(32)}`,
  NOTARY_ROLE: `0x${"22".repeat(32)}`,
  DEFAULT_ADMIN_ROLE: `0x${"00".repeat(32)}`,
};

/** A client answering the LoanBook's role views and `hasRole` from `held` (role id → holders). */
function fakeClient(held: Map<Hex, Set<Address>>, failures = { views: 0 }) {
  const calls: string[] = [];
  const client = {
    readContract: async ({
      functionName,
      args,
      address,
    }: {
      functionName: string;
      args?: unknown[];
      address: Address;
    }) => {
      expect(address).to.equal(LOAN_BOOK);
      calls.push(functionName);
      if (functionName !== "hasRole") {
        if (failures.views > 0) {
          failures.views--;
          throw new Error("RPC down");
        }
        return ROLE_IDS[functionName];
      }
      const [role, who] = args as [Hex, Address];
      return held.get(role)?.has(who) ?? false;
    },
  };
  return { client: client as never, calls };
}

describe("createChainRoleReader", () => {
  it("reads the role ids once, then hasRole with the right id", async () => {
    const held = new Map([
      [ROLE_IDS.LENDER_ROLE, new Set([ALICE])],
      [ROLE_IDS.DEFAULT_ADMIN_ROLE, new Set([BOB])],
    ]);
    const { client, calls } = fakeClient(held);
    const readRole = createChainRoleReader({ client, loanBook: LOAN_BOOK });
    expect(await readRole("lender", ALICE)).to.equal(true);
    expect(await readRole("notary", ALICE)).to.equal(false);
    expect(await readRole("admin", BOB)).to.equal(true);
    expect(await readRole("lender", BOB)).to.equal(false);
    expect(calls.filter((name) => name !== "hasRole")).to.deep.equal([
      "LENDER_ROLE",
      "NOTARY_ROLE",
      "DEFAULT_ADMIN_ROLE",
    ]);
  });

  it("tries the role ids again after a failed read", async () => {
    const { client } = fakeClient(new Map([[ROLE_IDS.NOTARY_ROLE, new Set([ALICE])]]), { views: 1 });
    const readRole = createChainRoleReader({ client, loanBook: LOAN_BOOK });
    let error: unknown;
    await readRole("notary", ALICE).catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(Error);
    expect(await readRole("notary", ALICE)).to.equal(true);
  });
});

describe("createRoleResolver", () => {
  const setup = () => {
    const roles = new Map<Address, Set<ChainRole>>([[ALICE, new Set(["lender", "admin"])]]);
    const clock = { ms: 1_000_000 };
    let reads = 0;
    let fail = false;
    const resolve = createRoleResolver({
      readRole: async (role, address) => {
        reads++;
        if (fail) throw new Error("RPC down");
        return roles.get(address)?.has(role) ?? false;
      },
      isBorrower: (address) => address === BOB,
      clock: () => clock.ms,
    });
    return { roles, clock, resolve, reads: () => reads, fail: (value: boolean) => (fail = value) };
  };

  it("lists the chain roles in order, then borrower from the store", async () => {
    const { resolve } = setup();
    expect(await resolve(ALICE)).to.deep.equal(["lender", "admin"]);
    expect(await resolve(BOB)).to.deep.equal(["borrower"]);
    expect(await resolve(ALICE.toLowerCase() as Address)).to.deep.equal(["lender", "admin"]);
  });

  it("caches the chain's answer for ROLE_CACHE_MS, then reads it again", async () => {
    const { resolve, roles, clock, reads } = setup();
    await resolve(ALICE);
    expect(reads()).to.equal(3);
    roles.delete(ALICE);
    clock.ms += ROLE_CACHE_MS - 1;
    expect(await resolve(ALICE)).to.deep.equal(["lender", "admin"]);
    expect(reads()).to.equal(3);
    clock.ms += 1;
    expect(await resolve(ALICE)).to.deep.equal([]);
    expect(reads()).to.equal(6);
  });

  it("does not cache a failed read", async () => {
    const { resolve, fail } = setup();
    fail(true);
    let error: unknown;
    await resolve(ALICE).catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(Error);
    fail(false);
    expect(await resolve(ALICE)).to.deep.equal(["lender", "admin"]);
  });
});
