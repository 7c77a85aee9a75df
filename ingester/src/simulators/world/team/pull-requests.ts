import { after, DAY, HOUR, MINUTE, toWorkingTime } from '../calendar.js';
import type { Person, PrKind, ReviewW } from '../types.js';
import { reviewStretch, stretchedAfter, workStretch } from './cause-effects.js';
import type { DraftIssue, DraftPr, RepoState, TeamSimulation } from './state.js';

/** Code review: one pull request's life, from its first commit to its merge (or abandonment). */

export interface PrPlan {
  repo: RepoState;
  kind: PrKind;
  author: Person | null;
  /** When work on it starts (the first commit comes a little later). */
  start: number;
  issue: DraftIssue | null;
  topic: string;
  branchStyle: DraftPr['branchStyle'];
  /** Urgent work (hotfixes, reverts): smaller, quicker, rarely discussed. */
  fast?: boolean;
  reviewRounds?: number;
  abandon?: boolean;
  labels?: string[];
}

type Commit = DraftPr['commits'][number];

interface Opening {
  firstCommitAt: number;
  createdAt: number;
  /** When it left draft; null when it was never a draft. */
  readyAt: number | null;
}

/** A pull request out for review: review adds to its commits and reviews as it goes. */
interface InReview {
  readyForReview: number;
  commits: Commit[];
  reviews: ReviewW[];
}

interface Outcome {
  mergedAt: number | null;
  closedAt: number | null;
  mergedBy: string | null;
}

const ACTIONS_BOT: Person = {
  login: 'github-actions[bot]',
  name: '',
  team: null,
  bot: true,
  accountId: null,
};

/** Opens, reviews and settles a pull request, and adds it to its repository. */
export function openPullRequest(sim: TeamSimulation, plan: PrPlan): DraftPr {
  const { rng, team } = sim;
  const author = plan.author ? plan.author.login : null;
  const opening = openingTimes(sim, plan);
  const readyForReview = opening.readyAt ?? opening.createdAt;
  const commits = branchCommits(sim, plan, opening, readyForReview);
  const reviews: ReviewW[] = [];
  const inReview: InReview = { readyForReview, commits, reviews };
  sideComments(sim, plan, inReview);
  const outcome = settle(sim, plan, inReview);
  reviews.sort((a, b) => a.submittedAt - b.submittedAt);
  commits.sort((a, b) => a.authoredAt - b.authoredAt);
  const size = rng.lognormal(
    team.prSizeMedian * (plan.kind === 'bot' ? 0.2 : plan.fast ? 0.3 : 1) * workStretch(sim, plan).size,
    1,
  );
  const pr: DraftPr = {
    repo: plan.repo.plan.name,
    kind: plan.kind,
    author,
    baseRef: 'main',
    createdAt: opening.createdAt,
    readyAt: opening.readyAt,
    closedAt: outcome.closedAt,
    mergedAt: outcome.mergedAt,
    mergedBy: outcome.mergedBy,
    mergeCommitOid: null,
    headOid: commits[commits.length - 1]!.oid,
    baseOid: '',
    additions: Math.max(1, Math.round(size * 0.7)),
    deletions: Math.round(size * 0.3),
    changedFiles: Math.max(1, Math.round(1 + rng.lognormal(size / 45, 0.6))),
    labels: plan.labels ?? [],
    commits,
    reviews,
    malformed: null,
    issue: plan.issue,
    reverts: null,
    topic: plan.topic,
    branchStyle: plan.branchStyle,
  };
  plan.repo.prs.push(pr);
  return pr;
}

/** A revert of `target`, started a while after `signalAt` by whoever wrote it (if on the team). */
export function openRevert(sim: TeamSimulation, repo: RepoState, target: DraftPr, signalAt: number): DraftPr {
  const pr = openPullRequest(sim, {
    repo,
    kind: 'revert',
    author: sim.humans.find((h) => h.login === target.author) ?? sim.rng.pick(sim.humans),
    start: after(signalAt, sim.rng.lognormal(90 * MINUTE, 0.5)),
    issue: null,
    topic: target.topic,
    branchStyle: 'revert',
    fast: true,
    reviewRounds: 0,
  });
  pr.reverts = target;
  return pr;
}

/** Mostly a teammate; now and then someone from another team. Never the author. */
export function reviewerFor(sim: TeamSimulation, author: string | null): Person {
  const { rng, humans, outsiders } = sim;
  const pool = rng.chance(0.85) ? humans : outsiders.length ? outsiders : humans;
  const candidates = pool.filter((p) => p.login !== author);
  return rng.pick(candidates.length ? candidates : humans);
}

/** Bots open at once; people code first, and some open a draft early. */
function openingTimes(sim: TeamSimulation, plan: PrPlan): Opening {
  const { rng, team } = sim;
  const speed = plan.fast ? 0.15 : 1;
  const firstCommitAt = after(plan.start, rng.int(5, 90) * MINUTE);
  const codingMs = rng.lognormal(team.codingMedianH * HOUR * speed, 0.9);
  const draft = !plan.fast && plan.kind !== 'bot' && rng.chance(0.22);
  if (plan.kind === 'bot') return { firstCommitAt, createdAt: plan.start, readyAt: null };
  const k = workStretch(sim, plan).coding;
  if (draft)
    return {
      firstCommitAt,
      createdAt: stretchedAfter(firstCommitAt, codingMs * 0.35, k),
      readyAt: stretchedAfter(firstCommitAt, codingMs, k),
    };
  return { firstCommitAt, createdAt: stretchedAfter(firstCommitAt, codingMs, k), readyAt: null };
}

