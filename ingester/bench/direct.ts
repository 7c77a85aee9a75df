import type { Database } from '../src/db/database.js';
import { ISSUE_TYPES, STATUSES, statusId } from '../src/simulators/jira/model.js';
import type { TeamWorld } from '../src/simulators/world/generate.js';
import type { IssueW, PullRequestW, RepoWorld } from '../src/simulators/world/types.js';
import * as gh from '../src/sources/github/tables.js';
import * as jira from '../src/sources/jira/tables.js';
import { upsert } from '../src/store/upsert.js';

/**
 * Writes a generated team's history straight into the source tables, as the syncs would
 * leave them at the end of the world, without going through HTTP: for the scale
 * benchmark, where a million pull requests through the simulators would take too long.
 * The syncs themselves are checked against the same worlds in the tests.
 */

const iso = (t: number | null | undefined) =>
  t === null || t === undefined ? null : new Date(t).toISOString();

export async function writeCatalogues(db: Database): Promise<void> {
  await upsert(
    db,
    jira.statuses,
    STATUSES.map((s) => ({
      id: s.id,
      name: s.name,
      category_key: s.category,
      category_id: null,
      category_name: null,
      raw: {},
    })),
  );
}

function prRows(org: string, repo: RepoWorld, p: PullRequestW, end: number) {
  const merged = p.mergedAt !== null && p.mergedAt <= end;
  const closed = merged || (p.closedAt !== null && p.closedAt <= end);
  const commits = p.commits.filter((c) => c.committedAt <= end);
  const reviews = p.reviews.filter((r) => r.submittedAt <= end);
  let updated = p.createdAt;
  for (const t of [
    p.readyAt,
    merged ? p.mergedAt : null,
    closed ? p.closedAt : null,
    ...commits.map((c) => c.committedAt),
    ...reviews.map((r) => r.submittedAt),
  ])
    if (t !== null && t <= end && t > updated) updated = t;
  return {
    pr: {
      id: p.id,
      repo_id: repo.id,
      number: p.number,
      title: p.title,
      body: p.body,
      author_login: p.author,
      head_ref: p.headRef,
      base_ref: p.baseRef,
      state: merged ? 'MERGED' : closed ? 'CLOSED' : 'OPEN',
      is_draft: !closed && p.readyAt !== null && p.readyAt > end,
      created_at: iso(p.createdAt)!,
      updated_at: iso(updated)!,
      ready_at: p.readyAt !== null && p.readyAt <= end ? iso(p.readyAt) : null,
      closed_at: closed ? iso(merged ? p.mergedAt : p.closedAt) : null,
      merged_at: merged ? iso(p.mergedAt) : null,
      merged_by_login: merged ? p.mergedBy : null,
      merge_commit_oid: merged ? p.mergeCommitOid : null,
      head_oid: commits[commits.length - 1]?.oid ?? p.headOid,
      additions: p.additions,
      deletions: p.deletions,
      changed_files: p.changedFiles,
      commits_total: commits.length,
      reviews_total: reviews.length,
      labels: p.labels,
      reverts_number: p.revertsNumber,
      raw: { url: `https://github.com/${org}/${repo.name}/pull/${p.number}` },
    },
    commits: commits.map((c) => ({
      pr_id: p.id,
      oid: c.oid,
      authored_at: iso(c.authoredAt),
      committed_at: iso(c.committedAt),
      author_login: c.author,
    })),
    reviews: reviews.map((r) => ({
      id: r.id,
      pr_id: p.id,
      author_login: r.author,
      state: r.state,
      submitted_at: iso(r.submittedAt),
      comments: r.comments,
    })),
    refs: p.issueKeys.map((k) => ({
      pr_id: p.id,
      issue_key: k,
      found_in: p.title.includes(k) ? 'title' : p.headRef.includes(k) ? 'branch' : 'body',
    })),
  };
}

