import cliProgress from 'cli-progress';
import type { Logger } from '../log.js';

/**
 * Progress of long work: a bar on a terminal, a log line per finished unit otherwise
 * (CI logs, containers).
 */
export interface Progress {
  update(done: number, total: number, detail: string): void;
  finish(): void;
}

export function progress(label: string, log: Logger, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} {detail}`,
        hideCursor: true,
        clearOnComplete: false,
        stream,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, detail) {
        if (!started) {
          bar.start(total, done, { detail });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { detail });
        }
      },
      finish() {
        if (started) bar.stop();
      },
    };
  }
  return {
    update(done, total, detail) {
      log.info({ done, total }, `${label}: ${detail}`);
    },
    finish() {},
  };
}
