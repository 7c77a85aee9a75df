import { nodeId } from './ids.js';
import { BOTS, personName, planOrganisation } from './profiles.js';
import { Random } from './random.js';
import { simulateTeam, type Counters, type DraftIssue, type DraftPr, type TeamResult } from './team.js';
import type {
  DeploymentTruth,
  IssueW,
  JiraWorld,
  Person,
  PullRequestW,
  RepoWorld,
  SprintTruth,
  SprintW,
  World,
  WorldSpec,
} from './types.js';
import { DAY, HOUR } from './calendar.js';
import { addSlippingWork, markMalformedIssues } from './jira.js';

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

export interface TeamWorld {
  team: string;
  repos: RepoWorld[];
  project: JiraWorld['projects'][number];
  board: JiraWorld['boards'][number];
  sprints: SprintW[];
  issues: IssueW[];
  deployments: DeploymentTruth[];
  failedAttempts: World['truth']['failedAttempts'];
  sprintTruth: SprintTruth[];
}

/**
 * The organisation one team at a time, for generating more than fits in memory
 * (the scale benchmark loads each team and lets it go).
 */
export function generateTeams(spec: WorldSpec) {
  if (!(spec.end > spec.start)) throw new Error('the world must end after it starts');
  const rng = new Random(spec.seed);
  const { teams, repos: plans } = planOrganisation(spec.repos);
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

  const weightOf = (ti: number) => plans.filter((p) => p.team === ti).reduce((s, p) => s + p.weight, 0);
  const totalWeight = teams.reduce((s, _t, ti) => s + weightOf(ti), 0);
  let oidCounter = 0;
  const counters: Counters = {
    sprint: 100,
    deployment: 1_000_000,
    status: 5_000_000,
    review: 2_000_000,
    release: 30_000,
    run: 7_000_000_000,
    oid: (r) => `${r.hex(32)}${(oidCounter++).toString(16).padStart(8, '0')}`,
  };
  let issueId = 10_000;
  let malformedCount = 0;
  let repoDatabaseId = 600_000_000;
  const org = {
    login: spec.org,
    name: `${spec.org.charAt(0).toUpperCase()}${spec.org.slice(1)} Inc.`,
    databaseId: 9_000_001,
    id: nodeId('O', spec.org),
  };

  function* each(): Generator<TeamWorld> {
    for (let ti = 0; ti < teams.length; ti++) {
      const team = teams[ti]!;
      const teamPlans = plans.filter((p) => p.team === ti);
      const outsiders = members.filter((_m, i) => i !== ti).flat();
      const target = Math.round((spec.prs * weightOf(ti)) / totalWeight);
      const result = simulateTeam(
        rng.fork(team.name),
        spec,
        team,
        teamPlans,
        members[ti]!,
        outsiders,
        target,
        counters,
      );
      yield finalizeTeam(spec, team.name, team.projectKey, team.boardId, result, members[ti]!);
    }
  }

  function finalizeTeam(
    spec: WorldSpec,
    teamName: string,
    key: string,
    boardId: number,
    r: TeamResult,
    teamMembers: Person[],
  ): TeamWorld {
    const frng = rng.fork(`finalize:${teamName}`);
    // Jira numbers issues in creation order.
    const epics = r.issues.filter((i) => i.type === 'Epic');
    const byCreation = [...r.issues].sort((a, b) => a.createdAt - b.createdAt);
    byCreation.forEach((issue, n) => {
      issue.key = `${key}-${n + 1}`;
      issue.id = String(issueId++);
    });
    for (const issue of r.issues)
      if (issue.epicKey?.startsWith('@')) issue.epicKey = epics[Number(issue.epicKey.slice(1))]!.key!;

    for (const repo of r.repos) {
      repo.team = teamName;
      repo.databaseId = repoDatabaseId++;
      repo.id = nodeId('R', spec.org, repo.name);
      const drafts = [...r.prs.get(repo.name)!].sort((a, b) => a.createdAt - b.createdAt);
      drafts.forEach((d, n) => (d.number = n + 1));
      repo.pullRequests = drafts.map((d) => finalizePr(frng, spec, repo, d));
      // A few records served broken on purpose, rotating through the ways GitHub data goes wrong.
      if (spec.malformedShare) {
        const kinds = ['bad-date', 'missing-number', 'odd-unicode'] as const;
        for (const pr of repo.pullRequests)
          if (pr.kind === 'chore' && frng.chance(spec.malformedShare * 4))
            pr.malformed = kinds[malformedCount++ % kinds.length]!;
      }
      const byNumber = new Map(repo.pullRequests.map((p) => [p.number, p]));
      for (const c of repo.mainline) {
        const pr = drafts.find((d) => d.mergeCommitOid === c.oid);
        if (!pr) continue;
        const final = byNumber.get(pr.number!)!;
        c.prNumber = final.number;
        c.message =
          repo.mergeStyle === 'merge'
            ? `Merge pull request #${final.number} from ${spec.org}/${final.headRef}\n\n${final.title}`
            : `${final.title} (#${final.number})`;
      }
    }
    // The world ends at spec.end: a deployment still running then has not happened yet.
    const deployments: DeploymentTruth[] = r.deployments
      .filter((d) => d.finishedAt <= spec.end)
      .map(({ shipsDraft, ...d }) => ({ ...d, ships: shipsDraft.map((p) => p.number!) }));
    const issues: IssueW[] = byCreation.map((i) => i as IssueW);
    const jrng = rng.fork(`jira:${teamName}`);
    addSlippingWork(jrng, spec, key, r.sprints, issues, teamMembers, () => String(issueId++));
    markMalformedIssues(jrng, spec.malformedShare ?? 0, issues);
    return {
      team: teamName,
      repos: r.repos,
      project: {
        key,
        id: String(10_000 + boardId),
        name: `${teamName.charAt(0).toUpperCase()}${teamName.slice(1)}`,
        team: teamName,
        boardId,
        leadAccountId: teamMembers[0]!.accountId!,
      },
      board: { id: boardId, name: `${key} board`, projectKey: key, type: 'scrum' },
      sprints: r.sprints,
      issues,
      deployments,
      failedAttempts: r.failedAttempts.filter((a) => a.at <= spec.end),
      sprintTruth: sprintTruth(r.sprints, issues, spec.end),
    };
  }

  return { org, people, teams, each };
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}

