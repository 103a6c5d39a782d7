import { describe, it } from "node:test";
import express from "express";
import { expect } from "chai";
import { openStore } from "../../adapters/store/openStore.ts";
import { createLogger } from "../../runtime/logger.ts";
import { createAuth } from "./requireAuth.ts";
import { createSignInRouter } from "./signIn.ts";

describe("GET /auth/nonce", () => {
  it("issues at most maxLiveNonces waiting nonces, then 429 until they are used or expire", async () => {
    const store = openStore(":memory:");
    const clock = { ms: 1_800_000_000_000 };
    const origins = () => ["http://127.0.0.1"];
    const auth = createAuth({
      store,
      resolveRoles: async () => [],
      operatorTokens: {},
      clock: () => clock.ms,
      origins,
    });
    const app = express().use(
      createSignInRouter({
        store,
        auth,
        chainId: 31337,
        verifySignature: async () => false,
        origins,
        clock: () => clock.ms,
        logger: createLogger({ level: "silent" }),
        maxLiveNonces: 2,
      }),
    );
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/auth/nonce`;
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(url)).status);
      expect(statuses).to.deep.equal([200, 200, 429]);
      expect(store.sessions.liveNonceCount(clock.ms)).to.equal(2);
      clock.ms += 10 * 60_000;
      expect((await fetch(url)).status).to.equal(200);
    } finally {
      server.close();
      store.close();
    }
  });
});
