import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, getContractAddress, zeroAddress, zeroHash } from "viem";

import LoanBookModule, { LocalStackModule } from "../../ignition/modules/LoanBook.ts";
import { loanBookAt, templateParams } from "../support/loanBookFixture.ts";

describe("Ignition deployment", () => {
  it("LoanBook: the deploying account is the admin, and nobody else holds a role", async () => {
    const connection = await network.create();
    const [deployer, other] = await connection.viem.getWalletClients();
    const deployed = await connection.ignition.deploy(LoanBookModule);
    const loanBook = await loanBookAt(connection.viem, deployed.loanBook.address);

    const adminRole = await loanBook.read.DEFAULT_ADMIN_ROLE();
    expect(await loanBook.read.hasRole([adminRole, deployer.account.address])).to.equal(true);
    expect(await loanBook.read.hasRole([adminRole, other.account.address])).to.equal(false);
    const lenderRole = await loanBook.read.LENDER_ROLE();
    expect(await loanBook.read.hasRole([lenderRole, deployer.account.address])).to.equal(false);
    expect(await loanBook.read.loanCount()).to.equal(0n);
    expect(await loanBook.read.templateCount()).to.equal(0n);

    // The EIP-712 domain wallets sign against names this deployment on this chain.
    const [, name, version, chainId, verifyingContract] = await loanBook.read.eip712Domain();
    expect([name, version]).to.deep.equal(["LoanBook", "1"]);
    expect(chainId).to.equal(BigInt(await (await connection.viem.getPublicClient()).getChainId()));
    expect(getAddress(verifyingContract)).to.equal(getAddress(loanBook.address));
  });

  it("LoanBook: deploys the EvidenceAnchor last, leaving the loan book's addresses where they were", async () => {
    const connection = await network.create();
    const [deployer] = await connection.viem.getWalletClients();
    const deployed = await connection.ignition.deploy(LoanBookModule);
    // Nonces 0, 1, 2: LoanViews, LoanEnforcement, LoanBook; then 3: EvidenceAnchor.
    const addressAt = (nonce: bigint) => getContractAddress({ from: deployer.account.address, nonce });
    expect(getAddress(deployed.loanBook.address)).to.equal(addressAt(2n));
    expect(getAddress(deployed.evidenceAnchor.address)).to.equal(addressAt(3n));

    // Nothing anchored yet, and anyone may anchor: the deployer is recorded as the anchorer.
    const { evidenceAnchor } = deployed;
    expect((await evidenceAnchor.read.anchorOf([deployer.account.address, zeroHash])).anchoredBy).to.equal(zeroAddress);
    const root = `0x${"ab".repeat(32)}` as const;
    await evidenceAnchor.write.anchor([root, 1n, 1n, 1]);
    expect(getAddress((await evidenceAnchor.read.anchorOf([deployer.account.address, root])).anchoredBy)).to.equal(
      getAddress(deployer.account.address),
    );
  });

  it("LoanBook: the admin parameter gives DEFAULT_ADMIN_ROLE to that account instead", async () => {
    const connection = await network.create();
    const [deployer, , , , , , chosen] = await connection.viem.getWalletClients();
    const { loanBook } = await connection.ignition.deploy(LoanBookModule, {
      parameters: { LoanBook: { admin: chosen.account.address } },
    });

    const adminRole = await loanBook.read.DEFAULT_ADMIN_ROLE();
    expect(await loanBook.read.hasRole([adminRole, chosen.account.address])).to.equal(true);
    expect(await loanBook.read.hasRole([adminRole, deployer.account.address])).to.equal(false);
  });

  it("LocalStack: a 6-decimal TUSD, LENDER_ROLE for account 1, and a lender that can publish a template", async () => {
    const connection = await network.create();
    const [deployer, lender] = await connection.viem.getWalletClients();
    const { loanBook, token, evidenceAnchor } = await connection.ignition.deploy(LocalStackModule);

    expect(await token.read.name()).to.equal("Test USD");
    expect(await token.read.symbol()).to.equal("TUSD");
    expect(await token.read.decimals()).to.equal(6);
    const lenderRole = await loanBook.read.LENDER_ROLE();
    expect(await loanBook.read.hasRole([lenderRole, lender.account.address])).to.equal(true);
    expect(await loanBook.read.hasRole([lenderRole, deployer.account.address])).to.equal(false);
    expect(await loanBook.read.hasRole([await loanBook.read.DEFAULT_ADMIN_ROLE(), deployer.account.address])).to.equal(
      true,
    );

    // Wired together: the lender publishes a template in the deployed token.
    await loanBook.write.publishTemplate([templateParams(token.address), [], []], { account: lender.account });
    const template = await (await loanBookAt(connection.viem, loanBook.address)).read.templateOf([1n]);
    expect(getAddress(template.token)).to.equal(getAddress(token.address));
    expect(getAddress(template.lender)).to.equal(getAddress(lender.account.address));

    // The contact log's anchor is deployed with the book.
    expect(await (await connection.viem.getPublicClient()).getCode({ address: evidenceAnchor.address })).to.match(
      /^0x[0-9a-f]{2,}$/,
    );
    expect((await evidenceAnchor.read.anchorOf([zeroAddress, zeroHash])).count).to.equal(0);
  });

  it("LocalStack: the lender parameter chooses the lender", async () => {
    const connection = await network.create();
    const [, defaultLender, , chosen] = await connection.viem.getWalletClients();
    const { loanBook } = await connection.ignition.deploy(LocalStackModule, {
      parameters: { LocalStack: { lender: chosen.account.address } },
    });

    const lenderRole = await loanBook.read.LENDER_ROLE();
    expect(await loanBook.read.hasRole([lenderRole, chosen.account.address])).to.equal(true);
    expect(await loanBook.read.hasRole([lenderRole, defaultLender.account.address])).to.equal(false);
  });
});
