// SPDX-License-Identifier: MIT
// One namespace library per domain, as DataTypes.sol.
// solhint-disable one-contract-per-file
pragma solidity ^0.8.28;

/// @notice Namespaced types of collateral valuation, margin rules and origination checks (`CollateralWatch`).
library Valuations {
    /// @notice Where a template's collateral value comes from.
    enum Source {
        None,
        /// An on-chain price feed in Chainlink's `AggregatorV3Interface` shape, for ERC-20 collateral.
        PriceFeed,
        /// Signed attestations (EIP-712) from the lender's registered appraisers or tracking-device gateways, for
        /// ERC-721 and off-chain assets.
        Attestation
    }

    /// @notice What a tracker or an appraiser saw of the asset.
    enum AssetStatus {
        None,
        /// Where it should be, in the state it should be in.
        InPlace,
        /// Moved, removed or tampered with: a default trigger.
        Moved
    }

    /// @notice A loan's margin standing, from its debt and its collateral's fresh value (`CollateralWatch.marginOf`).
    enum Margin {
        /// No valuation terms, or the loan is not Active or Late (nothing to watch).
        None,
        /// No fresh value: stale, never reported, or a feed answering zero or less. Never counted as safe.
        Unknown,
        /// Below the warning loan-to-value.
        Safe,
        /// At or above the warning loan-to-value: a margin call.
        Warning,
        /// At or above the default loan-to-value: `declareDefault` succeeds.
        Default,
        /// The tracker reported the asset moved: `declareDefault` succeeds.
        TrackerMoved,
        /// The tracker has been silent past the template's limit: `declareDefault` succeeds.
        TrackerSilent
    }

    /// @notice Why an origination is refused (the on-chain checks; the keeper's origination API adds its own codes).
    enum Refusal {
        None,
        /// The collateral is pledged to an open loan, in this book or another one of the shared registry.
        CollateralPledged,
        /// The collateral has no fresh value.
        ValueUnknown,
        /// The principal is above the template's origination loan-to-value of the collateral's value.
        LoanToValueTooHigh,
        /// The tracker reported the asset moved.
        TrackerAlarm,
        /// The collateral is not the token the template's price feed prices.
        AssetNotPriced
    }

    /// @notice What an open default of the borrower elsewhere does to an origination (read by the keeper's checks).
    enum OpenDefaultPolicy {
        None,
        /// Recorded on the offer, which may still be originated.
        Flag,
        /// The origination is refused.
        Block
    }

    /// @notice A template's valuation terms, set once by its lender.
    /// @param feed             The price feed (`Source.PriceFeed` only).
    /// @param asset            The ERC-20 token the feed prices (`Source.PriceFeed` only): a loan pledging another
    ///                         token is refused at origination, and its value is unknown.
    /// @param maxAgeSeconds    A value observed longer ago than this is unknown.
    /// @param silenceSeconds   `Source.Attestation`: a tracker silent this long (since its last report, or the loan's
    ///                         start) triggers a default; 0 when the asset has no tracker.
    /// @param warningLtvBps    Debt over value at which the borrower gets a margin call.
    /// @param defaultLtvBps    Debt over value at which the loan may be declared in default.
    /// @param originationLtvBps The most a principal may be of the collateral's value at origination.
    // solhint-disable-next-line gas-struct-packing
    struct Terms {
        Source source;
        address feed;
        address asset;
        uint32 maxAgeSeconds;
        uint32 silenceSeconds;
        uint16 warningLtvBps;
        uint16 defaultLtvBps;
        uint16 originationLtvBps;
        OpenDefaultPolicy openDefaultPolicy;
    }

    /// @notice An appraiser's or a tracking gateway's signed observation of an asset. `assetHash` is an off-chain
    /// asset's `Collateral.assetHash`, or keccak256(abi.encode(token, tokenId)) for an ERC-721 token; `value` is in the
    /// loan token's base units.
    struct Attestation {
        bytes32 assetHash;
        uint256 value;
        AssetStatus status;
        uint64 observedAt;
    }

    /// @notice The latest attestation of an asset, under one lender (one slot).
    struct Record {
        uint128 value;
        uint64 observedAt;
        AssetStatus status;
    }
}
