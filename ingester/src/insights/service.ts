import type { Organisation } from '../config/organisation.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { errorMessage, NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SprintFacts } from './facts.js';
import { chooseSprint, defaultAsOf, loadSprintFacts, type SprintChoice } from './facts-query.js';
import { factsHash } from './hash.js';
import { writeInsight } from './insight.js';
import { LlmWriter } from './llm.js';
import { PROMPT_VERSION } from './prompt.js';
import { SCORE_RULES_VERSION } from './score.js';
import { sprintHealthInsight, type SprintHealthInsight } from './shape.js';
import { dataVersion } from '../metrics/data-version.js';
import { resolveTeam, teamBoards } from '../metrics/teams.js';
import { BoundedMap } from '../bounded-map.js';

/**
 * Sprint Health for the API, Slack and the scheduler: which sprint, its facts, the
 * cache, and which writer answers. The status and score are the engine's, from the
 * facts (insights/score.ts); the LLM writer, used when OPENAI_API_KEY is set, writes
 * the words. Whenever it cannot answer (or its summary is not grounded) the rule-based
 * words are served with the reason, so asking for an insight never fails because of the
 * LLM, and never changes its score.
 */

export interface InsightContext {
  settings: Settings;
  organisation: Organisation;
  db: Database;
  log: Logger;
}

export interface SprintSelector {
  sprint?: number;
  team?: string;
}

export interface InsightAnswer {
  insight: SprintHealthInsight;
  facts: SprintFacts;
  cached: boolean;
  /** Which sprint was described, and why that one. */
  selection: SprintChoice;
}

/** A cached fallback is reused this long, so an LLM outage is retried but not on every request. */
const FALLBACK_REUSE_MS = 10 * 60_000;
const MEMO_SIZE = 200;
/**
 * An insight served from the cache is kept in memory this long: a wall of dashboards asks
 * for it many times a second, and another replica's `refresh=true` shows here after this.
 */
const SERVED_TTL_MS = 60_000;

export class InsightService {
  private readonly llm?: LlmWriter;
  /** Recent fact sheets by sprint, hour and data version (see `facts`), oldest first. */
  private readonly memo = new BoundedMap<string, { facts: SprintFacts; hash: string }>(MEMO_SIZE);
  /** The sprint chosen for a team, by data version and team asked for. */
  private readonly choices = new BoundedMap<string, SprintChoice>(MEMO_SIZE);
  /** Insights lately read from or written to the cache, by sprint, facts hash and writer. */
  private readonly served = new BoundedMap<string, { insight: SprintHealthInsight; until: number }>(
    MEMO_SIZE,
  );

  constructor(private readonly ctx: InsightContext) {
    const openai = ctx.settings.openai;
    if (openai.apiKey)
      this.llm = new LlmWriter({ ...openai, apiKey: openai.apiKey }, ctx.log.child({ writer: 'llm' }));
  }

  /** The cache's writer key: the LLM's answers depend on its model, the rules' on nothing else. */
  get writer(): string {
    return this.llm ? `llm:${this.llm.model}` : 'rules';
  }

  /** A team by name, or the default team. */
  team(name?: string): Promise<string> {
    return resolveTeam(this.ctx.db, this.ctx.organisation, name);
  }

  /**
   * The sprint asked for: by id, or the one a team's insight is about (default: the first
   * team's), which only a sync can change (kept per data version).
   */
  private async resolveSprint(sel: SprintSelector, version: string): Promise<SprintChoice> {
    if (sel.sprint !== undefined)
      return { sprint: sel.sprint, kind: 'requested', reason: `Sprint ${sel.sprint} was asked for` };
    const key = `${version}|${sel.team ?? ''}`;
    const known = this.choices.get(key);
    if (known !== undefined) return known;
    const choice = await this.chooseFor(sel.team);
    this.choices.set(key, choice);
    return choice;
  }

  private async chooseFor(teamName: string | undefined): Promise<SprintChoice> {
    const team = await this.team(teamName);
    const choice = await chooseSprint(this.ctx.db, team);
    if (choice === null) {
      const boards = await teamBoards(this.ctx.db, team);
      throw new NotFoundError(
        boards.length
          ? `Team "${team}" has no sprint with dates on its boards (${boards.join(', ')}) yet; ask for one with ?sprint=ID`
          : `Team "${team}" has no Jira board synced yet; sync Jira (engmetrics sync jira) or name its boards in the organisation file`,
      );
    }
    return choice;
  }

