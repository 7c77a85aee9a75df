import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const INGESTER_DIR = fileURLToPath(new URL('../..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * A run under libfaketime (`faketime '2026-12-06 10:00' npm test`) keeps its clock in the
 * children, which otherwise get a clean environment.
 */
const FAKETIME = [
  'LD_PRELOAD',
  'FAKETIME',
  'FAKETIME_NO_CACHE',
  'DONT_FAKE_MONOTONIC',
  'FAKETIME_DONT_RESET',
];

/** The libfaketime variables of this process, for a child's clean environment. */
export function faketimeEnv(): Record<string, string> {
  return Object.fromEntries(
    FAKETIME.flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]!]] : [])),
  );
}

/** Runs `engmetrics <args>` from source in a child process with only the given environment. */
export function runCli(args: string[], env: Record<string, string>): CliProcess {
  const inherited = faketimeEnv();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: INGESTER_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
