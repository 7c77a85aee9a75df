import { z } from 'zod';
import { route, type AnyRoute } from '../api/route.js';
import type { Clock } from '../clock.js';
import type { Organisation } from '../config/organisation.js';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import { chooseSprint } from '../insights/facts-query.js';
import { resolveTeam, teamOfBoard } from '../metrics/teams.js';
import {
  DEFAULT_SEED,
  percentOf,
  forecastIssues,
  forecastSprint,
  type DoneBy,
  type ForecastBasis,
  type Outlook,
} from './forecast.js';

/**
 * The forecast API: the chance a team's sprint finishes and its dated percentiles, and the
 * same for any set of open issues. The days sampled are SQL's (metrics.forecast_history); the
 * simulation is forecast/simulate.ts; these routes check the question and shape the answer.
 */

const teamName = z.string().min(1).max(100);
const seed = z
  .string()
  .regex(/^\d{1,9}$/, { message: 'must be a whole number of at most nine digits' })
  .transform(Number)
  .openapi({
    description: `The simulation's seed (default ${DEFAULT_SEED}): the same data and seed give the same answer`,
  });
const issueKey = /^[A-Z][A-Z0-9]+-\d+$/;

const sprintQuery = z
  .object({
    team: teamName
      .optional()
      .openapi({ description: "A team: its active sprint (default: the first team's)" }),
    sprint: z
      .string()
      .regex(/^[1-9]\d{0,15}$/, { message: 'must be a sprint id (a positive whole number)' })
      .transform(Number)
      .optional()
      .openapi({ description: 'A Jira sprint id, instead of the team’s active sprint' }),
    seed: seed.optional(),
  })
  .strict()
  .refine((q) => q.sprint === undefined || q.team === undefined, {
    message: 'give either sprint or team, not both',
    path: ['team'],
  });

const issuesQuery = z
  .object({
    team: teamName
      .optional()
      .openapi({ description: 'The team whose pace the forecast samples (default: the first)' }),
    epic: z
      .string()
      .regex(issueKey, { message: 'must be a Jira issue key such as PAY-12' })
      .optional()
      .openapi({ description: 'An epic: its open issues' }),
    keys: z
      .string()
      .transform((s) => s.split(',').map((k) => k.trim()))
      .refine((ks) => ks.length <= 500 && ks.every((k) => issueKey.test(k)), {
        message: 'must be Jira issue keys separated by commas (at most 500)',
      })
      .optional()
      .openapi({ description: 'Issue keys, comma-separated: the open ones among them' }),
    set: z.string().min(1).max(64).optional().openapi({
      description:
        'An issue set of the organisation file (issueSets): its JQL’s issues at the last Jira sync',
    }),
    by: z.iso
      .date({ message: 'must be a date such as 2026-12-31' })
      .optional()
      .openapi({ description: 'A date: how many of the set are done by then, at 85 %' }),
    seed: seed.optional(),
  })
  .strict()
  .refine((q) => q.epic !== undefined || q.keys !== undefined || q.set !== undefined, {
    message: 'give epic, keys or set',
    path: ['epic'],
  });

const doneBy = z
  .object({
    pct: z.number().openapi({ description: 'The probability, in percent' }),
    date: z.iso.date().nullable().openapi({ description: 'The team’s calendar day; null past a year' }),
    workingDays: z.number().int().nullable().openapi({ description: 'Working days from now' }),
  })
  .openapi('ForecastDoneBy');

const basis = {
  state: z.enum(['ok', 'low_history', 'refused']).openapi({
    description: '`refused` below 10 working days of history (no answer), `low_history` below 30',
  }),
  reason: z.string().nullable(),
  historyDays: z.number().int().openapi({ description: 'Working days sampled (at most 60)' }),
  historyFrom: z.iso.date().nullable(),
  historyTo: z.iso.date().nullable(),
  historyDone: z.number().int().openapi({ description: 'Issues done over those days' }),
  trials: z.number().int(),
  seed: z.number().int(),
  asOf: z.iso.datetime({ offset: true }),
  remainingIssues: z.number().int().nullable(),
  doneBy: z.array(doneBy).openapi({ description: 'At 50, 70, 85 and 95 %; empty when refused' }),
  spreadWorkingDays: z.number().int().nullable().openapi({
    description: 'From the 50 % to the 95 % date: the team’s predictability (fewer is steadier)',
  }),
};

const sprintForecastAnswer = z
  .object({
    team: z.string(),
    sprint: z.object({ id: z.number().int(), endAt: z.iso.datetime({ offset: true }) }),
    workingDaysLeft: z.number().int(),
    finishProbabilityPct: z
      .number()
      .nullable()
      .openapi({ description: 'Chance the rest, with the scope the team usually adds, is done by the end' }),
    ...basis,
  })
  .openapi('SprintForecastAnswer');

const issueSetForecastAnswer = z
  .object({
    team: z.string(),
    set: z.object({
      name: z.string().nullable(),
      epic: z.string().nullable(),
      keys: z.array(z.string()),
      open: z.number().int(),
      done: z.number().int(),
    }),
    by: z
      .object({ date: z.iso.date(), workingDays: z.number().int(), issues85: z.number().int() })
      .nullable()
      .openapi({ description: 'How many of the open issues are done by `by`, at 85 %' }),
    ...basis,
  })
  .openapi('IssueSetForecast');

