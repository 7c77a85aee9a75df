import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadSettings } from '../../src/config/settings.js';
import { NotFoundError } from '../../src/errors.js';
import { chooseSprint } from '../../src/insights/facts-query.js';
import { InsightService } from '../../src/insights/service.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { freshDatabase, quietLog, type TestDatabase } from '../support/database.js';
import { SEED_ORGANISATION, seedSprint, type Seeded } from './seed.js';

const DAY = 86_400_000;

/** Which sprint a team's Sprint Health describes, during a sprint and between two. */
describe('the sprint a team’s insight is about', () => {
  let t: TestDatabase;
  let seeded: Seeded;
  const service = () =>
    new InsightService({
      settings: loadSettings({ ENGMETRICS_NOW: new Date(seeded.now).toISOString() }),
      organisation: SEED_ORGANISATION,
      db: t.db,
      log: quietLog,
    });
  const at = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    seeded = await seedSprint(t.db);
  }, 60_000);
  afterAll(async () => t.drop());

  it('is the active sprint while one runs', async () => {
    expect(await chooseSprint(t.db, 'payments')).toMatchObject({
      sprint: seeded.activeSprint,
      kind: 'active',
    });
    const answer = await service().sprintHealth({ team: 'payments' });
    expect(answer.selection.kind).toBe('active');
    expect(answer.insight.sprint.state).toBe('active');
  });

  it('is the sprint that closed last once none runs and the next has no issues, with its outcome', async () => {
    await t.db.query(`UPDATE source.jira_sprints SET state = 'closed', complete_at = $2 WHERE id = $1`, [
      seeded.activeSprint,
      at(seeded.now),
    ]);
    await t.db.query(
      `INSERT INTO source.jira_sprints (id, board_id, name, goal, state, start_at, end_at, complete_at, raw)
       VALUES (502, 1, 'PAY Sprint 13', NULL, 'future', $1, $2, NULL, '{}')`,
      [at(seeded.now + 3 * DAY), at(seeded.now + 17 * DAY)],
    );
    await refreshMetrics(t.db);
    const choice = await chooseSprint(t.db, 'payments');
    expect(choice).toMatchObject({ sprint: seeded.activeSprint, kind: 'last_closed' });
    expect(choice!.reason).toBe(
      `No sprint is running on the team's board; PAY Sprint 12 closed ${at(seeded.now).slice(0, 10)} ` +
        `and PAY Sprint 13 (from ${at(seeded.now + 3 * DAY).slice(0, 10)}) has no issues yet`,
    );
    const answer = await service().sprintHealth({ team: 'payments', refresh: true });
    expect(answer.selection).toEqual(choice);
    expect(answer.insight.sprint.state).toBe('closed');
    expect(answer.insight.summary).toMatch(/^PAY Sprint 12 is .* at its close\./);
  });

  it('is the next sprint once its planning has started (it has issues), labelled upcoming', async () => {
    await t.db.query(
      `INSERT INTO source.jira_sprint_memberships (issue_id, sprint_id, added_at) VALUES ('20003', 502, $1)`,
      [at(seeded.now)],
    );
    await refreshMetrics(t.db);
    const choice = await chooseSprint(t.db, 'payments');
    expect(choice).toMatchObject({ sprint: 502, kind: 'upcoming' });
    expect(choice!.reason).toContain('PAY Sprint 13 is being planned (1 issue in it)');
    const answer = await service().sprintHealth({ team: 'payments', refresh: true });
    expect(answer.insight.sprint).toMatchObject({ id: 502, state: 'future' });
    expect(answer.facts.scope.committed_issues).toBe(1);
    expect(answer.insight.summary).toMatch(
      /^PAY Sprint 13 is .*planned so far, starting (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}\./,
    );
  });

  it('is not found, naming what is missing, for a team without a board', async () => {
    expect(await chooseSprint(t.db, 'platform')).toBeNull();
    await expect(service().sprintHealth({ team: 'platform' })).rejects.toThrow(NotFoundError);
    await expect(service().sprintHealth({ team: 'platform' })).rejects.toThrow(
      /has no Jira board synced yet/,
    );
  });
});
