// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {Roles} from "../libraries/Roles.sol";
import {ILoanEnforcement} from "../interfaces/ILoanEnforcement.sol";
import {Loans} from "../types/DataTypes.sol";
import {EnforcementBase} from "./EnforcementBase.sol";

/// @title Payments
/// @notice Money that reaches a loan without the borrower calling `repay`. Bank payments: the borrower paid at the
/// lender's bank; one of the lender's bank-feed signers attests it, anyone submits the attestation, and it is
/// credited once per bank bankReference as of the time paid at the bank (a payment made on time and relayed late is on
/// time). Auto-debit (Lianyungang practice): the borrower opts in, and anyone may pull exactly what is due when the
/// borrower's balance covers it.
abstract contract Payments is EnforcementBase, ILoanEnforcement {
    /// @notice EIP-712 type a bank-feed signer signs.
    bytes32 public constant BANK_PAYMENT_TYPEHASH = keccak256(
        "BankPayment(uint256 loanId,uint256 amount,bytes32 bankReferenceHash,uint256 paidAt,uint256 deadline)"
    );

    /// @inheritdoc ILoanEnforcement
    function setBankSigner(address signer, bool allowed) external {
        // Allowing needs the lender role; disallowing never does, so an offboarded lender can still cut its signers.
        if (allowed && !_hasRole(Roles.LENDER, msg.sender)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, Roles.LENDER);
        }
        if (signer == address(0)) revert LoanBook_ZeroAddress();
        _store().bankSigners[msg.sender][signer] = allowed;
        emit BankSignerSet(msg.sender, signer, allowed);
    }

    /// @inheritdoc ILoanEnforcement
    function recordBankPayment(BankPayment calldata payment) public nonReentrant {
        uint256 loanId = payment.loanId;
        Loans.Loan storage loan = _loanOf(loanId);
        address lender = _store().templates[loan.templateId].lender;
        address signer = payment.signer;
        // A revoked lender's signers stop attesting with it (offboarded, or its keys compromised).
        if (!_store().bankSigners[lender][signer] || !_hasRole(Roles.LENDER, lender)) {
            revert LoanBook_NotBankSigner(lender, signer);
        }
        if (block.timestamp > payment.deadline) revert LoanBook_SignatureExpired(signer, payment.deadline);
        uint256 paidAt = payment.paidAt;
        if (paidAt > block.timestamp || paidAt < loan.startTime) revert LoanBook_InvalidPaymentTime(paidAt);
        bytes32 bankReference = payment.bankReferenceHash;
        if (bankReference == bytes32(0)) revert LoanBook_ZeroHash();
        uint256 creditedTo = _store().bankReferences[bankReference];
        if (creditedTo != 0) revert LoanBook_BankReferenceUsed(bankReference, creditedTo);
        bytes32 digest = _hashTypedData(
            keccak256(
                abi.encode(BANK_PAYMENT_TYPEHASH, loanId, payment.amount, bankReference, paidAt, payment.deadline)
            )
        );
        if (!SignatureChecker.isValidSignatureNow(signer, digest, payment.signature)) {
            revert LoanBook_InvalidSignature(signer);
        }
        _store().bankReferences[bankReference] = loanId;
        // Penalty already checkpointed on chain stays: a payment is never credited before the last checkpoint.
        uint256 at = paidAt;
        if (loan.flags & Loans.FLAG_PENALTY_CHECKPOINT != 0 && loan.penaltyCheckpoint > at) at = loan.penaltyCheckpoint;
        emit BankPaymentRecorded(loanId, signer, bankReference, payment.amount, paidAt, at);
        _applyPayment(loanId, payment.amount, loan.borrower, at, false);
    }

    /// @inheritdoc ILoanEnforcement
    function setAutoDebit(uint256 loanId, bool enabled) external {
        Loans.Loan storage loan = _loanOf(loanId);
        if (msg.sender != loan.borrower) revert LoanBook_NotBorrower(loanId, msg.sender);
        uint8 flags = loan.flags;
        if (flags & Loans.FLAGS_PAID_OFF != 0) revert LoanBook_LoanRepaid(loanId);
        loan.flags = enabled ? flags | Loans.FLAG_AUTO_DEBIT : flags & ~Loans.FLAG_AUTO_DEBIT;
        emit AutoDebitSet(loanId, enabled);
    }

    /// @inheritdoc ILoanEnforcement
    function autoDebit(uint256 loanId) public nonReentrant {
        (uint256 due, address borrower) = _debitable(loanId);
        _applyPayment(loanId, due, borrower, block.timestamp, true);
    }
}
