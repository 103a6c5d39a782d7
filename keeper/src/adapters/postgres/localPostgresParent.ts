/**
 * Test helper for localPostgres.test.ts: starts a local server, prints its pid and directory as JSON and exits
 * without stopping it, so the test can check that the exit handler killed it and removed the directory.
 */
import { startLocalPostgres } from "./localPostgres.ts";

const server = await startLocalPostgres({ port: 0 });
console.log(JSON.stringify({ pid: server.process.pid, dir: server.dir }));
process.exit(0);
