import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { PrettyOptions, prettyFactory as PrettyFactory } from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * The one logger: JSON lines, with secrets removed twice over — known secret fields
 * by path, and every configured secret value wherever it appears in a line. Lines go
 * to stderr, so a command's own output (tables, addresses) is alone on stdout; on a
 * terminal pino-pretty shows them as short readable lines instead of JSON (made from
 * the scrubbed line, so what is redacted stays redacted).
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
  return readableDestination({ color: colorWanted(process.env, stderr) }, (text) => terminalSink(text));
}

/**
 * Whether to colour what goes to `stream`: a terminal, unless NO_COLOR is set to anything
 * but the empty string (https://no-color.org) or the terminal says it is dumb.
 */
export function colorWanted(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

/**
 * Log lines for people: `[14:03:07 UTC] INFO: message {"key":"value"}` — local time with
 * its zone, the level (in colour when `color`), the message, then the other fields on
 * the same line. pino-pretty does the formatting; `write` receives each finished line.
 */
export function readableDestination(o: { color: boolean }, write: (text: string) => void): DestinationStream {
  const prettify = loadPrettifier({
    colorize: o.color,
    translateTime: 'SYS:HH:MM:ss Z',
    ignore: 'pid,hostname,name',
    singleLine: true,
  });
  return { write: (line: string) => write(prettify(line)) };
}

/** pino-pretty, loaded only when a terminal is there to read it. */
function loadPrettifier(options: PrettyOptions): (line: string) => string {
  const require = createRequire(import.meta.url);
  const { prettyFactory } = require('pino-pretty') as { prettyFactory: typeof PrettyFactory };
  return prettyFactory(options);
}

let terminalSink: (text: string) => void = (text) => void process.stderr.write(text);

/**
 * Hands the readable lines meant for the terminal to `sink` (the CLI's progress bars, which
 * draw them above themselves) until the returned function is called.
 */
export function drawLogLinesWith(sink: (text: string) => void): () => void {
  const previous = terminalSink;
  terminalSink = sink;
  return () => {
    terminalSink = previous;
  };
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
