/**
 * The synthetic organisation: one timeline of everything that happened in a GitHub
 * organisation and its Jira site, with the ground truth of what each event means.
 * Times are epoch milliseconds. The simulators show the world as it stood at a
 * chosen "now", so a sync at one moment and a later incremental sync can be tested
 * against a single sync at the later moment.
 */

export type DeploySource = 'deployments' | 'releases' | 'workflow' | 'merges';
export type MergeStyle = 'squash' | 'merge';

/**
 * How a team runs its sprints (team/sprint-styles.ts). Steady: a settled load, work started
 * evenly while it can still finish. Bursty: what it takes on swings from sprint to sprint, work
 * starts in two or three pushes and is moved to Done in batches. Scope-adding: unplanned work keeps
 * coming in until the sprint ends.
 */
export type SprintStyle = 'steady' | 'bursty' | 'scope_adding';

export interface WorldSpec {
  seed: string | number;
  org: string;
  /** First and last instant of the generated history. */
  start: number;
  end: number;
  repos: number;
  /** Pull requests to generate across all repos (the count lands within a few percent). */
  prs: number;
  /** Share of PRs whose data is malformed on purpose (0 in most tests). */
  malformedShare?: number;
  /** Share of PRs that carry Jira work (default 0.72); the rest are chores and dependency bumps. */
  linkedShare?: number;
  /**
   * Share of failures put right by a rollback, revert or hotfix that also open an incident on
   * the same deployment (0 unless a test asks: it changes the world drawn from a seed).
   */
  incidentAlsoShare?: number;
  /**
   * Sprint behaviour by team, in the order teams are planned (team i gets entry i modulo the
   * length), so a sprint forecast can be backtested against teams that differ. Unset, every
   * team runs its sprints as the default worlds do.
   */
  sprintStyles?: SprintStyle[];
  /**
   * One known cause of a change in delivery metrics, from an instant on, so that an explanation
   * of why a metric moved can be scored against it (injected-causes.ts). Unset, nothing changes.
   */
  injectedCause?: InjectedCause;
}

/**
 * A change in how the organisation works, from `from` (within the world) on. Repositories and
 * teams are named as the organisation has them (planOrganisation); the generator refuses a name
 * it does not have. Bots' pull requests and urgent fixes (hotfixes, reverts) are left as they were.
 */
export type InjectedCause =
  /** The repository's review stage (first review → merge) takes about four times as long. */
  | { kind: 'slow_review'; repo: string; from: number }
  /** The team's pull requests are about four times larger, and coding and review take 2.5 times as long. */
  | { kind: 'large_prs'; team: string; from: number }
  /**
   * The repository deploys once every three to five working days, so merged work waits. Not a
   * repository that deploys by merging: it has no pipeline.
   */
  | { kind: 'stalled_pipeline'; repo: string; from: number }
  /**
   * The team, and its repositories, start work at `from` (no pull requests before), at their usual
   * pace (so the organisation opens fewer than `prs`), coding and reviewing three times as slowly
   * as its profile says.
   */
  | { kind: 'new_team'; team: string; from: number };

export interface Person {
  login: string;
  name: string;
  team: string | null;
  bot: boolean;
  /** Jira account id (people only). */
  accountId: string | null;
}

export interface TeamProfile {
  name: string;
  projectKey: string;
  boardId: number;
  /** Production deployments per working day when there is something to ship. */
  deploysPerDay: number;
  /** Share of successful production deployments that turn out bad. */
  failRate: number;
  codingMedianH: number;
  pickupMedianH: number;
  reviewMedianH: number;
  prSizeMedian: number;
  sprintDays: number;
  /** Only when the spec gives teams sprint styles. */
  sprintStyle?: SprintStyle;
}

export interface RepoWorld {
  id: string;
  databaseId: number;
  name: string;
  team: string;
  createdAt: number;
  defaultBranch: string;
  source: DeploySource;
  mergeStyle: MergeStyle;
  /** Name of the deploy workflow (source `workflow`). */
  deployWorkflow: string | null;
  productionEnvironment: string;
  pullRequests: PullRequestW[];
  /** The default branch's first-parent history, oldest first: index = position. */
  mainline: CommitW[];
  /** Commits reachable from the default branch but not first-parent (merge-style repos). */
  sideCommits: CommitW[];
  deployments: DeploymentW[];
  releases: ReleaseW[];
  workflowRuns: WorkflowRunW[];
}

export interface CommitW {
  oid: string;
  authoredAt: number;
  committedAt: number;
  author: string | null;
  message: string;
  parents: string[];
  /** The PR this commit merged, for mainline commits. */
  prNumber: number | null;
  /** For branch commits of merge-style repos: when the branch merged into the default branch. */
  mergedAt?: number;
}

export interface ReviewW {
  id: string;
  databaseId: number;
  author: string | null;
  state: 'COMMENTED' | 'CHANGES_REQUESTED' | 'APPROVED' | 'DISMISSED';
  submittedAt: number;
  body: string;
  comments: number;
}

export type PrKind = 'feature' | 'fix' | 'chore' | 'bot' | 'revert' | 'hotfix' | 'incident-fix';

