import { DAY, HOUR } from './calendar.js';
import { finalizeTeam, type Numbering, type TeamWorld } from './finalize-team.js';
import { nodeId } from './ids.js';
import { checkInjectedCause, teamPeriod } from './injected-causes.js';
import { BOTS, personName, planOrganisation } from './profiles.js';
import { Random } from './random.js';
import { simulateTeam, type Counters, type DraftIssue } from './team/index.js';
import type { Person, SprintStyle, TeamProfile, World, WorldSpec } from './types.js';

export const ATTRIBUTION_WINDOW_MS = 72 * HOUR;

/** A small default world: four teams, ten repositories, six months. */
export function defaultSpec(overrides: Partial<WorldSpec> = {}): WorldSpec {
  const end = overrides.end ?? Date.UTC(2026, 10, 20, 16, 0);
  return {
    seed: 42,
    org: 'acme',
    start: end - 180 * DAY,
    end,
    repos: 10,
    prs: 2000,
    malformedShare: 0,
    ...overrides,
  };
}

/**
 * Generates the whole organisation. Deterministic: the same spec gives the same
 * world, byte for byte.
 */
export function generateWorld(spec: WorldSpec): World {
  const parts = generateTeams(spec);
  const world: World = {
    spec,
    org: parts.org,
    people: parts.people,
    teams: parts.teams,
    repos: [],
    jira: { projects: [], boards: [], sprints: [], issues: [] },
    truth: { attributionWindowMs: ATTRIBUTION_WINDOW_MS, deployments: [], failedAttempts: [], sprints: [] },
  };
  for (const t of parts.each()) {
    world.repos.push(...t.repos);
    world.jira.projects.push(t.project);
    world.jira.boards.push(t.board);
    world.jira.sprints.push(...t.sprints);
    world.jira.issues.push(...t.issues);
    // A signal counts only within the window after the deployment: one that came late
    // (a revert merged after a weekend) leaves the deployment not failed, as in SQL.
    for (const d of t.deployments)
      if (d.failure) d.failure.withinWindow = d.failure.signalAt - d.finishedAt <= ATTRIBUTION_WINDOW_MS;
    world.truth.deployments.push(...t.deployments);
    world.truth.failedAttempts.push(...t.failedAttempts);
    world.truth.sprints.push(...t.sprintTruth);
  }
  return world;
}

/**
 * The organisation one team at a time, for generating more than fits in memory
 * (the scale benchmark loads each team and lets it go).
 */
export function generateTeams(spec: WorldSpec) {
  if (!(spec.end > spec.start)) throw new Error('the world must end after it starts');
  const rng = new Random(spec.seed);
  const { teams, repos: plans } = planOrganisation(spec.repos);
  giveSprintStyles(teams, spec.sprintStyles);
  checkInjectedCause(spec, teams, plans);
  const { people, members } = hirePeople(rng, teams);
  const weightOf = (ti: number) => plans.filter((p) => p.team === ti).reduce((s, p) => s + p.weight, 0);
  const totalWeight = teams.reduce((s, _t, ti) => s + weightOf(ti), 0);
  const counters = newCounters();
  const numbering: Numbering = { issueId: 10_000, repoDatabaseId: 600_000_000, malformedPrs: 0 };
  const org = {
    login: spec.org,
    name: `${spec.org.charAt(0).toUpperCase()}${spec.org.slice(1)} Inc.`,
    databaseId: 9_000_001,
    id: nodeId('O', spec.org),
  };

  // Teams share the counters and the numbering, so they must be generated in order.
  function* each(): Generator<TeamWorld> {
    for (let ti = 0; ti < teams.length; ti++) {
      const team = teams[ti]!;
      const period = teamPeriod(spec, team, Math.round((spec.prs * weightOf(ti)) / totalWeight));
      const result = simulateTeam(rng.fork(team.name), period.spec, counters, {
        team,
        plans: plans.filter((p) => p.team === ti),
        members: members[ti]!,
        outsiders: members.filter((_m, i) => i !== ti).flat(),
        prTarget: period.prTarget,
      });
      yield finalizeTeam(rng, spec, numbering, team, result, members[ti]!);
    }
  }

  return { org, people, teams, each };
}

/** Only when asked: a team without a style must serialise as it always has. */
function giveSprintStyles(teams: TeamProfile[], styles: SprintStyle[] | undefined): void {
  if (!styles?.length) return;
  teams.forEach((team, ti) => (team.sprintStyle = styles[ti % styles.length]));
}

/** Each team's people (five to eight), then the bots everyone shares. */
function hirePeople(rng: Random, teams: TeamProfile[]): { people: Person[]; members: Person[][] } {
  const people: Person[] = [];
  const members = teams.map((team, ti) => {
    const size = 5 + ((ti * 3) % 4);
    return Array.from({ length: size }, () => {
      const { login, name } = personName(people.length);
      const p: Person = { login, name, team: team.name, bot: false, accountId: `5f${rng.hex(22)}` };
      people.push(p);
      return p;
    });
  });
  for (const b of BOTS)
    people.push({ login: b, name: b.replace('[bot]', ''), team: null, bot: true, accountId: null });
  return { people, members };
}

function newCounters(): Counters {
  let oids = 0;
  return {
    sprint: 100,
    deployment: 1_000_000,
    status: 5_000_000,
    review: 2_000_000,
    release: 30_000,
    run: 7_000_000_000,
    // Random, and unique even if two draws collide.
    oid: (r) => `${r.hex(32)}${(oids++).toString(16).padStart(8, '0')}`,
  };
}

export type { InjectedCause, SprintStyle, World, WorldSpec } from './types.js';
export type { DraftIssue, TeamWorld };
