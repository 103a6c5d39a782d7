// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Roles} from "../libraries/Roles.sol";
import {ILoanEnforcement} from "../interfaces/ILoanEnforcement.sol";
import {Loans} from "../types/DataTypes.sol";
import {EnforcementBase} from "./EnforcementBase.sol";

/// @title Certificates
/// @notice The execution certificate (Kunshan practice): the lender applies with the notarized debt instrument, the
/// proof of default and the identity proof, and a registered notary who is no party to the loan certifies the
/// declared default. Only then is the loan enforceable.
abstract contract Certificates is EnforcementBase, ILoanEnforcement {
    /// @notice EIP-712 type the notary signs.
    bytes32 public constant EXECUTION_CERTIFICATE_TYPEHASH = keccak256(
        "ExecutionCertificate(uint256 loanId,bytes32 debtInstrumentHash,bytes32 defaultProofHash,"
        "bytes32 identityProofHash,uint256 nonce,uint256 deadline)"
    );

    /// @notice Certifies a declared default: see `ILoanEnforcement.certify`.
    function certify(
        CertificateParams calldata params,
        SignedApproval calldata notary
    ) external returns (bytes32 certificateId) {
        _requireNotPaused();
        uint256 loanId = params.loanId;
        Loans.Loan storage loan = _loanOf(loanId);
        _requireStatus(loanId, _bit(Loans.Status.Defaulted));
        Loans.Template storage template_ = _store().templates[loan.templateId];
        if (!template_.requiresNotary) revert LoanBook_NotNotarized(loanId);
        address signer = notary.signer;
        if (!_hasRole(Roles.NOTARY, signer)) revert LoanBook_NotANotary(signer);
        if (signer == loan.borrower || signer == template_.lender || signer == _claimHolder(loanId)) {
            revert LoanBook_NotaryIsParty(signer);
        }
        if (
            params.debtInstrumentHash == bytes32(0) ||
            params.defaultProofHash == bytes32(0) ||
            params.identityProofHash == bytes32(0)
        ) revert LoanBook_ZeroHash();
        // The notary's own transaction is its signature; anyone else submits the notary's typed-data signature.
        if (msg.sender != signer) _useSignature(notary, _certificateHash(params, notary));
        certificateId = keccak256(
            abi.encode(
                block.chainid,
                address(this),
                loanId,
                signer,
                params.debtInstrumentHash,
                params.defaultProofHash,
                params.identityProofHash,
                block.timestamp
            )
        );
        Loans.Case storage case_ = _store().cases[loanId];
        case_.certificateId = certificateId;
        case_.certifiedAt = uint40(block.timestamp);
        emit DefaultCertified(
            loanId,
            signer,
            certificateId,
            params.debtInstrumentHash,
            params.defaultProofHash,
            params.identityProofHash
        );
    }

    /// @dev The EIP-712 struct hash of the notary's `ExecutionCertificate`.
    function _certificateHash(
        CertificateParams calldata params,
        SignedApproval calldata notary
    ) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    EXECUTION_CERTIFICATE_TYPEHASH,
                    params.loanId,
                    params.debtInstrumentHash,
                    params.defaultProofHash,
                    params.identityProofHash,
                    notary.nonce,
                    notary.deadline
                )
            );
    }
}
