/**
 * Web sign-in in the store: the single-use SIWE nonces, the sessions they open and the lenders' API keys. Session
 * ids and API keys are held only as SHA-256 hashes (hex), so reading the database opens no session. Times are the
 * keeper's wall clock, unix milliseconds, given by the caller.
 */
import type { SqlDatabase } from "./sqlDatabase.ts";
import { getAddress, type Address } from "viem";

/** What burning a nonce found: it is burned only when `ok`. */
export type ConsumeNonceResult = "ok" | "unknown" | "used" | "expired";

export interface SessionRecord {
  readonly address: Address;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

export interface ApiKeyRecord {
  readonly id: number;
  readonly lender: Address;
  readonly name: string;
  readonly createdAtMs: number;
  /** Null while the key is valid. */
  readonly revokedAtMs: number | null;
}

export interface InsertSessionParameters {
  /** SHA-256 of the session id, hex. */
  readonly idHash: string;
  readonly address: Address;
  readonly expiresAtMs: number;
}

export interface InsertApiKeyParameters {
  readonly lender: Address;
  readonly name: string;
  /** SHA-256 of the key, hex. */
  readonly keyHash: string;
}

export interface Sessions {
  /** Stores a fresh nonce valid until `expiresAtMs`, and forgets the nonces and sessions expired before `nowMs`. */
  insertNonce(nonce: string, expiresAtMs: number, nowMs: number): void;
  /** Nonces issued and neither used nor expired at `nowMs`. */
  liveNonceCount(nowMs: number): number;
  /** What a nonce is at `nowMs`, without burning it. */
  checkNonce(nonce: string, nowMs: number): ConsumeNonceResult;
  /** Burns the nonce if it is known, unused and unexpired at `nowMs`; run it in the transaction that uses it. */
  consumeNonce(nonce: string, nowMs: number): ConsumeNonceResult;
  insertSession(session: InsertSessionParameters, nowMs: number): void;
  /** The session with this id hash, if it has not expired at `nowMs`. */
  getSession(idHash: string, nowMs: number): SessionRecord | undefined;
  /** False when there was no such session. */
  deleteSession(idHash: string): boolean;

