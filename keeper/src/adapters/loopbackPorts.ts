/**
 * Ports on 127.0.0.1 for the servers the keeper and its tests start as child processes (the local chain, a
 * throwaway PostgreSQL, keeper processes): one the system says is free, and whether a given one is.
 */
import { createServer } from "node:net";

const HOST = "127.0.0.1";

/**
 * A port nobody listens on at the moment (the system's pick). Someone may take it before the caller binds it: a
 * caller that starts a server on it retries with another when that happens.
 *
 * @example
 * const port = await freePort(); // e.g. 41237
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("the system gave no free port"))));
    });
  });
}

/**
 * Whether nothing listens on `port` of 127.0.0.1 now.
 *
 * @example
 * if (!(await isPortFree(8545))) throw new Error("port 8545 is taken");
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}
