import { after, describe, it } from "node:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { expect } from "chai";
import { findPostgresBinaries, isCi, postgresSkipReason, POSTGRES_INSTALL_HINT } from "./postgresBinaries.ts";

const root = mkdtempSync(join(tmpdir(), "keeper-postgres-binaries-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A directory holding executables with the given names. */
function binDir(path: string, names: readonly string[]): string {
  mkdirSync(path, { recursive: true });
  for (const name of names) {
    writeFileSync(join(path, name), "#!/bin/sh\n");
    chmodSync(join(path, name), 0o755);
  }
  return path;
}

describe("findPostgresBinaries", () => {
  it("takes the newest Debian version, by number rather than by name", () => {
    const debianRoot = join(root, "debian");
    for (const version of ["9.6", "15", "16"]) binDir(join(debianRoot, version, "bin"), ["initdb", "postgres"]);
    binDir(join(debianRoot, "17", "bin"), ["psql"]); // a client-only install has no server
    mkdirSync(join(debianRoot, "not-a-version", "bin"), { recursive: true });
    const found = findPostgresBinaries({ debianRoot, path: "" });
    expect(found).to.deep.equal({
      binDir: join(debianRoot, "16", "bin"),
      initdb: join(debianRoot, "16", "bin", "initdb"),
      postgres: join(debianRoot, "16", "bin", "postgres"),
    });
  });

  it("falls back to PATH, where initdb and postgres must be in one directory", () => {
    const onlyInitdb = binDir(join(root, "path-a"), ["initdb"]);
    const both = binDir(join(root, "path-b"), ["initdb", "postgres"]);
    const found = findPostgresBinaries({
      debianRoot: join(root, "absent"),
      path: [onlyInitdb, "", both].join(delimiter),
    });
    expect(found?.binDir).to.equal(both);
  });

  it("finds nothing when neither has them", () => {
    expect(findPostgresBinaries({ debianRoot: join(root, "absent"), path: join(root, "path-a") })).to.equal(undefined);
  });
});

describe("postgresSkipReason", () => {
  const missing = () => undefined;
  const present = () => ({ binDir: "/x", initdb: "/x/initdb", postgres: "/x/postgres" });

  it("never skips under CI, installed or not", () => {
    for (const CI of ["true", "1", "yes"]) expect(postgresSkipReason({ CI }, missing)).to.equal(false);
  });

  it("outside CI, skips with the install command when the binaries are missing", () => {
    for (const CI of [undefined, "", "false"]) {
      expect(isCi({ CI })).to.equal(false);
      const reason = postgresSkipReason({ CI }, missing);
      expect(reason).to.be.a("string").and.include(POSTGRES_INSTALL_HINT).and.include("initdb");
    }
  });

  it("outside CI, runs when the binaries are there", function () {
    // As root the postgres system user is needed as well; this machine's answer is checked by the other tests.
    if (process.getuid?.() === 0) return;
    expect(postgresSkipReason({}, present)).to.equal(false);
  });
});
