import { after, HOUR, MINUTE, toWorkingTime } from '../calendar.js';
import type { IssueType, Person } from '../types.js';
import { openPullRequest } from './pull-requests.js';
import { pickRepo, type DraftIssue, type TeamSimulation } from './state.js';

/** Jira issues: creating one, reading and writing its history, and working it to done. */

export interface NewIssue {
  type: IssueType;
  createdAt: number;
  summary: string;
  reporter: string;
  assignee: string | null;
  points: number | null;
}

export function newIssue(sim: TeamSimulation, o: NewIssue): DraftIssue {
  const issue: DraftIssue = {
    project: sim.team.projectKey,
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
  sim.result.issues.push(issue);
  return issue;
}

/** The sprints the issue is in now. */
export function sprintsOf(issue: DraftIssue): number[] {
  return issue.sprints[issue.sprints.length - 1]?.sprintIds ?? [];
}

export function setSprints(issue: DraftIssue, at: number, ids: number[], author: string): void {
  issue.sprints.push({ at, sprintIds: ids, author });
}

export function statusOf(issue: DraftIssue, at = Infinity): string {
  let s = issue.statuses[0]!.status;
  for (const c of issue.statuses) if (c.at <= at) s = c.status;
  return s;
}

/** When it was last done, if that is where it stands. */
export function doneAt(issue: DraftIssue): number | null {
  const last = issue.statuses[issue.statuses.length - 1]!;
  return last.status === 'Done' ? last.at : null;
}

/** Works an issue from `start`: status changes and, for code work, a pull request. */
export function work(sim: TeamSimulation, issue: DraftIssue, start: number): void {
  const { rng, humans } = sim;
  const who = humans.find((h) => h.login === issue.assignee) ?? rng.pick(humans);
  issue.assignee = who.login;
  let t = toWorkingTime(start);
  issue.statuses.push({ at: t, status: 'In Progress', author: who.login });
  t = impede(sim, issue, who, t);
  if (issue.type === 'Task' && rng.chance(0.15)) {
    issue.statuses.push({ at: after(t, rng.lognormal(14 * HOUR, 0.7)), status: 'Done', author: who.login });
    return;
  }
  const repo = pickRepo(sim);
  const pr = openPullRequest(sim, {
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

/**
 * Now and then work is blocked (status and flag, and the work waits) or only flagged for a
 * while (it goes on). Returns when work can go on.
 */
function impede(sim: TeamSimulation, issue: DraftIssue, who: Person, t: number): number {
  const { rng } = sim;
  if (rng.chance(0.08)) {
    const blockedAt = after(t, rng.lognormal(6 * HOUR, 0.6));
    const unblockedAt = after(blockedAt, rng.lognormal(20 * HOUR, 0.6));
    issue.statuses.push({ at: blockedAt, status: 'Blocked', author: who.login });
    issue.statuses.push({ at: unblockedAt, status: 'In Progress', author: who.login });
    issue.flagged.push({ from: blockedAt, to: unblockedAt });
    return unblockedAt;
  }
  if (rng.chance(0.04)) {
    const from = after(t, rng.lognormal(4 * HOUR, 0.6));
    issue.flagged.push({ from, to: after(from, rng.lognormal(12 * HOUR, 0.6)) });
  }
  return t;
}
