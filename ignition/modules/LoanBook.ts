/**
 * Deployments of the loan book (Hardhat Ignition).
 *
 * `LoanBookModule` (the default export) is the production deployment: one LoanBook whose DEFAULT_ADMIN_ROLE goes
 * to the `admin` parameter, the deploying account unless set, and the EvidenceAnchor where the keeper anchors its
 * contact log (permissionless, no parameter):
 *
 * ```sh
 * npx hardhat ignition deploy ignition/modules/LoanBook.ts
 * npx hardhat ignition deploy ignition/modules/LoanBook.ts --network localhost --parameters params.json
 * # params.json: { "LoanBook": { "admin": "0x..." } }
 * ```
 *
 * `LocalStackModule` adds what a local chain needs to try the book: a 6-decimal TestToken and LENDER_ROLE for the
 * `lender` parameter (account 1 unless set). It grants the role from the deploying account, so it requires the
 * admin to be the deployer (the default). Deploy it from code with `connection.ignition.deploy(LocalStackModule)`.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export const LoanBookModule = buildModule("LoanBook", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  // LoanBook delegates what it does not have to the enforcement module, which delegates views to the views module.
  const loanViews = m.contract("LoanViews");
  const loanEnforcement = m.contract("LoanEnforcement", [loanViews]);
  const loanBook = m.contract("LoanBook", [admin, loanEnforcement]);
  // The contact log's timestamping registry stands alone; deployed last, it leaves the loan book's addresses as they
  // were before it existed.
  const evidenceAnchor = m.contract("EvidenceAnchor", [], { after: [loanBook] });
  return { loanBook, loanEnforcement, loanViews, evidenceAnchor };
});

export const LocalStackModule = buildModule("LocalStack", (m) => {
  const { loanBook, evidenceAnchor } = m.useModule(LoanBookModule);
  const token = m.contract("TestToken", ["Test USD", "TUSD", 6]);
  const lender = m.getParameter("lender", m.getAccount(1));
  // The role id is read from the contract, so the role's name is written once, in Solidity.
  const lenderRole = m.staticCall(loanBook, "LENDER_ROLE");
  m.call(loanBook, "grantRole", [lenderRole, lender], { id: "grantLenderRole" });
  return { loanBook, token, evidenceAnchor };
});

export default LoanBookModule;
