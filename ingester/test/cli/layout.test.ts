import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { barLine } from '../../src/cli/progress.js';
import { formatDora, formatEvidence } from '../../src/cli/report.js';
import { formatTable, labelled, wrapText } from '../../src/cli/table.js';
import { displayPath, keptApiToken } from '../../src/cli/token.js';
import { colorWanted, createLogger, readableDestination } from '../../src/log.js';
import type { DoraSummary } from '../../src/metrics/summary.js';

const ESC = '\u001b';

describe('the terminal layout', () => {
  const dora: DoraSummary = {
    deployments: 658,
    deploy_days: 64,
    weeks: 12.86,
    deployments_per_week: 51.2,
    median_deployments_per_week: 49,
    deploy_days_per_week: 5,
    deployment_frequency_band: 'elite',
    prs_shipped: 1008,
    lead_time_p50_h: 50.4,
    lead_time_p75_h: 96,
    lead_time_p90_h: 170.4,
    lead_time_band: 'high',
    failed_deployments: 41,
    change_fail_rate_pct: 6.2,
    change_fail_rate_band: 'high',
    recovery_p50_h: 17.6,
    recovery_p90_h: 23.9,
    recovery_band: 'high',
    rework_deployments: 40,
    rework_rate_pct: 6.1,
    fallback_deployments: 225,
    band_year: 2024,
  };

  it('lists the figures in doubt with why and where to look, wrapped to the terminal', () => {
    const ok = { rows: 20, confidence: 'ok' as const, reason: null, setting: null, detail: {} };
    expect(formatEvidence([{ metric: 'deployments', ...ok }])).toBe(
      'Every figure rests on enough rows (docs/metrics.md, "Evidence").',
    );
    const lines = formatEvidence(
      [
        { metric: 'deployments', ...ok },
        {
          metric: 'lead_time_p50',
          rows: 2,
          confidence: 'low',
          reason: 'fewer than 5 changes shipped',
          setting: null,
          detail: {},
        },
        {
          metric: 'sprints',
          rows: 0,
          confidence: 'none',
          reason: "no board of the team's Jira projects: NB",
          setting: 'the organisation file: teams[deps].jira.boards',
          detail: {},
        },
      ],
      80,
    ).split('\n');
    expect(lines[0]).toMatch(/^figure\s+confidence\s+why$/);
    expect(lines.some((l) => /^Change lead time\s+low\s+fewer than 5 changes shipped$/.test(l))).toBe(true);
    expect(lines.some((l) => /^Sprints\s+none\s+no board of the team's Jira projects: NB/.test(l))).toBe(
      true,
    );
    // Words wrapped whole: the setting reads back with the lines joined.
    expect(lines.map((l) => l.trim()).join(' ')).toMatch(
      /NB; look at the organisation file: teams\[deps\]\.jira\.boards$/,
    );
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines.join('\n')).not.toContain('Deployment frequency');
  });

  it('wraps the DORA tiles to the terminal, and leaves them on one line each elsewhere', () => {
    const narrow = formatDora(dora, 80).split('\n');
    expect(Math.max(...narrow.map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(narrow[0]).toMatch(/^metric {2,}value {2,}DORA 2024$/);
    expect(narrow).toContain('Change fail rate                 6.2 % (41 of 658)                     high');
    // Wrapped at spaces, a parenthesis kept whole, every word still there in order.
    const frequency = narrow.slice(
      2,
      narrow.findIndex((l) => l.startsWith('Change lead time')),
    );
    expect(frequency.length).toBeGreaterThan(1);
    expect(frequency.map((l) => l.slice(33, 33 + 38).trim()).join(' ')).toBe(
      '658 in 12.86 weeks: 51.2 a week (median 49), deploy days 5.0 a week, 225 from fallback sources',
    );
    expect(frequency[0]!.endsWith('elite')).toBe(true);

    const wide = formatDora(dora).split('\n');
    expect(wide).toHaveLength(7);
    expect(wide[2]).toMatch(
      /^Deployment frequency {2,}658 in 12\.86 weeks: .* from fallback sources {2,}elite$/,
    );
  });

  it('wraps text at spaces, keeps a parenthesis whole, cuts what cannot fit', () => {
    expect(wrapText('p50 2.1 d, p75 4.0 d, p90 7.1 d (1008 changes)', 36)).toEqual([
      'p50 2.1 d, p75 4.0 d, p90 7.1 d',
      '(1008 changes)',
    ]);
    expect(wrapText('short', 10)).toEqual(['short']);
    expect(wrapText('abcdefghijkl mn', 5)).toEqual(['abcde', 'fghij', 'kl mn']);
    expect(
      formatTable([{ a: 'x', b: 'one two three four five six seven' }], ['a', 'b'], { width: 20, wrap: 'b' }),
    ).toBe(['a  b', '-  -----------------', 'x  one two three', '   four five six', '   seven'].join('\n'));
  });

  it('moves an address note under the address when the line would be too wide', () => {
    expect(labelled('API', 'http://127.0.0.1:8080')).toEqual(['  API       http://127.0.0.1:8080']);
    const path = '/a/rather/long/data/folder/that/someone/chose/api-token';
    const note = '(generated now and kept; set API_TOKEN to choose one)';
    expect(labelled('Token', path, note)).toEqual([`  Token     ${path}  ${note}`]);
    expect(labelled('Token', path, note, 80)).toEqual([`  Token     ${path}`, `            ${note}`]);
  });

  it('fits a progress bar in the terminal, one column to spare', () => {
    for (const maxWidth of [40, 80, 200]) {
      const line = barLine(
        'github',
        { progress: 0.5, value: 2, total: 4, maxWidth },
        '1200 pull requests, a-repository-with-a-long-name done',
      );
      expect(line.length).toBeLessThanOrEqual(maxWidth - 1);
      expect(line).toMatch(/^github \[█+░+\] 2\/4 1200 pull/);
    }
    expect(barLine('jira', { progress: NaN, value: 0, total: 0, maxWidth: 80 }, '')).toMatch(
      /^jira \[░+\] 0\/0 $/,
    );
  });
});

describe('log lines for people', () => {
  it('are coloured on a terminal unless NO_COLOR is set (to anything but the empty string) or TERM is dumb', () => {
    const tty = { isTTY: true };
    expect(colorWanted({}, tty)).toBe(true);
    expect(colorWanted({ NO_COLOR: '1' }, tty)).toBe(false);
    expect(colorWanted({ NO_COLOR: '' }, tty)).toBe(true);
    expect(colorWanted({ TERM: 'dumb' }, tty)).toBe(false);
    expect(colorWanted({}, { isTTY: false })).toBe(false);
  });

  it('say the time with its zone, the level and the message first, with secrets still redacted', () => {
    for (const color of [true, false]) {
      const lines: string[] = [];
      const log = createLogger(
        { level: 'info', secrets: ['ghp_supersecret'] },
        readableDestination({ color }, (text) => lines.push(text)),
      );
      log.warn(
        { url: 'https://x/?t=ghp_supersecret', config: { token: 'tok' } },
        'fetched with ghp_supersecret',
      );
      expect(lines).toHaveLength(1);
      const line = lines[0]!;
      expect(line).not.toContain('ghp_supersecret');
      expect(line).not.toContain('"tok"');
      expect(line).toContain('[redacted]');
      expect(line.endsWith('\n')).toBe(true);
      expect(line.split('\n')).toHaveLength(2); // one line
      const plain = line
        .split(`${ESC}[`)
        .map((s, i) => (i === 0 ? s : s.replace(/^[\d;]*m/, '')))
        .join('');
      expect(plain).toMatch(/^\[\d{2}:\d{2}:\d{2} [^\]]+\] WARN: fetched with \[redacted\] \{"url":/);
      expect(line.includes(`${ESC}[`)).toBe(color);
    }
  });
});

describe('the API token kept in the data folder', () => {
  it('is generated once, readable by its owner only, and read back at the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'engmetrics-token-'));
    const first = keptApiToken(dir);
    expect(first).toMatchObject({ path: join(dir, 'api-token'), created: true });
    expect(first.token.length).toBeGreaterThanOrEqual(16);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(keptApiToken(dir)).toEqual({ ...first, created: false });

    // Loosened by hand: tightened again, and still the same token.
    chmodSync(first.path, 0o644);
    expect(keptApiToken(dir).token).toBe(first.token);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
  });

  it('replaces a file that holds no usable token, and makes the data folder when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'engmetrics-token-'));
    writeFileSync(join(dir, 'api-token'), 'short\n');
    const replaced = keptApiToken(dir);
    expect(replaced.created).toBe(true);
    expect(readFileSync(replaced.path, 'utf8')).toBe(`${replaced.token}\n`);
    expect(statSync(replaced.path).mode & 0o777).toBe(0o600);

    const nested = keptApiToken(join(dir, 'not', 'yet'));
    expect(nested.created).toBe(true);
  });

  it('is shown relative to the folder the command ran from when it is inside it', () => {
    expect(displayPath('/home/me/engmetrics/data/api-token', { INIT_CWD: '/home/me/engmetrics' })).toBe(
      './data/api-token',
    );
    expect(displayPath('/var/lib/engmetrics/api-token', { INIT_CWD: '/home/me/engmetrics' })).toBe(
      '/var/lib/engmetrics/api-token',
    );
  });
});
