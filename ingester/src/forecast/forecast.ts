import type { Database } from '../db/database.js';
import type { ForecastFacts } from '../insights/facts.js';
import {
  finishDayAt,
  probabilityBy,
  simulateFinish,
  doneWithin,
  type FinishDays,
  type HistoryDay,
} from './simulate.js';

/**
 * Forecasts of a team's work from its own history: the active sprint's chance of finishing
 * and its "done by" dates, and the same for any set of open issues. The days sampled come from
 * SQL (metrics.forecast_history); the simulation is simulate.ts. docs/metrics.md, "Forecasts".
 */

/** Working days of history drawn from: the last twelve weeks of a five-day team. */
export const HISTORY_WINDOW_DAYS = 60;
/** Below this many working days of history there is no forecast. */
export const MIN_HISTORY_DAYS = 10;
/** Below this many the forecast is given with a warning. */
export const WARN_HISTORY_DAYS = 30;
export const TRIALS = 10_000;
export const DEFAULT_SEED = 20_251_231;
/** A trial not finished within this many working days (about a year) is called unfinished. */
export const HORIZON_DAYS = 260;
export const PERCENTILES = [0.5, 0.7, 0.85, 0.95] as const;
/** The probability a single "likely done by" date is told at. */
export const LIKELY = 0.85;

export type ForecastState = 'ok' | 'low_history' | 'refused';

/** What a forecast rests on, and whether it is given at all. */
export interface ForecastBasis {
  state: ForecastState;
  /** Why it is refused or warned about; null when ok. */
  reason: string | null;
  historyDays: number;
  historyFrom: string | null;
  historyTo: string | null;
  /** Issues done over the history: a team that did none will not finish anything. */
  historyDone: number;
  trials: number;
  seed: number;
}

export interface DoneBy {
  /** The probability, 0–1. */
  p: number;
  /** The date (the team's calendar day) by which that share of trials had finished; null past the horizon. */
  date: string | null;
  workingDays: number | null;
}

export interface Outlook {
  remainingIssues: number;
  doneBy: DoneBy[];
  /** Working days between the 50 % and 95 % answers: how predictable the team is (lower is steadier). */
  spreadDays: number | null;
}

export interface SprintForecast extends ForecastBasis, Partial<Outlook> {
  sprintId: number;
  asOf: string;
  endAt: string;
  /** Working days left until the sprint ends, today counted when half of it or more is left. */
  daysLeft: number;
  /** Chance that what is left, with what keeps being added, is done by the sprint's end (0–1). */
  probability?: number;
}

export interface Calendar {
  /** The zone the team's days are told in. */
  timezone: string;
  /** Working days ahead: the first is today when half of it or more is left, else the next one. */
  ahead: string[];
}

