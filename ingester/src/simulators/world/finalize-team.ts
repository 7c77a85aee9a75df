import { nodeId } from './ids.js';
import { addSlippingWork, markMalformedIssues } from './jira.js';
import { finalizePr } from './pull-request-text.js';
import type { Random } from './random.js';
import { sprintTruth } from './sprint-truth.js';
import type { DraftIssue, DraftPr, TeamResult } from './team/index.js';
import type {
  DeploymentTruth,
  IssueW,
  JiraWorld,
  Person,
  RepoWorld,
  SprintTruth,
  SprintW,
  TeamProfile,
  World,
  WorldSpec,
} from './types.js';

/** A team's simulated history as GitHub and Jira serve it: numbered, keyed and named. */
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

/** Numbers that run on across the organisation's teams. */
export interface Numbering {
  issueId: number;
  repoDatabaseId: number;
  /** PRs served broken so far: the next takes the next way to break. */
  malformedPrs: number;
}

/**
 * Numbers the team's issues and pull requests, writes the text that quotes the numbers,
 * and adds the Jira-only extras. Each step draws from its own fork of the organisation's
 * stream, so none of them changes the simulated history.
 */
export function finalizeTeam(
  rng: Random,
  spec: WorldSpec,
  numbering: Numbering,
  team: TeamProfile,
  r: TeamResult,
  members: Person[],
): TeamWorld {
  const frng = rng.fork(`finalize:${team.name}`);
  const byCreation = keyIssues(r.issues, team.projectKey, numbering);
  for (const repo of r.repos) finalizeRepo(frng, spec, numbering, team.name, repo, r.prs.get(repo.name)!);
  const issues: IssueW[] = byCreation.map((i) => i as IssueW);
  const jrng = rng.fork(`jira:${team.name}`);
  addSlippingWork(jrng, spec, team, r.sprints, issues, members, () => String(numbering.issueId++));
  markMalformedIssues(jrng, spec.malformedShare ?? 0, issues);
  return {
    team: team.name,
    repos: r.repos,
    project: {
      key: team.projectKey,
      id: String(10_000 + team.boardId),
      name: `${team.name.charAt(0).toUpperCase()}${team.name.slice(1)}`,
      team: team.name,
      boardId: team.boardId,
      leadAccountId: members[0]!.accountId!,
    },
    board: { id: team.boardId, name: `${team.projectKey} board`, projectKey: team.projectKey, type: 'scrum' },
    sprints: r.sprints,
    issues,
    deployments: settledDeployments(r.deployments, spec.end),
    failedAttempts: r.failedAttempts.filter((a) => a.at <= spec.end),
    sprintTruth: sprintTruth(r.sprints, issues, spec.end),
  };
}

/** Jira numbers issues in creation order; stories then name their epic by its key. */
function keyIssues(issues: DraftIssue[], key: string, numbering: Numbering): DraftIssue[] {
  const epics = issues.filter((i) => i.type === 'Epic');
  const byCreation = [...issues].sort((a, b) => a.createdAt - b.createdAt);
  byCreation.forEach((issue, n) => {
    issue.key = `${key}-${n + 1}`;
    issue.id = String(numbering.issueId++);
  });
  for (const issue of issues)
    if (issue.epicKey?.startsWith('@')) issue.epicKey = epics[Number(issue.epicKey.slice(1))]!.key!;
  return byCreation;
}

/** GitHub numbers pull requests in creation order; merge commits then quote them. */
function finalizeRepo(
  rng: Random,
  spec: WorldSpec,
  numbering: Numbering,
  teamName: string,
  repo: RepoWorld,
  prs: DraftPr[],
): void {
  repo.team = teamName;
  repo.databaseId = numbering.repoDatabaseId++;
  repo.id = nodeId('R', spec.org, repo.name);
  const drafts = [...prs].sort((a, b) => a.createdAt - b.createdAt);
  drafts.forEach((d, n) => (d.number = n + 1));
  repo.pullRequests = drafts.map((d) => finalizePr(rng, spec, repo, d));
  if (spec.malformedShare) breakSome(rng, spec.malformedShare, numbering, repo);
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

/** A few records served broken on purpose, rotating through the ways GitHub data goes wrong. */
function breakSome(rng: Random, share: number, numbering: Numbering, repo: RepoWorld): void {
  const kinds = ['bad-date', 'missing-number', 'odd-unicode'] as const;
  for (const pr of repo.pullRequests)
    if (pr.kind === 'chore' && rng.chance(share * 4))
      pr.malformed = kinds[numbering.malformedPrs++ % kinds.length]!;
}

/** The world ends at spec.end: a deployment still running then has not happened yet. */
function settledDeployments(deployments: TeamResult['deployments'], end: number): DeploymentTruth[] {
  return deployments
    .filter((d) => d.finishedAt <= end)
    .map(({ shipsDraft, ...d }) => ({ ...d, ships: shipsDraft.map((p) => p.number!) }));
}