  /** Stores a lender's API key (its hash); returns its id. */
  insertApiKey(key: InsertApiKeyParameters, nowMs: number): number;
  /** The unrevoked key with this hash, with the hash held (for a constant-time comparison). */
  getApiKeyByHash(keyHash: string): (ApiKeyRecord & { readonly keyHash: string }) | undefined;
  listApiKeys(): ApiKeyRecord[];
  /** False when there is no such key or it was already revoked. */
  revokeApiKey(id: number, nowMs: number): boolean;
}

interface NonceRow {
  expires_at_ms: bigint;
  used_at_ms: bigint | null;
}
interface ApiKeyRow {
  id: bigint;
  lender: string;
  name: string;
  created_at_ms: bigint;
  revoked_at_ms: bigint | null;
}

const apiKeyOf = (row: ApiKeyRow): ApiKeyRecord => ({
  id: Number(row.id),
  lender: getAddress(row.lender),
  name: row.name,
  createdAtMs: Number(row.created_at_ms),
  revokedAtMs: row.revoked_at_ms === null ? null : Number(row.revoked_at_ms),
});

/**
 * The sign-in tables' statements over an open database (`openStore` exposes them as `store.sessions`).
 *
 * @example
 * const sessions = createSessions(db);
 * sessions.insertNonce("k2Jd8fXq0aLm", now + 600_000, now);
 * db.transaction(() => sessions.consumeNonce("k2Jd8fXq0aLm", now) === "ok" && sessions.insertSession(s, now))();
 */
export function createSessions(db: SqlDatabase): Sessions {
  const insertNonce = db.prepare(
    "INSERT INTO auth_nonces (nonce, created_at_ms, expires_at_ms, used_at_ms) VALUES (?, ?, ?, NULL)",
  );
  const deleteExpiredNonces = db.prepare("DELETE FROM auth_nonces WHERE expires_at_ms <= ?");
  const deleteExpiredSessions = db.prepare("DELETE FROM auth_sessions WHERE expires_at_ms <= ?");
  const countLiveNonces = db
    .prepare("SELECT count(*) FROM auth_nonces WHERE used_at_ms IS NULL AND expires_at_ms > ?")
    .pluck();
  const selectNonce = db.prepare("SELECT expires_at_ms, used_at_ms FROM auth_nonces WHERE nonce = ?");
  const burnNonce = db.prepare(
    "UPDATE auth_nonces SET used_at_ms = ? WHERE nonce = ? AND used_at_ms IS NULL AND expires_at_ms > ?",
  );
  const insertSession = db.prepare(
    "INSERT INTO auth_sessions (id_hash, address, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)",
  );
  const selectSession = db.prepare(
    "SELECT address, created_at_ms, expires_at_ms FROM auth_sessions WHERE id_hash = ? AND expires_at_ms > ?",
  );
  const deleteSession = db.prepare("DELETE FROM auth_sessions WHERE id_hash = ?");
  const insertApiKey = db.prepare(
    "INSERT INTO api_keys (lender, name, key_hash, created_at_ms, revoked_at_ms) VALUES (?, ?, ?, ?, NULL) RETURNING id",
  );
  const apiKeyColumns = "id, lender, name, created_at_ms, revoked_at_ms";
  const selectApiKey = db.prepare(
    `SELECT ${apiKeyColumns}, key_hash FROM api_keys WHERE key_hash = ? AND revoked_at_ms IS NULL`,
  );
  const selectApiKeys = db.prepare(`SELECT ${apiKeyColumns} FROM api_keys ORDER BY id`);
  const revokeApiKey = db.prepare("UPDATE api_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL");

  const checkNonce = (nonce: string, nowMs: number): ConsumeNonceResult => {
    const row = selectNonce.get(nonce) as NonceRow | undefined;
    if (row === undefined) return "unknown";
    if (row.used_at_ms !== null) return "used";
    return Number(row.expires_at_ms) <= nowMs ? "expired" : "ok";
  };

  return {
    insertNonce: (nonce, expiresAtMs, nowMs) =>
      db.transaction(() => {
        deleteExpiredNonces.run(nowMs);
        deleteExpiredSessions.run(nowMs);
        insertNonce.run(nonce, nowMs, expiresAtMs);
      })(),
    liveNonceCount: (nowMs) => Number(countLiveNonces.get(nowMs)),
    checkNonce,
    consumeNonce(nonce, nowMs) {
      const found = checkNonce(nonce, nowMs);
      if (found !== "ok") return found;
      return burnNonce.run(nowMs, nonce, nowMs).changes === 1 ? "ok" : "used";
    },
    insertSession: (session, nowMs) => {
      insertSession.run(session.idHash, session.address, nowMs, session.expiresAtMs);
    },
    getSession(idHash, nowMs) {
      const row = selectSession.get(idHash, nowMs) as
        { address: string; created_at_ms: bigint; expires_at_ms: bigint } | undefined;
      if (row === undefined) return undefined;
      return {
        address: getAddress(row.address),
        createdAtMs: Number(row.created_at_ms),
        expiresAtMs: Number(row.expires_at_ms),
      };
    },
    deleteSession: (idHash) => deleteSession.run(idHash).changes === 1,

    insertApiKey: (key, nowMs) =>
      Number((insertApiKey.get(getAddress(key.lender), key.name, key.keyHash, nowMs) as { id: bigint }).id),
    getApiKeyByHash(keyHash) {
      const row = selectApiKey.get(keyHash) as (ApiKeyRow & { key_hash: string }) | undefined;
      return row === undefined ? undefined : { ...apiKeyOf(row), keyHash: row.key_hash };
    },
    listApiKeys: () => (selectApiKeys.all() as ApiKeyRow[]).map(apiKeyOf),
    revokeApiKey: (id, nowMs) => revokeApiKey.run(nowMs, id).changes === 1,
  };
}