function finalizePr(rng: Random, spec: WorldSpec, repo: RepoWorld, d: DraftPr): PullRequestW {
  const number = d.number!;
  const key = d.issue?.key ?? null;
  let title: string;
  let headRef: string;
  let body = '';
  const keys: string[] = [];
  const s = slug(d.topic);
  switch (d.branchStyle) {
    case 'bot': {
      const v = `${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 20)}`;
      title = `Bump ${d.topic} from ${v} to ${v.replace(/\d+$/, (m) => String(Number(m) + 1))}`;
      headRef = `${d.author?.startsWith('renovate') ? 'renovate' : 'dependabot/npm_and_yarn'}/${d.topic}-${v}`;
      body = `Bumps ${d.topic}.`;
      break;
    }
    case 'revert': {
      const target = d.reverts!;
      title = `Revert "${titleOf(target)}"`;
      headRef = `revert-${target.number}-${branchOf(target)}`;
      body = `Reverts ${spec.org}/${repo.name}#${target.number}`;
      break;
    }
    case 'hotfix':
      title = `Hotfix: ${d.topic}`;
      headRef = `hotfix/${s}`;
      body = 'Urgent fix for production.';
      break;
    case 'chore':
      title = `chore: update ${d.topic}`;
      headRef = `chore/${s}`;
      break;
    case 'plain':
      title = `Support ${d.topic}`;
      headRef = `${d.author ?? 'ghost'}/${s}`;
      break;
    default: {
      // Linked work names its Jira key in the title, the branch or the body.
      const place =
        d.kind === 'incident-fix'
          ? 'title'
          : rng.weighted([
              ['title', 40],
              ['branch', 30],
              ['body', 30],
            ] as const);
      const prefix = d.branchStyle === 'fix' ? 'fix' : 'feature';
      if (d.kind === 'hotfix') {
        title = `Fix ${d.topic}`;
        headRef = `fix/${s}`;
        body = 'Urgent fix for production.';
      } else if (key) {
        title =
          place === 'title'
            ? d.kind === 'incident-fix'
              ? `fix(${key}): stop ${d.topic.toLowerCase()}`
              : `${key} ${d.topic}`
            : d.topic;
        headRef = place === 'branch' ? `${prefix}/${key}-${s}` : `${prefix}/${s}`;
        body = place === 'body' ? `Closes ${key}.` : '';
        keys.push(key);
      } else {
        title = d.topic;
        headRef = `${prefix}/${s}`;
      }
    }
  }
  memo.set(d, { title, headRef });
  return {
    id: nodeId('PR', spec.org, repo.name, number),
    databaseId: 1_500_000_000 + (repo.databaseId - 600_000_000) * 100_000 + number,
    number,
    repo: repo.name,
    kind: d.kind,
    title,
    body,
    author: d.author,
    headRef,
    baseRef: d.baseRef,
    createdAt: d.createdAt,
    readyAt: d.readyAt,
    closedAt: d.closedAt,
    mergedAt: d.mergedAt,
    mergedBy: d.mergedBy,
    mergeCommitOid: d.mergeCommitOid,
    headOid: d.headOid,
    baseOid: d.baseOid,
    additions: d.additions,
    deletions: d.deletions,
    changedFiles: d.changedFiles,
    labels: d.labels,
    commits: d.commits.map((c, i) => ({
      ...c,
      message: i === 0 ? title : rng.pick(['address review', 'fix tests', 'tidy up', 'handle edge case']),
    })),
    reviews: d.reviews.map((rv, i) => ({ ...rv, id: nodeId('PRR', spec.org, repo.name, number, i) })),
    issueKeys: keys,
    revertsNumber: d.reverts?.number ?? null,
    malformed: null,
  };
}