/** The calendar day an instant falls on in a zone, as YYYY-MM-DD. */
export function localDate(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

interface Options {
  seed?: number;
  trials?: number;
  /** Draw added and removed scope (default); off only to measure what ignoring it costs. */
  withScope?: boolean;
}

/** The working days ahead of `asOf` in the team's calendar, today counted before noon. */
export async function daysAhead(db: Database, team: string, asOf: Date): Promise<Calendar> {
  const { rows } = await db.query<Calendar>(
    `SELECT c.timezone,
            (SELECT coalesce(array_agg(to_char(d, 'YYYY-MM-DD') ORDER BY d), '{}')
               FROM metrics.working_days($1, (l.local - interval '12 hours')::date + 1, l.local::date + 400) d) AS ahead
       FROM metrics.team_calendar($1) c,
            LATERAL (SELECT ($2::timestamptz AT TIME ZONE c.timezone) AS local) l`,
    [team, asOf],
  );
  return rows[0]!;
}

export async function historyOf(db: Database, team: string, asOf: Date): Promise<HistoryDay[]> {
  const { rows } = await db.query<HistoryDay>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, done, added, removed FROM metrics.forecast_history($1, $2, $3)`,
    [team, asOf, HISTORY_WINDOW_DAYS],
  );
  return rows;
}

/** Whether the history is enough to forecast from: refused below 10 working days, warned below 30. */
export function basisOf(history: readonly HistoryDay[], o: Options = {}): ForecastBasis {
  const n = history.length;
  const done = history.reduce((sum, d) => sum + d.done, 0);
  const state: ForecastState =
    n < MIN_HISTORY_DAYS ? 'refused' : n < WARN_HISTORY_DAYS ? 'low_history' : 'ok';
  const reason =
    state === 'refused'
      ? `only ${n} working day${n === 1 ? '' : 's'} of history; a forecast needs at least ${MIN_HISTORY_DAYS}`
      : state === 'low_history'
        ? `only ${n} working days of history (fewer than ${WARN_HISTORY_DAYS}): the answer may move a lot as days are added`
        : null;
  return {
    state,
    reason,
    historyDays: n,
    historyFrom: history[0]?.day ?? null,
    historyTo: history[n - 1]?.day ?? null,
    historyDone: done,
    trials: o.trials ?? TRIALS,
    seed: o.seed ?? DEFAULT_SEED,
  };
}

/** The dated percentiles of simulated finishing days. */
export function outlookOf(finish: FinishDays, remaining: number, calendar: Calendar): Outlook {
  const dateOf = (day: number | null) =>
    day === null ? null : day === 0 ? null : (calendar.ahead[day - 1] ?? null);
  const doneBy = PERCENTILES.map((p) => {
    const day = finishDayAt(finish, p);
    return { p, workingDays: day, date: remaining <= 0 ? null : dateOf(day) };
  });
  const p50 = doneBy[0]!.workingDays;
  const p95 = doneBy[doneBy.length - 1]!.workingDays;
  return { remainingIssues: remaining, doneBy, spreadDays: p50 === null || p95 === null ? null : p95 - p50 };
}

/** The sprint at `asOf`: how many issues it held then, and how many of those were done. */
export async function sprintScopeAt(
  db: Database,
  sprintId: number,
  at: Date,
): Promise<{ issues: number; done: number }> {
  const { rows } = await db.query<{ issues: number; done: number }>(
    'SELECT issues, done FROM metrics.sprint_scope_at($1, $2)',
    [sprintId, at],
  );
  return rows[0] ?? { issues: 0, done: 0 };
}

/**
 * The forecast of a sprint of `team` as it stood at `asOf`. A sprint not started yet is
 * walked from its start: the days before it go to other work.
 */
export async function forecastSprint(
  db: Database,
  team: string,
  sprint: { id: number; startAt?: Date; endAt: Date },
  asOf: Date,
  o: Options = {},
): Promise<SprintForecast> {
  const from = sprint.startAt && sprint.startAt > asOf ? sprint.startAt : asOf;
  const [history, calendar, scope] = await Promise.all([
    historyOf(db, team, asOf),
    daysAhead(db, team, from),
    sprintScopeAt(db, sprint.id, asOf),
  ]);
  return sprintForecastFrom({ history, calendar, scope, sprint, asOf }, o);
}

/** The sprint forecast from what was read: pure, so the backtest and the tests call it directly. */
export function sprintForecastFrom(
  input: {
    history: readonly HistoryDay[];
    calendar: Calendar;
    scope: { issues: number; done: number };
    sprint: { id: number; endAt: Date };
    asOf: Date;
  },
  o: Options = {},
): SprintForecast {
  const { history, calendar, scope, sprint, asOf } = input;
  const endDay = localDate(sprint.endAt, calendar.timezone);
  const daysLeft = asOf >= sprint.endAt ? 0 : calendar.ahead.filter((d) => d <= endDay).length;
  const basis = basisOf(history, o);
  const head = { sprintId: sprint.id, asOf: asOf.toISOString(), endAt: sprint.endAt.toISOString(), daysLeft };
  if (basis.state === 'refused') return { ...head, ...basis };
  const remaining = scope.issues - scope.done;
  const finish = simulateFinish({
    history,
    remaining,
    scopeDays: daysLeft,
    withScope: o.withScope ?? true,
    trials: basis.trials,
    seed: basis.seed,
    horizon: HORIZON_DAYS,
  });
  return {
    ...head,
    ...basis,
    probability: probabilityBy(finish, daysLeft),
    ...outlookOf(finish, remaining, calendar),
  };
}

export interface IssueSetForecast extends ForecastBasis, Partial<Outlook> {
  asOf: string;
  /** How many of the set are done within the given date, at 85 %. */
  by?: { date: string; workingDays: number; issues85: number } | null;
}

/**
 * Open issues of a set: an epic's, the listed keys, or an issue set of the organisation file
 * (its JQL's issues at the last Jira sync); its forecast from the team's throughput.
 */
export async function forecastIssues(
  db: Database,
  team: string,
  set: { epic?: string; keys?: string[]; name?: string },
  asOf: Date,
  by: string | null,
  o: Options = {},
): Promise<
  IssueSetForecast & {
    set: { name: string | null; epic: string | null; keys: string[]; open: number; done: number };
  }
> {
  const { rows } = await db.query<{ open: number; done: number }>(
    `SELECT count(*) FILTER (WHERE i.done_at IS NULL)::integer AS open, count(*) FILTER (WHERE i.done_at IS NOT NULL)::integer AS done
       FROM metrics.issues i
      WHERE ($1::text IS NOT NULL AND i.epic_key = $1) OR i.key = ANY ($2::text[])
         OR i.key = ANY (SELECT unnest(s.issue_keys) FROM source.jira_issue_sets s WHERE s.set_name = $3)`,
    [set.epic ?? null, set.keys ?? [], set.name ?? null],
  );
  const counts = rows[0] ?? { open: 0, done: 0 };
  const [history, calendar] = await Promise.all([historyOf(db, team, asOf), daysAhead(db, team, asOf)]);
  const basis = basisOf(history, o);
  const head = {
    asOf: asOf.toISOString(),
    set: {
      name: set.name ?? null,
      epic: set.epic ?? null,
      keys: set.keys ?? [],
      open: counts.open,
      done: counts.done,
    },
  };
  if (basis.state === 'refused') return { ...head, ...basis };
  const finish = simulateFinish({
    history,
    remaining: counts.open,
    scopeDays: 0,
    withScope: false,
    trials: basis.trials,
    seed: basis.seed,
    horizon: HORIZON_DAYS,
  });
  const days = by === null ? 0 : calendar.ahead.filter((d) => d <= by).length;
  return {
    ...head,
    ...basis,
    ...outlookOf(finish, counts.open, calendar),
    by:
      by === null
        ? null
        : {
            date: by,
            workingDays: days,
            issues85: Math.min(counts.open, doneWithin(history, days, 0.85, basis.trials, basis.seed)),
          },
  };
}

/** A probability (0–1) as a percentage with one decimal. */
export const percentOf = (p: number) => Math.round(p * 1000) / 10;

/** The forecast as the sprint's facts hold it (insights/facts.ts), for the score and the writers. */
export function forecastFacts(f: SprintForecast): ForecastFacts {
  const at = (p: number) => f.doneBy?.find((d) => d.p === p)?.date ?? null;
  return {
    state: f.state,
    reason: f.reason,
    history_days: f.historyDays,
    remaining_issues: f.remainingIssues ?? null,
    working_days_left: f.daysLeft,
    finish_probability_pct: f.probability === undefined ? null : percentOf(f.probability),
    likely_pct: LIKELY * 100,
    done_by_50_at: at(0.5),
    done_by_70_at: at(0.7),
    done_by_85_at: at(LIKELY),
    done_by_95_at: at(0.95),
    spread_working_days: f.spreadDays ?? null,
  };
}
