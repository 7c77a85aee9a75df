import { toWorkingTime } from '../calendar.js';
import { openPullRequest } from './pull-requests.js';
import { pickRepo, type RepoState, type TeamSimulation } from './state.js';
import { DEPENDENCIES, TOPICS } from './words.js';

/**
 * Pull requests no Jira issue asks for (chores, dependency bumps, stray titles), enough to
 * bring the team's count up to its target: they are added after the sprints, to top up
 * what the linked work left short.
 */
export function addUnlinkedWork(sim: TeamSimulation, prTarget: number): void {
  const { rng, spec } = sim;
  const linked = sim.repos.reduce((n, r) => n + r.prs.length, 0);
  const filler = Math.max(0, prTarget - linked);
  for (let i = 0; i < filler; i++) {
    const repo = pickRepo(sim);
    const at = toWorkingTime(spec.start + rng.next() * (spec.end - spec.start));
    if (rng.chance(0.3)) dependencyBump(sim, repo, at);
    else chore(sim, repo, at);
  }
}

function dependencyBump(sim: TeamSimulation, repo: RepoState, at: number): void {
  const { rng } = sim;
  const dep = rng.pick(DEPENDENCIES);
  const bot = rng.pick(['dependabot[bot]', 'renovate[bot]']);
  openPullRequest(sim, {
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
}

/** Mostly a teammate's; now and then one whose author's account is gone (no author). */
function chore(sim: TeamSimulation, repo: RepoState, at: number): void {
  const { rng } = sim;
  openPullRequest(sim, {
    repo,
    kind: 'chore',
    author: rng.chance(0.02) ? null : rng.pick(sim.humans),
    start: at,
    issue: null,
    topic: rng.chance(0.1) ? 'UTF-8 filenames' : rng.pick(TOPICS),
    branchStyle: rng.chance(0.5) ? 'chore' : 'plain',
    abandon: rng.chance(0.04),
  });
}
