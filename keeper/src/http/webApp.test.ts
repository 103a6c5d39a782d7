import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { createServer, request, type Server } from "node:http";
import { gunzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import express from "express";
import { buildWebApp, createWebAppRouter, WEB_APP_CSP } from "./webApp.ts";

/**
 * Origins the bundle may name as text without ever loading them (the CSP forbids it, and the browser tests check the
 * page's requests): the SVG namespace, and the documentation links and gateways in viem's, ox's and abitype's error
 * messages and ENS helpers.
 */
const ORIGINS_NEVER_LOADED = new Set([
  "http://www.w3.org",
  "https://viem.sh",
  "https://abitype.dev",
  "https://oxlib.sh",
  "https://docs.soliditylang.org",
  "https://4byte.sourcify.dev",
  "https://eips.ethereum.org",
  "https://www.rfc-editor.org",
  "https://ipfs.io",
  "https://arweave.net",
]);
const neverLoaded = (url: string) => ORIGINS_NEVER_LOADED.has(/^[a-z]+:\/\/[^/?#$]+/.exec(url)?.[0] ?? url);
/** The bundle's size limit, minified: viem's clients, actions and errors are most of it. */
const MAX_BUNDLE_BYTES = 600_000;
const absoluteUrls = (text: string): string[] => [...new Set(text.match(/(?:https?|wss?):\/\/[^"'`\s)]+/g) ?? [])];

const DISPLAY = {
  tokenDecimals: 6,
  currency: "TUSD",
  chainId: 31337,
  loanBook: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
} as const;

describe("createWebAppRouter", () => {
  let server: Server;
  let base: string;
  const get = (path: string) => fetch(`${base}${path}`, { redirect: "manual" });

  before(async () => {
    const app = express();
    app.use(createWebAppRouter({ display: DISPLAY }));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const [path, location, status] of [
    ["/", "/app/", 302],
    ["/app", "/app/", 301],
  ] as const) {
    it(`redirects ${path} to ${location}`, async () => {
      const response = await get(path);
      expect(response.status).to.equal(status);
      expect(response.headers.get("location")).to.equal(location);
    });
  }

  for (const [path, type] of [
    ["/app/", "text/html"],
    ["/app/styles.css", "text/css"],
    ["/app/main.js", "text/javascript"],
    ["/app/config.json", "application/json"],
  ] as const) {
    it(`serves ${path} as ${type} under the app's Content-Security-Policy`, async () => {
      const response = await get(path);
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.match(new RegExp(`^${type}`));
      expect(response.headers.get("content-security-policy")).to.equal(WEB_APP_CSP);
      expect(response.headers.get("x-content-type-options")).to.equal("nosniff");
    });
  }

  it("serves the bundle gzipped to a browser that accepts it, and as it is otherwise", async () => {
    const raw = (encoding: string) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const chunks: Buffer[] = [];
        request(`${base}/app/main.js`, { headers: { "accept-encoding": encoding } }, (response) => {
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
        })
          .on("error", reject)
          .end();
      });
    const plain = await raw("identity");
    const gzipped = await raw("gzip, deflate, br");
    expect(plain.headers["content-encoding"]).to.equal(undefined);
    expect(gzipped.headers["content-encoding"]).to.equal("gzip");
    expect(gzipped.headers.vary).to.match(/Accept-Encoding/i);
    expect(gunzipSync(gzipped.body).equals(plain.body)).to.equal(true);
    expect(gzipped.body.length).to.be.below(plain.body.length / 2);
  });

  it("serves the display settings it was given", async () => {
    expect(await (await get("/app/config.json")).json()).to.deep.equal(DISPLAY);
  });

  it("names no other origin in its page or style sheet, and no inline script or style", async () => {
    const html = await (await get("/app/")).text();
    const css = await (await get("/app/styles.css")).text();
    expect(absoluteUrls(html + css)).to.deep.equal([]);
    expect(html).to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).to.not.match(/<style|\sstyle=/);
    expect([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1])).to.deep.equal([
      "data:,",
      "/app/styles.css",
      "/app/main.js",
    ]);
  });

  it("leaves the rest to the routes after it", async () => {
    expect((await get("/api/loans")).status).to.equal(404);
    expect((await get("/app/missing.js")).status).to.equal(404);
  });

  it("does not allow unsafe-inline or unsafe-eval, nor any other origin", () => {
    expect(WEB_APP_CSP).to.contain("default-src 'self'");
    expect(WEB_APP_CSP).to.not.match(/unsafe|\*|https?:/);
  });
});

describe("buildWebApp", () => {
  it("bundles the app and viem into one ES module in well under the startup budget", async () => {
    const { js, buildMs } = await buildWebApp();
    expect(js).to.not.match(/^\s*import\s/m);
    expect(js.length).to.be.within(1_000, MAX_BUNDLE_BYTES);
    expect(buildMs).to.be.below(10_000);
    expect(absoluteUrls(js).filter((url) => !neverLoaded(url))).to.deep.equal([]);
  });
});
