/**
 * Escaping for the report: every text the manifest carries is untrusted input to the HTML (a document role, an
 * argument, a term could hold markup), so it goes through `escapeHtml` before it reaches the page.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * `text` safe inside an HTML or SVG element and inside a quoted attribute.
 *
 * @example
 * escapeHtml(`<script>"x"</script>`); // "&lt;script&gt;&quot;x&quot;&lt;/script&gt;"
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (char) => ENTITIES[char]);
}
