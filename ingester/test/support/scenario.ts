import type { Database } from '../../src/db/database.js';

/**
 * Small hand-written histories, written straight into the source tables the way a sync
 * leaves them, for testing one metric definition at a time. Times are hours after `t0`
 * (a Monday, 09:00 UTC) unless given as Dates.
 */

export const T0 = Date.UTC(2026, 0, 5, 9, 0);
export const h = (hours: number) => new Date(T0 + hours * 3_600_000);

let seq = 0;
const oid = () => (++seq).toString(16).padStart(40, 'a');

interface Commit {
  oid: string;
  at: Date;
}

export class ScenarioRepo {
  readonly id: string;
  readonly main: Commit[] = [];
  private sqls: [string, unknown[]][] = [];

  constructor(
    readonly owner: string,
    readonly name: string,
    private readonly scenario: Scenario,
  ) {
    this.id = `R_${owner}_${name}`;
    this.sqls.push([
      `INSERT INTO source.github_repos (id, database_id, owner, name, default_branch, raw) VALUES ($1, $2, $3, $4, 'main', '{}')`,
      [this.id, ++seq, owner, name],
    ]);
    // History before the scenario starts.
    for (let i = 0; i < 3; i++) this.push(h(-100 + i));
  }

  get full(): string {
    return `${this.owner}/${this.name}`;
  }

  /** A commit on the default branch (direct push). */
  push(at: Date): string {
    const c = { oid: oid(), at };
    this.sqls.push([
      `INSERT INTO source.github_commits (repo_id, oid, position, committed_at, parents) VALUES ($1, $2, $3, $4, $5)`,
      [this.id, c.oid, this.main.length, at, this.main.length ? [this.main[this.main.length - 1]!.oid] : []],
    ]);
    this.main.push(c);
    return c.oid;
  }

  get head(): string {
    return this.main[this.main.length - 1]!.oid;
  }

  pr(o: {
    number: number;
    author?: string;
    title?: string;
    body?: string;
    branch?: string;
    labels?: string[];
    firstCommit: Date;
    created: Date;
    ready?: Date;
    merged?: Date;
    /** Still a draft (open, never marked ready). */
    draft?: boolean;
    reverts?: number;
    reviews?: { by: string; at: Date; state?: string }[];
    commits?: string[];
  }): { id: string; mergeOid: string | null; headOid: string } {
    const id = `PR_${this.name}_${o.number}`;
    const author = o.author ?? 'ada';
    const headOid = oid();
    const mergeOid = o.merged ? this.push(o.merged) : null;
    this.sqls.push([
      `INSERT INTO source.github_pull_requests (id, repo_id, number, title, body, author_login, head_ref, base_ref, state, is_draft,
         created_at, updated_at, ready_at, closed_at, merged_at, merge_commit_oid, head_oid, additions, deletions, changed_files, labels, reverts_number, raw)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'main', $8, $17, $9, $10, $11, $12, $12, $13, $14, 10, 5, 2, $15, $16, '{}')`,
      [
        id,
        this.id,
        o.number,
        o.title ?? `Change ${o.number}`,
        o.body ?? '',
        author,
        o.branch ?? `feature/change-${o.number}`,
        o.merged ? 'MERGED' : 'OPEN',
        o.created,
        o.merged ?? o.created,
        o.ready ?? null,
        o.merged ?? null,
        mergeOid,
        headOid,
        o.labels ?? [],
        o.reverts ?? null,
        o.draft ?? false,
      ],
    ]);
    for (const c of [headOid, ...(o.commits ?? [])])
      this.sqls.push([
        `INSERT INTO source.github_pr_commits (pr_id, oid, authored_at, committed_at) VALUES ($1, $2, $3, $3)`,
        [id, c, o.firstCommit],
      ]);
    (o.reviews ?? []).forEach((r, i) =>
      this.sqls.push([
        `INSERT INTO source.github_pr_reviews (id, pr_id, author_login, state, submitted_at) VALUES ($1, $2, $3, $4, $5)`,
        [`${id}_r${i}`, id, r.by, r.state ?? 'APPROVED', r.at],
      ]),
    );
    return { id, mergeOid, headOid };
  }

  /** A deployment of `sha` (default: the head) with its statuses, the last at `at`. */
  deploy(o: { at: Date; sha?: string; environment?: string; states?: string[] }): string {
    const id = `DE_${this.name}_${++seq}`;
    const states = o.states ?? ['in_progress', 'success'];
    this.sqls.push([
      `INSERT INTO source.github_deployments (id, repo_id, environment, sha, ref, created_at, raw) VALUES ($1, $2, $3, $4, 'main', $5, '{}')`,
      [id, this.id, o.environment ?? 'production', o.sha ?? this.head, new Date(o.at.getTime() - 600_000)],
    ]);
    states.forEach((s, i) =>
      this.sqls.push([
        `INSERT INTO source.github_deployment_statuses (id, deployment_id, state, created_at) VALUES ($1, $2, $3, $4)`,
        [`${id}_s${i}`, id, s, new Date(o.at.getTime() - (states.length - 1 - i) * 60_000)],
      ]),
    );
    return id;
  }

