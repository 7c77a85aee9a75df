import type { Database } from '../../src/db/database.js';
import { HOUR } from '../../src/simulators/world/calendar.js';

/**
 * What an hourly sync of a busy organisation writes, written straight into a loaded
 * dataset's source tables an hour after its end (the same upserts' effect: only rows that
 * change): the refresh benchmark's "typical hourly sync". Rows are picked by a hash of their
 * ids, so every run changes the same ones.
 *   GitHub: open pull requests merged, open ones reviewed, recently merged ones edited (and a
 *           few merged years ago), and a redeployment of some repositories' production sha
 *   Jira:   issues moved one status on (to do → in progress → done), a few done ones reopened
 */
export interface HourlySync {
  pullRequests: number;
  reviews: number;
  deployments: number;
  issues: number;
}

export async function writeHourlyGitHub(db: Database, end: number): Promise<Omit<HourlySync, 'issues'>> {
  const at = new Date(end + HOUR / 2);
  const merged = await db.query(
    `UPDATE source.github_pull_requests p
        SET state = 'MERGED', merged_at = $1, closed_at = $1, updated_at = $1, is_draft = false
      WHERE p.id IN (SELECT id FROM source.github_pull_requests WHERE state = 'OPEN' ORDER BY md5(id) LIMIT 80)`,
    [at],
  );
  const reviewed = await db.query(
    `INSERT INTO source.github_pr_reviews (id, pr_id, author_login, state, submitted_at)
     SELECT 'hourly-' || p.id, p.id, 'reviewer-' || (abs(hashtext(p.id)) % 40), 'APPROVED', $1
       FROM source.github_pull_requests p
      WHERE p.state = 'OPEN' ORDER BY md5(p.id) LIMIT 120
     ON CONFLICT (id) DO NOTHING`,
    [at],
  );
  const edited = await db.query(
    `UPDATE source.github_pull_requests p SET title = p.title || ' (edited)', updated_at = $1
      WHERE p.id IN (
        (SELECT id FROM source.github_pull_requests WHERE merged_at > $2 ORDER BY md5(id) LIMIT 180)
        UNION ALL
        -- Merged long ago, updated today.
        (SELECT id FROM source.github_pull_requests WHERE merged_at < $3 ORDER BY md5(id) LIMIT 20))`,
    [at, new Date(end - 14 * 24 * HOUR), new Date(end - 365 * 24 * HOUR)],
  );
  const deployed = await db.query(
    `WITH latest AS (
       SELECT DISTINCT ON (d.repo_id) d.* FROM source.github_deployments d
        ORDER BY d.repo_id, d.created_at DESC, d.id),
     picked AS (SELECT * FROM latest ORDER BY md5(repo_id) LIMIT 20),
     added AS (
       INSERT INTO source.github_deployments (id, repo_id, environment, sha, ref, task, created_at, updated_at, creator_login, raw)
       SELECT 'hourly-' || id, repo_id, environment, sha, ref, task, $1, $1, creator_login, '{}' FROM picked
       ON CONFLICT (id) DO NOTHING
       RETURNING id)
     INSERT INTO source.github_deployment_statuses (id, deployment_id, state, created_at)
     SELECT id || '-success', id, 'success', $1 FROM added`,
    [at],
  );
  return {
    pullRequests: (merged.rowCount ?? 0) + (edited.rowCount ?? 0),
    reviews: reviewed.rowCount ?? 0,
    deployments: deployed.rowCount ?? 0,
  };
}

export async function writeHourlyJira(db: Database, end: number): Promise<number> {
  const at = new Date(end + HOUR / 2);
  // Each picked issue leaves its current status for one of the next stage's (done → in progress
  // for the reopened few), as the sync derives status periods from the changelog.
  const { rowCount } = await db.query(
    `WITH current AS (
       SELECT sp.issue_id, sp.seq, ss.stage FROM source.jira_status_periods sp
         JOIN metrics.status_stages ss ON ss.status_id = sp.status_id
        WHERE sp.ended_at IS NULL AND sp.started_at < $1),
     picked AS (
       (SELECT * FROM current WHERE stage <> 'done' ORDER BY md5(issue_id) LIMIT 280)
       UNION ALL
       (SELECT * FROM current WHERE stage = 'done' ORDER BY md5(issue_id) LIMIT 20)),
     next AS (
       SELECT p.issue_id, p.seq,
              (SELECT ss.status_id FROM metrics.status_stages ss
                WHERE ss.stage = CASE p.stage WHEN 'todo' THEN 'active' WHEN 'done' THEN 'active' ELSE 'done' END
                ORDER BY ss.status_id LIMIT 1) AS status_id
         FROM picked p),
     ended AS (
       UPDATE source.jira_status_periods sp SET ended_at = $1
         FROM next n WHERE sp.issue_id = n.issue_id AND sp.seq = n.seq AND n.status_id IS NOT NULL
       RETURNING sp.issue_id),
     started AS (
       INSERT INTO source.jira_status_periods (issue_id, seq, status_id, started_at)
       SELECT n.issue_id, n.seq + 1, n.status_id, $1 FROM next n WHERE n.status_id IS NOT NULL
       RETURNING issue_id, status_id)
     UPDATE source.jira_issues i SET status_id = s.status_id, updated_at = $1
       FROM started s WHERE i.id = s.issue_id`,
    [at],
  );
  return rowCount ?? 0;
}
