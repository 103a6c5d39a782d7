import { after, before, describe, it } from "node:test";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { startFaultyRpcProxy, type FaultyRpcProxy, type StartFaultyRpcProxyParameters } from "./faultyRpcProxy.ts";

const CHAIN_ID = "0x7a69";
const TEAPOT = 418;

/** A tiny JSON-RPC node: eth_chainId, eth_blockNumber (counting up), an HTTP 418 method, and a record of each body. */
interface FakeNode {
  url: string;
  /** The raw bodies received, in order. */
  bodies: Buffer[];
  hits(method?: string): number;
  close(): Promise<void>;
}

async function startFakeNode(): Promise<FakeNode> {
  const bodies: Buffer[] = [];
  const methods: string[] = [];
  let blockNumber = 0;
  const answer = (call: { id?: unknown; method?: unknown }) => {
    if (typeof call.method === "string") methods.push(call.method);
    if (call.method === "eth_chainId") return { jsonrpc: "2.0", id: call.id, result: CHAIN_ID };
    if (call.method === "eth_blockNumber")
      return { jsonrpc: "2.0", id: call.id, result: `0x${(++blockNumber).toString(16)}` };
    if (call.method === "eth_sendRawTransaction")
      return { jsonrpc: "2.0", id: call.id, result: `0x${"ab".repeat(32)}` };
    return { jsonrpc: "2.0", id: call.id, error: { code: -32601, message: `Method ${String(call.method)} not found` } };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      bodies.push(body);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        res.writeHead(400, { "content-type": "text/plain" }).end("not json");
        return;
      }
      if (!Array.isArray(parsed) && (parsed as { method?: unknown }).method === "fake_teapot") {
        methods.push("fake_teapot");
        res.writeHead(TEAPOT, { "content-type": "application/json" }).end('{"teapot":true}');
        return;
      }
      const result = Array.isArray(parsed) ? parsed.map(answer) : answer(parsed as { method?: unknown });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    hits: (method) => (method === undefined ? methods.length : methods.filter((m) => m === method).length),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type Outcome = { ok: true; status: number; body: string } | { ok: false; error: string };

/** One POST on a fresh connection (no client-side retry or connection reuse to blur the counts). */
function post(url: string, body: string | Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: "POST", agent: false, headers: { "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ ok: true, status: res.statusCode!, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", (error) => resolve({ ok: false, error: error.message }));
      },
    );
    req.on("error", (error) => resolve({ ok: false, error: (error as NodeJS.ErrnoException).code ?? error.message }));
    req.end(body);
  });
}

const call = (method: string, id = 1, params: unknown[] = []) => JSON.stringify({ jsonrpc: "2.0", id, method, params });

/** What a client sees, in one word: `ok`, `socket`, or the status of an injected error. */
const kind = (outcome: Outcome) => (!outcome.ok ? "socket" : outcome.status === 200 ? "ok" : String(outcome.status));

async function sequence(proxy: FaultyRpcProxy, count: number): Promise<string[]> {
  const kinds: string[] = [];
  for (let i = 0; i < count; i++)
    kinds.push(kind(await post(proxy.url, call(i % 2 ? "eth_chainId" : "eth_blockNumber", i))));
  return kinds;
}

