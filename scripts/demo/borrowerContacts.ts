/**
 * How the lender reaches the demo's borrowers: most live in Shanghai and read Chinese; a few (chosen by the seed) live
 * in Sydney (daylight saving from October to April) or Singapore, one on Kiritimati (UTC+14) and one in New York, and
 * read English. The demo's day blocks are at 03:00 UTC: 11:00 in Shanghai and Singapore, 13:00 or 14:00 in Sydney,
 * 17:00 on Kiritimati, but 22:00 or 23:00 the evening before in New York, inside the quiet hours. The New Yorker's
 * letters wait for 08:00 local, and since the demo mines no block then (a live chain would), they are still waiting,
 * or cancelled once the borrower has paid: the summary shows both. The operator sets the details through the
 * keeper's `PUT /api/borrowers/:address/contact`, as a lender's back office would.
 */
import type { Address } from "viem";
import type { World } from "./createWorld.ts";
import { operatorHeaders } from "./demoCredentials.ts";
import { createRandom } from "./random.ts";

export interface DemoContact {
  readonly loanId: bigint;
  readonly borrower: Address;
  readonly timeZone: string;
  readonly locale: "zh" | "en";
  readonly channel: "letters";
  readonly recipient: string;
}

/** Where the borrowers live, each but the first with this share of the book (at least one each). */
const HOMES = [
  { timeZone: "Asia/Shanghai", locale: "zh", city: "Shanghai", share: 0 },
  { timeZone: "Australia/Sydney", locale: "en", city: "Sydney", share: 0.05 },
  { timeZone: "Asia/Singapore", locale: "en", city: "Singapore", share: 0.05 },
  { timeZone: "Pacific/Kiritimati", locale: "en", city: "Kiritimati", share: 0 },
  { timeZone: "America/New_York", locale: "en", city: "New York", share: 0 },
] as const;

/**
 * Each borrower's contact details, the same for the same seed and book: 5 % (at least one) each in Sydney and
 * Singapore, one on Kiritimati, one in New York, the rest in Shanghai.
 *
 * @example
 * contactsOf(world).filter((c) => c.locale === "en").length; // 4 in a book of 12
 */
export function contactsOf(world: Pick<World, "seed" | "loans">): DemoContact[] {
  const random = createRandom(`${world.seed}/contacts`);
  // The book's places shuffled by the seed, then the homes dealt out in order.
  const order = random.shuffle(world.loans.map((_, i) => i));
  const homeOf = new Map<number, (typeof HOMES)[number]>();
  let next = 0;
  for (const home of HOMES.slice(1)) {
    const count = home.share === 0 ? 1 : Math.max(1, Math.round(world.loans.length * home.share));
    for (let k = 0; k < count && next < order.length; k++) homeOf.set(order[next++], home);
  }
  return world.loans.map((loan, i) => {
    const home = homeOf.get(i) ?? HOMES[0];
    return {
      loanId: loan.loanId,
      borrower: loan.borrower.address,
      timeZone: home.timeZone,
      locale: home.locale,
      channel: "letters",
      recipient: `Borrower of loan ${loan.loanId}, ${home.city}`,
    };
  });
}

/**
 * Sets every borrower's contact details on the keeper at `url`, as the demo operator.
 *
 * @example
 * await setBorrowerContacts({ url: keeper.url, contacts: contactsOf(world) });
 */
export async function setBorrowerContacts({
  url,
  contacts,
}: {
  url: string;
  contacts: readonly DemoContact[];
}): Promise<void> {
  for (const { borrower, timeZone, locale, channel, recipient } of contacts) {
    const response = await fetch(`${url}/api/borrowers/${borrower}/contact`, {
      method: "PUT",
      headers: { "content-type": "application/json", ...operatorHeaders() },
      body: JSON.stringify({ timeZone, locale, channel, recipient }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      throw new Error(
        `the keeper refused ${borrower}'s contact details (HTTP ${response.status}): ${await response.text()}`,
      );
    }
  }
}
