/**
 * Writes provisioning/dashboards/*.json from the dashboards' code: `npm run dashboards -w ingester`.
 * With --check, writes nothing and exits 1 when a committed file differs from the code.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allDashboards, renderDashboard } from './index.js';

export const DASHBOARDS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../provisioning/dashboards',
);

export interface Drift {
  file: string;
  problem: 'missing' | 'different' | 'not generated';
}

/** Files that differ from what the code generates (an extra JSON file counts too). */
export function dashboardDrift(dir = DASHBOARDS_DIR): Drift[] {
  const expected = allDashboards();
  const drift: Drift[] = [];
  for (const [file, d] of Object.entries(expected)) {
    const path = join(dir, file);
    if (!existsSync(path)) drift.push({ file, problem: 'missing' });
    else if (readFileSync(path, 'utf8') !== renderDashboard(d)) drift.push({ file, problem: 'different' });
  }
  for (const file of existsSync(dir) ? readdirSync(dir) : [])
    if (file.endsWith('.json') && !(file in expected)) drift.push({ file, problem: 'not generated' });
  return drift;
}

export function writeDashboards(dir = DASHBOARDS_DIR): string[] {
  const expected = allDashboards();
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir))
    if (file.endsWith('.json') && !(file in expected)) unlinkSync(join(dir, file));
  return Object.entries(expected).map(([file, d]) => {
    writeFileSync(join(dir, file), renderDashboard(d));
    return join(dir, file);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const drift = dashboardDrift();
    for (const d of drift) console.error(`${d.file}: ${d.problem}`);
    process.exit(drift.length ? 1 : 0);
  }
  for (const path of writeDashboards()) console.log(`wrote ${path}`);
}
