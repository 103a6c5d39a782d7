/**
 * The keeper's own database path, for commands that open it: `KEEPER_DB_PATH`, the config file's `dbPath`, or the
 * default, exactly as the keeper resolves it; a configuration that does not build is a usage error naming the fix.
 */
import { buildConfig, ConfigError } from "../config.ts";
import { UsageError } from "./command.ts";

/**
 * @example
 * const database = request.database ?? keeperDatabasePath(process.env);
 */
export function keeperDatabasePath(env: Readonly<Record<string, string | undefined>>): string {
  try {
    return buildConfig({ env }).dbPath;
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new UsageError(`cannot find the keeper's database (${error.message}); pass --database PATH`);
    }
    throw error;
  }
}
