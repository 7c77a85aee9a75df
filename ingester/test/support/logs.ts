import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

/** A logger whose JSON lines are kept in memory, for asserting what was (not) logged. */
export function capturedLogger(secrets: string[] = []): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ level: 'trace', secrets }, sink), lines };
}
