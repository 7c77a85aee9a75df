import { beforeAll, describe, expect, it } from '@jest/globals';
import { defaultSpec, generateWorld, type World } from '../../src/simulators/world/generate.js';
import {
  injectedCauseSpecs,
  scenarioSpec,
  type InjectedCauseScenario,
} from '../../src/simulators/world/injected-causes.js';
import type { InjectedCause, PullRequestW, RepoWorld } from '../../src/simulators/world/types.js';

/**
 * A cause injected into a generated organisation must show in what GitHub serves (pull requests,
 * reviews, deployments), as a metric read from them would see it, from its instant on; and a
 * world without one must be the one its seed always gave (world-digest.test.ts pins that).
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = Date.UTC(2026, 9, 30, 16, 0);
const START = END - 180 * DAY;
const FROM = START + 90 * DAY;
const spec = (injectedCause?: InjectedCause) =>
  defaultSpec({ seed: 'causes', repos: 8, prs: 1600, start: START, end: END, injectedCause });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const repoOf = (world: World, name: string) => world.repos.find((r) => r.name === name)!;
const merged = (repo: RepoWorld) => repo.pullRequests.filter((p) => p.mergedAt !== null);

/** The first review by someone other than the author (bots' aside), as pickup and review count it. */
function firstReviewAt(pr: PullRequestW): number | null {
  const at = pr.reviews
    .filter((r) => r.author !== null && r.author !== pr.author && !r.author.endsWith('[bot]'))
    .map((r) => r.submittedAt);
  return at.length ? Math.min(...at) : null;
}

/** Hours from first review to merge, of the PRs whose review began before (or from) `at`. */
function reviewHours(repos: RepoWorld[], at: number): { before: number[]; after: number[] } {
  const out = { before: [] as number[], after: [] as number[] };
  for (const pr of repos.flatMap(merged)) {
    const first = firstReviewAt(pr);
    if (first === null || pr.kind === 'hotfix' || pr.kind === 'revert') continue;
    (first < at ? out.before : out.after).push((pr.mergedAt! - first) / HOUR);
  }
  return out;
}

/**
 * Hours from merge to the first successful production deployment of a commit at or above the
 * merge on the default branch, by when the PR merged.
 */
function deployWaits(repo: RepoWorld, at: number): { before: number[]; after: number[] } {
  const position = new Map(repo.mainline.map((c, i) => [c.oid, i]));
  const live = repo.deployments
    .filter((d) => d.environment === repo.productionEnvironment && position.has(d.sha))
    .map((d) => ({ pos: position.get(d.sha)!, last: d.statuses[d.statuses.length - 1]! }))
    .filter((d) => d.last.state === 'success')
    .sort((a, b) => a.last.createdAt - b.last.createdAt);
  const out = { before: [] as number[], after: [] as number[] };
  for (const pr of merged(repo)) {
    const pos = position.get(pr.mergeCommitOid ?? '');
    const shipped = live.find((d) => d.last.createdAt >= pr.mergedAt! && pos !== undefined && d.pos >= pos);
    if (shipped)
      (pr.mergedAt! < at ? out.before : out.after).push((shipped.last.createdAt - pr.mergedAt!) / HOUR);
  }
  return out;
}

const sizeOf = (pr: PullRequestW) => pr.additions + pr.deletions;
const codingHours = (pr: PullRequestW) =>
  ((pr.readyAt ?? pr.createdAt) - Math.min(...pr.commits.map((c) => c.authoredAt))) / HOUR;
const people = (prs: PullRequestW[]) => prs.filter((p) => p.kind === 'feature' || p.kind === 'fix');
const teamPrs = (world: World, team: string) =>
  world.repos.filter((r) => r.team === team).flatMap((r) => r.pullRequests);

