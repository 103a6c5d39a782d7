/**
 * An evidence package as one download: a gzipped POSIX tar (ustar) archive of its folder, which `tar -xzf` unpacks
 * on any system, ready for `sha256sum -c SHA256SUMS`. Regular files and their folders only, in path order, with a
 * fixed time and owner, so the same package gives the same archive bytes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";

const BLOCK = 512;
/** ustar's limits: a name of 100 bytes, with a prefix of up to 155 bytes before its last `/`. */
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;
/** The largest size ustar's 11 octal digits hold (8 GiB - 1). */
const MAX_SIZE = 8 ** 11 - 1;

export interface TarEntry {
  /** `/`-separated, relative; a folder's path ends with `/`. */
  readonly path: string;
  /** null for a folder. */
  readonly bytes: Uint8Array | null;
}

/**
 * The archive of folder `dir`, every path under `root/` (e.g. `loan-7-evidence/manifest.json`), gzipped.
 *
 * @example
 * writeFileSync("loan-7.tar.gz", packTarGz("evidence/loan-7", { root: "loan-7-evidence", mtime: 1764115200 }));
 */
export function packTarGz(dir: string, { root, mtime }: { root: string; mtime: number }): Buffer {
  const entries: TarEntry[] = [{ path: `${root}/`, bytes: null }];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(folder, entry.name);
      const name = `${root}/${relative(dir, path).split(sep).join("/")}`;
      if (entry.isDirectory()) {
        entries.push({ path: `${name}/`, bytes: null });
        walk(path);
      } else if (entry.isFile()) {
        entries.push({ path: name, bytes: readFileSync(path) });
      }
    }
  };
  walk(dir);
  return gzipSync(tarOf(entries, mtime));
}

/**
 * A ustar archive of `entries`, in the given order.
 *
 * @example
 * tarOf([{ path: "a/", bytes: null }, { path: "a/b.txt", bytes: Buffer.from("hi") }], 0);
 */
export function tarOf(entries: readonly TarEntry[], mtime: number): Buffer {
  const blocks: Buffer[] = [];
  for (const { path, bytes } of entries) {
    const size = bytes?.length ?? 0;
    if (size > MAX_SIZE) throw new RangeError(`${path}: ${size} bytes is over ustar's limit`);
    blocks.push(header(path, size, bytes === null ? "5" : "0", mtime));
    if (bytes !== null && size > 0) {
      blocks.push(Buffer.from(bytes), Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK));
    }
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

function header(path: string, size: number, type: "0" | "5", mtime: number): Buffer {
  const { name, prefix } = splitPath(path);
  const block = Buffer.alloc(BLOCK);
  const put = (offset: number, length: number, text: string) => block.write(text, offset, length, "utf8");
  const octal = (offset: number, length: number, value: number) =>
    put(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
  put(0, NAME_BYTES, name);
  octal(100, 8, type === "5" ? 0o755 : 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, mtime);
  put(148, 8, " ".repeat(8));
  put(156, 1, type);
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  put(265, 32, "root");
  put(297, 32, "root");
  put(345, PREFIX_BYTES, prefix);
  const checksum = block.reduce((sum, byte) => sum + byte, 0);
  put(148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** `path` as ustar's name and prefix: the name is what follows the last `/` that leaves it 100 bytes or fewer. */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= NAME_BYTES) return { name: path, prefix: "" };
  const folder = path.endsWith("/") ? path.slice(0, -1) : path;
  for (let cut = folder.indexOf("/"); cut !== -1; cut = folder.indexOf("/", cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(name) <= NAME_BYTES && Buffer.byteLength(prefix) <= PREFIX_BYTES) return { name, prefix };
  }
  throw new RangeError(`${path}: too long for a ustar archive`);
}
