import type { CommitW, DeploymentW, ReleaseW, RepoWorld, WorkflowRunW, World } from '../world/types.js';

/**
 * REST payloads shaped as GitHub sends them (every field the OpenAPI description
 * marks required, with GitHub's URL patterns), built over the world at an instant.
 * Tests validate them against @octokit/openapi.
 */

const API = 'https://api.github.com';
const WEB = 'https://github.com';
// toISOString is always yyyy-mm-ddThh:mm:ss.sssZ for the years the world spans.
export const isoSeconds = (t: number) => `${new Date(t).toISOString().slice(0, 19)}Z`;

function numericId(s: string): number {
  let h = 7;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 2_000_000_000;
  return h;
}

export function simpleUser(
  login: string,
  type: 'User' | 'Bot' | 'Organization' = login.endsWith('[bot]') ? 'Bot' : 'User',
) {
  const id = numericId(login);
  const u = `${API}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: `${type === 'Bot' ? 'BOT' : type === 'Organization' ? 'O' : 'U'}_kgDO${Buffer.from(login).toString('base64url')}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: u,
    html_url: type === 'Bot' ? `${WEB}/apps/${login.replace(/\[bot\]$/, '')}` : `${WEB}/${login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function minimalRepository(world: World, repo: RepoWorld, pushedAt: number) {
  const full = `${world.org.login}/${repo.name}`;
  const u = `${API}/repos/${full}`;
  return {
    id: repo.databaseId,
    node_id: repo.id,
    name: repo.name,
    full_name: full,
    private: true,
    owner: simpleUser(world.org.login, 'Organization'),
    html_url: `${WEB}/${full}`,
    description: `${repo.name} service`,
    fork: false,
    url: u,
    archive_url: `${u}/{archive_format}{/ref}`,
    assignees_url: `${u}/assignees{/user}`,
    blobs_url: `${u}/git/blobs{/sha}`,
    branches_url: `${u}/branches{/branch}`,
    collaborators_url: `${u}/collaborators{/collaborator}`,
    comments_url: `${u}/comments{/number}`,
    commits_url: `${u}/commits{/sha}`,
    compare_url: `${u}/compare/{base}...{head}`,
    contents_url: `${u}/contents/{+path}`,
    contributors_url: `${u}/contributors`,
    deployments_url: `${u}/deployments`,
    downloads_url: `${u}/downloads`,
    events_url: `${u}/events`,
    forks_url: `${u}/forks`,
    git_commits_url: `${u}/git/commits{/sha}`,
    git_refs_url: `${u}/git/refs{/sha}`,
    git_tags_url: `${u}/git/tags{/sha}`,
    git_url: `git://github.com/${full}.git`,
    issue_comment_url: `${u}/issues/comments{/number}`,
    issue_events_url: `${u}/issues/events{/number}`,
    issues_url: `${u}/issues{/number}`,
    keys_url: `${u}/keys{/key_id}`,
    labels_url: `${u}/labels{/name}`,
    languages_url: `${u}/languages`,
    merges_url: `${u}/merges`,
    milestones_url: `${u}/milestones{/number}`,
    notifications_url: `${u}/notifications{?since,all,participating}`,
    pulls_url: `${u}/pulls{/number}`,
    releases_url: `${u}/releases{/id}`,
    ssh_url: `git@github.com:${full}.git`,
    stargazers_url: `${u}/stargazers`,
    statuses_url: `${u}/statuses/{sha}`,
    subscribers_url: `${u}/subscribers`,
    subscription_url: `${u}/subscription`,
    tags_url: `${u}/tags`,
    teams_url: `${u}/teams`,
    trees_url: `${u}/git/trees{/sha}`,
    clone_url: `${WEB}/${full}.git`,
    hooks_url: `${u}/hooks`,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 1024,
    default_branch: repo.defaultBranch,
    open_issues_count: 0,
    is_template: false,
    topics: [repo.team],
    has_issues: false,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    pushed_at: isoSeconds(pushedAt),
    created_at: isoSeconds(repo.createdAt),
    updated_at: isoSeconds(pushedAt),
    permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
    forks: 0,
    open_issues: 0,
    watchers: 0,
  };
}

