import { generateWorld, defaultSpec } from './src/simulators/world/generate.ts';
import { GitHubSimulator } from './src/simulators/github/server.ts';
import { REPO_SYNC } from './src/sources/github/queries.ts';
const w = generateWorld(defaultSpec({ prs: 2000 }));
const sim = new GitHubSimulator(w);
const url = await sim.start();
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = await fetch(url + '/graphql', { method: 'POST', headers: { authorization: 'token ghp_x' }, body: JSON.stringify({ query: REPO_SYNC, variables: { owner: 'acme', name: 'payments-api', withPrs: true, withHistory: true, withDeployments: true, withReleases: true, since: '2026-01-01T00:00:00Z' } }) });
  const text = await r.text();
  console.log('ms', performance.now() - t0, text.length);
}
await sim.stop();
