import type { Random } from '../random.js';
import type { WorldSpec } from '../types.js';
import { deliver } from './delivery.js';
import { newRepo } from './repositories.js';
import { runSprints } from './sprints.js';
import { newTeamSimulation, type Counters, type TeamAssignment, type TeamResult } from './state.js';
import { addUnlinkedWork } from './unlinked-work.js';

/**
 * One team's history: its sprints and Jira issues, the pull requests that carry the
 * work, and its deployments — including the bad ones and how each was put right.
 * Teams are simulated independently, so a large organisation can be generated one
 * team at a time.
 *
 * The steps run in a fixed order, each drawing from the team's random stream: reordering
 * them (or the draws inside them) gives a different world for the same seed.
 */
export function simulateTeam(
  rng: Random,
  spec: WorldSpec,
  counters: Counters,
  assignment: TeamAssignment,
): TeamResult {
  const repos = assignment.plans.map((plan, i) => newRepo(rng, spec, plan, i, counters));
  const sim = newTeamSimulation(rng, spec, counters, assignment, repos);
  runSprints(sim, assignment.prTarget);
  addUnlinkedWork(sim, assignment.prTarget);
  deliver(sim);
  return sim.result;
}

export type { Counters, DraftIssue, DraftPr, TeamAssignment, TeamResult } from './state.js';