const memo = new WeakMap<DraftPr, { title: string; headRef: string }>();
function titleOf(d: DraftPr): string {
  return memo.get(d)?.title ?? d.topic;
}
function branchOf(d: DraftPr): string {
  return memo.get(d)?.headRef ?? slug(d.topic);
}

/** What a sprint report would say, from the generator's own decisions. */
function sprintTruth(sprints: SprintW[], issues: IssueW[], end: number): SprintTruth[] {
  const member = (i: IssueW, sprintId: number, t: number) => {
    let ids: number[] = [];
    for (const c of i.sprints) if (c.at <= t) ids = c.sprintIds;
    return ids.includes(sprintId);
  };
  const everMember = (i: IssueW, sprintId: number, from: number, to: number) =>
    member(i, sprintId, from) ||
    i.sprints.some((c) => c.at > from && c.at <= to && c.sprintIds.includes(sprintId));
  const statusAt = (i: IssueW, t: number) => {
    let s = i.statuses[0]!.status;
    for (const c of i.statuses) if (c.at <= t) s = c.status;
    return s;
  };
  const pointsAt = (i: IssueW, t: number) => {
    let v: number | null = null;
    for (const c of i.points) if (c.at <= t) v = c.value;
    return v ?? 0;
  };
  const burndown = (s: SprintW, close: number): SprintTruth['burndown'] => {
    const ever = issues.filter((i) => i.sprints.some((c) => c.sprintIds.includes(s.id)));
    const days: SprintTruth['burndown'] = [];
    for (let day = Math.floor(s.startAt / DAY) * DAY; day <= Math.min(s.endAt, close); day += DAY) {
      const at = Math.min(day + DAY - 1000, close);
      const inSprint = ever.filter((i) => member(i, s.id, at));
      const points = (list: IssueW[]) => list.reduce((n, i) => n + pointsAt(i, at), 0);
      days.push({
        at,
        scopePoints: points(inSprint),
        remainingPoints: points(inSprint.filter((i) => statusAt(i, at) !== 'Done')),
      });
    }
    return days;
  };
  return sprints
    .filter((s) => s.startAt <= end)
    .map((s) => {
      const close = Math.min(s.completeAt, end);
      const closed = s.completeAt <= end;
      const committed = issues.filter((i) => member(i, s.id, s.startAt));
      const added = issues.filter(
        (i) => !member(i, s.id, s.startAt) && everMember(i, s.id, s.startAt, close),
      );
      const removed = issues.filter((i) => everMember(i, s.id, s.startAt, close) && !member(i, s.id, close));
      const atClose = issues.filter((i) => member(i, s.id, close));
      const completed = atClose.filter((i) => statusAt(i, close) === 'Done');
      // Moved on: still unfinished when the sprint closed, and put in a later sprint.
      const carriedOver = closed
        ? atClose.filter(
            (i) =>
              statusAt(i, close) !== 'Done' &&
              i.sprints.some((c) => c.at >= close && c.sprintIds.some((id) => id > s.id)),
          )
        : [];
      return {
        sprintId: s.id,
        committed: committed.map((i) => i.key),
        committedPoints: committed.reduce((n, i) => n + pointsAt(i, s.startAt), 0),
        added: added.map((i) => i.key),
        removed: removed.map((i) => i.key),
        completed: completed.map((i) => i.key),
        completedPoints: completed.reduce((n, i) => n + pointsAt(i, close), 0),
        carriedOver: carriedOver.map((i) => i.key),
        burndown: burndown(s, close),
      };
    });
}

export type { World, WorldSpec } from './types.js';
export type { DraftIssue };
