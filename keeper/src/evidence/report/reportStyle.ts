/**
 * The report's inline stylesheet: readable on screen and printed on A4 (Chromium's PDF), with a CJK font for the
 * Chinese report (Debian's fonts-wqy-microhei) and hashes kept on one line so that they survive text extraction.
 */
export const REPORT_CSS = `
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: 9pt;
  color: #1a1a1a; margin: 0 auto; max-width: 190mm; line-height: 1.35; }
h1 { font-size: 16pt; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; break-after: avoid; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1mm 1.5mm; border-bottom: 1px solid #ddd; }
th { background: #eef1f5; }
tr, tbody.event { break-inside: avoid; }
.hash, code { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; white-space: nowrap; }
.wrap { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; word-break: break-all; }
.terms { column-count: 2; column-gap: 6mm; }
.terms .view { break-inside: avoid; margin-bottom: 3mm; }
.terms h3 { font-size: 9.5pt; margin: 0 0 1mm; }
.terms dl { display: grid; grid-template-columns: auto 1fr; gap: 0 2mm; margin: 0; }
.terms dd { margin: 0; font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; word-break: break-all; }
.event-head td { border-bottom: none; }
.solidity { color: #666; font-size: 7.5pt; }
.muted { color: #666; }
svg.timeline { width: 100%; height: auto; font-size: 13px; }
svg.timeline .lane line, svg.timeline .axis line { stroke: #bbb; stroke-width: 1; }
svg.timeline circle { stroke: #222; stroke-width: 1; fill: #4a78c2; }
svg.timeline .stage-payment circle { fill: #3c9a5f; }
svg.timeline .stage-default circle, svg.timeline .stage-breach circle { fill: #d0453a; }
svg.timeline .stage-certificate circle, svg.timeline .stage-commitment circle { fill: #e0a526; }
svg.timeline .stage-settlement circle { fill: #6b4fb3; }
svg.timeline .stage-writeOff circle, svg.timeline .stage-recovery circle { fill: #7a3b2e; }
svg.timeline .mark text { font-size: 10px; }
`;
