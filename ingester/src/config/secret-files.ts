import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/**
 * Settings that may come from a file named by `<NAME>_FILE` instead: Docker and Kubernetes
 * mount secrets as files, and the PostgreSQL and Grafana images read theirs the same way.
 */
export const FILE_SETTINGS = [
  'DATABASE_URL',
  'DATABASE_PASSWORD',
  'API_TOKEN',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'JIRA_API_TOKEN',
  'JIRA_PAT',
  'OPENAI_API_KEY',
  'SLACK_BOT_TOKEN',
  'SLACK_WEBHOOK_URL',
  'GRAFANA_READER_PASSWORD',
] as const;

const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

const reason = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'no such file'
    : code === 'EACCES'
      ? 'permission denied'
      : code === 'EISDIR'
        ? 'is a folder, not a file'
        : (err as Error).message;
};

/**
 * The environment with each `<NAME>_FILE` read into `<NAME>`. A file's trailing line breaks
 * are dropped (editors and `echo` add one; a shell's `$(< file)` drops them too). Problems
 * name the `_FILE` variable; `fromFile` says which settings came from where, so a bad value
 * read from a file is reported against the variable that named the file.
 */
export function readSecretFiles(
  env: NodeJS.ProcessEnv,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): { env: NodeJS.ProcessEnv; problems: ConfigError[]; fromFile: Map<string, string> } {
  // Reads go through to env (its own properties are not copied, so a caller watching reads sees them).
  const resolved: NodeJS.ProcessEnv = Object.create(env) as NodeJS.ProcessEnv;
  const problems: ConfigError[] = [];
  const fromFile = new Map<string, string>();
  for (const name of FILE_SETTINGS) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable];
    if (!isSet(path)) continue;
    if (isSet(env[name])) {
      problems.push(new ConfigError(fileVariable, `set either ${name} or ${fileVariable}, not both`));
      continue;
    }
    let value: string;
    try {
      value = read(path).replace(/[\r\n]+$/, '');
    } catch (err) {
      problems.push(new ConfigError(fileVariable, `cannot read ${path}: ${reason(err)}`));
      continue;
    }
    if (value.trim() === '') {
      problems.push(new ConfigError(fileVariable, `${path} is empty`));
      continue;
    }
    resolved[name] = value;
    fromFile.set(name, path);
  }
  return { env: resolved, problems, fromFile };
}

/** A problem with a value read from a file, said of the variable that named the file. */
export function againstFile(problem: ConfigError, fromFile: Map<string, string>): ConfigError {
  const path = fromFile.get(problem.variable);
  if (path === undefined) return problem;
  const message = problem.message.slice(problem.variable.length + 2);
  return new ConfigError(`${problem.variable}_FILE`, `the contents of ${path} ${message}`);
}
