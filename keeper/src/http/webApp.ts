/**
 * The web app for lenders, borrowers and notaries, served by the keeper itself: `keeper/web/src/main.ts` and its
 * imports (viem included) bundled by esbuild into one ES module on the first request and kept in memory, beside
 * `keeper/web/index.html` and `keeper/web/styles.css`. Nothing is loaded from elsewhere: every response of the app
 * carries a Content-Security-Policy that allows this origin only.
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Router, type Response } from "express";

/** Where the app is served. */
export const WEB_APP_PATH = "/app/";

/** This origin only: no inline script or style, no frames, no form posts elsewhere. */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const WEB_ROOT = fileURLToPath(new URL("../../web/", import.meta.url));
const ENTRY = `${WEB_ROOT}src/main.ts`;

/**
 * What the app is told at start (`/app/config.json`): how amounts are written (the token's decimals, the currency's
 * name) and the chain the wallet must be on, with the LoanBook it writes to (null: the app only reads).
 */
export interface WebAppDisplay {
  readonly tokenDecimals: number;
  readonly currency: string;
  readonly chainId: number | null;
  readonly loanBook: `0x${string}` | null;
}

export interface CreateWebAppRouterParameters {
  /** Served as `/app/config.json`; the keeper's defaults (6 decimals, USD, no chain) when absent. */
  readonly display?: WebAppDisplay;
}

export interface WebAppBundle {
  /** The ES module the page loads (`/app/main.js`). */
  readonly js: string;
  /** The same, gzipped once (served to a browser that accepts it). */
  readonly gzipped: Buffer;
  /** The milliseconds esbuild took. */
  readonly buildMs: number;
}

const DEFAULT_DISPLAY: WebAppDisplay = { tokenDecimals: 6, currency: "USD", chainId: null, loanBook: null };

/**
 * Bundles the app's entry (`keeper/web/src/main.ts`) and everything it imports into one minified ES module.
 *
 * @example
 * const { js, buildMs } = await buildWebApp();
 */
export async function buildWebApp(): Promise<WebAppBundle> {
  const started = performance.now();
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const js = result.outputFiles[0]!.text;
  return { js, gzipped: gzipSync(js, { level: 9 }), buildMs: Math.round(performance.now() - started) };
}

const secured = (response: Response): Response =>
  response
    .set("Content-Security-Policy", WEB_APP_CSP)
    .set("X-Content-Type-Options", "nosniff")
    .set("Referrer-Policy", "no-referrer")
    .set("Cache-Control", "no-cache");

/**
 * `/` (redirects to `/app/`), `/app/`, `/app/main.js`, `/app/styles.css` and `/app/config.json`. The bundle is built
 * on the first request for it (well under a second) and kept, with its gzip (served to browsers that accept it: 147 kB
 * instead of 491 kB); a failed build is retried on the next request.
 *
 * @example
 * app.use(createWebAppRouter());
 */
export function createWebAppRouter(parameters: CreateWebAppRouterParameters = {}): Router {
  const display = parameters.display ?? DEFAULT_DISPLAY;
  // Strict: `/app` and `/app/` are different paths (the first redirects to the second).
  const router = Router({ strict: true });
  let bundle: Promise<WebAppBundle> | undefined;
  const bundled = (): Promise<WebAppBundle> => {
    bundle ??= buildWebApp().catch((error: unknown) => {
      bundle = undefined;
      throw error;
    });
    return bundle;
  };
  // Read once: they are part of the release, like the source the bundle is built from.
  const indexHtml = readFileSync(`${WEB_ROOT}index.html`, "utf8");
  const stylesCss = readFileSync(`${WEB_ROOT}styles.css`, "utf8");

  router.get("/", (_request, response) => response.redirect(302, WEB_APP_PATH));
  router.get("/app", (_request, response) => response.redirect(301, WEB_APP_PATH));
  router.get(WEB_APP_PATH, (_request, response) => {
    secured(response).type("html").send(indexHtml);
  });
  router.get(`${WEB_APP_PATH}styles.css`, (_request, response) => {
    secured(response).type("css").send(stylesCss);
  });
  router.get(`${WEB_APP_PATH}config.json`, (_request, response) => {
    secured(response).json(display);
  });
  router.get(`${WEB_APP_PATH}main.js`, async (request, response) => {
    const { js, gzipped } = await bundled();
    secured(response).type("js").vary("Accept-Encoding");
    if (request.acceptsEncodings("gzip", "identity") === "gzip") response.set("Content-Encoding", "gzip").send(gzipped);
    else response.send(js);
  });
  return router;
}
