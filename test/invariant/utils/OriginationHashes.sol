// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LoanBook} from "../../../contracts/LoanBook.sol";
import {ILoanBookTypes} from "../../../contracts/interfaces/ILoanBookTypes.sol";
import {Loans} from "../../../contracts/types/DataTypes.sol";

/// @title OriginationHashes
/// @notice The invariant handlers' own EIP-712 struct hashes of origination, built apart from the contract's so the
/// signing path is checked independently. The typehashes are read from the book: the type strings are written once,
/// in OriginationSignatures.
library OriginationHashes {
    /// @dev The struct hash of `LoanAcceptance` or `Notarization` (the typehash says which; both name the same
    /// fields) of `params` for `lender`, with the nonce and deadline of `approval`.
    function termsHash(
        LoanBook book,
        bytes32 typehash,
        ILoanBookTypes.OriginationParams memory params,
        ILoanBookTypes.SignedApproval memory approval,
        address lender
    ) internal view returns (bytes32) {
        Loans.Collateral memory collateral = params.collateral;
        bytes32 collateralHash = keccak256(
            abi.encode(book.COLLATERAL_TYPEHASH(), collateral.token, collateral.amountOrId, collateral.assetHash)
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
}
