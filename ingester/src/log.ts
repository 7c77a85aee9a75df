import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The one logger: JSON lines, with secrets removed twice over — known secret fields
 * by path, and every configured secret value wherever it appears in a line. Lines go
 * to stderr, so a command's own output (tables, addresses) is alone on stdout; on a
 * terminal they are shown as short readable lines instead of JSON.
 */
export function createLogger(
  options: { level?: string; secrets?: readonly string[]; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  const secrets = [...new Set(options.secrets ?? [])]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  return pino(
    {
      name: options.name ?? 'engmetrics',
      level: options.level ?? 'info',
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          '*.token',
          '*.apiToken',
          '*.apiKey',
          '*.password',
          '*.privateKey',
          'token',
          'password',
        ],
        censor: '[redacted]',
      },
      hooks: {
        streamWrite: (line) => scrub(line, secrets),
      },
    },
    destination ?? defaultDestination(),
  );
}

function defaultDestination(): DestinationStream {
  const stderr = process.stderr;
  if (!stderr.isTTY) return pino.destination({ fd: 2, sync: true });
  return { write: (line: string) => void stderr.write(readableLine(line)) };
}

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** `12:00:01 warn  message key=value …` from a pino JSON line (for people at a terminal). */
export function readableLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '';
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${time} ${level} ${String(entry.msg ?? '')}${fields.length ? '  ' + fields.join(' ') : ''}\n`;
}

function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('[redacted]');
    // The same secret may appear JSON-escaped (a PEM key's newlines, a quote).
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s && out.includes(escaped)) out = out.split(escaped).join('[redacted]');
  }
  return out;
}
