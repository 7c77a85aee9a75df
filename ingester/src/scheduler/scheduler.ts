import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Organisation } from '../config/organisation.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { errorMessage } from '../errors.js';
import { recordForecasts } from '../forecast/snapshots.js';
import { chooseSprint } from '../insights/facts-query.js';
import { teamNames } from '../metrics/teams.js';
import { InsightService } from '../insights/service.js';
import type { Logger } from '../log.js';
import { refreshMetrics } from '../metrics/refresh.js';
import { applyOrganisationSettings } from '../metrics/settings.js';
import { SlackPoster } from '../slack/post.js';
import { sprintSummary } from '../slack/summary.js';
import { connectGitHub, type GitHubClientOptions } from '../sources/github/client.js';
import { syncGitHub } from '../sources/github/sync.js';
import { connectJira, type JiraApiOptions } from '../sources/jira/client.js';
import { syncJira } from '../sources/jira/sync.js';
import { SyncRun } from '../store/runs.js';

/**
 * The jobs `engmetrics serve` runs on a clock (node-cron): GitHub and Jira syncs, the
 * metrics refresh (after each sync, and on its own schedule) and the Slack digests.
 *
 * Several replicas may run the same schedule. Every firing is a slot (job, scheduled
 * time); a replica takes the job's advisory lock and then claims the slot in
 * ops.job_slots, so a job runs once per firing however many timers went off, and never
 * twice at once. What a job did is recorded where its kind records runs: syncs per
 * repository or project, the refresh as (metrics, refresh), digests as (slack, digest).
 */

export const JOBS = ['github-sync', 'jira-sync', 'refresh', 'slack-digest'] as const;

/** How long a sync waits for a refresh already running, to refresh after it. */
const REFRESH_WAIT_MS = 10 * 60_000;
const REFRESH_POLL_MS = 500;
export type JobName = (typeof JOBS)[number];

export interface JobOutcome {
  job: JobName;
  status: 'succeeded' | 'failed' | 'skipped';
  detail: string;
}

export interface SchedulerContext {
  settings: Settings;
  organisation: Organisation;
  db: Database;
  log: Logger;
}

export interface SchedulerOptions {
  /** Expressions per job (default: the settings'); null switches a job off. */
  schedules?: Partial<Record<JobName, string | null>>;
  /** For tests against the simulators: shorter waits. */
  github?: GitHubClientOptions;
  jira?: JiraApiOptions;
}

