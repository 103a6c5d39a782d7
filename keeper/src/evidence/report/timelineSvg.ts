/**
 * The report's timeline figure, as inline SVG: one lane per stage (the enforcement funnel, top to bottom), a time
 * axis, and one numbered mark per event at its block time. Marks too close in a lane are pushed right, in chain
 * order, so that none hides another.
 */
import type { ManifestEvent } from "../manifest.ts";
import { escapeHtml } from "./escapeHtml.ts";
import { formatUtc, formatUtcDate } from "./formatValues.ts";
import { eventLabel, type ReportText } from "./i18n.ts";
import { STAGES, stageOf } from "./stages.ts";

/** The figure's geometry, in SVG user units. */
const WIDTH = 1000;
const LABEL_WIDTH = 130;
const RIGHT_MARGIN = 50;
const LANE_HEIGHT = 28;
const TOP = 10;
const AXIS_HEIGHT = 30;
const MARK_RADIUS = 6;
/** The least distance between two marks' centres in one lane. */
const MARK_GAP = 2 * MARK_RADIUS + 4;
const AXIS_TICKS = 5;

/**
 * The timeline of `events` as an `<svg>` element; each mark carries `data-event="<index>"` and a `<title>` naming
 * the event in the report's language.
 *
 * @example
 * timelineSvg(manifest.events, REPORT_TEXT.en); // "<svg ...><g data-event=\"0\">...</svg>"
 */
export function timelineSvg(events: readonly ManifestEvent[], text: ReportText): string {
  const height = TOP + STAGES.length * LANE_HEIGHT + AXIS_HEIGHT;
  const axisY = TOP + STAGES.length * LANE_HEIGHT;
  const times = events.map((event) => Number(event.timestamp));
  const start = Math.min(...times, Infinity);
  const end = Math.max(...times, -Infinity);
  const span = Math.max(end - start, 1);
  const plotWidth = WIDTH - LABEL_WIDTH - RIGHT_MARGIN;
  const xOf = (seconds: number) => LABEL_WIDTH + ((seconds - start) / span) * plotWidth;
  const laneY = (lane: number) => TOP + lane * LANE_HEIGHT + LANE_HEIGHT / 2;

  const lanes = STAGES.map(
    (stage, lane) =>
      `<g class="lane"><line x1="${LABEL_WIDTH}" x2="${WIDTH - RIGHT_MARGIN}" y1="${laneY(lane)}" y2="${laneY(lane)}"/>` +
      `<text x="${LABEL_WIDTH - 8}" y="${laneY(lane) + 4}" text-anchor="end">${escapeHtml(text.stages[stage])}</text></g>`,
  );
  const lastX = new Map<number, number>();
  const marks = events.map((event) => {
    const lane = STAGES.indexOf(stageOf(event.name));
    const x = Math.max(xOf(Number(event.timestamp)), (lastX.get(lane) ?? -Infinity) + MARK_GAP);
    lastX.set(lane, x);
    const title = `#${event.index} ${eventLabel(text, event.name)} ${formatUtc(event.timestamp)}`;
    return (
      `<g class="mark stage-${stageOf(event.name)}" data-event="${event.index}"><title>${escapeHtml(title)}</title>` +
      `<circle cx="${x.toFixed(1)}" cy="${laneY(lane)}" r="${MARK_RADIUS}"/>` +
      `<text x="${x.toFixed(1)}" y="${laneY(lane) - MARK_RADIUS - 2}" text-anchor="middle">${event.index}</text></g>`
    );
  });
  const ticks =
    events.length === 0
      ? []
      : Array.from({ length: AXIS_TICKS }, (_, k) => {
          const seconds = start + (span * k) / (AXIS_TICKS - 1);
          const x = xOf(seconds).toFixed(1);
          return (
            `<line x1="${x}" x2="${x}" y1="${axisY}" y2="${axisY + 5}"/>` +
            `<text x="${x}" y="${axisY + 18}" text-anchor="middle">${formatUtcDate(seconds)}</text>`
          );
        });
  return (
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" role="img" ` +
    `aria-label="${escapeHtml(text.timeline)}">` +
    lanes.join("") +
    `<g class="axis"><line x1="${LABEL_WIDTH}" x2="${WIDTH - RIGHT_MARGIN}" y1="${axisY}" y2="${axisY}"/>${ticks.join("")}</g>` +
    marks.join("") +
    `</svg>`
  );
}