export async function writeGitHub(db: Database, org: string, team: TeamWorld, end: number): Promise<number> {
  let rows = 0;
  for (const repo of team.repos) {
    const mainline = repo.mainline.filter((c) => c.committedAt <= end);
    rows += await upsert(db, gh.repos, [
      {
        id: repo.id,
        database_id: repo.databaseId,
        owner: org,
        name: repo.name,
        default_branch: repo.defaultBranch,
        is_archived: false,
        is_fork: false,
        created_at: iso(repo.createdAt),
        pushed_at: iso(mainline[mainline.length - 1]?.committedAt),
        raw: {},
      },
    ]);
    rows += await upsert(
      db,
      gh.commits,
      mainline.map((c, position) => ({
        repo_id: repo.id,
        oid: c.oid,
        position,
        committed_at: iso(c.committedAt)!,
        authored_at: iso(c.authoredAt),
        parents: c.parents,
      })),
    );
    const prs = repo.pullRequests.filter((p) => p.createdAt <= end).map((p) => prRows(org, repo, p, end));
    for (let i = 0; i < prs.length; i += 1000) {
      const page = prs.slice(i, i + 1000);
      rows += await upsert(
        db,
        gh.pullRequests,
        page.map((x) => x.pr),
      );
      rows += await upsert(
        db,
        gh.prCommits,
        page.flatMap((x) => x.commits),
      );
      rows += await upsert(
        db,
        gh.prReviews,
        page.flatMap((x) => x.reviews),
      );
      rows += await upsert(
        db,
        gh.prIssueRefs,
        page.flatMap((x) => x.refs),
      );
    }
    const deployments = repo.deployments.filter((d) => d.createdAt <= end);
    rows += await upsert(
      db,
      gh.deployments,
      deployments.map((d) => ({
        id: d.id,
        database_id: d.databaseId,
        repo_id: repo.id,
        environment: d.environment,
        sha: d.sha,
        ref: d.ref,
        task: d.task,
        created_at: iso(d.createdAt)!,
        updated_at: iso(d.createdAt),
        creator_login: d.creator,
        raw: {},
      })),
    );
    rows += await upsert(
      db,
      gh.deploymentStatuses,
      deployments.flatMap((d) =>
        d.statuses
          .filter((s) => s.createdAt <= end)
          .map((s) => ({ id: s.id, deployment_id: d.id, state: s.state, created_at: iso(s.createdAt)! })),
      ),
    );
    // A deployed sha off the default branch: what a compare would have said.
    const onMain = new Set(mainline.map((c) => c.oid));
    const compares = [];
    for (const d of deployments) {
      if (onMain.has(d.sha)) continue;
      const pr = repo.pullRequests.find((p) => p.commits.some((c) => c.oid === d.sha));
      if (!pr) continue;
      const upTo = pr.commits.findIndex((c) => c.oid === d.sha);
      compares.push({
        repo_id: repo.id,
        head_oid: d.sha,
        base_ref: repo.defaultBranch,
        status: 'diverged',
        merge_base_oid: pr.baseOid,
        ahead_by: upTo + 1,
        ahead_oids: pr.commits.slice(0, upTo + 1).map((c) => c.oid),
      });
    }
    rows += await upsert(db, gh.compares, compares);
    rows += await upsert(
      db,
      gh.releases,
      repo.releases
        .filter((r) => r.createdAt <= end)
        .map((r) => ({
          id: r.id,
          database_id: r.databaseId,
          repo_id: repo.id,
          tag_name: r.tagName,
          name: r.name,
          sha: r.sha,
          is_draft: r.isDraft || r.publishedAt === null || r.publishedAt > end,
          is_prerelease: r.isPrerelease,
          created_at: iso(r.createdAt)!,
          published_at: r.publishedAt !== null && r.publishedAt <= end ? iso(r.publishedAt) : null,
          author_login: r.author,
          raw: {},
        })),
    );
    rows += await upsert(
      db,
      gh.workflowRuns,
      repo.workflowRuns
        .filter((w) => w.updatedAt <= end)
        .map((w) => ({
          id: w.id,
          repo_id: repo.id,
          workflow_id: w.workflowId,
          workflow_name: w.name,
          path: w.path,
          head_branch: w.headBranch,
          head_sha: w.headSha,
          event: w.event,
          status: 'completed',
          conclusion: w.conclusion,
          created_at: iso(w.createdAt)!,
          run_started_at: iso(w.startedAt),
          updated_at: iso(w.updatedAt),
          raw: {},
        })),
    );
  }
  return rows;
}

/** Consecutive intervals from a time-ordered list of changes, the last one open. */
function intervals<T>(
  changes: { at: number; value: T }[],
  end: number,
): { value: T; from: number; to: number | null }[] {
  const seen = changes.filter((c) => c.at <= end);
  return seen.map((c, i) => ({ value: c.value, from: c.at, to: seen[i + 1]?.at ?? null }));
}