  async sprintHealth(sel: SprintSelector & { refresh?: boolean }): Promise<InsightAnswer> {
    const { log } = this.ctx;
    const version = await dataVersion(this.ctx.db);
    const selection = await this.resolveSprint(sel, version);
    const sprintId = selection.sprint;
    const { facts, hash } = await this.facts(sprintId, version, sel.refresh ?? false);
    const writer = this.writer;
    const servedKey = `${sprintId}|${hash}|${writer}`;
    if (!sel.refresh) {
      const recent = this.served.get(servedKey);
      if (recent && recent.until > Date.now())
        return { insight: recent.insight, facts, cached: true, selection };
      const cached = await this.cached(sprintId, hash, writer);
      if (cached) {
        this.remember(servedKey, cached.insight, cached.reusableMs);
        return { insight: cached.insight, facts, cached: true, selection };
      }
    }
    const meta = { factsHash: hash, generatedAt: this.ctx.settings.clock.now() };
    const { insight, fallback } = await writeInsight(facts, meta, this.llm, log);
    await this.store(sprintId, hash, writer, insight, facts, fallback).then(
      () => this.remember(servedKey, insight, fallback ? FALLBACK_REUSE_MS : SERVED_TTL_MS),
      (err: unknown) => log.warn({ err: errorMessage(err), sprint: sprintId }, 'could not cache the insight'),
    );
    return { insight, facts, cached: false, selection };
  }

  private remember(key: string, insight: SprintHealthInsight, reusableMs: number): void {
    this.served.set(key, { insight, until: Date.now() + Math.min(SERVED_TTL_MS, reusableMs) });
  }

  /**
   * The sprint's facts and their hash. Described as of the start of the hour (refresh
   * too), so a refreshed insight is the one the next requests find in the cache. Until
   * the data version changes (or the hour turns) the facts are the ones computed last,
   * so a cached insight costs a few index lookups, not the facts query.
   */
  private async facts(
    sprintId: number,
    version: string,
    fresh: boolean,
  ): Promise<{ facts: SprintFacts; hash: string }> {
    const asOf = defaultAsOf(this.ctx.settings.clock.now());
    const key = `${sprintId}|${asOf.toISOString()}|${version}`;
    const known = fresh ? undefined : this.memo.get(key);
    if (known) return known;
    const facts = await loadSprintFacts(this.ctx.db, sprintId, {
      jiraBaseUrl: this.ctx.settings.jira.baseUrl,
      asOf,
    });
    const entry = { facts, hash: factsHash(facts) };
    this.memo.set(key, entry);
    return entry;
  }

  private async cached(
    sprintId: number,
    hash: string,
    writer: string,
  ): Promise<{ insight: SprintHealthInsight; reusableMs: number } | undefined> {
    const { rows } = await this.ctx.db.query<{ insight: unknown; fallback: boolean; age_ms: number }>(
      `SELECT insight, fallback, extract(epoch FROM now() - created_at) * 1000 AS age_ms
         FROM ops.insights WHERE sprint_id = $1 AND facts_hash = $2 AND writer = $3`,
      [sprintId, hash, writer],
    );
    const row = rows[0];
    if (!row || (row.fallback && Number(row.age_ms) > FALLBACK_REUSE_MS)) return undefined;
    const parsed = sprintHealthInsight.safeParse(row.insight);
    // Another version's score rules or prompt wrote it: write it again with these.
    if (!parsed.success || !this.current(parsed.data)) return undefined;
    return {
      insight: parsed.data,
      reusableMs: row.fallback ? FALLBACK_REUSE_MS - Number(row.age_ms) : SERVED_TTL_MS,
    };
  }

  private current(insight: SprintHealthInsight): boolean {
    return (
      insight.scoreBasis.rules === SCORE_RULES_VERSION &&
      (insight.promptVersion === null || insight.promptVersion === PROMPT_VERSION)
    );
  }

  private async store(
    sprintId: number,
    hash: string,
    writer: string,
    insight: SprintHealthInsight,
    facts: SprintFacts,
    fallback: boolean,
  ): Promise<void> {
    await this.ctx.db.query(
      `INSERT INTO ops.insights (sprint_id, facts_hash, writer, insight, facts, fallback)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (sprint_id, facts_hash, writer)
       DO UPDATE SET insight = EXCLUDED.insight, facts = EXCLUDED.facts, fallback = EXCLUDED.fallback, created_at = now()`,
      [sprintId, hash, writer, JSON.stringify(insight), JSON.stringify(facts), fallback],
    );
    // Hourly fact sheets pile up; a month of them is plenty to look back on.
    await this.ctx.db.query(
      `DELETE FROM ops.insights WHERE sprint_id = $1 AND created_at < now() - interval '30 days'`,
      [sprintId],
    );
  }
}
