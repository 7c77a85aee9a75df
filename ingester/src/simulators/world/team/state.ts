import type { RepoPlan } from '../profiles.js';
import type { Random } from '../random.js';
import type {
  DeploymentTruth,
  IssueW,
  Person,
  PullRequestW,
  RepoWorld,
  SprintW,
  TeamProfile,
  WorldSpec,
} from '../types.js';

/**
 * While simulating, objects refer to each other (a PR to its issue, a revert to the PR it
 * reverts); numbers, keys and the text that quotes them are written once the team is done,
 * in creation order, as GitHub and Jira number things.
 */
export interface DraftIssue extends Omit<IssueW, 'id' | 'key'> {
  id?: string;
  key?: string;
}

export interface DraftPr extends Omit<
  PullRequestW,
  'number' | 'id' | 'databaseId' | 'title' | 'body' | 'headRef' | 'issueKeys' | 'revertsNumber'
> {
  issue: DraftIssue | null;
  reverts: DraftPr | null;
  topic: string;
  branchStyle: 'feature' | 'fix' | 'hotfix' | 'chore' | 'bot' | 'revert' | 'plain';
  number?: number;
}

/** A deployment's ground truth while its shipped PRs have no numbers yet. */
export type TruthDraft = Omit<DeploymentTruth, 'ships'> & { shipsDraft: DraftPr[] };
export type Failure = NonNullable<TruthDraft['failure']>;

/** One repository of the team: its history so far and where production stands. */
export interface RepoState {
  plan: RepoPlan;
  world: RepoWorld;
  prs: DraftPr[];
  /** Mainline position → the PR merged there. */
  prAt: (DraftPr | null)[];
  maxDeployed: number;
  deployedPositions: number[];
  /** PRs already in production (a branch deployment can ship one before it merges). */
  shipped: Set<DraftPr>;
  blockedUntil: number;
  /** When its latest deployment (possibly still running) finishes. */
  lastFinishedAt: number;
  releaseMinor: number;
  runNumber: number;
}

export interface TeamResult {
  repos: RepoWorld[];
  prs: Map<string, DraftPr[]>;
  issues: DraftIssue[];
  sprints: SprintW[];
  deployments: TruthDraft[];
  failedAttempts: { repo: string; deploymentId: string; at: number }[];
}

/** Ids shared by the whole organisation, so teams simulated one by one never collide. */
export interface Counters {
  sprint: number;
  deployment: number;
  status: number;
  review: number;
  release: number;
  run: number;
  oid: (rng: Random) => string;
}

/** What the organisation gives a team to simulate. */
export interface TeamAssignment {
  team: TeamProfile;
  plans: RepoPlan[];
  members: Person[];
  /** People of other teams, who review some of this team's pull requests. */
  outsiders: Person[];
  /** Pull requests to open over the period, across the team's repositories. */
  prTarget: number;
}

/**
 * Everything one team's simulation shares. Every random draw goes through `rng`, in a
 * fixed order: the same seed must give the same world byte for byte, so a step that
 * moves a draw changes every world generated after it.
 */
export interface TeamSimulation {
  readonly rng: Random;
  readonly spec: WorldSpec;
  readonly team: TeamProfile;
  readonly counters: Counters;
  readonly repos: RepoState[];
  /** The team's members who are people (they plan, code, review and get paged). */
  readonly humans: Person[];
  readonly outsiders: Person[];
  /** What the simulation builds: the collections are filled as it goes. */
  readonly result: TeamResult;
}

export function newTeamSimulation(
  rng: Random,
  spec: WorldSpec,
  counters: Counters,
  assignment: TeamAssignment,
  repos: RepoState[],
): TeamSimulation {
  const result: TeamResult = {
    repos: repos.map((r) => r.world),
    prs: new Map(repos.map((r) => [r.plan.name, r.prs])),
    issues: [],
    sprints: [],
    deployments: [],
    failedAttempts: [],
  };
  return {
    rng,
    spec,
    team: assignment.team,
    counters,
    repos,
    humans: assignment.members.filter((m) => !m.bot),
    outsiders: assignment.outsiders,
    result,
  };
}

/** A repository for the next piece of work, busier repositories more often. */
export function pickRepo(sim: TeamSimulation): RepoState {
  return sim.rng.weighted(sim.repos.map((r) => [r, r.plan.weight] as const));
}
