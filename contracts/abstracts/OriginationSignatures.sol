// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {NoncesKeyed} from "@openzeppelin/contracts/utils/NoncesKeyed.sol";

import {ILoanBook} from "../interfaces/ILoanBook.sol";
import {Loans} from "../types/DataTypes.sol";

/// @title OriginationSignatures
/// @notice The EIP-712 messages of origination: the borrower's `LoanAcceptance` and the notary's `Notarization`.
/// Both name the same fields: the exact terms, the document hash and the collateral, a nonce (keyed: the upper 192
/// bits choose an independent sequence, so a notary can sign loans that are originated in any order) and a deadline;
/// the domain names the chain and this contract. `SignatureChecker` accepts EOA signatures (low-s only) and
/// ERC-1271 smart wallets.
abstract contract OriginationSignatures is EIP712, NoncesKeyed, ILoanBook {
    /// @notice EIP-712 type of the collateral a borrower pledges.
    bytes32 public constant COLLATERAL_TYPEHASH = keccak256(
        "Collateral(address token,uint256 amountOrId,bytes32 assetHash)"
    );

    /// @notice EIP-712 type the borrower signs in their wallet.
    bytes32 public constant LOAN_ACCEPTANCE_TYPEHASH = keccak256(
        "LoanAcceptance(uint256 templateId,uint256 principal,address borrower,address lender,bytes32 documentHash,"
        "Collateral collateral,uint256 nonce,uint256 deadline)"
        "Collateral(address token,uint256 amountOrId,bytes32 assetHash)"
    );

    /// @notice EIP-712 type the notary signs.
    bytes32 public constant NOTARIZATION_TYPEHASH = keccak256(
        "Notarization(uint256 templateId,uint256 principal,address borrower,address lender,bytes32 documentHash,"
        "Collateral collateral,uint256 nonce,uint256 deadline)"
        "Collateral(address token,uint256 amountOrId,bytes32 assetHash)"
    );

    /// @notice The EIP-712 domain separator (rebuilt by OpenZeppelin if the chain id changes).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev Checks the borrower's acceptance of `params` for `lender` and uses its nonce.
    function _useAcceptance(OriginationParams calldata params, address lender) internal {
        _useApproval(params.borrower, _termsHash(LOAN_ACCEPTANCE_TYPEHASH, params, lender, params.borrower));
    }

    /// @dev Checks the notary's notarization of `params` for `lender` and uses its nonce.
    function _useNotarization(OriginationParams calldata params, address lender) internal {
        _useApproval(params.notary, _termsHash(NOTARIZATION_TYPEHASH, params, lender, params.notary));
    }

    /// @dev The EIP-712 struct hash of the loan's terms under `typehash` (both messages have the same fields), with
    /// the nonce and deadline of `approval`.
    function _termsHash(
        bytes32 typehash,
        OriginationParams calldata params,
        address lender,
        SignedApproval calldata approval
    ) private pure returns (bytes32) {
        Loans.Collateral calldata collateral = params.collateral;
        bytes32 collateralHash = keccak256(
            abi.encode(COLLATERAL_TYPEHASH, collateral.token, collateral.amountOrId, collateral.assetHash)
        );
        return
            keccak256(
                abi.encode(
                    typehash,
                    params.templateId,
                    params.principal,
                    params.borrower.signer,
                    lender,
                    params.documentHash,
                    collateralHash,
                    approval.nonce,
                    approval.deadline
                )
            );
    }

    /// @dev Deadline, signature over the typed data, then the nonce (reverts `InvalidAccountNonce` when reused).
    function _useApproval(SignedApproval calldata approval, bytes32 structHash) private {
        if (block.timestamp > approval.deadline) revert LoanBook_SignatureExpired(approval.signer, approval.deadline);
        if (!SignatureChecker.isValidSignatureNow(approval.signer, _hashTypedDataV4(structHash), approval.signature)) {
            revert LoanBook_InvalidSignature(approval.signer);
        }
        _useCheckedNonce(approval.signer, approval.nonce);
    }
}