  statements(): [string, unknown[]][] {
    return this.sqls;
  }
}

export class Scenario {
  private repos: ScenarioRepo[] = [];
  private sqls: [string, unknown[]][] = [];
  private statusIds = new Map<string, string>();

  constructor(private readonly db: Database) {
    const statuses: [string, string][] = [
      ['To Do', 'new'],
      ['In Progress', 'indeterminate'],
      ['In Review', 'indeterminate'],
      ['Blocked', 'indeterminate'],
      ['Done', 'done'],
    ];
    statuses.forEach(([name, cat], i) => {
      const id = String(10_000 + i);
      this.statusIds.set(name, id);
      this.sqls.push([
        `INSERT INTO source.jira_statuses (id, name, category_key, raw) VALUES ($1, $2, $3, '{}')`,
        [id, name, cat],
      ]);
    });
  }

  repo(name: string, owner = 'acme'): ScenarioRepo {
    const r = new ScenarioRepo(owner, name, this);
    this.repos.push(r);
    return r;
  }

  project(key: string, boardId?: number): void {
    this.sqls.push([
      `INSERT INTO source.jira_projects (id, key, name, raw) VALUES ($1, $1, $1, '{}')`,
      [key],
    ]);
    if (boardId !== undefined)
      this.sqls.push([
        `INSERT INTO source.jira_boards (id, name, type, project_key, raw) VALUES ($1, $2, 'scrum', $3, '{}')`,
        [boardId, `${key} board`, key],
      ]);
  }

  sprint(o: {
    id: number;
    board: number;
    start: Date;
    end: Date;
    complete?: Date | null;
    state?: string;
  }): void {
    const state = o.state ?? (o.complete ? 'closed' : 'active');
    this.sqls.push([
      `INSERT INTO source.jira_sprints (id, board_id, name, state, start_at, end_at, complete_at, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, '{}')`,
      [o.id, o.board, `Sprint ${o.id}`, state, o.start, o.end, o.complete ?? null],
    ]);
  }

  issue(o: {
    key: string;
    type?: string;
    labels?: string[];
    created: Date;
    statuses: [string, Date][];
    points?: [number | null, Date][];
    sprints?: { sprint: number; added: Date; removed?: Date }[];
    resolved?: Date;
  }): void {
    const project = o.key.split('-')[0]!;
    const id = `I_${o.key}`;
    const last = o.statuses[o.statuses.length - 1]!;
    const points = o.points ?? [];
    this.sqls.push([
      `INSERT INTO source.jira_issues (id, key, project_id, project_key, issue_type, issue_type_id, summary, status_id, created_at, updated_at, resolved_at, labels, story_points, raw)
       VALUES ($1, $2, $3, $3, $4, '1', $5, $6, $7, $8, $9, $10, $11, '{}')`,
      [
        id,
        o.key,
        project,
        o.type ?? 'Story',
        `Issue ${o.key}`,
        this.statusIds.get(last[0]),
        o.created,
        last[1],
        o.resolved ?? null,
        o.labels ?? [],
        points[points.length - 1]?.[0] ?? null,
      ],
    ]);
    o.statuses.forEach(([status, at], i) =>
      this.sqls.push([
        `INSERT INTO source.jira_status_periods (issue_id, seq, status_id, started_at, ended_at) VALUES ($1, $2, $3, $4, $5)`,
        [id, i, this.statusIds.get(status), at, o.statuses[i + 1]?.[1] ?? null],
      ]),
    );
    // The changes Jira's changelog holds: the status from one period to the next.
    o.statuses.slice(1).forEach(([status, at], i) =>
      this.sqls.push([
        `INSERT INTO source.jira_changelog (issue_id, history_id, item_index, changed_at, kind, field, from_value, from_string, to_value, to_string)
         VALUES ($1, $2, 0, $3, 'status', 'status', $4, $5, $6, $7)`,
        [
          id,
          `${id}-${i + 1}`,
          at,
          this.statusIds.get(o.statuses[i]![0]),
          o.statuses[i]![0],
          this.statusIds.get(status),
          status,
        ],
      ]),
    );
    points.forEach(([value, at], i) =>
      this.sqls.push([
        `INSERT INTO source.jira_point_estimates (issue_id, seq, points, started_at, ended_at) VALUES ($1, $2, $3, $4, $5)`,
        [id, i, value, at, points[i + 1]?.[1] ?? null],
      ]),
    );
    for (const m of o.sprints ?? [])
      this.sqls.push([
        `INSERT INTO source.jira_sprint_memberships (issue_id, sprint_id, added_at, removed_at) VALUES ($1, $2, $3, $4)`,
        [id, m.sprint, m.added, m.removed ?? null],
      ]);
  }

  async write(): Promise<void> {
    await this.db.tx(async (c) => {
      for (const r of this.repos) for (const [sql, params] of r.statements()) await c.query(sql, params);
      for (const [sql, params] of this.sqls) await c.query(sql, params);
    });
  }
}
