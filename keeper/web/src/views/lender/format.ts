/** How the lender's pages write hashes, addresses and amounts for charts. */
import { formatUnits } from "viem";
import type { ViewContext } from "../context.ts";

/** `0x1234…cdef`: a hash or address short enough for a phone, the whole of it in `title`. */
export const shortHex = (hex: string): string => (hex.length <= 14 ? hex : `${hex.slice(0, 6)}…${hex.slice(-4)}`);

/** Token units as a plain number of tokens, for a bar's length (precision past a chart's pixels does not matter). */
export const tokens = (context: ViewContext, units: string): number =>
  Number(formatUnits(BigInt(units), context.display.tokenDecimals));

/** Token units in few characters (`12K`, `1.2万`), for a chart's small columns. */
export const compactAmount = (context: ViewContext, units: string): string =>
  new Intl.NumberFormat(context.locale, { notation: "compact", maximumFractionDigits: 1 }).format(
    tokens(context, units),
  );
