import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { freePort, waitFor } from '../support/processes.js';
import { render, runInTerminal, type ScreenLine } from './terminal.js';

const COLS = 80;
const ESC = '\u001b';
/** The colour (SGR) sequences in `raw`. */
const colours = (raw: string) =>
  raw
    .split(`${ESC}[`)
    .slice(1)
    .filter((s) => /^[\d;]*m/.test(s));

/** The shapes a line of `npm start`'s screen may have: one whole thing each, never two run together. */
const LOG = /^\[\d{2}:\d{2}:\d{2} [^\]]+\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): \S/;
const BAR = /^(github|jira) \[[█░]+\] \d+\/\d+ \d+ (pull requests|issues)/;
const SOURCE_SUMMARY = /^(GitHub|Jira): \d+ (pull requests|issues) in \d+ scopes, \d+ API requests$/;
const TITLE = /^DORA, all teams, last 90 days \(generated organisation \w+\)$/;
/** The tiles and where to go next, as demo.ts and serve.ts lay them out. */
const BLOCK = [
  TITLE,
  /^metric {2,}value {2,}DORA \d{4}$/,
  /^-{31} {2}-+ {2}-{9}$/,
  /^(Deployment frequency|Change lead time|Change fail rate|Failed deployment recovery time|Deployment rework rate) {2,}\S/,
  /^ {33}\S/, // a tile's value, wrapped
  /^ {2}(GitHub|Jira|API|Docs|Postgres|Token|Teams|Insight) +\S/,
  /^ {12}\S/, // a note under an address, wrapped
  /^$/,
];
/** What the service logs as it starts: all of it must be above the tiles. */
const STARTUP = /\] INFO: (job scheduled|serving|metrics refreshed) /;

const shapeOf = (line: string) =>
  LOG.test(line) ? 'log' : BAR.test(line) ? 'bar' : SOURCE_SUMMARY.test(line) ? 'summary' : undefined;

/** `npm start` (engmetrics demo) on an 80-column terminal, until its tiles and addresses are printed. */
async function demoOnTerminal(): Promise<{ screen: ScreenLine[]; raw: string; dataDir: string }> {
  const [port, pgPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'engmetrics-screen-'));
  const run = runInTerminal(
    // A Saturday between two sprints (the README's run).
    ['demo', '--prs', '300', '--repos', '4', '--days', '60', '--now', '2026-12-12T08:00:00Z'],
    { PORT: String(port), ENGMETRICS_PG_PORT: String(pgPort), ENGMETRICS_DATA_DIR: dataDir },
    { cols: COLS, rows: 40 },
  );
  try {
    // The footer ends with the sprint line and a blank line.
    await waitFor(
      async () => (/Insight[^]*on the team's board[^]*\n\s*\n$/.test(run.raw()) ? true : undefined),
      150_000,
      'the tiles and addresses',
    );
    return { screen: await render(run.raw(), COLS), raw: run.raw(), dataDir };
  } finally {
    run.interrupt();
    expect(await run.exited).toBe(0);
  }
}

describe('npm start on an 80-column terminal', () => {
  it('draws log lines above the progress bars and ends with the tiles and where to go next, nothing wider than the terminal', async () => {
    const { screen, raw, dataDir } = await demoOnTerminal();
    const text = screen.map((l) => l.text);
    const title = text.findIndex((l) => TITLE.test(l));
    expect(title).toBeGreaterThan(0);

    // Above the tiles: log lines, the bars' final states and the sources' summaries, each whole.
    const above = screen.slice(0, title).filter((l) => l.text !== '');
    expect(above.filter((l) => shapeOf(l.text) === undefined).map((l) => l.text)).toEqual([]);
    expect(above.filter((l) => BAR.test(l.text))).toHaveLength(2);
    expect(above.filter((l) => BAR.test(l.text)).every((l) => l.rows === 1 && l.text.length < COLS)).toBe(
      true,
    );
    expect(above.filter((l) => / INFO: job scheduled /.test(l.text))).toHaveLength(4);

    // The tiles and the addresses: nothing interleaved, nothing wrapped by the terminal.
    const block = screen.slice(title);
    const end = block.findIndex((l) => LOG.test(l.text));
    const tiles = end < 0 ? block : block.slice(0, end);
    expect(tiles.filter((l) => !BLOCK.some((shape) => shape.test(l.text))).map((l) => l.text)).toEqual([]);
    expect(tiles.filter((l) => l.rows > 1 || l.text.length > COLS).map((l) => l.text)).toEqual([]);
    expect(tiles.filter((l) => /^Deployment frequency {2,}\d+ in [\d.]+ weeks/.test(l.text))).toHaveLength(1);
    // Lines after them can only come from a scheduled job that started on the hour.
    expect(
      block.slice(tiles.length).filter((l) => l.text !== '' && (!LOG.test(l.text) || STARTUP.test(l.text))),
    ).toEqual([]);

    // The last thing: the insight, and the sprint it describes under it.
    const last = tiles.map((l) => l.text).filter((l) => l !== '');
    const insight = last.findIndex((l) => l.startsWith('  Insight '));
    expect(last[insight]).toMatch(
      /^ {2}Insight {3}http:\/\/127\.0\.0\.1:\d+\/insights\/sprint-health\?team=\w+$/,
    );
    expect(last.slice(insight + 1).every((l) => /^ {12}\S/.test(l))).toBe(true);
    expect(
      last
        .slice(insight + 1)
        .map((l) => l.trim())
        .join(' '),
    ).toMatch(
      /^\(with the token as a bearer\) \(closed\) No sprint is running on the team's board; .* on the board$/,
    );

    // Where the token is, never the token.
    const tokenFile = join(dataDir, 'api-token');
    expect(text).toContain(`  Token     ${tokenFile}`);
    expect(raw).not.toContain(readFileSync(tokenFile, 'utf8').trim());
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);

    // Log lines in colour on a terminal.
    expect(raw).toContain(`${ESC}[32mINFO${ESC}[39m`);
  }, 180_000);
});

describe('log lines on a terminal', () => {
  const migrateOnTerminal = async (env: Record<string, string>) => {
    const run = runInTerminal(['migrate'], {
      ENGMETRICS_DATA_DIR: mkdtempSync(join(tmpdir(), 'engmetrics-screen-')),
      ENGMETRICS_PG_PORT: String(await freePort()),
      ...env,
    });
    expect(await run.exited).toBe(0);
    return run.raw();
  };

  it('are readable lines with the level in colour, and without colour when NO_COLOR is set', async () => {
    const [coloured, plain] = [await migrateOnTerminal({}), await migrateOnTerminal({ NO_COLOR: '1' })];
    for (const raw of [coloured, plain]) {
      const lines = (await render(raw, COLS)).map((l) => l.text);
      expect(
        lines.filter((l) => / INFO: migration applied \{"migration":"0001_foundation"/.test(l)),
      ).toHaveLength(1);
      expect(lines.some((l) => l.startsWith('{'))).toBe(false); // no JSON lines
    }
    expect(coloured).toContain(`${ESC}[32mINFO${ESC}[39m`);
    expect(colours(coloured).length).toBeGreaterThan(0);
    expect(colours(plain)).toEqual([]);
  }, 120_000);
});
