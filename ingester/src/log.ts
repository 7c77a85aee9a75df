import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The one logger: JSON lines, with secrets removed twice over — known secret fields
 * by path, and every configured secret value wherever it appears in a line.
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
    destination,
  );
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
