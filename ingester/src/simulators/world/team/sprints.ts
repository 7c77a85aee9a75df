import { after, DAY, HOUR, MINUTE, nextMonday, toWorkingTime } from '../calendar.js';
import type { SprintStyle, SprintW } from '../types.js';
import { doneAt, newIssue, setSprints, sprintsOf, statusOf, work } from './issues.js';
import { closeAtBoardWalk, commitLoad, safeShare, startShares, unplannedWork } from './sprint-styles.js';
import type { DraftIssue, TeamSimulation } from './state.js';
import { capital, TOPICS } from './words.js';

/** Jira sprints: the calendar, planning each sprint, and what happens to its work while it runs. */

interface SprintPlanning {
  readonly sim: TeamSimulation;
  readonly sprints: SprintW[];
  readonly epics: DraftIssue[];
  /** How much work a sprint holds, so the PR count lands near the target. */
  readonly itemsPerSprint: number;
  readonly style: SprintStyle | undefined;
  /** Work not in any sprint: planned next, before anything new is written up. */
  backlog: DraftIssue[];
  /** Unfinished when the last sprint completed: it moves into the next. */
  carry: DraftIssue[];
}

/** The team's sprints over the period, planned and worked one after the other. */
export function runSprints(sim: TeamSimulation, prTarget: number): void {
  const sprints = sprintCalendar(sim);
  sim.result.sprints = sprints;
  const planning: SprintPlanning = {
    sim,
    sprints,
    epics: newEpics(sim),
    itemsPerSprint: itemsPerSprint(sim, prTarget),
    style: sim.team.sprintStyle,
    backlog: [],
    carry: [],
  };
  sprints.forEach((sprint, si) => {
    // The future sprint is planned empty.
    if (sprint.startAt <= sim.spec.end) runSprint(planning, sprint, si);
  });
}

/** Back-to-back sprints from the first Monday, and one future sprint past "now". */
function sprintCalendar(sim: TeamSimulation): SprintW[] {
  const { rng, spec, team, counters } = sim;
  const sprintMs = team.sprintDays * DAY;
  const sprints: SprintW[] = [];
  for (let s = nextMonday(spec.start); ; s += sprintMs) {
    sprints.push({
      id: counters.sprint++,
      boardId: team.boardId,
      name: `${team.projectKey} Sprint ${sprints.length + 1}`,
      goal: `Ship ${rng.pick(TOPICS)}`,
      createdAt: s - 7 * DAY,
      startAt: s,
      endAt: s + sprintMs - 3 * DAY + 8 * HOUR, // Friday 17:00 of the second week
      completeAt: s + sprintMs - 3 * DAY + 8 * HOUR + rng.int(0, 90) * MINUTE,
    });
    if (s > spec.end) break;
  }
  return sprints;
}

/** Linked work is a share of the PR target; about 92% of the issues worked open a PR. */
function itemsPerSprint(sim: TeamSimulation, prTarget: number): number {
  const { spec, team } = sim;
  const sprintCount = Math.max(1, (spec.end - spec.start) / (team.sprintDays * DAY));
  return Math.max(2, (prTarget * (spec.linkedShare ?? 0.72)) / 0.92 / sprintCount);
}

/** Three epics, already under way when the period starts, that stories belong to. */
function newEpics(sim: TeamSimulation): DraftIssue[] {
  const { rng, spec, humans } = sim;
  const epics: DraftIssue[] = [];
  for (let e = 0; e < 3; e++) {
    const at = spec.start - rng.int(5, 30) * DAY;
    const epic = newIssue(sim, {
      type: 'Epic',
      createdAt: at,
      summary: `${capital(rng.pick(TOPICS))} overhaul`,
      reporter: rng.pick(humans).login,
      assignee: null,
      points: null,
    });
    epic.statuses.push({ at: at + 2 * DAY, status: 'In Progress', author: epic.reporter });
    epics.push(epic);
  }
  return epics;
}

function runSprint(planning: SprintPlanning, sprint: SprintW, si: number): void {
  const { sim, carry } = planning;
  const planner = sim.rng.pick(sim.humans).login;
  const load = commitLoad(sim.rng, planning.style);
  const committed = commit(planning, sprint, si, planner, load);
  const fresh = committed.filter((c) => !carry.includes(c));
  const removed = dropSome(planning, sprint, fresh, planner);
  reestimate(sim, sprint, fresh, removed, planner);
  const safe = safeShare(sim.team, sprint);
  const startShare = startShares(sim.rng, planning.style, load, safe);
  for (const item of fresh)
    if (!removed.has(item))
      workOn(planning, item, sprint.startAt + startShare() * (sprint.endAt - sprint.startAt));
  addUnplannedWork(planning, sprint, { safe, committed: committed.length - removed.size }, planner);
  reopenSome(planning, sprint);
  planning.carry = [];
  if (planning.sprints[si + 1] && sprint.completeAt <= sim.spec.end)
    planning.carry = unfinishedAt(sim.result.issues, sprint, removed);
  planning.backlog = planning.backlog.filter((b) => !planning.carry.includes(b));
}