function issueRows(issue: IssueW, end: number) {
  const statuses = intervals(
    issue.statuses.map((s) => ({ at: s.at, value: s.status })),
    end,
  );
  const points = intervals(
    issue.points.map((p) => ({ at: p.at, value: p.value })),
    end,
  );
  const last = statuses[statuses.length - 1]!;
  // Sprint stays: from each change of the sprint set, who came and who went.
  const stays: { sprint: number; from: number; to: number | null }[] = [];
  const open = new Map<number, number>();
  for (const change of issue.sprints.filter((c) => c.at <= end)) {
    for (const id of change.sprintIds) if (!open.has(id)) open.set(id, change.at);
    for (const [id, from] of [...open]) {
      if (change.sprintIds.includes(id)) continue;
      stays.push({ sprint: id, from, to: change.at });
      open.delete(id);
    }
  }
  for (const [id, from] of open) stays.push({ sprint: id, from, to: null });
  const pointsNow = points[points.length - 1]?.value ?? null;
  return {
    issue: {
      id: issue.id,
      key: issue.key,
      project_id: issue.project,
      project_key: issue.project,
      issue_type: issue.type,
      issue_type_id: ISSUE_TYPES[issue.type].id,
      hierarchy_level: ISSUE_TYPES[issue.type].hierarchyLevel,
      summary: issue.summary,
      status_id: statusId(last.value),
      resolution: last.value === 'Done' ? 'Done' : null,
      created_at: iso(issue.createdAt)!,
      updated_at: iso(
        Math.max(issue.createdAt, ...issue.statuses.filter((s) => s.at <= end).map((s) => s.at)),
      )!,
      resolved_at: last.value === 'Done' ? iso(last.from) : null,
      reporter_account_id: issue.reporter,
      assignee_account_id: issue.assignee,
      labels: issue.labels,
      parent_key: issue.epicKey,
      epic_key: issue.epicKey,
      story_points: pointsNow,
      points_field_id: 'customfield_10016',
      sprint_ids: [...new Set(issue.sprints.filter((c) => c.at <= end).flatMap((c) => c.sprintIds))],
      flagged: issue.flagged.some((f) => f.from <= end && (f.to === null || f.to > end)),
      raw: {},
    },
    statuses: statuses.map((s, seq) => ({
      issue_id: issue.id,
      seq,
      status_id: statusId(s.value),
      started_at: iso(s.from)!,
      ended_at: iso(s.to),
      entered_by_account_id: null,
    })),
    points: points.map((p, seq) => ({
      issue_id: issue.id,
      seq,
      points: p.value,
      started_at: iso(p.from)!,
      ended_at: iso(p.to),
    })),
    memberships: stays.map((m) => ({
      issue_id: issue.id,
      sprint_id: m.sprint,
      added_at: iso(m.from)!,
      removed_at: iso(m.to),
    })),
    flags: issue.flagged
      .filter((f) => f.from <= end)
      .map((f) => ({
        issue_id: issue.id,
        started_at: iso(f.from)!,
        ended_at: f.to !== null && f.to <= end ? iso(f.to) : null,
      })),
  };
}

export async function writeJira(db: Database, team: TeamWorld, end: number): Promise<number> {
  let rows = await upsert(db, jira.projects, [
    { id: team.project.key, key: team.project.key, name: team.project.name, raw: {} },
  ]);
  rows += await upsert(db, jira.boards, [
    {
      id: team.board.id,
      name: team.board.name,
      type: 'scrum',
      project_key: team.board.projectKey,
      project_id: team.project.key,
      estimation_field_id: 'customfield_10016',
      raw: {},
    },
  ] as never);
  rows += await upsert(
    db,
    jira.sprints,
    team.sprints.map((s) => ({
      id: s.id,
      board_id: s.boardId,
      name: s.name,
      goal: s.goal,
      state: end < s.startAt ? 'future' : end < s.completeAt ? 'active' : 'closed',
      created_at: iso(s.createdAt),
      start_at: end < s.startAt ? null : iso(s.startAt),
      end_at: end < s.startAt ? null : iso(s.endAt),
      complete_at: end < s.completeAt ? null : iso(s.completeAt),
      raw: {},
    })) as never,
  );
  const issues = team.issues.filter((i) => i.createdAt <= end).map((i) => issueRows(i, end));
  for (let k = 0; k < issues.length; k += 1000) {
    const page = issues.slice(k, k + 1000);
    rows += await upsert(db, jira.issues, page.map((x) => x.issue) as never);
    rows += await upsert(db, jira.statusPeriods, page.flatMap((x) => x.statuses) as never);
    rows += await upsert(db, jira.pointEstimates, page.flatMap((x) => x.points) as never);
    rows += await upsert(db, jira.memberships, page.flatMap((x) => x.memberships) as never);
    rows += await upsert(db, jira.flagPeriods, page.flatMap((x) => x.flags) as never);
  }
  return rows;
}
