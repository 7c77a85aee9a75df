/**
 * The GraphQL documents the GitHub sync sends. One query per round trip carries a page
 * of every connection a repository still needs (pull requests, default-branch history,
 * deployments, releases), so a repository costs as many requests as its longest list
 * has pages, and a repository with nothing new costs one.
 */

export const PULL_REQUEST_FIELDS = `
fragment PullRequestFields on PullRequest {
  id databaseId number title body url
  author { __typename login }
  headRefName baseRefName headRefOid isDraft state
  createdAt updatedAt closedAt mergedAt
  mergedBy { __typename login }
  mergeCommit { oid }
  additions deletions changedFiles
  labels(first: 20) { nodes { name } }
  timelineItems(first: 5, itemTypes: [READY_FOR_REVIEW_EVENT]) { nodes { ... on ReadyForReviewEvent { createdAt } } }
  commits(first: 100) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { commit { oid authoredDate committedDate author { user { login } } } }
  }
  reviews(first: 100) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id state submittedAt author { __typename login } comments { totalCount } }
  }
}`;

export const DEPLOYMENT_FIELDS = `
fragment DeploymentFields on Deployment {
  id databaseId environment commitOid task createdAt updatedAt
  ref { name }
  creator { __typename login }
  statuses(first: 20) { totalCount nodes { id state createdAt } }
}`;

export const REPO_SYNC = `
query RepoSync(
  $owner: String!, $name: String!,
  $withPrs: Boolean!, $prCursor: String,
  $withHistory: Boolean!, $historyCursor: String, $since: GitTimestamp,
  $withDeployments: Boolean!, $deploymentCursor: String,
  $withReleases: Boolean!, $releaseCursor: String
) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    id databaseId name isArchived isFork createdAt pushedAt
    owner { login }
    defaultBranchRef {
      name
      target {
        ... on Commit {
          oid
          history(first: 100, after: $historyCursor, since: $since) @include(if: $withHistory) {
            pageInfo { hasNextPage endCursor }
            nodes { oid committedDate authoredDate parents(first: 2) { nodes { oid } } }
          }
        }
      }
    }
    pullRequests(first: 100, after: $prCursor, orderBy: { field: UPDATED_AT, direction: DESC }) @include(if: $withPrs) {
      pageInfo { hasNextPage endCursor }
      nodes { ...PullRequestFields }
    }
    deployments(first: 100, after: $deploymentCursor, orderBy: { field: CREATED_AT, direction: DESC }) @include(if: $withDeployments) {
      pageInfo { hasNextPage endCursor }
      nodes { ...DeploymentFields }
    }
    releases(first: 100, after: $releaseCursor, orderBy: { field: CREATED_AT, direction: DESC }) @include(if: $withReleases) {
      pageInfo { hasNextPage endCursor }
      nodes { id databaseId tagName name isDraft isPrerelease createdAt publishedAt author { __typename login } tagCommit { oid } }
    }
  }
}
${PULL_REQUEST_FIELDS}
${DEPLOYMENT_FIELDS}`;

/** The rest of one pull request's `list` (commits or reviews), past the first nested page. */
const nestedPage = (query: string, list: string, nodes: string) => `
query ${query}($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      ${list}(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { ${nodes} }
      }
    }
  }
}`;

export const PR_COMMITS_PAGE = nestedPage(
  'PullRequestCommits',
  'commits',
  'commit { oid authoredDate committedDate author { user { login } } }',
);

export const PR_REVIEWS_PAGE = nestedPage(
  'PullRequestReviews',
  'reviews',
  'id state submittedAt author { __typename login } comments { totalCount }',
);

export const DEPLOYMENT_STATUSES_PAGE = `
query DeploymentStatuses($id: ID!) {
  rateLimit { cost remaining resetAt }
  node(id: $id) { ... on Deployment { statuses(first: 100) { totalCount nodes { id state createdAt } } } }
}`;
