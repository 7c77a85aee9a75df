import { after, HOUR, MINUTE } from '../calendar.js';
import type { Person } from '../types.js';
import { queueMerge, type Delivery } from './delivery-state.js';
import { newIssue } from './issues.js';
import { openPullRequest } from './pull-requests.js';
import { restore } from './recovery.js';
import type { DraftIssue, RepoState, TeamSimulation, TruthDraft } from './state.js';
import { capital, TOPICS } from './words.js';

/** Incidents: opened on a deployment, worked, and resolved by a fix or by hand. */

/**
 * The deployment an incident opened at `opened` is pinned on, as SQL pins it: the team's
 * latest to finish by then (to the second), which may be another repository's than `bad`.
 */
export function pinnedDeployment(deployments: TruthDraft[], opened: number, bad: TruthDraft): TruthDraft {
  const sec = (t: number) => Math.floor(t / 1000);
  return deployments.reduce(
    (best, d) => (sec(d.finishedAt) <= sec(opened) && sec(d.finishedAt) > sec(best.finishedAt) ? d : best),
    bad,
  );
}

/**
 * The incident as the remedy: every deployment of the team waits until it is resolved, by a
 * quick fix deployed (mostly) or by hand.
 */
export function startIncident(delivery: Delivery, repo: RepoState, bad: TruthDraft, author: Person): void {
  const { sim } = delivery;
  const { rng } = sim;
  delivery.frozenUntil = Infinity;
  const opened = after(bad.finishedAt, rng.lognormal(90 * MINUTE, 0.6));
  const hit = pinnedDeployment(sim.result.deployments, opened, bad);
  const incident = openIncident(sim, author, opened, hit);
  startWork(incident, after(opened, rng.int(5, 30) * MINUTE), author);
  hit.failure = { kind: 'incident', signalAt: opened, restoredAt: null, withinWindow: true };
  if (rng.chance(0.7)) {
    const fix = openPullRequest(sim, {
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
    queueMerge(delivery, repo, fix);
    const deployAt = after(fix.mergedAt!, rng.int(10, 25) * MINUTE);
    repo.blockedUntil = deployAt + HOUR;
    delivery.queue.push(deployAt, { kind: 'fix-deploy', repo, bad: hit, as: 'incident', incident });
  } else {
    const resolved = resolveIncident(sim, incident, after(opened, rng.lognormal(3 * HOUR, 0.6)));
    restore(hit.failure, 'incident', resolved);
    delivery.frozenUntil = resolved;
  }
}

/**
 * An incident opened a minute after `bad` finished, on top of the evidence the failure
 * already has, resolved some hours later without a fix of its own: service is restored
 * when the last of them is put right (spec.incidentAlsoShare).
 */
export function alsoIncident(sim: TeamSimulation, bad: TruthDraft, author: Person): void {
  const failure = bad.failure!;
  const opened = bad.finishedAt + MINUTE;
  // Only where it pins on `bad`: no other deployment of the team in between.
  if (pinnedDeployment(sim.result.deployments, opened, bad) !== bad) return;
  const incident = openIncident(sim, author, opened, bad);
  startWork(incident, opened + 5 * MINUTE, author);
  failure.restores = { [failure.kind]: null, incident: null };
  failure.restoredAt = null;
  failure.signalAt = Math.min(failure.signalAt, opened);
  const resolved = resolveIncident(sim, incident, after(opened, sim.rng.lognormal(3 * HOUR, 0.6)));
  restore(failure, 'incident', resolved);
}

/** Resolves the incident a while after the fix went out; returns when. */
export function resolveIncident(sim: TeamSimulation, incident: DraftIssue, fixedAt: number): number {
  // Never before the status it leaves (work started the next morning, say).
  const at = Math.max(
    after(fixedAt, sim.rng.lognormal(30 * MINUTE, 0.5)),
    incident.statuses[incident.statuses.length - 1]!.at + MINUTE,
  );
  incident.statuses.push({ at, status: 'Done', author: incident.assignee ?? incident.reporter });
  incident.incident!.resolvedAt = at;
  return at;
}

/** An incident issue opened by `author` against the deployment `hit`. */
function openIncident(sim: TeamSimulation, author: Person, opened: number, hit: TruthDraft): DraftIssue {
  const incident = newIssue(sim, {
    type: 'Incident',
    createdAt: opened,
    summary: `${capital(sim.rng.pick(TOPICS))} degraded in production`,
    reporter: author.login,
    assignee: author.login,
    points: null,
  });
  incident.labels = ['incident'];
  incident.incident = { deploymentId: hit.key, startedAt: opened, resolvedAt: null };
  return incident;
}

function startWork(incident: DraftIssue, at: number, author: Person): void {
  incident.statuses.push({ at, status: 'In Progress', author: author.login });
}
