/**
 * The court-ready evidence package end to end (issue 8), on a real `hardhat node`: a loan is originated (the
 * borrower's acceptance and the notary's notarization), repaid a little, paid at the bank (a bank-feed signer's
 * attestation relayed by the keeper's account, and another by an ERC-1271 smart-wallet signer), declared in default, certified (the notary's signature relayed by
 * another account) and put under a repayment commitment (the borrower's signature submitted by the lender), of which
 * one installment is paid. `loanbook evidence export` writes its package and `verify` finds every item holding; then
 * each tamper, on a fresh copy, must fail and name what is wrong. The package's report is checked as people read it:
 * the HTML in both languages, and the PDFs through poppler's `pdfinfo` and `pdftotext`.
 */
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  getAddress,
  http,
  keccak256,
  stringToHex,
  type Abi,
  type Hex,
} from "viem";
import { loanBookAbi } from "../src/abi/loanBook.ts";
import { REPOSITORY_ROOT, startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import {
  bankPaymentTypedData,
  executionCertificateTypedData,
  repaymentCommitmentTypedData,
} from "../src/core/typedData.ts";
import { canonicalJson } from "../src/evidence/canonicalJson.ts";
import { MANIFEST_FILE, receiptPath, type EvidenceManifest } from "../src/evidence/manifest.ts";
import { eventLabel, REPORT_LOCALES, REPORT_TEXT } from "../src/evidence/report/i18n.ts";
import { renderReportHtml, reportHtmlPath, reportPdfPath } from "../src/evidence/report/renderReportHtml.ts";
import { SHA256SUMS_FILE } from "../src/evidence/sha256Sums.ts";
import type { Verdict } from "../src/evidence/verdict.ts";
import { verifyEvidence } from "../src/evidence/verifyEvidence.ts";
import { readOwed } from "../../scripts/demo/bookCalls.ts";
import { createWorld, dayTime, type World } from "../../scripts/demo/createWorld.ts";
import { DAY, TUSD } from "../../scripts/demo/templates.ts";
import { evidenceCli, rewriteSums } from "./support/evidenceTesting.ts";
import { replayChain } from "./support/replayChain.ts";

const SEED = "e2e-evidence";
const GAS = 600_000n;
/** The ERC-1271 wallet mock (contracts/mocks/TestSmartWallet.sol): valid signatures are its owner's. */
const SMART_WALLET = JSON.parse(
  readFileSync(join(REPOSITORY_ROOT, "artifacts/contracts/mocks/TestSmartWallet.sol/TestSmartWallet.json"), "utf8"),
) as { abi: Abi; bytecode: Hex };

/** The programs the PDF checks need: Chromium prints, poppler reads. */
const PDF_TOOLS = ["chromium", "pdfinfo", "pdftotext"];

/**
 * Why the report's PDFs cannot be printed and read here, or false when they can: without Debian's chromium or
 * poppler-utils on a developer's machine they are skipped with the command that installs them; under CI (`CI` set)
 * they always run, and fail without them (`.ci/run` installs them).
 */
function pdfSkipReason(env: Readonly<Record<string, string | undefined>> = process.env): string | false {
  if (env.CI !== undefined && env.CI !== "" && env.CI !== "false") return false;
  const missing = PDF_TOOLS.filter((tool) => {
    try {
      execFileSync("which", [tool], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  return missing.length === 0
    ? false
    : `${missing.join(", ")} not installed (apt-get install -y --no-install-recommends chromium fonts-wqy-microhei poppler-utils); CI installs them and runs the PDF checks`;
}

describe("loanbook evidence export and verify on a real node", { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), "keeper-evidence-"));
  const packageDir = join(root, "package");
  const docsDir = join(root, "docs");
  let chain: LocalChain | undefined;
  let world: World;
  let loanId: bigint;
  let manifest: EvidenceManifest;
  let copies = 0;
  /** The smart-wallet bank-feed signer. */
  let smartWallet: Hex;
  const noPdf = pdfSkipReason();

  /** The failed verdicts of a fresh copy of the package after `edit`. */
  const tamper = async (edit: (dir: string) => void, options: { docs?: string } = {}): Promise<Verdict[]> => {
    const dir = join(root, `copy-${++copies}`);
    cpSync(packageDir, dir, { recursive: true });
    edit(dir);
    const verdicts = await verifyEvidence({ dir, client: world.rpc.client, docsDir: options.docs });
    return verdicts.filter((verdict) => !verdict.ok);
  };
  const editManifest = (dir: string, change: (manifest: any) => void) => {
    const path = join(dir, MANIFEST_FILE);
    const value = JSON.parse(readFileSync(path, "utf8"));
    change(value);
    writeFileSync(path, canonicalJson(value));
    rewriteSums(dir);
  };
  const items = (verdicts: readonly Verdict[]) => verdicts.map((verdict) => `${verdict.item}: ${verdict.detail}`);

  before(async () => {
    chain = await startLocalChain({ port: 0 });
    world = await createWorld({ rpcUrl: chain.url, loans: 2, seed: SEED, horizonDays: 30 });
    const { accounts, batcher, calls, loanBook, rpc } = world;
    const loan = world.loans[0];
    loanId = loan.loanId;
    const book = (from: typeof accounts.keeper, functionName: string, args: readonly unknown[]) => ({
      from,
      to: loanBook,
      data: encodeFunctionData({ abi: loanBookAbi, functionName, args } as never),
      gas: GAS,
      label: `${functionName} loan ${loanId}`,
    });

    await batcher.send([calls.repay(loan.borrower, loanId, 10n * TUSD)], dayTime(world, 10));
    const payment = {
      loanId,
      amount: 10n * TUSD,
      bankReferenceHash: keccak256(stringToHex("ICBC/REF-0001")),
      paidAt: dayTime(world, 11) - 3_600n,
      deadline: dayTime(world, 30),
    };
    const bankSignature = await accounts.bankSigner.signTypedData(bankPaymentTypedData(rpc.chainId, loanBook, payment));
    await batcher.send(
      [
        book(accounts.keeper, "recordBankPayment", [
          { ...payment, signer: accounts.bankSigner.address, signature: bankSignature },
        ]),
      ],
      dayTime(world, 11),
    );
    // A second bank-feed signer that is a smart wallet (its owner, the admin's key, signs for it).
    const deployer = createWalletClient({ account: accounts.admin, transport: http(chain.url) });
    const deployment = await deployer.deployContract({
      abi: SMART_WALLET.abi,
      bytecode: SMART_WALLET.bytecode,
      args: [accounts.admin.address],
      chain: null,
    });
    const wallet = (await rpc.client.waitForTransactionReceipt({ hash: deployment })).contractAddress!;
    await batcher.send([book(accounts.lender, "setBankSigner", [wallet, true])], dayTime(world, 12));
    const walletPayment = {
      ...payment,
      bankReferenceHash: keccak256(stringToHex("ICBC/REF-0002")),
      paidAt: dayTime(world, 12),
    };
    const walletSignature = await accounts.admin.signTypedData(
      bankPaymentTypedData(rpc.chainId, loanBook, walletPayment),
    );
    await batcher.send(
      [book(accounts.keeper, "recordBankPayment", [{ ...walletPayment, signer: wallet, signature: walletSignature }])],
      dayTime(world, 13),
    );
    smartWallet = getAddress(wallet);
    await batcher.send([book(accounts.keeper, "declareDefault", [loanId])], dayTime(world, 215));

    const documents = {
      "contract.txt": `loan contract ${SEED}/0`,
      "default-proof.txt": `proof of default of loan ${loanId}`,
      "identity-proof.txt": `identity proof of the borrower of loan ${loanId}`,
    };
    mkdirSync(docsDir);
    for (const [name, text] of Object.entries(documents)) writeFileSync(join(docsDir, name), text);
    const hashOf = (text: string): Hex => keccak256(stringToHex(text));
    expect(hashOf(documents["contract.txt"])).to.equal(loan.documentHash);
    const certificate = {
      loanId,
      debtInstrumentHash: loan.documentHash,
      defaultProofHash: hashOf(documents["default-proof.txt"]),
      identityProofHash: hashOf(documents["identity-proof.txt"]),
    };
    const notaryApproval = { nonce: 1n, deadline: dayTime(world, 230) };
    const notarySignature = await accounts.notary.signTypedData(
      executionCertificateTypedData(rpc.chainId, loanBook, { ...certificate, ...notaryApproval }),
    );
    await batcher.send(
      [
        book(accounts.keeper, "certify", [
          certificate,
          { signer: accounts.notary.address, ...notaryApproval, signature: notarySignature },
        ]),
      ],
      dayTime(world, 216),
    );

    const at = dayTime(world, 217);
    await batcher.open(at);
    const { payoff } = await readOwed(rpc.client, loanBook, loanId, "pending");
    const part = payoff / 3n;
    const amounts = [payoff - 2n * part, part, part];
    const dueTimes = amounts.map((_, k) => dayTime(world, 217 + 30 * (k + 1)));
    const borrowerApproval = { nonce: 1n, deadline: at + BigInt(DAY) };
    const commitmentSignature = await loan.borrower.signTypedData(
      repaymentCommitmentTypedData(rpc.chainId, loanBook, { loanId, dueTimes, amounts, ...borrowerApproval }),
    );
    await batcher.send(
      [
        calls.submitCommitment(
          accounts.lender,
          { loanId, dueTimes, amounts },
          { signer: loan.borrower.address, ...borrowerApproval, signature: commitmentSignature },
        ),
      ],
      at,
    );
    await batcher.send([calls.repay(loan.borrower, loanId, amounts[0])], dayTime(world, 218));

    const exported = await evidenceCli(
      "export",
      String(loanId),
      "--out",
      packageDir,
      "--rpc",
      chain.url,
      "--loan-book",
      loanBook,
      "--from-block",
      String(world.deployBlock),
      ...(noPdf === false ? [] : ["--no-pdf"]),
    );
    expect(exported.stderr).to.equal("");
    expect(exported.code).to.equal(0);
    manifest = JSON.parse(readFileSync(join(packageDir, MANIFEST_FILE), "utf8"));
  });

  after(async () => {
    await chain?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("exports every event of the loan in chain order, and no other loan's or template's", () => {
    const names = manifest.events.map((event) => event.name);
    for (const name of [
      "LoanOriginated",
      "Transfer",
      "RepaymentMade",
      "BankPaymentRecorded",
      "LoanDefaulted",
      "DefaultCertified",
      "CommitmentAccepted",
      "DebtRepaid",
    ]) {
      expect(names, name).to.include(name);
    }
    expect(names).not.to.include("TemplatePublished");
    expect(manifest.events.every((event) => (event.args as any).loanId ?? (event.args as any).tokenId)).to.equal(true);
    expect(manifest.events.map((event) => event.index)).to.deep.equal(manifest.events.map((_, i) => i));
  });

  it("records every signature with its typed data and stated signer", () => {
    const { accounts } = world;
    const byKind = new Map(manifest.signatures.map((signature) => [signature.kind, signature]));
    expect(manifest.signatures.map((signature) => signature.kind)).to.deep.equal([
      "LoanAcceptance",
      "Notarization",
      "BankPayment",
      "BankPayment",
      "ExecutionCertificate",
      "RepaymentCommitment",
    ]);
    expect(manifest.signatures[3].signer).to.equal(smartWallet);
    expect(byKind.get("ExecutionCertificate")!.signer).to.equal(accounts.notary.address);
    expect(byKind.get("ExecutionCertificate")!.ownTransaction).to.equal(false);
    expect(manifest.signatures[2].signer).to.equal(accounts.bankSigner.address);
    expect(byKind.get("LoanAcceptance")!.signer).to.equal(world.loans[0].borrower.address);
    expect((byKind.get("LoanAcceptance")!.typedData as any).primaryType).to.equal("LoanAcceptance");
    expect(manifest.documents.map((document) => document.role)).to.deep.equal([
      "documentHash",
      "debtInstrumentHash",
      "defaultProofHash",
      "identityProofHash",
    ]);
  });

  it("verifies the untouched package with its documents: every item holds, exit 0", async () => {
    const { code, stdout } = await evidenceCli("verify", packageDir, "--rpc", chain!.url, "--docs", docsDir);
    expect(stdout).not.to.match(/^FAIL/m);
    expect(stdout).to.match(/^ok {4}block \d+ header: /m);
    expect(stdout).to.match(/^ok {4}document contract\.txt: /m);
    expect(stdout).to.match(/^ok {4}signature ExecutionCertificate /m);
    expect(stdout).to.include(`signed by ${smartWallet}`);
    expect(stdout).to.match(/^ok {4}sha256 report\.zh\.html: /m);
    expect(stdout).to.match(/all \d+ checks hold/);
    expect(code).to.equal(0);
  });

  it("writes the report in both languages: every event in its table and figure", () => {
    for (const locale of REPORT_LOCALES) {
      const html = readFileSync(join(packageDir, reportHtmlPath(locale)), "utf8");
      expect(html).to.equal(renderReportHtml(manifest, locale));
      for (const event of manifest.events) {
        expect(html).to.include(event.transactionHash).and.include(eventLabel(REPORT_TEXT[locale], event.name));
        expect(html).to.include(`<tbody class="event" data-event="${event.index}">`);
        expect(html)
          .to.include(`<g class="mark stage-`)
          .and.match(new RegExp(`data-event="${event.index}"><title>`));
      }
    }
    expect(readFileSync(join(packageDir, SHA256SUMS_FILE), "utf8")).to.match(/ {2}report\.en\.html\n/);
  });

  it("prints the report to PDF: pages, the loan id, every event's name and transaction", { skip: noPdf }, (t) => {
    const sums = readFileSync(join(packageDir, SHA256SUMS_FILE), "utf8");
    for (const locale of REPORT_LOCALES) {
      const path = join(packageDir, reportPdfPath(locale));
      const pages = Number(/^Pages:\s+(\d+)$/m.exec(execFileSync("pdfinfo", [path], { encoding: "utf8" }))?.[1]);
      expect(pages, `${locale} pages`).to.be.greaterThanOrEqual(1);
      const text = execFileSync("pdftotext", ["-enc", "UTF-8", path, "-"], { encoding: "utf8" });
      const reportText = REPORT_TEXT[locale];
      expect(text).to.include(reportText.title(manifest.loanId));
      for (const event of manifest.events) {
        expect(text, `event ${event.index}`).to.include(event.transactionHash);
        expect(text, `event ${event.index}`).to.include(eventLabel(reportText, event.name));
      }
      expect(sums).to.include(`  ${reportPdfPath(locale)}\n`);
      t.diagnostic(`${reportPdfPath(locale)}: ${pages} pages, ${readFileSync(path).length} bytes`);
    }
  });

  it("fails on one byte of manifest.json changed, in the sum and in the event", async () => {
    const edit = (dir: string) => {
      const path = join(dir, MANIFEST_FILE);
      const text = readFileSync(path, "utf8");
      const data = manifest.events.find((event) => event.name === "RepaymentMade")!.data;
      const at = text.indexOf(data) + data.length - 1;
      writeFileSync(path, text.slice(0, at) + (text[at] === "0" ? "1" : "0") + text.slice(at + 1));
    };
    const failed = items(await tamper(edit));
    expect(failed.some((line) => line.startsWith(`sha256 ${MANIFEST_FILE}:`))).to.equal(true);
    expect(failed.some((line) => /^event \d+ RepaymentMade: .*data differs/.test(line))).to.equal(true);
    const resummed = items(
      await tamper((dir) => {
        edit(dir);
        rewriteSums(dir);
      }),
    );
    expect(resummed.some((line) => line.startsWith("sha256"))).to.equal(false);
    expect(resummed.some((line) => /^event \d+ RepaymentMade: .*data differs/.test(line))).to.equal(true);
  });

  it("fails on a receipt changed (even with the sums rewritten), naming the transaction", async () => {
    const tx = manifest.events.find((event) => event.name === "DefaultCertified")!.transactionHash;
    const failed = items(
      await tamper((dir) => {
        const path = join(dir, receiptPath(tx));
        const receipt = JSON.parse(readFileSync(path, "utf8"));
        receipt.gasUsed = `0x${(BigInt(receipt.gasUsed) + 1n).toString(16)}`;
        writeFileSync(path, canonicalJson(receipt));
        rewriteSums(dir);
      }),
    );
    expect(failed).to.have.length(1);
    expect(failed[0]).to.match(new RegExp(`^receipt ${tx}: .*differs from the node's in gasUsed`));
  });

  it("fails on a signature changed, naming its kind, transaction and signer", async () => {
    const signed = manifest.signatures.find((signature) => signature.kind === "ExecutionCertificate")!;
    const failed = items(
      await tamper((dir) =>
        editManifest(dir, (value) => {
          const target = value.signatures.find((s: any) => s.kind === "ExecutionCertificate");
          const s: string = target.signature;
          target.signature = `${s.slice(0, 20)}${s[20] === "a" ? "b" : "a"}${s.slice(21)}`;
        }),
      ),
    );
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include(`signature ExecutionCertificate ${signed.transactionHash}`);
    expect(failed[0]).to.include(`stated signer ${signed.signer}`);
    expect(failed[0]).to.include("signature differs from the calldata's");
    expect(failed[0]).to.match(/recovers to 0x[0-9a-fA-F]{40}, not to the stated signer|does not recover/);
  });

  it("writes the report as HTML only, saying so on stderr, when chromium is not on the PATH", async () => {
    const dir = join(root, "html-only");
    const path = process.env.PATH;
    process.env.PATH = join(root, "no-programs");
    let exported;
    try {
      exported = await evidenceCli(
        "export",
        String(loanId),
        "--out",
        dir,
        "--rpc",
        chain!.url,
        "--loan-book",
        world.loanBook,
      );
    } finally {
      process.env.PATH = path;
    }
    expect(exported.code).to.equal(0);
    expect(exported.stderr).to.equal(
      "note: the report is HTML only, no PDF: chromium is not installed " +
        "(apt-get install -y --no-install-recommends chromium fonts-wqy-microhei)\n",
    );
    expect(readdirSync(dir).filter((name) => name.startsWith("report."))).to.deep.equal([
      reportHtmlPath("en"),
      reportHtmlPath("zh"),
    ]);
    const failed = (await verifyEvidence({ dir, client: world.rpc.client })).filter((verdict) => !verdict.ok);
    expect(items(failed)).to.deep.equal([]);
  });

  it("fails on the report changed, naming the file", async () => {
    const failed = items(
      await tamper((dir) => {
        const path = join(dir, reportHtmlPath("en"));
        writeFileSync(path, readFileSync(path, "utf8").replace("Evidence report", "Evidence rep0rt"));
      }),
    );
    expect(failed).to.have.length(1);
    expect(failed[0]).to.match(/^sha256 report\.en\.html: .*the file was changed/);
  });

  it("fails on a supplied document changed, naming the file", async () => {
    const forged = join(root, "forged-docs");
    cpSync(docsDir, forged, { recursive: true });
    writeFileSync(join(forged, "default-proof.txt"), `proof of default of loan ${loanId}!`);
    const failed = items(await tamper(() => undefined, { docs: forged }));
    expect(failed).to.have.length(1);
    expect(failed[0]).to.match(/^document default-proof\.txt: keccak256 0x[0-9a-f]{64} is none of/);
  });

  it("fails on an event dropped, naming it as missing", async () => {
    const dropped = manifest.events.find((event) => event.name === "BankPaymentRecorded")!;
    const failed = items(
      await tamper((dir) =>
        editManifest(dir, (value) => {
          value.events = value.events.filter((event: any) => event.index !== dropped.index);
        }),
      ),
    );
    expect(failed.some((line) => line.startsWith("event completeness: BankPaymentRecorded"))).to.equal(true);
    expect(
      failed.some((line) => line.includes(`${dropped.transactionHash} log ${dropped.logIndex}) is missing`)),
    ).to.equal(true);
  });

  it("fails on the origination dropped with the search moved past it", async () => {
    const failed = items(
      await tamper((dir) =>
        editManifest(dir, (value) => {
          value.fromBlock = String(BigInt(value.events[2].blockNumber));
          value.events = value.events.filter((event: any) => !["LoanOriginated", "Transfer"].includes(event.name));
        }),
      ),
    );
    expect(failed).to.include("event completeness: the manifest has 0 LoanOriginated events, not 1");
  });

  it("fails on two events swapped, naming the order", async () => {
    const failed = items(
      await tamper((dir) =>
        editManifest(dir, (value) => {
          [value.events[1], value.events[2]] = [value.events[2], value.events[1]];
        }),
      ),
    );
    expect(failed.some((line) => /^event order: event 2 .* is not after event 1/.test(line))).to.equal(true);
  });

  it("fails when the manifest points at another chain", async () => {
    const failed = items(await tamper((dir) => editManifest(dir, (value) => (value.chainId = 1))));
    expect(failed.some((line) => line.startsWith(`chain id: the manifest states chain 1, the node is chain`))).to.equal(
      true,
    );
    expect(failed.some((line) => line.startsWith("signature "))).to.equal(true);
  });

  it("exits 1 on a tampered package and 2 without a package", async () => {
    const dir = join(root, "exit-code");
    cpSync(packageDir, dir, { recursive: true });
    editManifest(dir, (value) => (value.parties.borrower = world.accounts.lender.address));
    const tampered = await evidenceCli("verify", dir, "--rpc", chain!.url);
    expect(tampered.code).to.equal(1);
    expect(tampered.stdout).to.match(/^FAIL {2}party borrower: the manifest names /m);
    expect(tampered.stdout).to.match(/1 of \d+ checks FAIL/);
    const missing = await evidenceCli("verify", join(root, "nowhere"), "--rpc", chain!.url);
    expect(missing.code).to.equal(2);
  });

  // Last: it stops the node the package was exported from.
  it("verifies against a second, independent node that replayed the chain's signed transactions", async (t) => {
    const source = world.rpc.client;
    const genesis = await source.getBlock({ blockNumber: 0n });
    const replica = await startLocalChain({ port: 0, genesisTime: genesis.timestamp });
    try {
      // Before the replay the replica has the genesis block only: the package cannot hold there.
      const early = await evidenceCli("verify", packageDir, "--rpc", replica.url);
      expect(early.code).to.equal(1);
      expect(early.stdout).to.match(/^FAIL {2}block \d+ on chain: the node knows nothing of /m);

      const started = performance.now();
      const replayed = await replayChain({ source, target: createPublicClient({ transport: http(replica.url) }) });
      t.diagnostic(
        `replayed ${replayed.blocks} blocks, ${replayed.transactions} transactions in ${Math.round(performance.now() - started)} ms`,
      );
      expect(replayed.blocks).to.be.greaterThan(Number(world.deployBlock));
      expect(replayed.transactions).to.be.greaterThan(world.loans.length);
      await chain!.stop();

      const { code, stdout } = await evidenceCli("verify", packageDir, "--rpc", replica.url, "--docs", docsDir);
      expect(stdout).not.to.match(/^FAIL/m);
      expect(stdout).to.match(/^ok {4}block \d+ on chain: /m);
      expect(stdout).to.match(/^ok {4}signature ExecutionCertificate /m);
      expect(stdout).to.match(/all \d+ checks hold/);
      expect(code).to.equal(0);
    } finally {
      await replica.stop();
    }
  });
});
