import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { freePort, runCli, waitFor } from './support/processes.js';

describe('engmetrics serve on the embedded database', () => {
  it('migrates, answers /health, and exits cleanly on Ctrl-C', async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'engmetrics-'));
    const started = Date.now();
    const cli = runCli(['serve', '--migrate'], {
      PORT: String(port),
      ENGMETRICS_PG_PORT: String(pgPort),
      ENGMETRICS_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    try {
      const health = await waitFor(
        async () => {
          const r = await fetch(`http://127.0.0.1:${port}/health`);
          return r.ok ? r.json() : undefined;
        },
        15_000,
        '/health',
      );
      expect(health).toEqual({ status: 'ok' });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(cli.output()).toContain(`API       http://127.0.0.1:${port}`);
      expect(cli.output()).toContain(`Postgres  postgres://postgres@127.0.0.1:${pgPort}/postgres`);
      expect(cli.output()).toMatch(/embedded database: one machine, for trying things out/);
      const ready = await (await fetch(`http://127.0.0.1:${port}/ready`)).json();
      expect(ready).toMatchObject({ ready: true });
    } finally {
      cli.child.kill('SIGINT');
    }
    expect(await cli.exited).toBe(0);

    // The data survived: a second run finds the database migrated.
    const again = runCli(['migrate'], {
      ENGMETRICS_PG_PORT: String(pgPort),
      ENGMETRICS_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain('database is up to date');
  });
});

describe('engmetrics doctor', () => {
  it('prints a table and exits non-zero when a configured API does not answer', async () => {
    const cli = runCli(['doctor'], {
      ENGMETRICS_DATA_DIR: mkdtempSync(join(tmpdir(), 'engmetrics-')),
      ENGMETRICS_PG_PORT: String(await freePort()),
      GITHUB_TOKEN: 'ghp_doctor_test_token',
      GITHUB_API_URL: `http://127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'silent',
    });
    expect(await cli.exited).toBe(1);
    const out = cli.output();
    expect(out).toMatch(/^check\s+status\s+detail$/m);
    expect(out).toMatch(/^database\s+ok\s+PostgreSQL .*\(embedded\)$/m);
    expect(out).toMatch(/^migrations\s+warn\s+.*pending/m);
    expect(out).toMatch(/^github\s+fail\s+/m);
    expect(out).toMatch(/^jira\s+skip\s+not configured/m);
    expect(out).not.toContain('ghp_doctor_test_token');
  });
});