export function deploymentJson(world: World, repo: RepoWorld, d: DeploymentW, now: number) {
  const u = `${API}/repos/${world.org.login}/${repo.name}/deployments/${d.databaseId}`;
  const statuses = d.statuses.filter((s) => s.createdAt <= now);
  return {
    url: u,
    id: d.databaseId,
    node_id: d.id,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: {},
    original_environment: d.environment,
    environment: d.environment,
    description: null,
    creator: simpleUser(d.creator),
    created_at: isoSeconds(d.createdAt),
    updated_at: isoSeconds(statuses[statuses.length - 1]?.createdAt ?? d.createdAt),
    statuses_url: `${u}/statuses`,
    repository_url: `${API}/repos/${world.org.login}/${repo.name}`,
    transient_environment: false,
    production_environment: /^(prod|production)$/i.test(d.environment),
  };
}

export function deploymentStatusesJson(world: World, repo: RepoWorld, d: DeploymentW, now: number) {
  const du = `${API}/repos/${world.org.login}/${repo.name}/deployments/${d.databaseId}`;
  return d.statuses
    .filter((s) => s.createdAt <= now)
    .reverse()
    .map((s) => ({
      url: `${du}/statuses/${s.databaseId}`,
      id: s.databaseId,
      node_id: s.id,
      state: s.state,
      creator: simpleUser(d.creator),
      description: '',
      environment: d.environment,
      target_url: `https://github.com/${world.org.login}/${repo.name}/actions/runs/${d.databaseId}`,
      log_url: `https://github.com/${world.org.login}/${repo.name}/actions/runs/${d.databaseId}`,
      environment_url: `https://${d.environment.toLowerCase()}.${repo.name}.${world.org.login}.example`,
      created_at: isoSeconds(s.createdAt),
      updated_at: isoSeconds(s.createdAt),
      deployment_url: du,
      repository_url: `${API}/repos/${world.org.login}/${repo.name}`,
    }));
}

export function releaseJson(world: World, repo: RepoWorld, r: ReleaseW, now: number) {
  const u = `${API}/repos/${world.org.login}/${repo.name}/releases/${r.databaseId}`;
  const published = !r.isDraft && r.publishedAt !== null && r.publishedAt <= now ? r.publishedAt : null;
  return {
    url: u,
    html_url: `${WEB}/${world.org.login}/${repo.name}/releases/tag/${r.tagName}`,
    assets_url: `${u}/assets`,
    upload_url: `https://uploads.github.com/repos/${world.org.login}/${repo.name}/releases/${r.databaseId}/assets{?name,label}`,
    tarball_url: `${API}/repos/${world.org.login}/${repo.name}/tarball/${r.tagName}`,
    zipball_url: `${API}/repos/${world.org.login}/${repo.name}/zipball/${r.tagName}`,
    id: r.databaseId,
    node_id: r.id,
    tag_name: r.tagName,
    target_commitish: r.sha,
    name: r.name,
    body: null,
    draft: published === null,
    prerelease: r.isPrerelease,
    created_at: isoSeconds(r.createdAt),
    published_at: published === null ? null : isoSeconds(published),
    author: simpleUser(r.author),
    assets: [],
  };
}

/** GitHub's no-reply address: `<id>+<login>@users.noreply.github.com`. */
function email(login: string | null): string {
  const name = (login ?? 'ghost').replace(/\[bot\]$/, '');
  return `${numericId(login ?? 'ghost')}+${name}@users.noreply.github.com`;
}

