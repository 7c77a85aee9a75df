import { beforeAll, describe, expect, it } from '@jest/globals';
import { defaultSpec, generateWorld, type World } from '../../src/simulators/world/generate.js';
import type { IssueW, SprintStyle, SprintW } from '../../src/simulators/world/types.js';

/**
 * Teams given sprint styles must differ the way a sprint forecast can be backtested against: a
 * method blind to added scope or to bursty throughput has to fail visibly on them. Everything
 * here is read from the generated issues and sprints, as the forecast would read them.
 */
const DAY = 86_400_000;
const END = Date.UTC(2026, 9, 30, 16, 0);
const STYLES: SprintStyle[] = ['steady', 'bursty', 'scope_adding', 'steady'];

function statusAt(issue: IssueW, t: number): string {
  let s = issue.statuses[0]!.status;
  for (const c of issue.statuses) if (c.at <= t) s = c.status;
  return s;
}

function inSprintAt(issue: IssueW, sprintId: number, t: number): boolean {
  let ids: number[] = [];
  for (const c of issue.sprints) if (c.at <= t) ids = c.sprintIds;
  return ids.includes(sprintId);
}

interface TeamSprints {
  style: SprintStyle;
  issues: IssueW[];
  /** Completed by the end of the world. */
  closed: SprintW[];
}

function teamsOf(world: World): TeamSprints[] {
  return world.teams.map((team) => ({
    style: team.sprintStyle!,
    issues: world.jira.issues.filter((i) => i.project === team.projectKey),
    closed: world.jira.sprints.filter((s) => s.boardId === team.boardId && s.completeAt <= world.spec.end),
  }));
}

/** Every issue in the sprint when it completed was done by then. */
function finished(t: TeamSprints, s: SprintW): boolean {
  return t.issues
    .filter((i) => inSprintAt(i, s.id, s.completeAt))
    .every((i) => statusAt(i, s.completeAt) === 'Done');
}

/** Put in the sprint after it started. */
function addedTo(t: TeamSprints, s: SprintW): number {
  return t.issues.filter(
    (i) =>
      !inSprintAt(i, s.id, s.startAt) &&
      i.sprints.some((c) => c.at > s.startAt && c.at <= s.completeAt && c.sprintIds.includes(s.id)),
  ).length;
}

/** Pooled over the teams of a style: the share of sprints (or mean per sprint) of `measure`. */
function perSprint(
  teams: TeamSprints[],
  style: SprintStyle,
  measure: (t: TeamSprints, s: SprintW) => number,
) {
  const of = teams.filter((t) => t.style === style);
  const values = of.flatMap((t) => t.closed.map((s) => measure(t, s)));
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Coefficient of variation of the issues done per working day, over the team's closed sprints. */
function dailyDoneCv(t: TeamSprints): number {
  const perDay = new Map<number, number>();
  for (const i of t.issues)
    for (const c of i.statuses)
      if (c.status === 'Done')
        perDay.set(Math.floor(c.at / DAY), (perDay.get(Math.floor(c.at / DAY)) ?? 0) + 1);
  const counts: number[] = [];
  const first = Math.floor(t.closed[0]!.startAt / DAY);
  const last = Math.floor(t.closed[t.closed.length - 1]!.completeAt / DAY);
  for (let d = first; d <= last; d++) {
    const weekday = new Date(d * DAY).getUTCDay();
    if (weekday >= 1 && weekday <= 5) counts.push(perDay.get(d) ?? 0);
  }
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / counts.length;
  return Math.sqrt(variance) / mean;
}

describe('sprint styles', () => {
  let teams: TeamSprints[];
  beforeAll(() => {
    teams = teamsOf(generateWorld(defaultSpec({ start: END - 365 * DAY, end: END, sprintStyles: STYLES })));
  });

  it('go to the teams in the order they are planned, round and round', () => {
    expect(teams.map((t) => t.style)).toEqual(STYLES);
    for (const t of teams) expect(t.closed.length).toBeGreaterThanOrEqual(24);
  });

  it('finish their whole sprint scope steady most often, bursty sometimes, scope-adding rarely', () => {
    const share = (style: SprintStyle) => perSprint(teams, style, (t, s) => (finished(t, s) ? 1 : 0));
    const [steady, bursty, scopeAdding] = [share('steady'), share('bursty'), share('scope_adding')];
    expect(steady).toBeGreaterThan(bursty);
    expect(bursty).toBeGreaterThan(scopeAdding);
    expect(steady).toBeGreaterThanOrEqual(0.5);
    expect(steady).toBeLessThanOrEqual(0.8);
    expect(bursty).toBeGreaterThanOrEqual(0.25);
    expect(bursty).toBeLessThanOrEqual(0.6);
    expect(scopeAdding).toBeGreaterThanOrEqual(0.05);
    expect(scopeAdding).toBeLessThanOrEqual(0.35);
  });

  it('add scope after the start: a scope-adding team at least twice as much as a steady one', () => {
    const added = (style: SprintStyle) => perSprint(teams, style, addedTo);
    expect(added('scope_adding')).toBeGreaterThanOrEqual(2 * added('steady'));
  });

  it('get work done in bursts on a bursty team', () => {
    const bursty = dailyDoneCv(teams.find((t) => t.style === 'bursty')!);
    for (const steady of teams.filter((t) => t.style === 'steady'))
      expect(bursty).toBeGreaterThan(1.2 * dailyDoneCv(steady));
  });

  it('leave a world without them as it was: an empty list is no styles', () => {
    const spec = { start: END - 120 * DAY, end: END, prs: 600 };
    const plain = generateWorld(defaultSpec(spec));
    const empty = generateWorld(defaultSpec({ ...spec, sprintStyles: [] }));
    expect(plain.teams.every((t) => t.sprintStyle === undefined)).toBe(true);
    expect(JSON.stringify({ ...empty, spec: null })).toBe(JSON.stringify({ ...plain, spec: null }));
  });
});
