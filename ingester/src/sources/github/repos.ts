import { z } from 'zod';
import { repoMatches } from '../../config/organisation.js';
import type { Logger } from '../../log.js';
import { optional } from '../lenient.js';
import { parseEach } from '../quality.js';
import type { Database } from '../../db/database.js';
import { readSyncState, writeSyncState } from '../../store/runs.js';
import { upsert } from '../../store/upsert.js';
import type { GitHubClient } from './client.js';
import { stripForStorage } from './map.js';
import * as t from './tables.js';

export interface RepoRef {
  id: string;
  owner: string;
  name: string;
  defaultBranch: string;
  archived: boolean;
}

interface ListingCursor {
  etag: string;
  repos: RepoRef[];
}

/** A repository as GitHub's REST API lists it: what a row needs, the rest kept as payload. */
export const restRepository = z
  .object({
    node_id: z.string().min(1),
    id: z.number().int(),
    owner: z.object({ login: z.string().min(1) }).loose(),
    name: z.string().min(1),
    default_branch: optional(z.string()),
    archived: optional(z.boolean()),
    fork: optional(z.boolean()),
    created_at: optional(z.string()),
    pushed_at: optional(z.string()),
  })
  .loose();

export function mapRepository(r: z.infer<typeof restRepository>) {
  return {
    ref: {
      id: r.node_id,
      owner: r.owner.login,
      name: r.name,
      defaultBranch: r.default_branch ?? 'main',
      archived: r.archived ?? false,
    } satisfies RepoRef,
    row: {
      id: r.node_id,
      database_id: r.id,
      owner: r.owner.login,
      name: r.name,
      default_branch: r.default_branch ?? null,
      is_archived: r.archived ?? false,
      is_fork: r.fork ?? false,
      created_at: r.created_at ?? null,
      pushed_at: r.pushed_at ?? null,
      raw: stripForStorage(r),
    },
  };
}

/**
 * The organisation's repositories. The listing is a conditional request: when nothing
 * changed GitHub answers 304, which costs no rate limit, and the saved list is used.
 */
export async function listRepositories(
  db: Database,
  client: GitHubClient,
  org: string,
  log?: Logger,
): Promise<RepoRef[]> {
  const scope = `org:${org.toLowerCase()}`;
  const saved = await readSyncState<ListingCursor>(db, 'github', scope);
  const etag = saved.cursor?.etag;
  const collected: Record<string, unknown>[] = [];
  let firstEtag: string | undefined;
  let page = 1;
  for (;;) {
    try {
      const res = await client.request('GET /orgs/{org}/repos', {
        org,
        type: 'all',
        per_page: 100,
        page,
        headers: page === 1 && etag ? { 'if-none-match': etag } : {},
      });
      if (page === 1) firstEtag = res.headers.etag;
      collected.push(...(res.data as unknown as Record<string, unknown>[]));
      if (!/rel="next"/.test(res.headers.link ?? '')) break;
      page += 1;
    } catch (err) {
      if ((err as { status?: number }).status === 304 && saved.cursor) return saved.cursor.repos;
      throw err;
    }
  }
  const { ok, bad } = parseEach(restRepository, collected, 'repository');
  for (const b of bad) log?.warn({ record: b.id, cause: b.cause }, 'malformed record skipped');
  const mapped = ok.map(mapRepository);
  const refs = mapped.map((m) => m.ref);
  await db.tx(async (c) => {
    await upsert(
      c,
      t.repos,
      mapped.map((m) => m.row),
    );
    if (firstEtag)
      await writeSyncState<ListingCursor>(c, 'github', scope, {
        watermark: null,
        cursor: { etag: firstEtag, repos: refs },
      });
  });
  return refs;
}

/**
 * Whether a GITHUB_REPOS (or --repo) entry names a repository: a name or pattern
 * (`payments-*`), or `owner/name` the way GitHub writes it (either part a pattern).
 */
export function repoSelected(pattern: string, repo: Pick<RepoRef, 'owner' | 'name'>): boolean {
  const slash = pattern.indexOf('/');
  if (slash < 0) return repoMatches(pattern, repo.name);
  return repoMatches(pattern.slice(0, slash), repo.owner) && repoMatches(pattern.slice(slash + 1), repo.name);
}

/** GITHUB_REPOS entries: names, `owner/name` or patterns to include, `!pattern` to exclude; none means all. */
export function selectRepositories(all: RepoRef[], patterns: string[], only: string[] = []): RepoRef[] {
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return all
    .filter((r) => include.length === 0 || include.some((p) => repoSelected(p, r)))
    .filter((r) => !exclude.some((p) => repoSelected(p, r)))
    .filter((r) => only.length === 0 || only.some((p) => repoSelected(p, r)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The entries of a selection that name no repository of the organisation. */
export function unmatchedEntries(all: RepoRef[], entries: string[]): string[] {
  return entries.filter((e) => !all.some((r) => repoSelected(e.replace(/^!/, ''), r)));
}