const doneByOf = (d: DoneBy[] | undefined) =>
  (d ?? []).map((x) => ({ pct: Math.round(x.p * 100), date: x.date, workingDays: x.workingDays }));

function answerBasis(f: ForecastBasis & Partial<Outlook> & { asOf: string }) {
  return {
    state: f.state,
    reason: f.reason,
    historyDays: f.historyDays,
    historyFrom: f.historyFrom,
    historyTo: f.historyTo,
    historyDone: f.historyDone,
    trials: f.trials,
    seed: f.seed,
    asOf: f.asOf,
    remainingIssues: f.remainingIssues ?? null,
    doneBy: doneByOf(f.doneBy),
    spreadWorkingDays: f.spreadDays ?? null,
  };
}

async function sprintOf(db: Database, id: number): Promise<{ team: string; startAt: Date; endAt: Date }> {
  const { rows } = await db.query<{ board_id: string | null; start_at: Date | null; end_at: Date | null }>(
    'SELECT board_id, start_at, end_at FROM source.jira_sprints WHERE id = $1',
    [id],
  );
  const s = rows[0];
  if (!s) throw new NotFoundError(`There is no sprint ${id} (synced from Jira)`);
  if (!s.start_at || !s.end_at) throw new NotFoundError(`Sprint ${id} has no start and end dates yet`);
  const team = await teamOfBoard(db, s.board_id === null ? null : Number(s.board_id));
  if (!team) throw new NotFoundError(`Sprint ${id} is on a board no team owns`);
  return { team, startAt: s.start_at, endAt: s.end_at };
}

/** An issue set the last Jira sync read; otherwise a 404 naming the sets there are. */
async function requireSyncedSet(db: Database, name: string): Promise<void> {
  const { rows } = await db.query<{ set_name: string }>(
    'SELECT set_name FROM source.jira_issue_sets ORDER BY 1',
  );
  if (rows.some((r) => r.set_name === name)) return;
  throw new NotFoundError(
    `There is no issue set "${name}" synced from Jira (issueSets in the organisation file, read at each Jira sync); ` +
      `synced: ${rows.map((r) => r.set_name).join(', ') || '(none yet)'}`,
  );
}

export function forecastRoutes(ctx: { db: Database; organisation: Organisation; clock: Clock }): AnyRoute[] {
  const { db, organisation, clock } = ctx;
  // To the minute, so that the same question asked again is the same question.
  const now = () => new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000);
  return [
    route({
      method: 'get',
      path: '/forecasts/sprint',
      operationId: 'getSprintForecast',
      summary: 'How likely a sprint is to finish, and by when',
      description:
        'A Monte Carlo forecast (10,000 trials) from the team’s own last 60 working days: each simulated day ' +
        'draws a day of history, with the issues it saw done and, while the sprint runs, added and removed. ' +
        'Refused below 10 working days of history, warned below 30. The sprint is the team’s active one (between ' +
        'sprints, the next being planned or the last closed) or the one asked for. docs/metrics.md, "Forecasts".',
      tags: ['forecasts'],
      query: sprintQuery,
      response: sprintForecastAnswer,
      problems: { 404: 'No such team or sprint, or the team has no sprint with dates' },
      handler: async ({ query }) => {
        // The sprint asked for, with its board's team; or the team's, chosen as Sprint Health chooses.
        const asked = query.sprint === undefined ? await resolveTeam(db, organisation, query.team) : null;
        const choice = asked === null ? null : await chooseSprint(db, asked);
        if (asked !== null && !choice)
          throw new NotFoundError(`Team ${asked} has no board with a sprint that has dates`);
        const id = query.sprint ?? choice!.sprint;
        const sprint = await sprintOf(db, id);
        const team = asked ?? sprint.team;
        const f = await forecastSprint(db, team, { id, ...sprint }, now(), { seed: query.seed });
        return {
          team,
          sprint: { id, endAt: sprint.endAt.toISOString() },
          workingDaysLeft: f.daysLeft,
          finishProbabilityPct: f.probability === undefined ? null : percentOf(f.probability),
          ...answerBasis(f),
        };
      },
    }),
    route({
      method: 'get',
      path: '/forecasts/issues',
      operationId: 'getIssueSetForecast',
      summary: 'When a set of open issues is likely done, and how many by a date',
      description:
        'The open issues of an epic, of a list of keys, or of an issue set of the organisation file (a JQL query read ' +
        'at each Jira sync: a fix version, a label, a filter), forecast from the team’s pace alone (the set’s scope ' +
        'is what it is now): "85 % likely done by" a date, and with `by`, how many are done by then at 85 %.',
      tags: ['forecasts'],
      query: issuesQuery,
      response: issueSetForecastAnswer,
      problems: { 404: 'No such team or issue set, or no synced issue in the set' },
      handler: async ({ query }) => {
        const team = await resolveTeam(db, organisation, query.team);
        if (query.set !== undefined) await requireSyncedSet(db, query.set);
        const f = await forecastIssues(
          db,
          team,
          { epic: query.epic, keys: query.keys, name: query.set },
          now(),
          query.by ?? null,
          { seed: query.seed },
        );
        if (f.set.open + f.set.done === 0)
          throw new NotFoundError(
            query.epic
              ? `Epic ${query.epic} has no issues (synced from Jira)`
              : 'None of the keys is a synced issue',
          );
        return { team, set: f.set, by: f.by ?? null, ...answerBasis(f) };
      },
    }),
  ];
}
