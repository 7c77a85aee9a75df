import { spawn, type ChildProcess } from 'node:child_process';
import xterm from '@xterm/headless';
import { faketimeEnv, INGESTER_DIR } from '../support/processes.js';

/**
 * `engmetrics` on a terminal: run under `script`, which gives it a pseudo-terminal of the
 * size asked for (`stty`), and what it drew read back through xterm.js's headless
 * terminal, as a person would see it: cursor moves, line clears and wrapping applied.
 */

export interface TerminalRun {
  child: ChildProcess;
  /** Everything written to the terminal so far, escape sequences included. */
  raw(): string;
  /** Ctrl-C, typed at the terminal. */
  interrupt(): void;
  exited: Promise<number | null>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function runInTerminal(
  args: string[],
  env: Record<string, string>,
  size: { cols: number; rows: number } = { cols: 80, rows: 40 },
): TerminalRun {
  const inherited = faketimeEnv();
  const command =
    `stty cols ${size.cols} rows ${size.rows} && exec ${quote(process.execPath)} --import tsx src/cli/main.ts ` +
    args.map(quote).join(' ');
  // stdin stays open: script ends the session when its input ends.
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: INGESTER_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      TERM: 'xterm-256color',
      ...inherited,
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    raw: () => out,
    interrupt: () => void child.stdin!.write('\x03'),
    exited,
  };
}

/** A line of the screen as the program wrote it: `rows` > 1 when the terminal wrapped it. */
export interface ScreenLine {
  text: string;
  rows: number;
}

/** What `raw` leaves on a terminal of `cols` columns, scrollback included, trailing blank lines left out. */
export async function render(raw: string, cols: number, rows = 40): Promise<ScreenLine[]> {
  const term = new xterm.Terminal({ cols, rows, scrollback: 100_000, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(raw, resolve));
  const buffer = term.buffer.active;
  const lines: ScreenLine[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const row = buffer.getLine(y)!;
    const text = row.translateToString(true);
    const last = lines[lines.length - 1];
    if (row.isWrapped && last) {
      last.text += text;
      last.rows++;
    } else lines.push({ text, rows: 1 });
  }
  term.dispose();
  while (lines.length && lines[lines.length - 1]!.text.trim() === '') lines.pop();
  return lines;
}
