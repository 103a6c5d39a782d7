import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";

const require = createRequire(import.meta.url);

// Offline compiler: solc-js (wasm) from the npm `solc` package. Hardhat never downloads a compiler whose
// config has `path`. `version` must equal the package's version (Hardhat does not check), so it is read from it.
const solcVersion: string = require("solc/package.json").version;
const compiler = {
  version: solcVersion,
  path: require.resolve("solc/soljson.js"),
  settings: { evmVersion: "cancun", viaIR: true, optimizer: { enabled: true, runs: 200 } },
};

// Fuzz runs of the Solidity property tests: 1,000 by default, more for a deep run (FUZZ_RUNS=50000 npm test).
// The seed is Hardhat's fixed default, so a failure replays; FUZZ_SEED=0x... explores other inputs.
const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 1_000);
const fuzzSeed = process.env.FUZZ_SEED;

export default defineConfig({
  plugins: [hardhatToolboxViem],
  // One compiler for every build profile: Ignition's `production` profile would otherwise drop the settings and
  // compile without viaIR, and LoanBook would exceed the 24,576-byte code size limit.
  solidity: { profiles: { default: compiler, production: compiler } },
  test: {
    solidity: {
      fuzz: { runs: fuzzRuns, ...(fuzzSeed ? { seed: fuzzSeed } : {}) },
      // Invariant campaigns (test/invariant): runs sequences of depth handler calls per invariant. Set explicitly:
      // EDR would otherwise take the fuzz runs. A deep run: INVARIANT_RUNS=1000 INVARIANT_DEPTH=200 npm test.
      invariant: {
        runs: Number(process.env.INVARIANT_RUNS ?? 100),
        depth: Number(process.env.INVARIANT_DEPTH ?? 50),
      },
    },
  },
  networks: {
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    // A second, independent node of a chain run by `hardhat node` (the evidence replay test): the same settings as
    // the node's, and the genesis time of the chain it replays (REPLICA_GENESIS_TIME, Unix seconds).
    replica: {
      type: "edr-simulated",
      chainId: 31337,
      ...(process.env.REPLICA_GENESIS_TIME
        ? { initialDate: new Date(Number(process.env.REPLICA_GENESIS_TIME) * 1000) }
        : {}),
    },
  },
});