export function commitJson(world: World, repo: RepoWorld, c: CommitW) {
  const full = `${world.org.login}/${repo.name}`;
  const u = `${API}/repos/${full}/commits/${c.oid}`;
  return {
    url: u,
    sha: c.oid,
    node_id: `C_kwDO${Buffer.from(c.oid.slice(0, 12)).toString('base64url')}`,
    html_url: `${WEB}/${full}/commit/${c.oid}`,
    comments_url: `${u}/comments`,
    commit: {
      url: `${API}/repos/${full}/git/commits/${c.oid}`,
      author: { name: c.author ?? 'ghost', email: email(c.author), date: isoSeconds(c.authoredAt) },
      committer: { name: 'GitHub', email: 'noreply@github.com', date: isoSeconds(c.committedAt) },
      message: c.message,
      comment_count: 0,
      tree: {
        sha: c.oid.split('').reverse().join(''),
        url: `${API}/repos/${full}/git/trees/${c.oid.split('').reverse().join('')}`,
      },
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    author: c.author ? simpleUser(c.author) : null,
    committer: simpleUser('web-flow'),
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${API}/repos/${full}/commits/${p}`,
      html_url: `${WEB}/${full}/commit/${p}`,
    })),
  };
}

export function workflowJson(
  world: World,
  repo: RepoWorld,
  run: Pick<WorkflowRunW, 'workflowId' | 'name' | 'path'>,
) {
  const full = `${world.org.login}/${repo.name}`;
  return {
    id: run.workflowId,
    node_id: `W_kwDO${Buffer.from(String(run.workflowId)).toString('base64url')}`,
    name: run.name,
    path: run.path,
    state: 'active',
    created_at: isoSeconds(repo.createdAt),
    updated_at: isoSeconds(repo.createdAt),
    url: `${API}/repos/${full}/actions/workflows/${run.workflowId}`,
    html_url: `${WEB}/${full}/blob/main/${run.path}`,
    badge_url: `${WEB}/${full}/workflows/${encodeURIComponent(run.name)}/badge.svg`,
  };
}

export function workflowRunJson(world: World, repo: RepoWorld, run: WorkflowRunW, now: number) {
  const full = `${world.org.login}/${repo.name}`;
  const u = `${API}/repos/${full}/actions/runs/${run.id}`;
  const done = run.updatedAt <= now;
  const head = repo.mainline.find((c) => c.oid === run.headSha);
  const repoJson = minimalRepository(world, repo, now);
  return {
    id: run.id,
    name: run.name,
    node_id: `WFR_kwLO${Buffer.from(String(run.id)).toString('base64url')}`,
    check_suite_id: run.id + 1,
    check_suite_node_id: `CS_kwDO${Buffer.from(String(run.id + 1)).toString('base64url')}`,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.path,
    display_title: head?.message.split('\n')[0] ?? run.name,
    run_number: run.runNumber,
    run_attempt: 1,
    event: run.event,
    status: done ? 'completed' : 'in_progress',
    conclusion: done ? run.conclusion : null,
    workflow_id: run.workflowId,
    url: u,
    html_url: `${WEB}/${full}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: isoSeconds(run.createdAt),
    updated_at: isoSeconds(done ? run.updatedAt : run.startedAt),
    run_started_at: isoSeconds(run.startedAt),
    actor: simpleUser(run.actor),
    triggering_actor: simpleUser(run.actor),
    jobs_url: `${u}/jobs`,
    logs_url: `${u}/logs`,
    check_suite_url: `${API}/repos/${full}/check-suites/${run.id + 1}`,
    artifacts_url: `${u}/artifacts`,
    cancel_url: `${u}/cancel`,
    rerun_url: `${u}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${API}/repos/${full}/actions/workflows/${run.workflowId}`,
    head_commit: {
      id: run.headSha,
      tree_id: run.headSha.split('').reverse().join(''),
      message: head?.message ?? '',
      timestamp: isoSeconds(head?.committedAt ?? run.createdAt),
      author: { name: head?.author ?? 'ghost', email: email(head?.author ?? null) },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    repository: repoJson,
    head_repository: repoJson,
  };
}

export function organizationJson(world: World) {
  const o = world.org;
  const u = `${API}/orgs/${o.login}`;
  return {
    login: o.login,
    id: o.databaseId,
    node_id: o.id,
    url: u,
    repos_url: `${u}/repos`,
    events_url: `${u}/events`,
    hooks_url: `${u}/hooks`,
    issues_url: `${u}/issues`,
    members_url: `${u}/members{/member}`,
    public_members_url: `${u}/public_members{/member}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${o.databaseId}?v=4`,
    description: `${o.name} engineering`,
    name: o.name,
    html_url: `${WEB}/${o.login}`,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    type: 'Organization',
    created_at: isoSeconds(world.spec.start - 1000 * 86_400_000),
    updated_at: isoSeconds(world.spec.start),
    archived_at: null,
  };
}