export interface PullRequestW {
  id: string;
  databaseId: number;
  number: number;
  repo: string;
  kind: PrKind;
  title: string;
  body: string;
  author: string | null;
  headRef: string;
  baseRef: string;
  createdAt: number;
  /** When it left draft; null when it was never a draft. */
  readyAt: number | null;
  closedAt: number | null;
  mergedAt: number | null;
  mergedBy: string | null;
  mergeCommitOid: string | null;
  headOid: string;
  /** Where the branch was cut from (a mainline commit); '' when unknown. */
  baseOid: string;
  additions: number;
  deletions: number;
  changedFiles: number;
  labels: string[];
  commits: { oid: string; authoredAt: number; committedAt: number; author: string | null; message: string }[];
  reviews: ReviewW[];
  /** Jira keys this PR names (title, branch or body). */
  issueKeys: string[];
  revertsNumber: number | null;
  /** Set on the few records served broken on purpose, saying how. */
  malformed: null | 'bad-date' | 'missing-number' | 'odd-unicode';
}

export interface DeploymentStatusW {
  id: string;
  databaseId: number;
  state: 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';
  createdAt: number;
}

export interface DeploymentW {
  id: string;
  databaseId: number;
  repo: string;
  environment: string;
  sha: string;
  ref: string;
  task: string;
  createdAt: number;
  creator: string;
  statuses: DeploymentStatusW[];
}

export interface ReleaseW {
  id: string;
  databaseId: number;
  tagName: string;
  name: string;
  sha: string;
  createdAt: number;
  publishedAt: number | null;
  isDraft: boolean;
  isPrerelease: boolean;
  author: string;
}

export interface WorkflowRunW {
  id: number;
  workflowId: number;
  name: string;
  path: string;
  headBranch: string;
  headSha: string;
  event: 'push' | 'pull_request' | 'workflow_dispatch';
  createdAt: number;
  startedAt: number;
  updatedAt: number;
  conclusion: 'success' | 'failure' | 'cancelled';
  runNumber: number;
  actor: string;
}

// ---------- Jira ----------

export type IssueType = 'Story' | 'Bug' | 'Task' | 'Epic' | 'Incident';

export interface SprintW {
  id: number;
  boardId: number;
  name: string;
  goal: string;
  createdAt: number;
  startAt: number;
  endAt: number;
  /** When the sprint was completed; null while active or future at "now". */
  completeAt: number;
}

export interface IssueW {
  id: string;
  key: string;
  project: string;
  type: IssueType;
  summary: string;
  createdAt: number;
  reporter: string;
  assignee: string | null;
  labels: string[];
  epicKey: string | null;
  /** Status changes in time order; the first is the creation status. */
  statuses: { at: number; status: string; author: string }[];
  /** Sprint membership changes: the set of sprint ids after each change. */
  sprints: { at: number; sprintIds: number[]; author: string }[];
  /** Story-point changes: the first is the initial estimate (may be null). */
  points: { at: number; value: number | null; author: string }[];
  /** Flagged (impediment) intervals. */
  flagged: { from: number; to: number | null }[];
  /** For incidents: the deployment it was opened against. */
  incident: { deploymentId: string | null; startedAt: number; resolvedAt: number | null } | null;
  malformed: null | 'missing-status' | 'odd-unicode';
}

export interface JiraWorld {
  projects: { key: string; id: string; name: string; team: string; boardId: number; leadAccountId: string }[];
  boards: { id: number; name: string; projectKey: string; type: 'scrum' }[];
  sprints: SprintW[];
  issues: IssueW[];
}

// ---------- Ground truth ----------

export type RemediationKind = 'rollback' | 'revert' | 'hotfix' | 'incident';

/** What the generator decided about one production deployment (or release, run, merge). */
export interface DeploymentTruth {
  repo: string;
  /** Deployment node id, release id, workflow run id or merge commit oid, by the repo's source. */
  key: string;
  source: DeploySource;
  finishedAt: number;
  sha: string;
  baseline: boolean;
  /** PR numbers (of this repo) this deployment shipped. */
  ships: number[];
  /** Set when this deployment is an unplanned fix: it restores service after a failure. */
  reworkOf: RemediationKind | null;
  failure: null | {
    kind: RemediationKind;
    /** When the failure became known (rollback deployed, revert merged, hotfix opened, incident opened). */
    signalAt: number;
    /** When service was restored, or null if never (incident still open). */
    restoredAt: number | null;
    /**
     * With more than one kind of evidence: when each was put right (null until then). Service
     * is restored when the last of them is.
     */
    restores?: Partial<Record<RemediationKind, number | null>>;
    /** True when the signal came within the attribution window (the deployment counts as failed). */
    withinWindow: boolean;
  };
}

export interface SprintTruth {
  sprintId: number;
  committed: string[];
  committedPoints: number;
  added: string[];
  removed: string[];
  completed: string[];
  completedPoints: number;
  carriedOver: string[];
  /**
   * The burndown: at the end of each day of the sprint (or when it closed, if sooner), the
   * points of the issues in it (scope) and of those of them not done (remaining).
   */
  burndown: { at: number; scopePoints: number; remainingPoints: number }[];
}

export interface GroundTruth {
  attributionWindowMs: number;
  deployments: DeploymentTruth[];
  /** Deployment attempts whose statuses ended in failure or error, and when. */
  failedAttempts: { repo: string; deploymentId: string; at: number }[];
  sprints: SprintTruth[];
}

export interface World {
  spec: WorldSpec;
  org: { login: string; name: string; databaseId: number; id: string };
  people: Person[];
  teams: TeamProfile[];
  repos: RepoWorld[];
  jira: JiraWorld;
  truth: GroundTruth;
}
