import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrganisation } from '../../src/config/organisation.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { h, Scenario } from '../support/scenario.js';

/**
 * docs/metrics.md, "Recovery": recovery ends at the deployment carrying the rollback, the
 * revert or the fix (for an incident, the first deployment of a pull request naming it), or
 * at the incident's resolution when that is later; an unresolved incident is not recovered.
 * A deployment that failed in several ways is recovered when every one of them is put right.
 *
 * Every combination of the four kinds of evidence on one deployment, each in a repository
 * and team of its own, with the incident resolved before its fix is deployed, after it, or
 * never, and without a fix. The bad deployment finishes at h(3); the evidence is signalled
 * while it is still the latest deployment; each is put right at its own hour:
 *   rollback  the previous sha deployed again at h(5)
 *   revert    a PR reverting #1 merged at h(4), deployed at h(6)
 *   hotfix    a PR labelled hotfix opened at h(4.2), merged at h(6.5), deployed at h(7)
 *   incident  opened at h(4.4); its fix PR deployed at h(8); resolved at h(4.8) or h(20), or never
 */
type Kind = 'rollback' | 'revert' | 'hotfix' | 'incident';
type Resolution = 'before-fix' | 'after-fix' | 'never' | 'no-fix' | 'no-fix-never';
const KINDS: Kind[] = ['rollback', 'revert', 'hotfix', 'incident'];
const RESTORED: Record<Exclude<Kind, 'incident'>, number> = { rollback: 5, revert: 6, hotfix: 7 };
const INCIDENT: Record<Resolution, number | null> = {
  'before-fix': 8, // the fix deployment, later than the resolution
  'after-fix': 20, // the resolution, later than the fix deployment
  never: null,
  'no-fix': 20,
  'no-fix-never': null,
};

interface Case {
  name: string;
  kinds: Kind[];
  resolution?: Resolution;
  /** Hours after h(0) service is restored: the last evidence put right; null while one is not. */
  restored: number | null;
}

const cases: Case[] = [];
for (let mask = 1; mask < 16; mask++) {
  const kinds = KINDS.filter((_, i) => mask & (1 << i));
  const others = kinds
    .filter((k): k is Exclude<Kind, 'incident'> => k !== 'incident')
    .map((k) => RESTORED[k]);
  const resolutions: (Resolution | undefined)[] = kinds.includes('incident')
    ? ['before-fix', 'after-fix', 'never', 'no-fix', 'no-fix-never']
    : [undefined];
  for (const resolution of resolutions) {
    const incident = resolution ? INCIDENT[resolution] : undefined;
    const restored =
      incident === null ? null : Math.max(...others, ...(incident === undefined ? [] : [incident]));
    cases.push({ name: `c${cases.length}`, kinds, resolution, restored });
  }
}

describe('failed deployment recovery, for every combination of evidence', () => {
  let t: TestDatabase;
  const bad: Record<string, string> = {};

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    const s = new Scenario(t.db);
    const refs: [string, string][] = [];
    for (const c of cases) {
      const r = s.repo(c.name);
      const project = c.name.toUpperCase().replace(/[^A-Z]/g, '') + 'X' + c.name.slice(1);
      s.project(project.replace(/\d/g, (d) => 'ABCDEFGHIJ'[Number(d)]!));
      r.deploy({ at: h(1) });
      const before = r.head;
      r.pr({ number: 1, firstCommit: h(1), created: h(1.5), merged: h(2) });
      bad[c.name] = r.deploy({ at: h(3) });
      const has = (k: Kind) => c.kinds.includes(k);
      if (has('revert'))
        r.pr({
          number: 2,
          title: 'Revert "Change 1"',
          body: `Reverts acme/${c.name}#1`,
          firstCommit: h(3.5),
          created: h(3.5),
          merged: h(4),
          reverts: 1,
        });
      if (has('hotfix'))
        r.pr({ number: 3, labels: ['hotfix'], firstCommit: h(4.2), created: h(4.2), merged: h(6.5) });
      if (has('incident')) {
        const key = `${project.replace(/\d/g, (d) => 'ABCDEFGHIJ'[Number(d)]!)}-1`;
        const resolved =
          c.resolution === 'before-fix'
            ? h(4.8)
            : c.resolution === 'after-fix' || c.resolution === 'no-fix'
              ? h(20)
              : undefined;
        s.issue({
          key,
          type: 'Incident',
          created: h(4.4),
          statuses: resolved
            ? [
                ['To Do', h(4.4)],
                ['Done', resolved],
              ]
            : [
                ['To Do', h(4.4)],
                ['In Progress', h(4.6)],
              ],
          resolved,
        });
        if (!c.resolution!.startsWith('no-fix')) {
          const fix = r.pr({
            number: 4,
            title: `${key} Fix the outage`,
            firstCommit: h(5.5),
            created: h(5.5),
            merged: h(7.5),
          });
          refs.push([fix.id, key]);
        }
      }
      if (has('rollback')) r.deploy({ at: h(5), sha: before });
      // Each deployment below ships what was merged before it (the head then).
      const mergedBy = (hour: number) => r.main.filter((x) => x.at <= h(hour)).at(-1)!.oid;
      if (has('revert')) r.deploy({ at: h(6), sha: mergedBy(4) });
      if (has('hotfix')) r.deploy({ at: h(7), sha: mergedBy(6.5) });
      if (has('incident') && !c.resolution!.startsWith('no-fix')) r.deploy({ at: h(8), sha: mergedBy(7.5) });
    }
    await s.write();
    for (const [pr, key] of refs)
      await t.db.query(
        `INSERT INTO source.github_pr_issue_refs (pr_id, issue_key, found_in) VALUES ($1, $2, 'title')`,
        [pr, key],
      );
    const teams = cases
      .map((c) => {
        const project = (c.name.toUpperCase().replace(/[^A-Z]/g, '') + 'X' + c.name.slice(1)).replace(
          /\d/g,
          (d) => 'ABCDEFGHIJ'[Number(d)]!,
        );
        return `  - { name: ${c.name}, github: { repos: [${c.name}] }, jira: { projects: [${project}] } }`;
      })
      .join('\n');
    await applyOrganisationSettings(t.db, parseOrganisation(`teams:\n${teams}\n`));
    await refreshMetrics(t.db);
  }, 120_000);
  afterAll(async () => t.drop());

  it('covers every combination: 15 sets of kinds, the incident in five states', () => {
    expect(cases).toHaveLength(7 + 8 * 5);
  });

  it.each(
    cases.map(
      (c) => [`${c.kinds.join(' + ')}${c.resolution ? ` (incident ${c.resolution})` : ''}`, c] as const,
    ),
  )('%s', async (_label, c) => {
    const { rows } = await t.db.query<{
      failure_kinds: string[];
      restored_at: Date | null;
      recovery_h: number | null;
    }>(
      `SELECT failure_kinds, restored_at, recovery_s / 3600 AS recovery_h FROM metrics.deployment_outcomes WHERE deployment_id = $1`,
      [bad[c.name]],
    );
    expect({ kinds: rows[0]!.failure_kinds, restored: rows[0]!.restored_at?.getTime() ?? null }).toEqual({
      kinds: [...c.kinds].sort(),
      restored: c.restored === null ? null : h(c.restored).getTime(),
    });
    expect(rows[0]!.recovery_h === null ? null : Math.round(rows[0]!.recovery_h * 1000) / 1000).toEqual(
      c.restored === null ? null : c.restored - 3,
    );
  });
});
