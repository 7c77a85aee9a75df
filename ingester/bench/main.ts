import { apiBenchmark } from './api.js';
import { explainBenchmark } from './explain.js';
import { forecastBenchmark } from './forecast.js';
import { githubBenchmark } from './github.js';
import { jiraBenchmark } from './jira.js';
import { queriesBenchmark } from './queries.js';
import { startBenchmark } from './start.js';

/**
 * `npm run bench -- NAME [options] [--json]`: runs one benchmark and prints its result
 * lines. Benchmarks measure speed, requests and memory; tests never assert timings.
 */
export interface Benchmark {
  name: string;
  description: string;
  run(args: string[], json: boolean): Promise<void>;
}

const benchmarks: Benchmark[] = [
  apiBenchmark,
  explainBenchmark,
  forecastBenchmark,
  githubBenchmark,
  jiraBenchmark,
  queriesBenchmark,
  startBenchmark,
];

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  const args = rest.filter((a) => a !== '--json');
  const bench = benchmarks.find((b) => b.name === name);
  if (!bench) {
    const list = benchmarks.length
      ? benchmarks.map((b) => `  ${b.name.padEnd(10)} ${b.description}`).join('\n')
      : '  (none)';
    process.stderr.write(
      `${name ? `unknown benchmark "${name}"` : 'name a benchmark'}; available:\n${list}\n`,
    );
    return 2;
  }
  await bench.run(args, json);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