function commitAt(sim: TeamSimulation, author: string | null, at: number): Commit {
  return {
    oid: sim.counters.oid(sim.rng),
    authoredAt: at,
    committedAt: at + sim.rng.int(0, 3) * MINUTE,
    author,
    message: '',
  };
}

/** The commits made before review: a bot's single one, or a person's first and a few more. */
function branchCommits(
  sim: TeamSimulation,
  plan: PrPlan,
  opening: Opening,
  readyForReview: number,
): Commit[] {
  const author = plan.author ? plan.author.login : null;
  if (plan.kind === 'bot') return [commitAt(sim, author, opening.createdAt - MINUTE)];
  const { firstCommitAt } = opening;
  const commits = [commitAt(sim, author, firstCommitAt)];
  const more = sim.rng.poisson(plan.fast ? 0.3 : 1.6);
  for (let i = 0; i < more; i++)
    commits.push(
      commitAt(
        sim,
        author,
        toWorkingTime(firstCommitAt + (readyForReview - firstCommitAt) * ((i + 1) / (more + 1))),
      ),
    );
  return commits;
}

function reviewBy(
  sim: TeamSimulation,
  author: Person | null,
  state: ReviewW['state'],
  at: number,
  comments: number,
): ReviewW {
  return {
    id: '',
    databaseId: sim.counters.review++,
    author: author ? author.login : null,
    state,
    submittedAt: at,
    body:
      state === 'APPROVED'
        ? sim.rng.chance(0.5)
          ? 'LGTM'
          : ''
        : state === 'CHANGES_REQUESTED'
          ? 'A few things to fix first.'
          : 'Some thoughts inline.',
    comments,
  };
}

/** Comments that are reviews to GitHub but no pickup to a person waiting for one. */
function sideComments(sim: TeamSimulation, plan: PrPlan, { readyForReview, reviews }: InReview): void {
  const { rng } = sim;
  // Bots comment within minutes; their reviews must never count as a pickup.
  if (plan.kind !== 'bot' && rng.chance(0.2))
    reviews.push(reviewBy(sim, ACTIONS_BOT, 'COMMENTED', readyForReview + rng.int(2, 9) * MINUTE, 1));
  // Authors sometimes annotate their own PR; that is not a pickup either.
  if (plan.author && rng.chance(0.1))
    reviews.push(
      reviewBy(sim, plan.author, 'COMMENTED', readyForReview + rng.int(5, 40) * MINUTE, rng.int(1, 3)),
    );
}

/** Abandoned, merged without review (it happens), or reviewed until approved and merged. */
function settle(sim: TeamSimulation, plan: PrPlan, inReview: InReview): Outcome {
  const { rng } = sim;
  const { readyForReview } = inReview;
  const unreviewed = !plan.fast && plan.kind !== 'bot' && rng.chance(0.05);
  if (plan.abandon)
    return { mergedAt: null, closedAt: after(readyForReview, rng.lognormal(3 * DAY, 0.6)), mergedBy: null };
  if (unreviewed) {
    const mergedAt = after(readyForReview, rng.lognormal(1.5 * HOUR, 0.6));
    return { mergedAt, closedAt: mergedAt, mergedBy: plan.author?.login ?? sim.humans[0]!.login };
  }
  return reviewAndMerge(sim, plan, inReview);
}

/** Rounds of requested changes and fixes, perhaps a second opinion, then approval and merge. */
function reviewAndMerge(sim: TeamSimulation, plan: PrPlan, inReview: InReview): Outcome {
  const { rng, team } = sim;
  const { readyForReview, commits, reviews } = inReview;
  const author = plan.author ? plan.author.login : null;
  const speed = plan.fast ? 0.15 : 1;
  const reviewer = reviewerFor(sim, author);
  let t = after(readyForReview, rng.lognormal(team.pickupMedianH * HOUR * speed, 0.9));
  const stretch = reviewStretch(sim, plan.repo, plan, t);
  const rounds = plan.reviewRounds ?? (plan.fast ? 0 : rng.weighted(REVIEW_ROUNDS));
  for (let r = 0; r < rounds; r++) {
    reviews.push(reviewBy(sim, reviewer, 'CHANGES_REQUESTED', t, rng.int(1, 6)));
    const fixAt = stretchedAfter(t, rng.lognormal(3 * HOUR, 0.7), stretch);
    commits.push(commitAt(sim, author, fixAt));
    if (rng.chance(0.3)) commits.push(commitAt(sim, author, after(fixAt, rng.int(10, 90) * MINUTE)));
    t = stretchedAfter(fixAt, rng.lognormal(team.pickupMedianH * 0.5 * HOUR, 0.8), stretch);
  }
  if (rng.chance(0.3))
    reviews.push(
      reviewBy(sim, reviewerFor(sim, author), 'COMMENTED', t - rng.int(10, 120) * MINUTE, rng.int(1, 4)),
    );
  t = stretchedAfter(t, rng.lognormal(team.reviewMedianH * HOUR * speed * 0.3, 0.7), stretch);
  reviews.push(reviewBy(sim, reviewer, 'APPROVED', t, 0));
  const mergedAt = stretchedAfter(t, rng.lognormal(0.7 * HOUR * speed, 0.6), stretch);
  const mergedBy = rng.chance(0.8) ? (author ?? reviewer.login) : reviewer.login;
  return { mergedAt, closedAt: mergedAt, mergedBy };
}

/** Rounds of requested changes before approval, by weight. */
const REVIEW_ROUNDS = [
  [0, 55],
  [1, 30],
  [2, 12],
  [3, 3],
] as const;