describe("startFaultyRpcProxy", () => {
  let node: FakeNode;
  const proxies: FaultyRpcProxy[] = [];
  const start = async (parameters: Omit<StartFaultyRpcProxyParameters, "target">) => {
    const proxy = await startFaultyRpcProxy({ target: node.url, ...parameters });
    proxies.push(proxy);
    return proxy;
  };
  before(async () => {
    node = await startFakeNode();
  });
  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await node.close();
  });

  it("forwards everything, byte for byte, when the rates are 0", async () => {
    const proxy = await start({ dropRate: 0, delayRate: 0, maxDelayMs: 0 });
    const hitsBefore = node.bodies.length;
    const bodies = [
      call("eth_chainId"),
      ' { "jsonrpc" : "2.0", "id": "é-ü", "method": "eth_blockNumber", "params": [] }\n',
      JSON.stringify([JSON.parse(call("eth_chainId", 7)), JSON.parse(call("eth_blockNumber", 8))]),
      call("hardhat_mine", 2, ["0x2"]),
      call("evm_snapshot", 3),
    ];
    const outcomes = [];
    for (const body of bodies) outcomes.push(await post(proxy.url, body));

    expect(node.bodies.slice(hitsBefore).map((body) => body.toString("utf8"))).to.deep.equal(bodies);
    expect(outcomes.map(kind)).to.deep.equal(["ok", "ok", "ok", "ok", "ok"]);
    const [chainId, , batch, mine] = outcomes.map((outcome) => (outcome.ok ? JSON.parse(outcome.body) : undefined));
    expect(chainId).to.deep.equal({ jsonrpc: "2.0", id: 1, result: CHAIN_ID });
    expect(batch.map((entry: { id: number }) => entry.id)).to.deep.equal([7, 8]);
    expect(mine.error.message).to.equal("Method hardhat_mine not found");
    expect(proxy.stats()).to.deep.include({ requests: 5, dropped: 0, delayed: 0, forwarded: 5, upstreamErrors: 0 });
    expect(proxy.history().map((event) => event.methods)).to.deep.equal([
      ["eth_chainId"],
      ["eth_blockNumber"],
      ["eth_chainId", "eth_blockNumber"],
      ["hardhat_mine"],
      ["evm_snapshot"],
    ]);
  });

  it("returns the target's status and body unchanged", async () => {
    const proxy = await start({ dropRate: 0, delayRate: 0, maxDelayMs: 0 });
    expect(await post(proxy.url, call("fake_teapot"))).to.deep.equal({
      ok: true,
      status: TEAPOT,
      body: '{"teapot":true}',
    });
    expect(await post(proxy.url, "{not json")).to.deep.equal({ ok: true, status: 400, body: "not json" });
    expect(proxy.stats().forwarded).to.equal(2);
  });

  it("fails every request, in each of the modes, when dropRate is 1", async () => {
    const proxy = await start({ dropRate: 1, delayRate: 0, maxDelayMs: 0, seed: 3 });
    const hitsBefore = node.hits();
    const kinds = await sequence(proxy, 60);

    expect(kinds.filter((k) => k === "ok")).to.have.length(0);
    expect(new Set(kinds)).to.deep.equal(new Set(["socket", "502", "503"]));
    const stats = proxy.stats();
    expect(stats).to.deep.include({ requests: 60, dropped: 60, delayed: 0, forwarded: 0 });
    expect(stats.droppedByMode.destroySocket).to.be.greaterThan(0);
    expect(stats.droppedByMode.forwardThenDrop).to.be.greaterThan(0);
    expect(stats.droppedByMode.httpError).to.equal(kinds.filter((k) => k !== "socket").length);
    // Only the forward-then-drop requests reached the node.
    expect(node.hits() - hitsBefore).to.equal(stats.droppedByMode.forwardThenDrop);
  });

  it("drops about dropRate of 500 requests, and its counts add up", async () => {
    const proxy = await start({ dropRate: 0.2, delayRate: 0.1, maxDelayMs: 2, seed: 42 });
    const hitsBefore = node.hits();
    const kinds = await sequence(proxy, 500);

    const stats = proxy.stats();
    // Binomial(500, 0.2): mean 100, standard deviation ~8.9; the band is ±4.5 of them.
    expect(stats.dropped).to.be.within(60, 140);
    expect(stats.requests).to.equal(500);
    expect(stats.dropped + stats.forwarded + stats.upstreamErrors).to.equal(500);
    expect(kinds.filter((k) => k !== "ok")).to.have.length(stats.dropped);
    expect(stats.delayed).to.be.within(20, 80);
    expect(stats.delayed).to.equal(proxy.history().filter((event) => event.fault === "delay").length);
    expect(Object.values(stats.droppedByMode).reduce((sum, n) => sum + n, 0)).to.equal(stats.dropped);
    expect(node.hits() - hitsBefore).to.equal(stats.forwarded + stats.droppedByMode.forwardThenDrop);
  });

  it("decides the same fates for the same seed, and other fates for another seed", async () => {
    const settings = { dropRate: 0.3, delayRate: 0.2, maxDelayMs: 1 };
    const first = await start({ ...settings, seed: 7 });
    const second = await start({ ...settings, seed: 7 });
    const other = await start({ ...settings, seed: 8 });
    const fates = (proxy: FaultyRpcProxy) =>
      proxy.history().map(({ fault, status, delayMs }) => ({ fault, status, delayMs }));

    const kinds = await sequence(first, 100);
    expect(await sequence(second, 100)).to.deep.equal(kinds);
    expect(fates(second)).to.deep.equal(fates(first));
    expect(second.stats()).to.deep.equal(first.stats());
    expect(kinds).to.include("ok").and.to.include("socket");

    await sequence(other, 100);
    expect(fates(other)).to.not.deep.equal(fates(first));
  });

  it("forward-then-drop delivers eth_sendRawTransaction to the node and loses the answer", async () => {
    const proxy = await start({
      dropRate: 1,
      delayRate: 0,
      maxDelayMs: 0,
      modes: ["forwardThenDrop"],
      methods: ["eth_sendRawTransaction"],
    });
    const sendsBefore = node.hits("eth_sendRawTransaction");
    const chainIdsBefore = node.hits("eth_chainId");
    const send = call("eth_sendRawTransaction", 1, ["0x02f870"]);

    const outcomes = [
      await post(proxy.url, send),
      await post(proxy.url, send),
      await post(proxy.url, call("eth_chainId")),
    ];
    outcomes.push(await post(proxy.url, `[${send},${call("eth_chainId")}]`));

    expect(outcomes.map(kind)).to.deep.equal(["socket", "socket", "ok", "socket"]);
    expect(node.hits("eth_sendRawTransaction") - sendsBefore).to.equal(3);
    expect(node.hits("eth_chainId") - chainIdsBefore).to.equal(2);
    expect(proxy.stats()).to.deep.include({ requests: 4, dropped: 3, forwarded: 1 });
    expect(proxy.stats().droppedByMode.forwardThenDrop).to.equal(3);
    expect(proxy.history().map((event) => event.fault)).to.deep.equal([
      "forwardThenDrop",
      "forwardThenDrop",
      "none",
      "forwardThenDrop",
    ]);
  });

  it("delays requests by at most maxDelayMs, and setFaults changes the faults while it runs", async () => {
    const proxy = await start({ dropRate: 0, delayRate: 1, maxDelayMs: 80, seed: 5 });
    const started = performance.now();
    const kinds = await sequence(proxy, 10);
    const elapsed = performance.now() - started;

    expect(kinds).to.deep.equal(Array(10).fill("ok"));
    const delays = proxy.history().map((event) => event.delayMs!);
    expect(delays.every((ms) => ms >= 0 && ms <= 80)).to.equal(true);
    expect(elapsed).to.be.at.least(delays.reduce((sum, ms) => sum + ms, 0) - 10);
    expect(proxy.stats()).to.deep.include({ requests: 10, delayed: 10, forwarded: 10 });

    proxy.setFaults({ dropRate: 1, modes: ["httpError"] });
    expect(new Set(await sequence(proxy, 6))).to.satisfy((seen: Set<string>) => !seen.has("ok") && !seen.has("socket"));
    proxy.setFaults({ dropRate: 0, delayRate: 0 });
    expect(await sequence(proxy, 3)).to.deep.equal(["ok", "ok", "ok"]);
    expect(() => proxy.setFaults({ dropRate: 1.5 })).to.throw(/dropRate must be in \[0, 1\]/);
    expect(() => proxy.setFaults({ modes: [] })).to.throw(/modes/);
  });

  it("answers 502 when the target is down, and close() cancels a delayed request", async () => {
    const dead = await startFakeNode();
    await dead.close();
    const orphan = await startFaultyRpcProxy({ target: dead.url, dropRate: 0, delayRate: 0, maxDelayMs: 0 });
    const outcome = await post(orphan.url, call("eth_chainId"));
    expect(outcome.ok && outcome.status).to.equal(502);
    expect(outcome.ok && outcome.body).to.match(/^upstream error/);
    expect(orphan.stats()).to.deep.include({ requests: 1, forwarded: 0, upstreamErrors: 1 });
    await orphan.close();

    const slow = await startFaultyRpcProxy({ target: node.url, dropRate: 0, delayRate: 1, maxDelayMs: 60_000 });
    const hitsBefore = node.hits();
    const pending = post(slow.url, call("eth_chainId"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await slow.close();
    expect(kind(await pending)).to.equal("socket");
    expect(performance.now() - started).to.be.below(1_000);
    expect(node.hits()).to.equal(hitsBefore);
    expect(kind(await post(slow.url, call("eth_chainId")))).to.equal("socket");
  });

  it("rejects invalid settings and targets", async () => {
    const rejection = (parameters: StartFaultyRpcProxyParameters) =>
      startFaultyRpcProxy(parameters).then(
        () => "started",
        (error: Error) => error.message,
      );
    const valid = { target: node.url, dropRate: 0, delayRate: 0, maxDelayMs: 0 };
    expect(await rejection({ ...valid, dropRate: -0.1 })).to.match(/dropRate must be in \[0, 1\]/);
    expect(await rejection({ ...valid, delayRate: Number.NaN })).to.match(/delayRate must be in \[0, 1\]/);
    expect(await rejection({ ...valid, maxDelayMs: -1 })).to.match(/maxDelayMs must be >= 0/);
    expect(await rejection({ ...valid, target: "ws://127.0.0.1:1" })).to.match(/target must be an http\(s\) URL/);
  });
});