describe('an injected cause', () => {
  let plain: World;
  beforeAll(() => {
    plain = generateWorld(spec());
  });

  it('slows one repository’s review stage from its instant on, and no other’s', () => {
    const world = generateWorld(spec({ kind: 'slow_review', repo: 'payments-api', from: FROM }));
    const slow = reviewHours([repoOf(world, 'payments-api')], FROM);
    const usual = reviewHours([repoOf(plain, 'payments-api')], FROM);
    expect(median(slow.after)).toBeGreaterThanOrEqual(3 * median(slow.before));
    // Review times swing between halves (a review across a night counts the night): the same
    // world without the cause is the yardstick.
    expect(median(slow.after)).toBeGreaterThanOrEqual(2.5 * median(usual.after));
    const others = (w: World) =>
      reviewHours(
        w.repos.filter((r) => r.name !== 'payments-api'),
        FROM,
      );
    const ratio = median(others(world).after) / median(others(plain).after);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });

  it('stalls one repository’s deployments, so merged work waits', () => {
    const world = generateWorld(spec({ kind: 'stalled_pipeline', repo: 'platform-gateway', from: FROM }));
    const stalled = deployWaits(repoOf(world, 'platform-gateway'), FROM);
    const usual = deployWaits(repoOf(plain, 'platform-gateway'), FROM);
    expect(median(stalled.after)).toBeGreaterThanOrEqual(3 * median(stalled.before));
    expect(median(usual.after)).toBeLessThan(1.5 * median(usual.before));
    const elsewhere = (w: World) => deployWaits(repoOf(w, 'payments-api'), FROM).after;
    expect(median(elsewhere(world)) / median(elsewhere(plain))).toBeLessThan(1.5);
  });

  it('makes one team’s pull requests larger and slower to write', () => {
    const world = generateWorld(spec({ kind: 'large_prs', team: 'payments', from: FROM }));
    const split = (prs: PullRequestW[]) => ({
      before: people(prs).filter((p) => p.createdAt < FROM),
      after: people(prs).filter((p) => p.createdAt >= FROM + 3 * DAY),
    });
    const payments = split(teamPrs(world, 'payments'));
    expect(median(payments.after.map(sizeOf))).toBeGreaterThanOrEqual(
      3 * median(payments.before.map(sizeOf)),
    );
    expect(median(payments.after.map(codingHours))).toBeGreaterThanOrEqual(
      2 * median(payments.before.map(codingHours)),
    );
    const platform = split(teamPrs(world, 'platform'));
    const ratio = median(platform.after.map(sizeOf)) / median(platform.before.map(sizeOf));
    expect(ratio).toBeGreaterThan(0.75);
    expect(ratio).toBeLessThan(1.33);
  });

  it('brings a new team in at its instant, slower than its profile', () => {
    const world = generateWorld(spec({ kind: 'new_team', team: 'growth', from: FROM }));
    const growth = world.repos.filter((r) => r.team === 'growth');
    expect(growth.length).toBeGreaterThan(0);
    const prs = growth.flatMap((r) => r.pullRequests);
    expect(prs.length).toBeGreaterThan(100);
    expect(prs.filter((p) => p.createdAt < FROM)).toEqual([]);
    expect(prs.flatMap((p) => p.commits).filter((c) => c.authoredAt < FROM)).toEqual([]);
    const coding = (w: World) =>
      median(people(teamPrs(w, 'growth').filter((p) => p.createdAt >= FROM)).map(codingHours));
    expect(coding(world)).toBeGreaterThanOrEqual(2 * coding(plain));
    // Its deployments too begin with it.
    const names = new Set(growth.map((r) => r.name));
    expect(world.truth.deployments.filter((d) => names.has(d.repo) && d.finishedAt < FROM)).toEqual([]);
  });
});

describe('an injected cause the organisation could not have', () => {
  it('is refused, saying what it names', () => {
    expect(() => generateWorld(spec({ kind: 'slow_review', repo: 'nope-api', from: FROM }))).toThrow(
      /repository 'nope-api', which the organisation does not have/,
    );
    expect(() => generateWorld(spec({ kind: 'large_prs', team: 'finance', from: FROM }))).toThrow(
      /team 'finance', which the organisation does not have/,
    );
    // Eight repositories: the ninth and tenth are not there.
    expect(() => generateWorld(spec({ kind: 'stalled_pipeline', repo: 'payments-web', from: FROM }))).toThrow(
      /payments-web/,
    );
    expect(() => generateWorld(spec({ kind: 'stalled_pipeline', repo: 'growth-site', from: FROM }))).toThrow(
      /deploys by merging/,
    );
    expect(() => generateWorld(spec({ kind: 'new_team', team: 'growth', from: END + DAY }))).toThrow(
      /must fall within the world/,
    );
  });
});

interface Shipped {
  repo: string;
  team: string;
  at: number;
  lead: number;
  stages: Record<'coding' | 'pickup' | 'review' | 'deploy', number>;
}

