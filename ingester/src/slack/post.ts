import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { AppError, BadRequestError, errorMessage, UpstreamError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SlackMessage } from './blocks.js';

/**
 * Posting summaries through Slack's Web API (SLACK_API_URL, SLACK_BOT_TOKEN with
 * chat:write). A team gets at most one unforced post a day: the post is claimed in
 * ops.slack_posts before Slack is called (a unique index on team and day), so two
 * replicas, or the digest and a click in Grafana, cannot both post. A failed post frees
 * the day again.
 */

export interface PostRequest {
  team: string;
  sprintId: number;
  factsHash: string;
  source: 'llm' | 'rules';
  channel?: string;
  force?: boolean;
  message: SlackMessage;
}

export interface PostResult {
  posted: boolean;
  /** Why nothing was posted (already posted today). */
  skipped: string | null;
  channel: string;
  ts: string | null;
  /** The team's day the post counts for (YYYY-MM-DD). */
  day: string;
}

export class SlackNotConfiguredError extends AppError {
  constructor() {
    super(
      'Slack is not configured: set SLACK_BOT_TOKEN (a bot token with chat:write), or ask for a dryRun',
      503,
      'slack_not_configured',
    );
  }
}

/** The zone a team's "day" is counted in: the scheduler's, else the host's. */
export function dayZone(settings: Settings): string {
  return settings.schedule.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

export class SlackPoster {
  private client?: WebClient;

  constructor(
    private readonly settings: Settings,
    private readonly db: Database,
    private readonly log: Logger,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  get configured(): boolean {
    return this.settings.slack.botToken !== undefined;
  }

  channelFor(channel?: string): string {
    const chosen = channel ?? this.settings.slack.channel;
    if (!chosen) throw new BadRequestError('channel is required: no SLACK_CHANNEL is configured');
    return chosen;
  }

  private web(): WebClient {
    const token = this.settings.slack.botToken;
    if (!token) throw new SlackNotConfiguredError();
    const log = this.log.child({ service: 'slack' });
    this.client ??= new WebClient(token, {
      slackApiUrl: `${this.settings.slack.apiUrl}/`,
      timeout: this.options.timeoutMs ?? 10_000,
      // Slack's default retries for half an hour; a request is waiting on this one.
      retryConfig: { retries: 1, factor: 1, minTimeout: 250, maxTimeout: 1000 },
      rejectRateLimitedCalls: true,
      logger: {
        debug: () => {},
        info: () => {},
        warn: (...m: unknown[]) => log.warn(m.map(String).join(' ')),
        error: (...m: unknown[]) => log.error(m.map(String).join(' ')),
        setLevel: () => {},
        getLevel: () => LogLevel.WARN,
        setName: () => {},
      },
    });
    return this.client;
  }

  async post(req: PostRequest): Promise<PostResult> {
    const web = this.web();
    const channel = this.channelFor(req.channel);
    const force = req.force ?? false;
    const { rows } = await this.db.query<{ id: string; day: string }>(
      `INSERT INTO ops.slack_posts (team, day, sprint_id, channel, forced, facts_hash, source)
       VALUES ($1, (now() AT TIME ZONE $2)::date, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING
       RETURNING id, day::text AS day`,
      [req.team, dayZone(this.settings), req.sprintId, channel, force, req.factsHash, req.source],
    );
    const claim = rows[0];
    if (!claim) {
      const { rows: prior } = await this.db.query<{
        day: string;
        channel: string;
        ts: string | null;
        status: string;
      }>(
        `SELECT day::text AS day, channel, message_ts AS ts, status FROM ops.slack_posts
          WHERE team = $1 AND day = (now() AT TIME ZONE $2)::date AND NOT forced AND status <> 'failed'
          ORDER BY id DESC LIMIT 1`,
        [req.team, dayZone(this.settings)],
      );
      const p = prior[0];
      return {
        posted: false,
        skipped: `team "${req.team}" already had its summary ${p?.status === 'posting' ? 'being posted' : 'posted'} today (${p?.day ?? 'today'}${p ? `, to ${p.channel}` : ''}); send force to post again`,
        channel,
        ts: null,
        day: p?.day ?? '',
      };
    }
    try {
      const res = await web.chat.postMessage({
        channel,
        text: req.message.text,
        blocks: req.message.blocks as never,
        unfurl_links: false,
        unfurl_media: false,
      });
      await this.db.query(
        `UPDATE ops.slack_posts SET status = 'posted', message_ts = $2, posted_at = now() WHERE id = $1`,
        [claim.id, res.ts ?? null],
      );
      this.log.info({ team: req.team, channel, ts: res.ts, forced: force }, 'Slack summary posted');
      return { posted: true, skipped: null, channel, ts: res.ts ?? null, day: claim.day };
    } catch (err) {
      const problem = slackProblem(err, channel);
      await this.db
        .query(`UPDATE ops.slack_posts SET status = 'failed', error = $2 WHERE id = $1`, [
          claim.id,
          problem.message,
        ])
        .catch(() => {});
      this.log.warn({ team: req.team, channel, err: problem.message }, 'Slack summary not posted');
      throw problem;
    }
  }
}

/** Slack's failures as a 502 that says what to fix. */
export function slackProblem(err: unknown, channel: string): UpstreamError {
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    const why: Record<string, string> = {
      channel_not_found: `the channel "${channel}" does not exist or the bot cannot see it`,
      not_in_channel: `the bot is not a member of "${channel}"; invite it`,
      is_archived: `the channel "${channel}" is archived`,
      invalid_auth: 'SLACK_BOT_TOKEN is not valid',
      not_authed: 'no SLACK_BOT_TOKEN was sent',
      token_revoked: 'SLACK_BOT_TOKEN was revoked',
      account_inactive: 'the bot user of SLACK_BOT_TOKEN is deactivated',
      missing_scope: 'SLACK_BOT_TOKEN lacks the chat:write scope',
    };
    return new UpstreamError('Slack', `${code}: ${why[code] ?? 'Slack refused the message'}`, { cause: err });
  }
  if (err instanceof WebAPIRateLimitedError)
    return new UpstreamError('Slack', `rate limited; try again in ${err.retryAfter} seconds`, { cause: err });
  if (err instanceof WebAPIHTTPError)
    return new UpstreamError('Slack', `answered HTTP ${err.statusCode} ${err.statusMessage}`.trim(), {
      cause: err,
    });
  if (err instanceof WebAPIRequestError)
    return new UpstreamError('Slack', `could not be reached: ${errorMessage(err.original)}`, { cause: err });
  return new UpstreamError('Slack', errorMessage(err), { cause: err });
}