export class Scheduler {
  /** Who claimed a slot, for ops.job_slots. */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private readonly log: Logger;
  private readonly insights: InsightService;
  private readonly poster: SlackPoster;
  private stopped = false;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly options: SchedulerOptions = {},
  ) {
    this.log = ctx.log.child({ component: 'scheduler', scheduler: this.id });
    this.insights = new InsightService(ctx);
    this.poster = new SlackPoster(ctx.settings, ctx.db, this.log);
  }

  schedules(): Record<JobName, string | null> {
    const s = this.ctx.settings.schedule;
    return {
      'github-sync': s.github,
      'jira-sync': s.jira,
      refresh: s.refresh,
      'slack-digest': s.slack,
      ...this.options.schedules,
    };
  }

  /** Starts the timers of every job that has a schedule. */
  start(): void {
    const timezone = this.ctx.settings.schedule.timezone;
    for (const [job, expression] of Object.entries(this.schedules()) as [JobName, string | null][]) {
      if (!expression) continue;
      const seconds = expression.trim().split(/\s+/).length === 6;
      const task = cron.schedule(
        expression,
        (context) => {
          const slot = truncate(context.date ?? new Date(), seconds ? 1000 : 60_000);
          return this.track(this.tick(job, slot));
        },
        {
          name: `engmetrics:${job}`,
          noOverlap: true,
          timezone,
          logger: {
            debug: () => {},
            info: () => {},
            warn: (m: string) => this.log.warn({ job }, m),
            error: (m: string | Error) => this.log.error({ job }, errorMessage(m)),
          },
        },
      );
      this.tasks.push(task);
      this.log.info({ job, schedule: expression, timezone: timezone ?? 'host' }, 'job scheduled');
    }
  }

  /**
   * Stops the timers and waits for the jobs in flight, up to `graceMs`: a sync cut short
   * loses nothing (its watermark only moves with the rows it vouches for).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const t of this.tasks.splice(0)) await t.destroy();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((r) => {
        timer = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => {});
    return p;
  }

  /**
   * One firing of a job: under the job's lock, claim the slot, run, record. Never
   * throws: a failed job is logged and recorded, and the next firing tries again.
   */
  async tick(job: JobName, slot: Date): Promise<JobOutcome> {
    if (this.stopped) return { job, status: 'skipped', detail: 'the scheduler is stopping' };
    const { db } = this.ctx;
    try {
      const locked = await db.withLock(`job:${job}`, async (): Promise<JobOutcome> => {
        const { rows } = await db.query(
          `INSERT INTO ops.job_slots (job, slot, claimed_by) VALUES ($1, $2, $3)
           ON CONFLICT (job, slot) DO NOTHING RETURNING job`,
          [job, slot, this.id],
        );
        if (rows.length === 0)
          return { job, status: 'skipped', detail: 'this firing already ran on another replica' };
        const outcome = await this.run(job);
        await db.query(
          `UPDATE ops.job_slots SET finished_at = clock_timestamp(), status = $3, detail = $4 WHERE job = $1 AND slot = $2`,
          [job, slot, outcome.status, outcome.detail],
        );
        return outcome;
      });
      const outcome = locked.acquired
        ? locked.result
        : { job, status: 'skipped' as const, detail: 'the job is running on another replica' };
      this.log.info(
        { job, slot: slot.toISOString(), status: outcome.status, detail: outcome.detail },
        'job done',
      );
      return outcome;
    } catch (err) {
      this.log.error({ job, slot: slot.toISOString(), err: errorMessage(err) }, 'job failed');
      return { job, status: 'failed', detail: errorMessage(err) };
    }
  }

  /** The job's work, without slot bookkeeping (the caller holds the lock). */
  async run(job: JobName): Promise<JobOutcome> {
    try {
      switch (job) {
        case 'github-sync':
          return await this.syncGitHub();
        case 'jira-sync':
          return await this.syncJira();
        case 'refresh':
          return await this.refresh();
        case 'slack-digest':
          return await this.slackDigest();
      }
    } catch (err) {
      return { job, status: 'failed', detail: errorMessage(err) };
    }
  }

  private async syncGitHub(): Promise<JobOutcome> {
    const { settings, organisation, db } = this.ctx;
    const g = settings.github;
    if (!g.org || (!g.token && !g.app))
      return {
        job: 'github-sync',
        status: 'skipped',
        detail: 'GitHub is not configured (GITHUB_ORG and GITHUB_TOKEN or the GITHUB_APP_* credentials)',
      };
    const log = this.log.child({ job: 'github-sync' });
    const { client } = await connectGitHub(g, log, this.options.github);
    const results = await syncGitHub({ db, client, organisation, log }, { org: g.org, patterns: g.repos });
    const failed = results.filter((r) => r.status === 'failed');
    const refreshed = await this.refreshAfterSync();
    return {
      job: 'github-sync',
      status: failed.length ? 'failed' : 'succeeded',
      detail: `${results.length} repositories, ${failed.length} failed${failed.length ? ` (${failed.map((f) => f.repo).join(', ')})` : ''}; ${refreshed}`,
    };
  }

  private async syncJira(): Promise<JobOutcome> {
    const { settings, db, organisation } = this.ctx;
    const j = settings.jira;
    if (!j.baseUrl || !j.auth)
      return {
        job: 'jira-sync',
        status: 'skipped',
        detail: 'Jira is not configured (JIRA_BASE_URL and JIRA_EMAIL + JIRA_API_TOKEN, or JIRA_PAT)',
      };
    const log = this.log.child({ job: 'jira-sync' });
    const api = connectJira(j, log, this.options.jira);
    const results = await syncJira(
      { db, api, log },
      { projects: j.projects, issueSets: organisation.issueSets },
    );
    const failed = results.filter((r) => r.status === 'failed');
    const refreshed = await this.refreshAfterSync();
    return {
      job: 'jira-sync',
      status: failed.length ? 'failed' : 'succeeded',
      detail: `${results.length} projects, ${failed.length} failed${failed.length ? ` (${failed.map((f) => f.project).join(', ')})` : ''}; ${refreshed}`,
    };
  }

  /**
   * New rows show in the metrics only after a refresh that starts after they were written.
   * One already running (another job's, another replica's) may have started before: this
   * waits for it, then refreshes unless a refresh has started since the rows were written.
   */
  private async refreshAfterSync(): Promise<string> {
    const { db } = this.ctx;
    // The database's clock, which stamps the refresh runs compared with it.
    const written = (await db.query<{ at: Date }>('SELECT clock_timestamp() AS at')).rows[0]!.at;
    const deadline = Date.now() + REFRESH_WAIT_MS;
    for (;;) {
      const locked = await db.withLock('job:refresh', async () => {
        const { rows } = await db.query<{ done: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM ops.sync_runs WHERE source = 'metrics' AND scope = 'refresh'
                            AND status = 'succeeded' AND started_at >= $1) AS done`,
          [written],
        );
        return rows[0]!.done ? undefined : this.refresh();
      });
      if (locked.acquired) {
        if (locked.result === undefined) return 'metrics refreshed since (by another job)';
        return locked.result.status === 'succeeded' ? 'metrics refreshed' : `refresh ${locked.result.detail}`;
      }
      if (Date.now() > deadline)
        return `refresh skipped: another was still running after ${REFRESH_WAIT_MS / 60_000} minutes`;
      await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS));
    }
  }

  private async refresh(): Promise<JobOutcome> {
    const { db, organisation, settings } = this.ctx;
    await applyOrganisationSettings(db, organisation);
    const { totalMs, timings, skipped } = await refreshMetrics(db);
    const forecasts = await recordForecasts(db, settings.clock.now());
    return {
      job: 'refresh',
      status: 'succeeded',
      detail: `${timings.length} views in ${totalMs} ms (${skipped.length} unchanged); ${forecasts} sprint forecasts recorded`,
    };
  }

  private async slackDigest(): Promise<JobOutcome> {
    const { settings, db } = this.ctx;
    if (!settings.slack.botToken || !settings.slack.channel)
      return {
        job: 'slack-digest',
        status: 'skipped',
        detail: 'Slack digests need SLACK_BOT_TOKEN and SLACK_CHANNEL',
      };
    const run = await SyncRun.start(db, 'slack', 'digest');
    const teams: { team: string; result: string }[] = [];
    let failures = 0;
    for (const team of await teamNames(db)) {
      try {
        if ((await chooseSprint(db, team)) === null) {
          teams.push({ team, result: 'no sprint with dates on its boards' });
          continue;
        }
        const r = await sprintSummary({ insights: this.insights, poster: this.poster, settings }, { team });
        teams.push({ team, result: r.posted ? `posted to ${r.channel}` : (r.skipped ?? 'not posted') });
      } catch (err) {
        failures += 1;
        teams.push({ team, result: `failed: ${errorMessage(err)}` });
      }
    }
    const status = failures ? 'failed' : 'succeeded';
    await run.finish(
      status,
      {
        rowsWritten: 0,
        apiRequests: teams.filter((t) => t.result.startsWith('posted') || t.result.startsWith('failed'))
          .length,
        apiPoints: 0,
        rateLimitRemaining: null,
        recordsSkipped: 0,
        details: { teams },
      },
      failures
        ? teams
            .filter((t) => t.result.startsWith('failed'))
            .map((t) => `${t.team}: ${t.result}`)
            .join('; ')
        : undefined,
    );
    return {
      job: 'slack-digest',
      status,
      detail: teams.map((t) => `${t.team}: ${t.result}`).join('; ') || 'no teams',
    };
  }
}

function truncate(d: Date, ms: number): Date {
  return new Date(Math.floor(d.getTime() / ms) * ms);
}
