import { createHash } from 'node:crypto';
import { after, DAY, HOUR, MINUTE, addWorkingTime, nextMonday, toWorkingTime } from './calendar.js';
import { EventQueue } from './heap.js';
import type { RepoPlan } from './profiles.js';
import type { Random } from './random.js';
import type {
  CommitW,
  DeploymentTruth,
  DeploymentW,
  IssueType,
  IssueW,
  Person,
  PrKind,
  PullRequestW,
  RemediationKind,
  RepoWorld,
  ReviewW,
  SprintW,
  TeamProfile,
  WorldSpec,
} from './types.js';

/**
 * One team's history: its sprints and Jira issues, the pull requests that carry the
 * work, and its deployments — including the bad ones and how each was put right.
 * Teams are simulated independently, so a large organisation can be generated one
 * team at a time.
 *
 * Objects refer to each other while simulating (a PR to its issue, a revert to the
 * PR it reverts); numbers, keys and the text that quotes them are written at the end,
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

interface RepoState {
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
  deployments: (Omit<DeploymentTruth, 'ships'> & { shipsDraft: DraftPr[] })[];
  failedAttempts: { repo: string; deploymentId: string; at: number }[];
}

export interface Counters {
  sprint: number;
  deployment: number;
  status: number;
  review: number;
  release: number;
  run: number;
  oid: (rng: Random) => string;
}

const TOPICS = [
  'checkout retries',
  'refund webhook',
  'rate limiter',
  'session cache',
  'invoice export',
  'audit log',
  'search filters',
  'onboarding flow',
  'push notifications',
  'currency rounding',
  'feature flags',
  'health checks',
  'dark mode',
  'CSV import',
  'SSO login',
  'pagination',
  'metrics endpoint',
  'retry budget',
  'email templates',
  'timezone handling',
];
const DEPENDENCIES = [
  'lodash',
  'express',
  'react',
  'axios',
  'pg',
  'jest',
  'zod',
  'typescript',
  'eslint',
  'webpack',
];

export function simulateTeam(
  rng: Random,
  spec: WorldSpec,
  team: TeamProfile,
  plans: RepoPlan[],
  members: Person[],
  outsiders: Person[],
  prTarget: number,
  counters: Counters,
): TeamResult {
  const period = spec.end - spec.start;
  const repos: RepoState[] = plans.map((plan, i) => newRepo(rng, spec, plan, i, counters));
  const issues: DraftIssue[] = [];
  const result: TeamResult = {
    repos: repos.map((r) => r.world),
    prs: new Map(repos.map((r) => [r.plan.name, r.prs])),
    issues,
    sprints: [],
    deployments: [],
    failedAttempts: [],
  };
  const humans = members.filter((m) => !m.bot);
  const pickRepo = (): RepoState => rng.weighted(repos.map((r) => [r, r.plan.weight] as const));
  const reviewerFor = (author: string | null): Person => {
    const pool = rng.chance(0.85) ? humans : outsiders.length ? outsiders : humans;
    const candidates = pool.filter((p) => p.login !== author);
    return rng.pick(candidates.length ? candidates : humans);
  };

  // ---------------- code review: one pull request's life ----------------
  function pullRequest(o: {
    repo: RepoState;
    kind: PrKind;
    author: Person | null;
    start: number;
    issue: DraftIssue | null;
    topic: string;
    branchStyle: DraftPr['branchStyle'];
    fast?: boolean;
    reviewRounds?: number;
    abandon?: boolean;
    labels?: string[];
  }): DraftPr {
    const authorLogin = o.author ? o.author.login : null;
    const speed = o.fast ? 0.15 : 1;
    const firstCommitAt = after(o.start, rng.int(5, 90) * MINUTE);
    const codingMs = rng.lognormal(team.codingMedianH * HOUR * speed, 0.9);
    const draft = !o.fast && o.kind !== 'bot' && rng.chance(0.22);
    let createdAt: number;
    let readyAt: number | null = null;
    if (o.kind === 'bot') {
      createdAt = o.start;
    } else if (draft) {
      createdAt = after(firstCommitAt, codingMs * 0.35);
      readyAt = after(firstCommitAt, codingMs);
    } else {
      createdAt = after(firstCommitAt, codingMs);
    }
    const readyForReview = readyAt ?? createdAt;
    const commits: DraftPr['commits'] = [];
    const addCommit = (at: number) =>
      commits.push({
        oid: counters.oid(rng),
        authoredAt: at,
        committedAt: at + rng.int(0, 3) * MINUTE,
        author: authorLogin,
        message: '',
      });
    if (o.kind === 'bot') addCommit(createdAt - MINUTE);
    else {
      addCommit(firstCommitAt);
      const more = rng.poisson(o.fast ? 0.3 : 1.6);
      for (let i = 0; i < more; i++)
        addCommit(toWorkingTime(firstCommitAt + (readyForReview - firstCommitAt) * ((i + 1) / (more + 1))));
    }
    const reviews: ReviewW[] = [];
    const review = (author: Person | null, state: ReviewW['state'], at: number, comments: number) =>
      reviews.push({
        id: '',
        databaseId: counters.review++,
        author: author ? author.login : null,
        state,
        submittedAt: at,
        body:
          state === 'APPROVED'
            ? rng.chance(0.5)
              ? 'LGTM'
              : ''
            : state === 'CHANGES_REQUESTED'
              ? 'A few things to fix first.'
              : 'Some thoughts inline.',
        comments,
      });
    let mergedAt: number | null = null;
    let closedAt: number | null = null;
    let mergedBy: string | null = null;
    // Bots comment within minutes; their reviews must never count as a pickup.
    if (o.kind !== 'bot' && rng.chance(0.2))
      review(
        { login: 'github-actions[bot]', name: '', team: null, bot: true, accountId: null },
        'COMMENTED',
        readyForReview + rng.int(2, 9) * MINUTE,
        1,
      );
    // Authors sometimes annotate their own PR; that is not a pickup either.
    if (authorLogin && rng.chance(0.1))
      review(o.author, 'COMMENTED', readyForReview + rng.int(5, 40) * MINUTE, rng.int(1, 3));
    const unreviewed = !o.fast && o.kind !== 'bot' && rng.chance(0.05);
    if (o.abandon) {
      closedAt = after(readyForReview, rng.lognormal(3 * DAY, 0.6));
    } else if (unreviewed) {
      mergedAt = after(readyForReview, rng.lognormal(1.5 * HOUR, 0.6));
    } else {
      const reviewer = reviewerFor(authorLogin);
      let t = after(readyForReview, rng.lognormal(team.pickupMedianH * HOUR * speed, 0.9));
      const rounds =
        o.reviewRounds ??
        (o.fast
          ? 0
          : rng.weighted([
              [0, 55],
              [1, 30],
              [2, 12],
              [3, 3],
            ] as const));
      for (let r = 0; r < rounds; r++) {
        review(reviewer, 'CHANGES_REQUESTED', t, rng.int(1, 6));
        const fixAt = after(t, rng.lognormal(3 * HOUR, 0.7));
        addCommit(fixAt);
        if (rng.chance(0.3)) addCommit(after(fixAt, rng.int(10, 90) * MINUTE));
        t = after(fixAt, rng.lognormal(team.pickupMedianH * 0.5 * HOUR, 0.8));
      }
      if (rng.chance(0.3))
        review(reviewerFor(authorLogin), 'COMMENTED', t - rng.int(10, 120) * MINUTE, rng.int(1, 4));
      t = after(t, rng.lognormal(team.reviewMedianH * HOUR * speed * 0.3, 0.7));
      review(reviewer, 'APPROVED', t, 0);
      mergedAt = after(t, rng.lognormal(0.7 * HOUR * speed, 0.6));
      mergedBy = rng.chance(0.8) ? (authorLogin ?? reviewer.login) : reviewer.login;
    }
    if (mergedAt !== null) {
      closedAt = mergedAt;
      mergedBy ??= authorLogin ?? humans[0]!.login;
    }
    reviews.sort((a, b) => a.submittedAt - b.submittedAt);
    commits.sort((a, b) => a.authoredAt - b.authoredAt);
    const size = rng.lognormal(team.prSizeMedian * (o.kind === 'bot' ? 0.2 : o.fast ? 0.3 : 1), 1);
    const pr: DraftPr = {
      repo: o.repo.plan.name,
      kind: o.kind,
      author: authorLogin,
      baseRef: 'main',
      createdAt,
      readyAt,
      closedAt,
      mergedAt,
      mergedBy,
      mergeCommitOid: null,
      headOid: commits[commits.length - 1]!.oid,
      baseOid: '',
      additions: Math.max(1, Math.round(size * 0.7)),
      deletions: Math.round(size * 0.3),
      changedFiles: Math.max(1, Math.round(1 + rng.lognormal(size / 45, 0.6))),
      labels: o.labels ?? [],
      commits,
      reviews,
      malformed: null,
      issue: o.issue,
      reverts: null,
      topic: o.topic,
      branchStyle: o.branchStyle,
    };
    o.repo.prs.push(pr);
    return pr;
  }

  // ---------------- Jira: sprints and the work in them ----------------
  const sprintMs = team.sprintDays * DAY;
  const sprints: SprintW[] = [];
  for (let s = nextMonday(spec.start); ; s += sprintMs) {
    const sprint: SprintW = {
      id: counters.sprint++,
      boardId: team.boardId,
      name: `${team.projectKey} Sprint ${sprints.length + 1}`,
      goal: `Ship ${rng.pick(TOPICS)}`,
      createdAt: s - 7 * DAY,
      startAt: s,
      endAt: s + sprintMs - 3 * DAY + 8 * HOUR, // Friday 17:00 of the second week
      completeAt: s + sprintMs - 3 * DAY + 8 * HOUR + rng.int(0, 90) * MINUTE,
    };
    sprints.push(sprint);
    if (s > spec.end) break; // one future sprint past "now"
  }
  result.sprints = sprints;

  const reporterOf = () => rng.pick(humans).login;
  const epics: DraftIssue[] = [];
  for (let e = 0; e < 3; e++) {
    const at = spec.start - rng.int(5, 30) * DAY;
    epics.push(
      newIssue({
        type: 'Epic',
        createdAt: at,
        summary: `${capital(rng.pick(TOPICS))} overhaul`,
        reporter: reporterOf(),
        assignee: null,
        points: null,
      }),
    );
    epics[e]!.statuses.push({ at: at + 2 * DAY, status: 'In Progress', author: epics[e]!.reporter });
  }

  function newIssue(o: {
    type: IssueType;
    createdAt: number;
    summary: string;
    reporter: string;
    assignee: string | null;
    points: number | null;
  }): DraftIssue {
    const issue: DraftIssue = {
      project: team.projectKey,
      type: o.type,
      summary: o.summary,
      createdAt: o.createdAt,
      reporter: o.reporter,
      assignee: o.assignee,
      labels: [],
      epicKey: null,
      statuses: [{ at: o.createdAt, status: 'To Do', author: o.reporter }],
      sprints: [],
      points:
        o.type === 'Epic' || o.type === 'Incident'
          ? []
          : [{ at: o.createdAt, value: o.points, author: o.reporter }],
      flagged: [],
      incident: null,
      malformed: null,
    };
    issues.push(issue);
    return issue;
  }

  const sprintsOf = (i: DraftIssue) => i.sprints[i.sprints.length - 1]?.sprintIds ?? [];
  const setSprints = (i: DraftIssue, at: number, ids: number[], author: string) =>
    i.sprints.push({ at, sprintIds: ids, author });
  const statusOf = (i: DraftIssue, at = Infinity) => {
    let s = i.statuses[0]!.status;
    for (const c of i.statuses) if (c.at <= at) s = c.status;
    return s;
  };
  const doneAt = (i: DraftIssue): number | null => {
    const last = i.statuses[i.statuses.length - 1]!;
    return last.status === 'Done' ? last.at : null;
  };

  /** Works an issue from `start`: status changes and, for code work, a pull request. */
  function work(issue: DraftIssue, start: number): void {
    const who = humans.find((h) => h.login === issue.assignee) ?? rng.pick(humans);
    issue.assignee = who.login;
    let t = toWorkingTime(start);
    issue.statuses.push({ at: t, status: 'In Progress', author: who.login });
    if (rng.chance(0.08)) {
      const blockedAt = after(t, rng.lognormal(6 * HOUR, 0.6));
      const unblockedAt = after(blockedAt, rng.lognormal(20 * HOUR, 0.6));
      issue.statuses.push({ at: blockedAt, status: 'Blocked', author: who.login });
      issue.statuses.push({ at: unblockedAt, status: 'In Progress', author: who.login });
      issue.flagged.push({ from: blockedAt, to: unblockedAt });
      t = unblockedAt;
    } else if (rng.chance(0.04)) {
      const from = after(t, rng.lognormal(4 * HOUR, 0.6));
      issue.flagged.push({ from, to: after(from, rng.lognormal(12 * HOUR, 0.6)) });
    }
    if (issue.type === 'Task' && rng.chance(0.15)) {
      issue.statuses.push({ at: after(t, rng.lognormal(14 * HOUR, 0.7)), status: 'Done', author: who.login });
      return;
    }
    const repo = pickRepo();
    const pr = pullRequest({
      repo,
      kind: issue.type === 'Bug' ? 'fix' : 'feature',
      author: who,
      start: t,
      issue,
      topic: issue.summary,
      branchStyle: issue.type === 'Bug' ? 'fix' : 'feature',
    });
    issue.statuses.push({ at: pr.readyAt ?? pr.createdAt, status: 'In Review', author: who.login });
    if (pr.mergedAt !== null)
      issue.statuses.push({ at: pr.mergedAt + rng.int(1, 10) * MINUTE, status: 'Done', author: who.login });
  }

  // How much work a sprint holds, so the PR count lands near the target.
  const sprintCount = Math.max(1, period / sprintMs);
  const itemsPerSprint = Math.max(2, (prTarget * (spec.linkedShare ?? 0.72)) / 0.92 / sprintCount);
  let backlog: DraftIssue[] = [];
  const newBacklogItem = (before: number) => {
    const type = rng.weighted([
      ['Story', 60],
      ['Bug', 20],
      ['Task', 20],
    ] as const);
    const topic = rng.pick(TOPICS);
    const issue = newIssue({
      type,
      createdAt: toWorkingTime(before - rng.int(1, 25) * DAY),
      summary:
        type === 'Bug'
          ? `${capital(topic)} fails for some users`
          : type === 'Task'
            ? `Tidy up ${topic}`
            : `Improve ${topic}`,
      reporter: reporterOf(),
      assignee: null,
      points: rng.chance(0.06)
        ? null
        : rng.weighted([
            [1, 15],
            [2, 25],
            [3, 30],
            [5, 20],
            [8, 10],
          ] as const),
    });
    if (type === 'Story' && rng.chance(0.6)) issue.epicKey = '@' + epics.indexOf(rng.pick(epics));
    return issue;
  };

  let carry: DraftIssue[] = [];
  sprints.forEach((sprint, si) => {
    if (sprint.startAt > spec.end) return; // the future sprint is planned empty
    const planner = rng.pick(humans).login;
    const committed: DraftIssue[] = [...carry];
    // Jira moves unfinished issues when the previous sprint is completed.
    for (const c of carry) setSprints(c, sprints[si - 1]!.completeAt, [...sprintsOf(c), sprint.id], planner);
    const want = Math.round(itemsPerSprint * 0.85 * (0.8 + rng.next() * 0.4));
    while (committed.length < want) {
      const item = backlog.shift() ?? newBacklogItem(sprint.startAt);
      // Planned hours before the start, but never before the issue existed.
      const plannedAt = sprint.startAt - rng.int(1, 48) * HOUR;
      const earliest = Math.min(item.createdAt + 30 * MINUTE, sprint.startAt - MINUTE);
      setSprints(item, Math.max(plannedAt, earliest), [...sprintsOf(item), sprint.id], planner);
      committed.push(item);
    }
    const fresh = committed.filter((c) => !carry.includes(c));
    // Some planned work is dropped mid-sprint and goes back to the backlog.
    const removed = new Set<DraftIssue>();
    for (const item of fresh) {
      if (removed.size < 2 && rng.chance(0.06)) {
        removed.add(item);
        const at = after(sprint.startAt, rng.int(1, 6) * DAY);
        setSprints(
          item,
          at,
          sprintsOf(item).filter((id) => id !== sprint.id),
          planner,
        );
        backlog.push(item);
      }
    }
    // Re-estimates after the sprint started.
    for (const item of fresh) {
      if (removed.has(item) || item.points.length === 0 || !rng.chance(0.1)) continue;
      const from = item.points[item.points.length - 1]!.value ?? 3;
      item.points.push({
        at: after(sprint.startAt, rng.int(1, 5) * DAY),
        value: rng.pick([1, 2, 3, 5, 8, 13].filter((v) => v !== from)),
        author: item.assignee ?? planner,
      });
    }
    for (const item of fresh)
      if (!removed.has(item)) work(item, sprint.startAt + rng.next() * 0.8 * (sprint.endAt - sprint.startAt));
    // Unplanned work added after the start: mostly bugs.
    const added = rng.poisson(itemsPerSprint * 0.15);
    for (let a = 0; a < added; a++) {
      const at = after(sprint.startAt, rng.next() * 8 * DAY);
      const bug = rng.chance(0.7);
      const topic = rng.pick(TOPICS);
      const item = newIssue({
        type: bug ? 'Bug' : 'Task',
        createdAt: at - rng.int(10, 300) * MINUTE,
        summary: bug ? `${capital(topic)} returns an error` : `Investigate ${topic}`,
        reporter: reporterOf(),
        assignee: null,
        points: rng.weighted([
          [1, 40],
          [2, 35],
          [3, 25],
        ] as const),
      });
      setSprints(item, at, [sprint.id], planner);
      work(item, after(at, rng.int(1, 20) * HOUR));
    }
    // Re-opened after done, while the sprint still runs.
    for (const item of issues) {
      const d = doneAt(item);
      if (d === null || !sprintsOf(item).includes(sprint.id) || item.type === 'Incident') continue;
      if (d < sprint.startAt || d > sprint.endAt - 3 * DAY || !rng.chance(0.04)) continue;
      const reopenAt = after(d, rng.lognormal(20 * HOUR, 0.5));
      work(item, reopenAt);
    }
    // At completion, unfinished work moves on to the next sprint.
    const next = sprints[si + 1];
    carry = [];
    if (next && sprint.completeAt <= spec.end) {
      for (const item of issues) {
        if (!sprintsOf(item).includes(sprint.id) || removed.has(item)) continue;
        const status = statusOf(item, sprint.completeAt);
        if (status !== 'Done') carry.push(item);
      }
    }
    backlog = backlog.filter((b) => !carry.includes(b));
  });

  // ---------------- unlinked work: chores, dependency bumps, stray titles ----------------
  const linked = repos.reduce((n, r) => n + r.prs.length, 0);
  const filler = Math.max(0, prTarget - linked);
  for (let i = 0; i < filler; i++) {
    const repo = pickRepo();
    const at = toWorkingTime(spec.start + rng.next() * period);
    if (rng.chance(0.3)) {
      const dep = rng.pick(DEPENDENCIES);
      const bot = rng.pick(['dependabot[bot]', 'renovate[bot]']);
      pullRequest({
        repo,
        kind: 'bot',
        author: { login: bot, name: bot, team: null, bot: true, accountId: null },
        start: at,
        issue: null,
        topic: dep,
        branchStyle: 'bot',
        labels: ['dependencies'],
        abandon: rng.chance(0.15),
      });
    } else {
      pullRequest({
        repo,
        kind: 'chore',
        author: rng.chance(0.02) ? null : rng.pick(humans),
        start: at,
        issue: null,
        topic: rng.chance(0.1) ? 'UTF-8 filenames' : rng.pick(TOPICS),
        branchStyle: rng.chance(0.5) ? 'chore' : 'plain',
        abandon: rng.chance(0.04),
      });
    }
  }

  deliver();
  return result;

  // ---------------- delivery: merges, deployments, failures, recovery ----------------
  function deliver(): void {
    type Ev =
      | { kind: 'merge'; repo: RepoState; pr: DraftPr }
      | { kind: 'tick'; repo: RepoState }
      | { kind: 'push'; repo: RepoState }
      | { kind: 'rollback'; repo: RepoState; bad: TruthDraft; toPosition: number }
      | {
          kind: 'fix-deploy';
          repo: RepoState;
          bad: TruthDraft;
          as: RemediationKind;
          resolveIncident?: DraftIssue;
        }
      | { kind: 'branch-deploy'; repo: RepoState; bad: TruthDraft; pr: DraftPr };
    const q = new EventQueue<Ev>();
    let frozenUntil = -Infinity;
    const teamHasMergeSource = repos.some((r) => r.plan.source === 'merges');
    const mergeQueued = new Set<DraftPr>();
    const queueMerge = (repo: RepoState, pr: DraftPr) => {
      if (pr.mergedAt !== null && pr.mergedAt <= spec.end && !mergeQueued.has(pr)) {
        mergeQueued.add(pr);
        q.push(pr.mergedAt, { kind: 'merge', repo, pr });
      }
    };
    for (const repo of repos) {
      for (const pr of repo.prs) queueMerge(repo, pr);
      if (repo.plan.source !== 'merges')
        q.push(nextTick(repo, spec.start + rng.next() * DAY), { kind: 'tick', repo });
      if (repo.plan.source === 'deployments')
        q.push(toWorkingTime(spec.start + rng.exponential(10 * DAY)), { kind: 'push', repo });
    }

    function nextTick(repo: RepoState, from: number): number {
      return addWorkingTime(from, rng.exponential((11 * HOUR) / team.deploysPerDay));
    }

    for (let ev = q.pop(); ev && ev.at <= spec.end; ev = q.pop()) {
      const { at, value: e } = ev;
      switch (e.kind) {
        case 'merge': {
          mainlineMerge(e.repo, e.pr);
          if (e.repo.plan.source === 'merges') {
            const d = record(
              e.repo,
              e.pr.mergeCommitOid!,
              at,
              e.repo.world.mainline.length - 1,
              e.pr.kind === 'revert' ? 'revert' : null,
            );
            if (
              !d.baseline &&
              d.reworkOf === null &&
              e.pr.kind !== 'bot' &&
              rng.chance(team.failRate) &&
              at < spec.end - 4 * DAY
            ) {
              const target = d.shipsDraft.find((p) => p.kind !== 'revert' && p.kind !== 'hotfix');
              if (target) {
                const revert = revertPr(e.repo, target, at);
                d.failure = {
                  kind: 'revert',
                  signalAt: revert.mergedAt!,
                  restoredAt: revert.mergedAt!,
                  withinWindow: true,
                };
                queueMerge(e.repo, revert);
              }
            }
          }
          break;
        }
        case 'push': {
          const head = e.repo.world.mainline[e.repo.world.mainline.length - 1]!;
          e.repo.world.mainline.push({
            oid: counters.oid(rng),
            authoredAt: at,
            committedAt: at,
            author: 'github-actions[bot]',
            message: 'chore(release): bump version',
            parents: [head.oid],
            prNumber: null,
          });
          e.repo.prAt.push(null);
          q.push(toWorkingTime(at + rng.exponential(12 * DAY)), { kind: 'push', repo: e.repo });
          break;
        }
        case 'tick': {
          const repo = e.repo;
          const wait = Math.max(repo.blockedUntil, frozenUntil);
          if (wait > at) {
            // Frozen until an open incident is resolved: look again tomorrow.
            q.push(Number.isFinite(wait) ? nextTick(repo, wait) : at + DAY, { kind: 'tick', repo });
            break;
          }
          const head = repo.world.mainline.length - 1;
          if (head > repo.maxDeployed) {
            const d = deploy(repo, head, at, null);
            if (d && !d.baseline && rng.chance(team.failRate) && at < spec.end - 4 * DAY) fail(repo, d, at);
          }
          q.push(nextTick(repo, at), { kind: 'tick', repo });
          break;
        }
        case 'rollback': {
          const d = deploy(e.repo, e.toPosition, at, 'rollback');
          const f = e.bad.failure;
          if (d && f?.restores) {
            f.signalAt = Math.min(f.signalAt, d.finishedAt);
            restore(f, 'rollback', d.finishedAt);
          } else if (d)
            e.bad.failure = {
              kind: 'rollback',
              signalAt: d.finishedAt,
              restoredAt: d.finishedAt,
              withinWindow: true,
            };
          break;
        }
        case 'fix-deploy': {
          const d = deploy(e.repo, e.repo.world.mainline.length - 1, at, e.as);
          if (d && e.bad.failure) {
            const resolved = e.resolveIncident
              ? resolveIncident(e.resolveIncident, d.finishedAt)
              : d.finishedAt;
            restore(e.bad.failure, e.as, Math.max(d.finishedAt, resolved));
            if (e.resolveIncident) frozenUntil = resolved;
          }
          break;
        }
        case 'branch-deploy': {
          const d = deploy(e.repo, -1, at, 'hotfix', e.pr);
          if (d && e.bad.failure) restore(e.bad.failure, 'hotfix', d.finishedAt);
          break;
        }
      }
    }

    function fail(repo: RepoState, bad: TruthDraft, at: number): void {
      const shipped = bad.shipsDraft.filter((p) => p.kind !== 'revert' && p.kind !== 'hotfix');
      const previous = repo.deployedPositions[repo.deployedPositions.length - 2];
      const othersBusy = repos.some((r) => r !== repo && r.blockedUntil > at);
      const kinds: [RemediationKind, number][] = [];
      const current = repo.deployedPositions[repo.deployedPositions.length - 1]!;
      if (repo.plan.source === 'deployments' && previous !== undefined && previous < current)
        kinds.push(['rollback', 30]);
      if (shipped.length) kinds.push(['revert', 25]);
      kinds.push(['hotfix', 25]);
      if (!othersBusy && !teamHasMergeSource && frozenUntil < at) kinds.push(['incident', 20]);
      const kind = rng.weighted(kinds);
      const author = rng.pick(humans);
      if (kind === 'rollback') {
        const when = after(bad.finishedAt, rng.lognormal(40 * MINUTE, 0.5));
        repo.blockedUntil = when + 2 * HOUR;
        bad.failure = { kind, signalAt: when, restoredAt: when, withinWindow: true };
        q.push(when, { kind: 'rollback', repo, bad, toPosition: previous! });
      } else if (kind === 'revert') {
        const revert = revertPr(repo, rng.pick(shipped), bad.finishedAt);
        queueMerge(repo, revert);
        const deployAt = after(revert.mergedAt!, rng.int(10, 30) * MINUTE);
        repo.blockedUntil = deployAt + HOUR;
        bad.failure = { kind, signalAt: revert.mergedAt!, restoredAt: null, withinWindow: true };
        q.push(deployAt, { kind: 'fix-deploy', repo, bad, as: 'revert' });
      } else if (kind === 'hotfix') {
        const style = rng.weighted([
          ['both', 30],
          ['branch', 40],
          ['label', 30],
        ] as const);
        const hotfix = pullRequest({
          repo,
          kind: 'hotfix',
          author,
          start: after(bad.finishedAt, rng.lognormal(50 * MINUTE, 0.5)),
          issue: null,
          topic: rng.pick(TOPICS),
          branchStyle: style === 'label' ? 'fix' : 'hotfix',
          labels: style === 'branch' ? [] : ['hotfix'],
          fast: true,
          reviewRounds: 0,
        });
        bad.failure = { kind, signalAt: hotfix.createdAt, restoredAt: null, withinWindow: true };
        if (repo.plan.branchHotfixes) {
          // Cut from what production runs, not from main.
          hotfix.baseOid = bad.sha;
          const deployAt = after(hotfix.createdAt, rng.lognormal(35 * MINUTE, 0.4));
          // Merged after it went out from the branch.
          const mergeAt = Math.max(hotfix.mergedAt ?? 0, after(deployAt, rng.lognormal(2 * HOUR, 0.5)));
          hotfix.mergedAt = mergeAt;
          hotfix.closedAt = mergeAt;
          hotfix.reviews = hotfix.reviews.filter((r) => r.submittedAt < mergeAt);
          repo.blockedUntil = mergeAt + 30 * MINUTE;
          q.push(deployAt, { kind: 'branch-deploy', repo, bad, pr: hotfix });
        } else {
          const deployAt = after(hotfix.mergedAt!, rng.int(10, 30) * MINUTE);
          repo.blockedUntil = deployAt + HOUR;
          q.push(deployAt, { kind: 'fix-deploy', repo, bad, as: 'hotfix' });
        }
        queueMerge(repo, hotfix);
      }
      if (kind !== 'incident') {
        const share = spec.incidentAlsoShare ?? 0;
        if (share > 0 && !othersBusy && !teamHasMergeSource && frozenUntil < at && rng.chance(share))
          alsoIncident(bad, author);
      } else {
        frozenUntil = Infinity; // until the incident is resolved
        const opened = after(bad.finishedAt, rng.lognormal(90 * MINUTE, 0.6));
        // Pinned, as SQL pins it, on the team's latest deployment before it opened (to the
        // second): another repository's deployment may have finished after the bad one.
        const sec = (t: number) => Math.floor(t / 1000);
        const { incident, hit } = openIncident(
          author,
          opened,
          () =>
            result.deployments.reduce(
              (best, d) =>
                sec(d.finishedAt) <= sec(opened) && sec(d.finishedAt) > sec(best.finishedAt) ? d : best,
              bad,
            ),
          () => after(opened, rng.int(5, 30) * MINUTE),
        );
        hit.failure = { kind, signalAt: opened, restoredAt: null, withinWindow: true };
        if (rng.chance(0.7)) {
          const fix = pullRequest({
            repo,
            kind: 'incident-fix',
            author,
            start: after(opened, rng.lognormal(30 * MINUTE, 0.4)),
            issue: incident,
            topic: incident.summary,
            branchStyle: 'fix',
            fast: true,
            reviewRounds: 0,
          });
          queueMerge(repo, fix);
          const deployAt = after(fix.mergedAt!, rng.int(10, 25) * MINUTE);
          repo.blockedUntil = deployAt + HOUR;
          q.push(deployAt, { kind: 'fix-deploy', repo, bad: hit, as: 'incident', resolveIncident: incident });
        } else {
          const resolved = resolveIncident(incident, after(opened, rng.lognormal(3 * HOUR, 0.6)));
          restore(hit.failure, 'incident', resolved);
          frozenUntil = resolved;
        }
      }
    }

    /**
     * An incident opened a minute after `bad` finished, on top of the evidence `fail` chose,
     * resolved some hours later without a fix of its own: service is restored when the last of
     * them is put right (spec.incidentAlsoShare).
     */
    function alsoIncident(bad: TruthDraft, author: Person): void {
      const failure = bad.failure!;
      const opened = bad.finishedAt + MINUTE;
      const sec = (t: number) => Math.floor(t / 1000);
      // Only where it pins on `bad`, as SQL pins it: no other deployment of the team in between.
      if (
        result.deployments.some(
          (d) => d !== bad && sec(d.finishedAt) <= sec(opened) && sec(d.finishedAt) > sec(bad.finishedAt),
        )
      )
        return;
      const { incident } = openIncident(
        author,
        opened,
        () => bad,
        () => opened + 5 * MINUTE,
      );
      failure.restores = { [failure.kind]: null, incident: null };
      failure.restoredAt = null;
      failure.signalAt = Math.min(failure.signalAt, opened);
      const resolved = resolveIncident(incident, after(opened, rng.lognormal(3 * HOUR, 0.6)));
      restore(failure, 'incident', resolved);
    }

    /** An incident issue opened by `author`, on the deployment `pin` gives, in progress at `inProgress()`. */
    function openIncident(
      author: Person,
      opened: number,
      pin: () => TruthDraft,
      inProgress: () => number,
    ): { incident: DraftIssue; hit: TruthDraft } {
      const incident = newIssue({
        type: 'Incident',
        createdAt: opened,
        summary: `${capital(rng.pick(TOPICS))} degraded in production`,
        reporter: author.login,
        assignee: author.login,
        points: null,
      });
      const hit = pin();
      incident.labels = ['incident'];
      incident.incident = { deploymentId: hit.key, startedAt: opened, resolvedAt: null };
      incident.statuses.push({ at: inProgress(), status: 'In Progress', author: author.login });
      return { incident, hit };
    }

    function resolveIncident(incident: DraftIssue, fixedAt: number): number {
      // Never before the status it leaves (work started the next morning, say).
      const at = Math.max(
        after(fixedAt, rng.lognormal(30 * MINUTE, 0.5)),
        incident.statuses[incident.statuses.length - 1]!.at + MINUTE,
      );
      incident.statuses.push({ at, status: 'Done', author: incident.assignee ?? incident.reporter });
      incident.incident!.resolvedAt = at;
      return at;
    }

    function revertPr(repo: RepoState, target: DraftPr, after_: number): DraftPr {
      const pr = pullRequest({
        repo,
        kind: 'revert',
        author: humans.find((h) => h.login === target.author) ?? rng.pick(humans),
        start: after(after_, rng.lognormal(90 * MINUTE, 0.5)),
        issue: null,
        topic: target.topic,
        branchStyle: 'revert',
        fast: true,
        reviewRounds: 0,
      });
      pr.reverts = target;
      return pr;
    }
  }

  // ---------------- the default branch and what each deployment ships ----------------
  function mainlineMerge(repo: RepoState, pr: DraftPr): void {
    const line = repo.world.mainline;
    const head = line[line.length - 1]!;
    const oid = counters.oid(rng);
    if (repo.plan.mergeStyle === 'merge') {
      pr.commits.forEach((c, i) =>
        repo.world.sideCommits.push({
          ...c,
          parents: [i === 0 ? head.oid : pr.commits[i - 1]!.oid],
          prNumber: null,
          mergedAt: pr.mergedAt!,
        }),
      );
      line.push({
        oid,
        authoredAt: pr.mergedAt!,
        committedAt: pr.mergedAt!,
        author: pr.mergedBy,
        message: '',
        parents: [head.oid, pr.headOid],
        prNumber: null,
      });
    } else {
      line.push({
        oid,
        authoredAt: pr.commits[0]!.authoredAt,
        committedAt: pr.mergedAt!,
        author: pr.author,
        message: '',
        parents: [head.oid],
        prNumber: null,
      });
    }
    pr.mergeCommitOid = oid;
    if (!pr.baseOid) pr.baseOid = head.oid;
    repo.prAt.push(pr);
  }

  type TruthDraft = TeamResult['deployments'][number];

  /** Ships: every PR merged at a position above what production has already held. */
  function record(
    repo: RepoState,
    key: string,
    finishedAt: number,
    position: number,
    reworkOf: RemediationKind | null,
    branchPr?: DraftPr,
  ): TruthDraft {
    const baseline = repo.deployedPositions.length === 0;
    const shipsDraft: DraftPr[] = [];
    if (branchPr) shipsDraft.push(branchPr);
    else if (!baseline)
      for (let i = repo.maxDeployed + 1; i <= position; i++) {
        const pr = repo.prAt[i];
        if (pr && !repo.shipped.has(pr)) shipsDraft.push(pr);
      }
    for (const pr of shipsDraft) repo.shipped.add(pr);
    const effective = branchPr
      ? (repo.deployedPositions[repo.deployedPositions.length - 1] ?? position)
      : position;
    repo.maxDeployed = Math.max(repo.maxDeployed, effective);
    repo.deployedPositions.push(effective);
    repo.lastFinishedAt = Math.max(repo.lastFinishedAt, finishedAt);
    const truth: TruthDraft = {
      repo: repo.plan.name,
      key,
      source: repo.plan.source,
      finishedAt,
      sha: '',
      baseline,
      shipsDraft,
      reworkOf,
      failure: null,
    };
    truth.sha = branchPr ? branchPr.headOid : repo.world.mainline[position]!.oid;
    result.deployments.push(truth);
    return truth;
  }

  function deploy(
    repo: RepoState,
    position: number,
    at: number,
    reworkOf: RemediationKind | null,
    branchPr?: DraftPr,
  ): TruthDraft | null {
    const sha = branchPr ? branchPr.headOid : repo.world.mainline[position]!.oid;
    const ref = branchPr ? `hotfix/${branchPr.topic.replace(/\W+/g, '-').toLowerCase()}` : 'main';
    const source = repo.plan.source;
    // A repository's production deploys go out one at a time (an environment's queue), so
    // they go live in the order they started: one finishing before an earlier one would
    // leave production on the older code, a rollback the generator did not intend.
    const live = () => repo.lastFinishedAt + MINUTE;
    let t = at;
    if (source === 'releases') {
      repo.releaseMinor += 1;
      if (rng.chance(0.15)) {
        repo.world.releases.push(
          release(repo, `v1.${repo.releaseMinor}.0-rc.1`, sha, t - 2 * HOUR, t - 2 * HOUR, false, true),
        );
      }
      if (rng.chance(0.05))
        repo.world.releases.push(
          release(repo, `v1.${repo.releaseMinor}.0-draft`, sha, t - HOUR, null, true, false),
        );
      const publish = Math.max(t + rng.int(1, 10) * MINUTE, live());
      const r = release(repo, `v1.${repo.releaseMinor}.0`, sha, t, publish, false, false);
      repo.world.releases.push(r);
      return record(repo, r.id, r.publishedAt!, position, reworkOf, branchPr);
    }
    if (source === 'workflow') {
      if (rng.chance(0.05)) {
        const failed = run(repo, sha, t, 'failure');
        result.failedAttempts.push({
          repo: repo.plan.name,
          deploymentId: String(failed.id),
          at: failed.updatedAt,
        });
        t = failed.updatedAt + rng.int(10, 30) * MINUTE;
      }
      const ok = run(repo, sha, Math.max(t, live()), 'success');
      return record(repo, String(ok.id), ok.updatedAt, position, reworkOf, branchPr);
    }
    // GitHub deployments: staging first, then production.
    if (!branchPr) {
      const staging = deployment(repo, 'staging', sha, ref, t, ['in_progress', 'success']);
      for (const prev of repo.world.deployments)
        if (
          prev !== staging &&
          prev.environment === 'staging' &&
          !prev.statuses.some((s) => s.state === 'inactive')
        )
          prev.statuses.push(status('inactive', staging.statuses[1]!.createdAt));
      t = staging.statuses[1]!.createdAt + rng.int(2, 10) * MINUTE;
    }
    if (rng.chance(0.05)) {
      const failed = deployment(repo, repo.plan.productionEnvironment, sha, ref, t, [
        'in_progress',
        rng.chance(0.8) ? 'failure' : 'error',
      ]);
      result.failedAttempts.push({
        repo: repo.plan.name,
        deploymentId: failed.id,
        at: failed.statuses[failed.statuses.length - 1]!.createdAt,
      });
      t = failed.statuses[1]!.createdAt + rng.int(10, 40) * MINUTE;
    }
    const prod = deployment(repo, repo.plan.productionEnvironment, sha, ref, Math.max(t, live()), [
      'queued',
      'in_progress',
      'success',
    ]);
    return record(
      repo,
      prod.id,
      prod.statuses[prod.statuses.length - 1]!.createdAt,
      position,
      reworkOf,
      branchPr,
    );
  }

  function status(state: DeploymentW['statuses'][number]['state'], at: number) {
    const n = counters.status++;
    return {
      id: `DES_kwDO${Buffer.from(`s:${n}`).toString('base64url')}`,
      databaseId: n,
      state,
      createdAt: at,
    };
  }

  function deployment(
    repo: RepoState,
    environment: string,
    sha: string,
    ref: string,
    at: number,
    states: DeploymentW['statuses'][number]['state'][],
  ): DeploymentW {
    const n = counters.deployment++;
    let t = at;
    const statuses = states.map((s, i) => {
      t += i === states.length - 1 ? rng.int(4, 18) * MINUTE : rng.int(10, 60) * 1000;
      return status(s, t);
    });
    const d: DeploymentW = {
      id: `DE_kwDO${Buffer.from(`d:${n}`).toString('base64url')}`,
      databaseId: n,
      repo: repo.plan.name,
      environment,
      sha,
      ref,
      task: 'deploy',
      createdAt: at,
      creator: 'github-actions[bot]',
      statuses,
    };
    repo.world.deployments.push(d);
    return d;
  }

  function release(
    repo: RepoState,
    tag: string,
    sha: string,
    createdAt: number,
    publishedAt: number | null,
    isDraft: boolean,
    isPrerelease: boolean,
  ) {
    const n = counters.release++;
    return {
      id: `RE_kwDO${Buffer.from(`r:${n}`).toString('base64url')}`,
      databaseId: n,
      tagName: tag,
      name: tag,
      sha,
      createdAt,
      publishedAt,
      isDraft,
      isPrerelease,
      author: rng.pick(humans).login,
    };
  }

  function run(repo: RepoState, sha: string, at: number, conclusion: 'success' | 'failure') {
    const r = {
      id: counters.run++,
      workflowId: 9_000_000 + repo.world.databaseId,
      name: repo.plan.deployWorkflow ?? 'Deploy',
      path: '.github/workflows/deploy.yml',
      headBranch: 'main',
      headSha: sha,
      event: 'push' as const,
      createdAt: at,
      startedAt: at + rng.int(5, 60) * 1000,
      updatedAt: at + rng.int(4, 15) * MINUTE,
      conclusion,
      runNumber: ++repo.runNumber,
      actor: 'github-actions[bot]',
    };
    repo.world.workflowRuns.push(r);
    // A CI run of another workflow on the same commit, which the ingester must not count.
    repo.world.workflowRuns.push({
      ...r,
      id: counters.run++,
      workflowId: r.workflowId + 1,
      name: 'CI',
      path: '.github/workflows/ci.yml',
      runNumber: r.runNumber,
      conclusion: 'success',
    });
    return r;
  }
}

