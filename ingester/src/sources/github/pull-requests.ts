import type { Database } from '../../db/database.js';
import { parseEach, type BadRecord, type RecordQuality } from '../quality.js';
import { pruneChildren, upsert } from '../../store/upsert.js';
import type { GitHubClient } from './client.js';
import { queryKeepingData, type Connection } from './graphql.js';
import { mapCommit, mapReview, prCommit, reviewNode, type PrNode, type PrRows } from './map.js';
import { PR_COMMITS_PAGE, PR_REVIEWS_PAGE } from './queries.js';
import type { RepoRef } from './repos.js';
import * as t from './tables.js';

/** Fetches the rest of a PR's commits and reviews when the nested first page was not all. */
export async function completeNested(
  client: GitHubClient,
  repo: RepoRef,
  rows: PrRows,
  node: PrNode,
  quality: RecordQuality,
): Promise<void> {
  const skip = (bad: BadRecord[]) => quality.skipAll(bad, `${repo.owner}/${repo.name}`);
  let cursor = node.commits?.pageInfo.endCursor ?? null;
  let more = node.commits?.nodes ? node.commits.pageInfo.hasNextPage : false;
  while (more) {
    const { data } = await queryKeepingData<{
      repository: { pullRequest: { commits: Connection<{ commit: unknown }> } };
    }>(client, PR_COMMITS_PAGE, {
      owner: repo.owner,
      name: repo.name,
      number: node.number,
      cursor,
    });
    const page = data.repository.pullRequest.commits;
    const { ok, bad } = parseEach(
      prCommit,
      page.nodes.map((n) => n?.commit ?? null),
      'commit',
    );
    skip(bad);
    rows.commits.push(...ok.map((c) => mapCommit(node.id, c)));
    cursor = page.pageInfo.endCursor;
    more = page.pageInfo.hasNextPage;
  }
  cursor = node.reviews?.pageInfo.endCursor ?? null;
  more = node.reviews?.nodes ? node.reviews.pageInfo.hasNextPage : false;
  while (more) {
    const { data } = await queryKeepingData<{
      repository: { pullRequest: { reviews: Connection<unknown> } };
    }>(client, PR_REVIEWS_PAGE, {
      owner: repo.owner,
      name: repo.name,
      number: node.number,
      cursor,
    });
    const page = data.repository.pullRequest.reviews;
    const { ok, bad } = parseEach(reviewNode, page.nodes, 'review');
    skip(bad);
    rows.reviews.push(...ok.map((r) => mapReview(node.id, r)));
    cursor = page.pageInfo.endCursor;
    more = page.pageInfo.hasNextPage;
  }
}

/** One page of pull requests and their children, in one transaction. */
export async function writePullRequests(db: Database, mapped: PrRows[]): Promise<number> {
  if (mapped.length === 0) return 0;
  return db.tx(async (c) => {
    const ids = mapped.map((m) => m.pr.id);
    // A list GitHub did not serve is not known to be empty: what is stored of it stays.
    const servedWith = (list: 'commits' | 'reviews') =>
      mapped.filter((m) => !m.missing.includes(list)).map((m) => m.pr.id);
    let n = await upsert(
      c,
      t.pullRequests,
      mapped.map((m) => m.pr),
    );
    const commits = mapped.flatMap((m) => m.commits);
    const reviews = mapped.flatMap((m) => m.reviews);
    const refs = mapped.flatMap((m) => m.refs);
    n += await pruneChildren(
      c,
      'source.github_pr_commits',
      'pr_id',
      'oid',
      commits.map((x) => ({ parent: x.pr_id, child: x.oid })),
      servedWith('commits'),
    );
    n += await pruneChildren(
      c,
      'source.github_pr_reviews',
      'pr_id',
      'id',
      reviews.map((x) => ({ parent: x.pr_id, child: x.id })),
      servedWith('reviews'),
    );
    n += await pruneChildren(
      c,
      'source.github_pr_issue_refs',
      'pr_id',
      'issue_key',
      refs.map((x) => ({ parent: x.pr_id, child: x.issue_key })),
      ids,
    );
    n += await upsert(c, t.prCommits, commits);
    n += await upsert(c, t.prReviews, reviews);
    n += await upsert(c, t.prIssueRefs, refs);
    return n;
  });
}
