import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Organisation } from '../../src/config/organisation.js';
import type { Database } from '../../src/db/database.js';
import { chooseSprint, defaultAsOf, loadSprintFacts } from '../../src/insights/facts-query.js';
import { factsHash } from '../../src/insights/hash.js';
import { teamNames } from '../../src/metrics/teams.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import type { SprintW, World } from '../../src/simulators/world/types.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { END } from '../jira/helpers.js';
import { loadWorld } from './world.js';

/**
 * facts.sql on a generated organisation synced through both simulators, checked against
 * what the generator decided (world.truth).
 */

let t: TestDatabase;
let world: World;
let organisation: Organisation;
let teams: { name: string }[];
const asOf = new Date(END);

beforeAll(async () => {
  t = await freshDatabase({ migrated: true });
  ({ world, organisation } = await loadWorld(t.db));
  teams = (await teamNames(t.db)).map((name) => ({ name }));
  void organisation;
}, 120_000);
afterAll(() => t?.drop());

const truthOf = (id: number) => world.truth.sprints.find((s) => s.sprintId === id)!;
const facts = (id: number) => loadSprintFacts(t.db, id, { asOf });
const boardOf = (team: string) => world.teams.find((x) => x.name === team)!.boardId;
const sprintsOf = (team: string): SprintW[] =>
  world.jira.sprints.filter((s) => s.boardId === boardOf(team)).sort((a, b) => a.startAt - b.startAt);

/** The team's active sprint, as the insight chooses it; null when none is running. */
async function activeSprintOf(db: Database, team: string): Promise<number | null> {
  const choice = await chooseSprint(db, team);
  return choice?.kind === 'active' ? choice.sprint : null;
}

