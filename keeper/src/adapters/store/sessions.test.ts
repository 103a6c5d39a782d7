import { after, describe, it } from "node:test";
import { expect } from "chai";
import { getAddress } from "viem";
import { STORE_BACKENDS } from "./storeBackends.ts";

const ALICE = getAddress("0x" + "a1".repeat(20));
const T = 1_800_000_000_000;

for (const backend of STORE_BACKENDS) {
  after(() => backend.release());

  describe(`sessions on ${backend.name}`, { skip: backend.skip }, () => {
    it("burns a nonce once, and only while it is unexpired", async () => {
      const store = (await backend.fresh()).open();
      try {
        const { sessions } = store;
        sessions.insertNonce("n1", T + 1_000, T);
        sessions.insertNonce("n2", T + 1_000, T);
        expect(sessions.checkNonce("n1", T)).to.equal("ok");
        expect(sessions.consumeNonce("n1", T)).to.equal("ok");
        expect(sessions.consumeNonce("n1", T)).to.equal("used");
        expect(sessions.checkNonce("n1", T)).to.equal("used");
        expect(sessions.consumeNonce("nx", T)).to.equal("unknown");
        expect(sessions.consumeNonce("n2", T + 1_000)).to.equal("expired");
        // A new nonce sweeps the expired ones away.
        sessions.insertNonce("n3", T + 5_000, T + 2_000);
        expect(sessions.checkNonce("n2", T + 2_000)).to.equal("unknown");
      } finally {
        store.close();
      }
    });

    it("keeps a session until it expires, and deletes it", async () => {
      const store = (await backend.fresh()).open();
      try {
        const { sessions } = store;
        sessions.insertSession({ idHash: "ab".repeat(32), address: ALICE, expiresAtMs: T + 1_000 }, T);
        expect(sessions.getSession("ab".repeat(32), T + 999)).to.deep.equal({
          address: ALICE,
          createdAtMs: T,
          expiresAtMs: T + 1_000,
        });
        expect(sessions.getSession("ab".repeat(32), T + 1_000)).to.equal(undefined);
        expect(sessions.deleteSession("ab".repeat(32))).to.equal(true);
        expect(sessions.deleteSession("ab".repeat(32))).to.equal(false);
      } finally {
        store.close();
      }
    });

    it("finds an API key by its hash until it is revoked", async () => {
      const store = (await backend.fresh()).open();
      try {
        const { sessions } = store;
        const id = sessions.insertApiKey({ lender: ALICE, name: "erp", keyHash: "cd".repeat(32) }, T);
        expect(sessions.getApiKeyByHash("cd".repeat(32))).to.deep.equal({
          id,
          lender: ALICE,
          name: "erp",
          createdAtMs: T,
          revokedAtMs: null,
          keyHash: "cd".repeat(32),
        });
        expect(sessions.revokeApiKey(id, T + 1)).to.equal(true);
        expect(sessions.revokeApiKey(id, T + 2)).to.equal(false);
        expect(sessions.getApiKeyByHash("cd".repeat(32))).to.equal(undefined);
        expect(sessions.listApiKeys()).to.deep.equal([
          { id, lender: ALICE, name: "erp", createdAtMs: T, revokedAtMs: T + 1 },
        ]);
      } finally {
        store.close();
      }
    });
  });
}
