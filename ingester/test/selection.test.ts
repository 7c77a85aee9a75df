import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadSettings } from '../src/config/settings.js';
import { ConfigError } from '../src/errors.js';
import { runDoctor } from '../src/cli/doctor.js';
import { selectRepositories, unmatchedEntries, type RepoRef } from '../src/sources/github/repos.js';
import type { GitHubSimulator } from '../src/simulators/github/server.js';
import type { JiraSimulator } from '../src/simulators/jira/server.js';
import { freshDatabase, quietLog, type TestDatabase } from './support/database.js';
import { startGitHub, syncFrom, testWorld } from './support/github.js';
import { CLOUD_AUTH, jiraWorld, startSite, syncSite } from './jira/helpers.js';

/** Settings that select nothing say so, naming the setting and what exists. */
describe('a repository or project selection', () => {
  const repo = (owner: string, name: string): RepoRef => ({
    id: name,
    owner,
    name,
    defaultBranch: 'main',
    archived: false,
  });
  const all = [repo('acme', 'payments-api'), repo('acme', 'payments-web'), repo('acme', 'ledger')];

  it('accepts owner/name as GitHub writes it, with patterns in either part, as well as names', () => {
    expect(selectRepositories(all, ['acme/payments-api']).map((r) => r.name)).toEqual(['payments-api']);
    expect(selectRepositories(all, ['ACME/Payments-*']).map((r) => r.name)).toEqual([
      'payments-api',
      'payments-web',
    ]);
    expect(selectRepositories(all, ['*/ledger', 'payments-web']).map((r) => r.name)).toEqual([
      'ledger',
      'payments-web',
    ]);
    expect(selectRepositories(all, ['other/payments-api'])).toEqual([]);
    expect(selectRepositories(all, ['!acme/ledger']).map((r) => r.name)).toEqual([
      'payments-api',
      'payments-web',
    ]);
    expect(unmatchedEntries(all, ['acme/ledger', 'acme/payments', '!nothing-*'])).toEqual([
      'acme/payments',
      '!nothing-*',
    ]);
  });

  describe('against the simulators', () => {
    let t: TestDatabase;
    let github: GitHubSimulator;
    let jira: JiraSimulator;
    const world = testWorld({ prs: 60, repos: 3 });
    beforeAll(async () => {
      t = await freshDatabase({ migrated: true });
      github = await startGitHub(world);
      jira = await startSite(jiraWorld({ prs: 60, repos: 2 }));
    }, 60_000);
    afterAll(async () => {
      await github.stop();
      await jira.stop();
      await t.drop();
    });

    it('syncs the repository GITHUB_REPOS names as owner/name', async () => {
      const name = world.repos[0]!.name;
      const { results } = await syncFrom(github, t.db, { patterns: [`${world.org.login}/${name}`] });
      expect(results.map((r) => [r.repo, r.status])).toEqual([[`${world.org.login}/${name}`, 'succeeded']]);
    });

    it('fails a GitHub sync whose GITHUB_REPOS selects nothing, naming the setting and the repositories', async () => {
      const sync = syncFrom(github, t.db, { patterns: ['acme/payments'] });
      await expect(sync).rejects.toThrow(ConfigError);
      await expect(syncFrom(github, t.db, { patterns: ['acme/payments'] })).rejects.toThrow(
        new RegExp(
          `^GITHUB_REPOS: acme/payments selects none of the 3 repositories of acme \\(${world.repos
            .map((r) => r.name)
            .sort()
            .join(', ')}\\)`,
        ),
      );
    });

    it('fails a Jira sync whose JIRA_PROJECTS names no project of the site, listing those there are', async () => {
      const sync = syncSite(jira, t.db, { projects: ['NOPE', 'ALSO'] });
      await expect(sync).rejects.toThrow(
        /^JIRA_PROJECTS: NOPE, ALSO names none of the \d+ projects this Jira user can browse \([A-Z]+/,
      );
    });

    it('makes doctor fail naming the setting, for GitHub and for Jira', async () => {
      const settings = loadSettings({
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: 'ghp_doctor_selection_token',
        GITHUB_ORG: 'acme',
        GITHUB_REPOS: 'acme/payments,billing-*',
        JIRA_BASE_URL: jira.url,
        JIRA_EMAIL: CLOUD_AUTH.email,
        JIRA_API_TOKEN: CLOUD_AUTH.apiToken,
        JIRA_PROJECTS: 'NOPE',
      });
      const rows = await runDoctor(settings, new Error('not needed here'), quietLog);
      const row = (check: string) => rows.find((r) => r.check === check)!;
      expect(row('github')).toMatchObject({ status: 'fail' });
      expect(row('github').detail).toMatch(
        /^GITHUB_REPOS acme\/payments, billing-\* selects none of the 3 repositories \(/,
      );
      expect(row('jira')).toMatchObject({ status: 'fail' });
      expect(row('jira').detail).toMatch(
        /^JIRA_PROJECTS NOPE names none of the projects this user can browse \([A-Z]/,
      );
    });
  });
});