function newRepo(rng: Random, spec: WorldSpec, plan: RepoPlan, i: number, counters: Counters): RepoState {
  const created = spec.start - rng.int(60, 900) * DAY;
  const mainline: CommitW[] = [];
  let parent: string[] = [];
  for (let k = 0; k < 3; k++) {
    const oid = counters.oid(rng);
    const at = created + k * DAY;
    mainline.push({
      oid,
      authoredAt: at,
      committedAt: at,
      author: null,
      message: k === 0 ? 'Initial commit' : 'Set up CI',
      parents: parent,
      prNumber: null,
    });
    parent = [oid];
  }
  // Work shortly before the period, as in any active repository: the first deployment then
  // deploys a commit the sync's history (from 30 days before the period) holds, and a
  // rollback to it can be placed.
  // (No random draws: the rest of the world stays as the seed made it.)
  const recent = spec.start - (3 + (i % 10)) * DAY;
  mainline.push({
    oid: createHash('sha1').update(`${plan.name}:${created}`).digest('hex'),
    authoredAt: recent,
    committedAt: recent,
    author: null,
    message: 'Update dependencies',
    parents: parent,
    prNumber: null,
  });
  return {
    plan,
    world: {
      id: '',
      databaseId: 0,
      name: plan.name,
      team: '',
      createdAt: created,
      defaultBranch: 'main',
      source: plan.source,
      mergeStyle: plan.mergeStyle,
      deployWorkflow: plan.deployWorkflow,
      productionEnvironment: plan.productionEnvironment,
      pullRequests: [],
      mainline,
      sideCommits: [],
      deployments: [],
      releases: [],
      workflowRuns: [],
    },
    prs: [],
    prAt: mainline.map(() => null),
    maxDeployed: -1,
    deployedPositions: [],
    shipped: new Set(),
    blockedUntil: -Infinity,
    lastFinishedAt: -Infinity,
    releaseMinor: i,
    runNumber: 0,
  };
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * One piece of a failure's evidence put right at `at`. With several pieces (`restores`),
 * service is restored when the last is; with one, then.
 */
function restore(
  f: NonNullable<TeamResult['deployments'][number]['failure']>,
  kind: RemediationKind,
  at: number,
): void {
  if (!f.restores) {
    f.restoredAt = at;
    return;
  }
  f.restores[kind] = at;
  const times = Object.values(f.restores);
  f.restoredAt = times.every((t) => typeof t === 'number') ? Math.max(...(times as number[])) : null;
}
