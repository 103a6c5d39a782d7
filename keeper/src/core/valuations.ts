/**
 * The keeper's mirror of `Valuations` (contracts/types/CollateralTypes.sol): the enums the collateral watch's views
 * and errors carry, as their numbers. Written once here for the keeper, its tests and the benchmarks.
 */

/** Where a template's collateral value comes from. */
export const Source = { None: 0, PriceFeed: 1, Attestation: 2 } as const;

/** What a tracker or an appraiser saw of the asset. */
export const AssetStatus = { None: 0, InPlace: 1, Moved: 2 } as const;

/** A loan's margin standing (`CollateralWatch.marginOf`); Default and the tracker alarms make `declareDefault` pass. */
export const Margin = {
  None: 0,
  Unknown: 1,
  Safe: 2,
  Warning: 3,
  Default: 4,
  TrackerMoved: 5,
  TrackerSilent: 6,
} as const;
export type Margin = (typeof Margin)[keyof typeof Margin];

/** Why the watch refuses an origination (`originationRefusal`, `CollateralWatch_OriginationRefused`). */
export const Refusal = {
  None: 0,
  CollateralPledged: 1,
  ValueUnknown: 2,
  LoanToValueTooHigh: 3,
  TrackerAlarm: 4,
  AssetNotPriced: 5,
} as const;

/** What an open default of the borrower elsewhere does to an origination. */
export const OpenDefaultPolicy = { None: 0, Flag: 1, Block: 2 } as const;