/** What the sprint starts with: the previous sprint's unfinished work, then the backlog's. */
function commit(
  planning: SprintPlanning,
  sprint: SprintW,
  si: number,
  planner: string,
  load: number,
): DraftIssue[] {
  const { sim, carry } = planning;
  const { rng } = sim;
  const committed: DraftIssue[] = [...carry];
  // Jira moves unfinished issues when the previous sprint is completed.
  for (const c of carry)
    setSprints(c, planning.sprints[si - 1]!.completeAt, [...sprintsOf(c), sprint.id], planner);
  const want = Math.round(planning.itemsPerSprint * 0.85 * (0.8 + rng.next() * 0.4) * load);
  while (committed.length < want) {
    const item = planning.backlog.shift() ?? newBacklogItem(planning, sprint.startAt);
    // Planned hours before the start, but never before the issue existed.
    const plannedAt = sprint.startAt - rng.int(1, 48) * HOUR;
    const earliest = Math.min(item.createdAt + 30 * MINUTE, sprint.startAt - MINUTE);
    setSprints(item, Math.max(plannedAt, earliest), [...sprintsOf(item), sprint.id], planner);
    committed.push(item);
  }
  return committed;
}

/** A story, bug or task written up some days before it is planned. */
function newBacklogItem(planning: SprintPlanning, before: number): DraftIssue {
  const { sim, epics } = planning;
  const { rng } = sim;
  const type = rng.weighted([
    ['Story', 60],
    ['Bug', 20],
    ['Task', 20],
  ] as const);
  const topic = rng.pick(TOPICS);
  const issue = newIssue(sim, {
    type,
    createdAt: toWorkingTime(before - rng.int(1, 25) * DAY),
    summary:
      type === 'Bug'
        ? `${capital(topic)} fails for some users`
        : type === 'Task'
          ? `Tidy up ${topic}`
          : `Improve ${topic}`,
    reporter: rng.pick(sim.humans).login,
    assignee: null,
    points: rng.chance(0.06) ? null : rng.weighted(ESTIMATES),
  });
  // The epic's key is not known until issues are numbered: its index stands in for it.
  if (type === 'Story' && rng.chance(0.6)) issue.epicKey = '@' + epics.indexOf(rng.pick(epics));
  return issue;
}

const ESTIMATES = [
  [1, 15],
  [2, 25],
  [3, 30],
  [5, 20],
  [8, 10],
] as const;

/** Some planned work is dropped mid-sprint and goes back to the backlog. */
function dropSome(
  planning: SprintPlanning,
  sprint: SprintW,
  fresh: DraftIssue[],
  planner: string,
): Set<DraftIssue> {
  const { rng } = planning.sim;
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
      planning.backlog.push(item);
    }
  }
  return removed;
}

/** Re-estimates after the sprint started. */
function reestimate(
  sim: TeamSimulation,
  sprint: SprintW,
  fresh: DraftIssue[],
  removed: Set<DraftIssue>,
  planner: string,
): void {
  const { rng } = sim;
  for (const item of fresh) {
    if (removed.has(item) || item.points.length === 0 || !rng.chance(0.1)) continue;
    const from = item.points[item.points.length - 1]!.value ?? 3;
    item.points.push({
      at: after(sprint.startAt, rng.int(1, 5) * DAY),
      value: rng.pick([1, 2, 3, 5, 8, 13].filter((v) => v !== from)),
      author: item.assignee ?? planner,
    });
  }
}

/** Unplanned work added after the start: mostly bugs, worked soon after they come in. */
function addUnplannedWork(
  planning: SprintPlanning,
  sprint: SprintW,
  { safe, committed }: { safe: number; committed: number },
  planner: string,
): void {
  const { sim, style, itemsPerSprint } = planning;
  const { rng } = sim;
  const added = unplannedWork(rng, style, sprint, safe, itemsPerSprint, committed);
  for (let a = 0; a < added.count; a++) {
    const at = after(sprint.startAt, rng.next() * added.within);
    const bug = rng.chance(0.7);
    const topic = rng.pick(TOPICS);
    const item = newIssue(sim, {
      type: bug ? 'Bug' : 'Task',
      createdAt: at - rng.int(10, 300) * MINUTE,
      summary: bug ? `${capital(topic)} returns an error` : `Investigate ${topic}`,
      reporter: rng.pick(sim.humans).login,
      assignee: null,
      points: rng.weighted([
        [1, 40],
        [2, 35],
        [3, 25],
      ] as const),
    });
    setSprints(item, at, [sprint.id], planner);
    workOn(planning, item, after(at, rng.int(1, 20) * HOUR));
  }
}

/** Re-opened after done, while the sprint still runs, and worked again. */
function reopenSome(planning: SprintPlanning, sprint: SprintW): void {
  const { sim } = planning;
  const { rng } = sim;
  for (const item of sim.result.issues) {
    const d = doneAt(item);
    if (d === null || !sprintsOf(item).includes(sprint.id) || item.type === 'Incident') continue;
    if (d < sprint.startAt || d > sprint.endAt - 3 * DAY || !rng.chance(0.04)) continue;
    const reopenAt = after(d, rng.lognormal(20 * HOUR, 0.5));
    workOn(planning, item, reopenAt);
  }
}

/** All the sprint's work goes through here, so a bursty team's board walks see every Done. */
function workOn(planning: SprintPlanning, item: DraftIssue, start: number): void {
  work(planning.sim, item, start);
  if (planning.style === 'bursty') closeAtBoardWalk(item);
}

/** The sprint's issues still unfinished when it completes (those dropped from it aside). */
function unfinishedAt(issues: DraftIssue[], sprint: SprintW, removed: Set<DraftIssue>): DraftIssue[] {
  return issues.filter(
    (item) =>
      sprintsOf(item).includes(sprint.id) &&
      !removed.has(item) &&
      statusOf(item, sprint.completeAt) !== 'Done',
  );
}
