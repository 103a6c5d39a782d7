import { describe, it } from "node:test";
import { expect } from "chai";
import { createLogger, jsonSafe } from "./logger.ts";
import type { LogLevel } from "../config.ts";

/** A logger writing into an array of parsed lines. */
function capture(level: LogLevel = "info", name?: string) {
  const raw: string[] = [];
  const destination = { write: (line: string) => void raw.push(line) };
  const logger = createLogger({ level, name, destination });
  const lines = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, raw, lines };
}

describe("createLogger", () => {
  it("writes one JSON object a line with service, level, time and message", () => {
    const { logger, raw, lines } = capture("info", "follower");
    logger.info({ block: 12 }, "block processed");
    expect(raw).to.have.length(1);
    expect(raw[0].endsWith("\n")).to.equal(true);
    const [line] = lines();
    expect(line).to.include({ level: 30, service: "keeper", name: "follower", block: 12, msg: "block processed" });
    expect(line.time).to.be.a("number");
    // base replaces pino's pid and hostname.
    expect(line).not.to.have.property("pid");
    expect(line).not.to.have.property("hostname");
  });

  it("writes bigints as decimal strings, exactly, at any depth and in a child's bindings", () => {
    const { logger, raw, lines } = capture();
    const huge = 2n ** 200n + 1n;
    logger.child({ loanId: 7n }).info({ owed: huge, installments: [{ due: 1n }, 2n], none: null }, "loan");
    logger.child({ loanId: 8n }).child({ installment: 2n }).info("grandchild");
    expect(raw[0]).to.include(`"owed":"${huge}"`);
    expect(lines()[0]).to.deep.include({
      loanId: "7",
      owed: huge.toString(),
      installments: [{ due: "1" }, "2"],
      none: null,
    });
    expect(lines()[1]).to.include({ loanId: "8", installment: "2", msg: "grandchild" });
  });

  it("serialises errors, with the bigint fields viem puts on them", () => {
    const { logger, lines } = capture();
    const cause = new Error("nonce too low");
    const error = Object.assign(new Error("execution reverted", { cause }), { gas: 21_000n });
    logger.error({ err: error, loanId: 3n }, "send failed");
    logger.warn(new Error("bare"));
    const [first, second] = lines();
    expect(first.loanId).to.equal("3");
    // pino's error serialiser folds the cause into the message and the stack.
    expect(first.err).to.include({ type: "Error", message: "execution reverted: nonce too low", gas: "21000" });
    expect(first.err).to.have.property("stack").that.includes("caused by: Error: nonce too low");
    expect(second.err).to.include({ message: "bare" });
  });

  it("filters by level: silent writes nothing, debug lines only at debug", () => {
    const quiet = capture("silent");
    quiet.logger.fatal("nothing");
    expect(quiet.raw).to.have.length(0);
    const info = capture("info");
    info.logger.debug("hidden");
    info.logger.warn("shown");
    expect(info.lines().map((line) => line.msg)).to.deep.equal(["shown"]);
    const debug = capture("debug");
    debug.logger.debug("shown");
    expect(debug.lines()).to.have.length(1);
  });
});

describe("jsonSafe", () => {
  it("converts bigints in plain objects and arrays, keeps other objects, and cuts cycles", () => {
    const date = new Date(0);
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic.self = cyclic;
    const shared = { x: 1n };
    expect(jsonSafe(5n)).to.equal("5");
    expect(jsonSafe({ a: [1n, { b: -2n }], date })).to.deep.equal({ a: ["1", { b: "-2" }], date });
    expect((jsonSafe({ date }) as { date: Date }).date).to.equal(date);
    expect(jsonSafe(cyclic)).to.deep.equal({ n: "1", self: "[Circular]" });
    expect(jsonSafe([shared, shared])).to.deep.equal([{ x: "1" }, { x: "1" }]);
  });
});
