import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

/** Where a generated API token is kept, in the data folder. */
export const TOKEN_FILE = 'api-token';

export interface KeptToken {
  token: string;
  path: string;
  /** Made by this start (false: read from an earlier one). */
  created: boolean;
}

/**
 * The API token of a service started without API_TOKEN: generated on the first start and
 * kept in `<dataDir>/api-token` (mode 0600), so that what was configured with it (the
 * Grafana app, a script) still works after a restart. A file too short to be a token is
 * replaced.
 */
export function keptApiToken(dataDir: string): KeptToken {
  const path = join(resolve(dataDir), TOKEN_FILE);
  mkdirSync(resolve(dataDir), { recursive: true });
  const existing = readToken(path);
  if (existing !== undefined) return { token: existing, path, created: false };
  const token = randomBytes(24).toString('base64url');
  try {
    // wx: of two starts at the same moment, the second reads the first one's token.
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = readToken(path);
    if (theirs !== undefined) return { token: theirs, path, created: false };
    unlinkSync(path);
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { token, path, created: true };
}

function readToken(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (text.length < 16 || /\s/.test(text)) return undefined;
  // Readable by its owner only, even if someone loosened it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return text;
}

/** `./data/api-token` for a path under the folder the command was run from, the absolute path otherwise. */
export function displayPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const from = relative(env.INIT_CWD ?? process.cwd(), path);
  return from && !from.startsWith('..') && !isAbsolute(from) ? `./${from}` : path;
}
