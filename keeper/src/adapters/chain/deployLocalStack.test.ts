import { after, describe, it } from "node:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { createPublicClient, getContract, http, keccak256, stringToHex, type Address } from "viem";
import { hardhat } from "viem/chains";
import { loanBookAbi, testTokenAbi } from "../../abi/loanBook.ts";
import {
  deployLocalStack,
  DeployLocalStackError,
  LOCAL_NOTARY_OFFICE_ID,
  type DeployLocalStackReturnType,
} from "./deployLocalStack.ts";
import { REPOSITORY_ROOT, startLocalChain, type LocalChain } from "./localChain.ts";

/** Hardhat's default accounts #0..#4 (mnemonic "test test ... junk"). */
const HARDHAT_ACCOUNTS = {
  admin: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  lender: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  keeper: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  bankSigner: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
  notary: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
} as const;

const deploymentsDir = join(REPOSITORY_ROOT, "ignition", "deployments");
const deploymentFolders = () => (existsSync(deploymentsDir) ? readdirSync(deploymentsDir).sort() : []);

const chains: LocalChain[] = [];
after(async () => {
  await Promise.all(chains.map((chain) => chain.stop()));
});

/** Checks everything the keeper relies on in a deployed stack. */
async function expectReadyStack(rpcUrl: string, stack: DeployLocalStackReturnType): Promise<void> {
  const client = createPublicClient({ chain: hardhat, transport: http(rpcUrl) });
  const loanBook = getContract({ address: stack.loanBook, abi: loanBookAbi, client });
  const { admin, lender, keeper, bankSigner, notary } = stack.accounts;

  expect(await loanBook.read.loanCount()).to.equal(0n);
  expect(await loanBook.read.hasRole([await loanBook.read.DEFAULT_ADMIN_ROLE(), admin])).to.equal(true);
  const lenderRole = await loanBook.read.LENDER_ROLE();
  expect(await loanBook.read.hasRole([lenderRole, lender])).to.equal(true);
  expect(await loanBook.read.hasRole([lenderRole, keeper])).to.equal(false);
  expect(await loanBook.read.isBankSigner([lender, bankSigner])).to.equal(true);
  expect(await loanBook.read.isBankSigner([lender, keeper])).to.equal(false);
  expect(await loanBook.read.hasRole([await loanBook.read.NOTARY_ROLE(), notary])).to.equal(true);
  expect(await loanBook.read.notaryOffice([notary])).to.equal(keccak256(stringToHex(LOCAL_NOTARY_OFFICE_ID)));
  expect(stack.notaryOfficeIdHash).to.equal(keccak256(stringToHex(LOCAL_NOTARY_OFFICE_ID)));

  const token = getContract({ address: stack.token, abi: testTokenAbi, client });
  expect(await token.read.symbol()).to.equal("TUSD");
  expect(await token.read.decimals()).to.equal(6);

  // deployBlock is the block that created LoanBook: its code is there, and not in the block before.
  const codeAt = (blockNumber: bigint, address: Address = stack.loanBook) => client.getCode({ address, blockNumber });
  expect(stack.deployBlock > 0n, "deployBlock > 0").to.equal(true);
  expect(await codeAt(stack.deployBlock)).to.match(/^0x[0-9a-f]{2,}$/);
  expect(await codeAt(stack.deployBlock - 1n)).to.equal(undefined);
}

describe("deployLocalStack", () => {
  it("deploys a fresh stack with Ignition on each of two fresh chains, writing no deployment files", async () => {
    const foldersBefore = deploymentFolders();
    const deployed: DeployLocalStackReturnType[] = [];
    for (let run = 0; run < 2; run++) {
      const chain = await startLocalChain({ port: 0 });
      chains.push(chain);
      const stack = await deployLocalStack({ rpcUrl: chain.url });
      expect(stack.accounts, `run ${run}`).to.deep.equal(HARDHAT_ACCOUNTS);
      await expectReadyStack(chain.url, stack);
      deployed.push(stack);
      await chain.stop();
    }
    // Same sender, same nonces, fresh chain: the same addresses and block. A journal reused from the first chain
    // would report these addresses too, but deploy nothing: expectReadyStack on the second chain catches that.
    expect(deployed[1]).to.deep.equal(deployed[0]);
    expect(deploymentFolders()).to.deep.equal(foldersBefore);
  });

  it("deploys a second, independent stack on a chain that already has one", async () => {
    const chain = await startLocalChain({ port: 0 });
    chains.push(chain);
    const first = await deployLocalStack({ rpcUrl: chain.url });
    const second = await deployLocalStack({ rpcUrl: chain.url });
    expect(second.loanBook).not.to.equal(first.loanBook);
    expect(second.deployBlock > first.deployBlock, "second deployBlock later").to.equal(true);
    await expectReadyStack(chain.url, second);
    await chain.stop();
  });

  it("fails clearly when no node answers", async () => {
    const error = await deployLocalStack({ rpcUrl: "http://127.0.0.1:1" }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(DeployLocalStackError);
    expect((error as Error).message).to.match(/^no JSON-RPC node answers at http:\/\/127\.0\.0\.1:1: /);
  });
});
