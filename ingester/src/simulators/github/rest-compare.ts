import type { RepoWorld, World } from '../world/types.js';
import { commitJson } from './rest.js';

/**
 * `GET /repos/{owner}/{repo}/compare/{base}...{head}`: what `head` has that `base`
 * lacks, from their merge base. `base` is the default branch or a commit on it;
 * `head` is either, or a commit on a pull request's branch.
 */

export function compare(world: World, repo: RepoWorld, now: number, base: string, head: string) {
  const line = repo.mainline.filter((c) => c.committedAt <= now);
  const posOf = (ref: string) =>
    ref === repo.defaultBranch ? line.length - 1 : line.findIndex((c) => c.oid === ref);
  const basePos = posOf(base);
  if (basePos < 0) return undefined;
  let mergeBasePos: number;
  let ahead: typeof line;
  const headPos = posOf(head);
  if (headPos >= 0) {
    mergeBasePos = Math.min(basePos, headPos);
    ahead = line.slice(basePos + 1, headPos + 1);
  } else {
    const pr = repo.pullRequests.find((x) => x.commits.some((c) => c.oid === head) && x.createdAt <= now);
    if (!pr) return undefined;
    const upTo = pr.commits.findIndex((c) => c.oid === head);
    mergeBasePos = Math.min(
      basePos,
      Math.max(
        0,
        line.findIndex((c) => c.oid === pr.baseOid),
      ),
    );
    // A branch's commits have no history of their own here: each follows the one before.
    ahead = pr.commits.slice(0, upTo + 1).map((c, i, all) => ({
      ...c,
      parents: [i === 0 ? line[mergeBasePos]!.oid : all[i - 1]!.oid],
      prNumber: null,
    }));
  }
  const behindBy = basePos - mergeBasePos;
  const status =
    ahead.length === 0 ? (behindBy === 0 ? 'identical' : 'behind') : behindBy === 0 ? 'ahead' : 'diverged';
  const org = world.org.login;
  const full = `${org}/${repo.name}`;
  return {
    body: {
      url: `https://api.github.com/repos/${full}/compare/${base}...${head}`,
      html_url: `https://github.com/${full}/compare/${base}...${head}`,
      permalink_url: `https://github.com/${full}/compare/${org}:${line[basePos]!.oid.slice(0, 7)}...${org}:${head.slice(0, 7)}`,
      diff_url: `https://github.com/${full}/compare/${base}...${head}.diff`,
      patch_url: `https://github.com/${full}/compare/${base}...${head}.patch`,
      base_commit: commitJson(world, repo, line[basePos]!),
      merge_base_commit: commitJson(world, repo, line[mergeBasePos]!),
      status,
      ahead_by: ahead.length,
      behind_by: behindBy,
      total_commits: ahead.length,
      commits: ahead.slice(0, 250).map((c) => commitJson(world, repo, c)),
      files: [],
    },
  };
}
