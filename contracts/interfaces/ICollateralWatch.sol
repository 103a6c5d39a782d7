// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Loans} from "../types/DataTypes.sol";
import {Valuations} from "../types/CollateralTypes.sol";

/// @title ICollateralWatch
/// @notice Collateral valuation and margin rules of one loan book: per template, a price feed or signed attestations;
/// a warning and a default loan-to-value; a tracker's silence limit; the origination checks LoanBook runs.
interface ICollateralWatch {
    /// @notice A template's lender set its valuation terms (once).
    event ValuationTermsSet(uint256 indexed templateId, address indexed lender, Valuations.Terms terms);

    /// @notice A lender allowed or disallowed an appraiser or tracking gateway to attest for its collateral.
    event AppraiserSet(address indexed lender, address indexed appraiser, bool allowed);

    /// @notice An attestation was recorded for `assetHash` under `lender`.
    event ValuationRecorded(
        address indexed lender,
        bytes32 indexed assetHash,
        address indexed appraiser,
        uint256 value,
        Valuations.AssetStatus status,
        uint256 observedAt
    );

    /// @notice Loan `loanId` is at or past its warning loan-to-value (or worse) on the value observed at `observedAt`.
    event MarginCall(
        uint256 indexed loanId,
        Valuations.Margin margin,
        uint256 debt,
        uint256 value,
        uint256 observedAt,
        address caller
    );

    error CollateralWatch_NotTemplateLender(uint256 templateId, address caller);
    error CollateralWatch_TermsAlreadySet(uint256 templateId);
    error CollateralWatch_InvalidTerms(uint256 templateId);
    error CollateralWatch_NotALender(address account);
    error CollateralWatch_ZeroAddress();
    error CollateralWatch_NotAnAppraiser(address lender, address signer);
    error CollateralWatch_InvalidSignature(address signer);
    error CollateralWatch_InvalidAttestation();
    error CollateralWatch_ObservedInFuture(uint256 observedAt);
    /// @notice The attestation is not newer than the one recorded: a replay, or an older observation.
    error CollateralWatch_NotNewer(uint256 observedAt, uint256 recordedAt);
    error CollateralWatch_NoMarginCall(uint256 loanId, Valuations.Margin margin);
    error CollateralWatch_AlreadyCalled(uint256 loanId, uint256 observedAt);
    error CollateralWatch_OriginationRefused(Valuations.Refusal reason);

    /// @notice Why loan `loanId` may be declared in default on its collateral now: `Margin.Default`,
    /// `Margin.TrackerMoved` or `Margin.TrackerSilent`, else `Margin.None`. LoanBook's `declareDefault` asks it.
    function defaultReason(uint256 loanId) external view returns (Valuations.Margin);

    /// @notice Reverts with `CollateralWatch_OriginationRefused` when the template's valuation terms refuse the
    /// origination (LoanBook's `originate` asks it).
    function checkOrigination(
        uint256 templateId,
        uint256 principal,
        Loans.Collateral calldata collateral
    ) external view;
}