/** Per PR shipped to production: first commit → the deployment that shipped it, and its stages. */
function shipped(world: World): Shipped[] {
  const out: Shipped[] = [];
  for (const repo of world.repos) {
    const shippedAt = new Map<number, number>();
    for (const d of world.truth.deployments)
      if (d.repo === repo.name)
        for (const n of d.ships) if (!shippedAt.has(n)) shippedAt.set(n, d.finishedAt);
    for (const pr of merged(repo)) {
      // Merging deploys: lead time ends at the merge.
      const at = repo.source === 'merges' ? pr.mergedAt! : shippedAt.get(pr.number);
      if (at === undefined) continue;
      const first = Math.min(...pr.commits.map((c) => c.authoredAt));
      const ready = pr.readyAt ?? pr.createdAt;
      const reviewed = firstReviewAt(pr) ?? pr.mergedAt!;
      const stages = {
        coding: (ready - first) / HOUR,
        pickup: (reviewed - ready) / HOUR,
        review: (pr.mergedAt! - reviewed) / HOUR,
        deploy: (at - pr.mergedAt!) / HOUR,
      };
      out.push({ repo: repo.name, team: repo.team, at, lead: (at - first) / HOUR, stages });
    }
  }
  return out;
}

/**
 * Each segment's part in the change of the mean: its share of the PRs after times their mean,
 * less the same before. The parts add up to the change; largest first.
 */
function contributions(
  before: Shipped[],
  after: Shipped[],
  key: (s: Shipped) => string,
  value: (s: Shipped) => number,
) {
  const part = (rows: Shipped[], k: string) => {
    const of = rows.filter((r) => key(r) === k);
    return of.length ? (of.length / rows.length) * mean(of.map(value)) : 0;
  };
  const keys = [...new Set([...before, ...after].map(key))];
  return keys
    .map((k) => ({ segment: k, hours: part(after, k) - part(before, k) }))
    .sort((a, b) => Math.abs(b.hours) - Math.abs(a.hours));
}

describe('the injected-cause scenarios', () => {
  const scenarios = injectedCauseSpecs();

  it('take turns through the kinds, each in its own organisation, the cause from the middle', () => {
    expect(scenarios).toHaveLength(10);
    expect(new Set(scenarios.map((s) => s.seed)).size).toBe(10);
    expect(scenarios.slice(0, 4).map((s) => s.cause.kind)).toEqual([
      'slow_review',
      'stalled_pipeline',
      'large_prs',
      'new_team',
    ]);
    for (const s of scenarios) {
      const world = scenarioSpec(s);
      expect(s.cause.from - world.start).toBe(90 * DAY);
      expect(world.end - world.start).toBe(180 * DAY);
    }
    expect(injectedCauseSpecs(20)).toHaveLength(20);
    expect(() => injectedCauseSpecs(21)).toThrow(RangeError);
  });

  it.each(scenarios.map((s) => [s.cause.kind, s.expect.segment, s] as const))(
    '%s in %s moves the mean lead time most',
    (_kind, _segment, scenario: InjectedCauseScenario) => {
      const { cause, expect: want } = scenario;
      const rows = shipped(generateWorld(scenarioSpec(scenario)));
      const before = rows.filter((r) => r.at >= cause.from - 90 * DAY && r.at < cause.from);
      const after = rows.filter((r) => r.at >= cause.from && r.at < cause.from + 90 * DAY);
      const key = want.dimension === 'repo' ? (r: Shipped) => r.repo : (r: Shipped) => r.team;
      const [top, next] = contributions(before, after, key, (r) => r.lead);
      expect(top!.segment).toBe(want.segment);
      expect(top!.hours).toBeGreaterThan(2 * Math.abs(next!.hours));
      if (want.stage === null) return;
      const inSegment = (rows: Shipped[]) => rows.filter((r) => key(r) === want.segment);
      const stages = (['coding', 'pickup', 'review', 'deploy'] as const).map((stage) => ({
        stage,
        hours:
          mean(inSegment(after).map((r) => r.stages[stage])) -
          mean(inSegment(before).map((r) => r.stages[stage])),
      }));
      stages.sort((a, b) => Math.abs(b.hours) - Math.abs(a.hours));
      expect(stages[0]!.stage).toBe(want.stage);
    },
  );
});