describe('the sprint facts of a synced organisation', () => {
  it("finds each team's active sprint", async () => {
    for (const team of teams) {
      const active = sprintsOf(team.name).find((s) => s.startAt <= END && s.completeAt > END);
      expect({ team: team.name, sprint: await activeSprintOf(t.db, team.name) }).toEqual({
        team: team.name,
        sprint: active?.id ?? null,
      });
    }
  });

  it('gives the active sprints committed, added, removed and completed as the generator decided', async () => {
    for (const team of teams) {
      const id = (await activeSprintOf(t.db, team.name))!;
      const f = await facts(id);
      const truth = truthOf(id);
      expect({ team: team.name, ...f.scope, ...f.progress }).toMatchObject({
        team: team.name,
        committed_issues: truth.committed.length,
        committed_points: truth.committedPoints,
        added_issues: truth.added.length,
        removed_issues: truth.removed.length,
        completed_issues: truth.completed.length,
        completed_points: truth.completedPoints,
      });
      expect(f.sprint).toMatchObject({ id, team: team.name, state: 'active', complete_at: null });
      expect(f.as_of).toBe('2026-10-30T16:00:00+00:00');
      expect(f.time.days_elapsed + f.time.days_left).toBeCloseTo(f.time.days_total, 0);
      expect(f.progress.total_issues).toBe(
        truth.committed.length + truth.added.length - truth.removed.length,
      );
      expect(f.progress.remaining_points).toBe(f.progress.total_points - f.progress.completed_points);
      for (const i of f.not_started) expect(i.url).toBe(`${i.url!.split('/browse/')[0]}/browse/${i.key}`);
    }
  });

  it('agrees with the generator on every closed sprint too, and on what came in carried over', async () => {
    let carriedIn = 0;
    for (const team of teams) {
      const sprints = sprintsOf(team.name).filter((s) => s.completeAt <= END);
      for (const s of sprints) {
        const f = await facts(s.id);
        const truth = truthOf(s.id);
        expect(f.sprint.state).toBe('closed');
        expect({
          id: s.id,
          c: f.scope.committed_issues,
          a: f.scope.added_issues,
          r: f.scope.removed_issues,
          d: f.progress.completed_issues,
        }).toEqual({
          id: s.id,
          c: truth.committed.length,
          a: truth.added.length,
          r: truth.removed.length,
          d: truth.completed.length,
        });
        const earlier = world.truth.sprints.filter((x) =>
          sprints.some((y) => y.id === x.sprintId && y.startAt < s.startAt),
        );
        const expected = truth.committed.filter((k) => earlier.some((x) => x.carriedOver.includes(k))).length;
        expect({ id: s.id, carriedIn: f.carry_over.carried_in_issues }).toEqual({
          id: s.id,
          carriedIn: expected,
        });
        carriedIn += expected;
      }
    }
    expect(carriedIn).toBeGreaterThan(0);
  });

  it('names the work carried over twice in the sprint it finally lands in', async () => {
    const twice = world.jira.issues.filter((i) => i.labels.includes('carry-over'));
    expect(twice.length).toBeGreaterThan(0);
    for (const issue of twice) {
      const third = issue.sprints.at(-1)!.sprintIds.at(-1)!;
      const f = await facts(third);
      expect(f.carry_over.carried_twice_or_more).toContainEqual(
        expect.objectContaining({ key: issue.key, sprints: 3 }),
      );
    }
  });

  it("counts the team's production deployments of the last 28 days and the 28 before", async () => {
    for (const team of teams) {
      const f = await facts((await activeSprintOf(t.db, team.name))!);
      const repos = new Set(world.repos.filter((r) => r.team === team.name).map((r) => r.name));
      const inWindow = (from: number, to: number) =>
        world.truth.deployments.filter((d) => repos.has(d.repo) && d.finishedAt > from && d.finishedAt <= to)
          .length;
      expect({ team: team.name, now: f.dora.deployments_28d, prev: f.dora.deployments_prev_28d }).toEqual({
        team: team.name,
        now: inWindow(END - 28 * DAY, END),
        prev: inWindow(END - 56 * DAY, END - 28 * DAY),
      });
    }
  });

  it("links the sprint's issues to their pull requests", async () => {
    let linked = 0;
    for (const team of teams) {
      const id = (await activeSprintOf(t.db, team.name))!;
      const f = await facts(id);
      const truth = truthOf(id);
      const inSprint = new Set(
        [...truth.committed, ...truth.added].filter((k) => !truth.removed.includes(k)),
      );
      const prs = world.repos
        .flatMap((r) => r.pullRequests)
        .filter((p) => p.createdAt <= END && p.issueKeys.some((k) => inSprint.has(k)));
      expect({ team: team.name, linked: f.pr_flow.linked_prs }).toEqual({
        team: team.name,
        linked: prs.length,
      });
      linked += prs.length;
      for (const w of f.pr_flow.waiting_for_review)
        expect(w.url).toMatch(/^https:\/\/github\.com\/acme\/.+\/pull\/\d+$/);
    }
    expect(linked).toBeGreaterThan(0);
  });

  it("describes a closed sprint's pull requests as they stood at its completion, not as they stand now", async () => {
    let closed = 0;
    let waits = 0;
    for (const team of teams)
      for (const sprint of sprintsOf(team.name).filter((s) => s.completeAt <= END)) {
        const f = await facts(sprint.id);
        const at = new Date(sprint.completeAt);
        const { rows } = await t.db.query<{ linked: number; open: number; merged: number }>(
          `SELECT count(DISTINCT p.pr_id)::int AS linked,
                  count(DISTINCT p.pr_id) FILTER (WHERE coalesce(p.merged_at, p.closed_at, 'infinity') > $2)::int AS open,
                  count(DISTINCT p.pr_id) FILTER (WHERE p.merged_at <= $2)::int AS merged
             FROM metrics.sprint_issues si
             JOIN metrics.pr_issue_links l ON l.issue_key = si.key
             JOIN metrics.pull_requests p ON p.pr_id = l.pr_id
            WHERE si.sprint_id = $1 AND si.at_close AND p.created_at <= $2`,
          [sprint.id, at],
        );
        const expected = rows[0]!;
        expect({ sprint: sprint.id, ...f.pr_flow }).toMatchObject({
          sprint: sprint.id,
          linked_prs: expected.linked,
          open_prs: expected.open,
          merged_prs: expected.merged,
        });
        for (const w of [...f.pr_flow.waiting_for_review, ...f.pr_flow.changes_requested]) {
          // A wait begins before the sprint's completion, never after it.
          expect({ sprint: sprint.id, pr: w.key, negative: w.hours_waiting < 0 }).toEqual({
            sprint: sprint.id,
            pr: w.key,
            negative: false,
          });
          waits++;
        }
        closed++;
      }
    expect(closed).toBeGreaterThan(3);
    expect(waits).toBeGreaterThan(0);
  });

  it('gives the same facts, and hash, for the same instant', async () => {
    const id = (await activeSprintOf(t.db, teams[0]!.name))!;
    expect(factsHash(await facts(id))).toBe(factsHash(await facts(id)));
    const later = await loadSprintFacts(t.db, id, { asOf: new Date(END + 3_600_000) });
    expect(factsHash(later)).not.toBe(factsHash(await facts(id)));
    expect(defaultAsOf(new Date('2026-11-09T10:59:59.999Z')).toISOString()).toBe('2026-11-09T10:00:00.000Z');
  });

  it('refuses an unknown sprint', async () => {
    await expect(facts(987654)).rejects.toThrow(/no sprint 987654/);
  });
});
