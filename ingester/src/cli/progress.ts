import cliProgress from 'cli-progress';
import { drawLogLinesWith, type Logger } from '../log.js';

/**
 * Progress of long work: a bar on a terminal, a log line per finished unit otherwise
 * (CI logs, containers).
 */
export interface Progress {
  update(done: number, total: number, detail: string): void;
  finish(): void;
}

export function progress(label: string, log: Logger, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) return barOnTerminal(label, stream);
  return {
    update(done, total, detail) {
      log.info({ done, total }, `${label}: ${detail}`);
    },
    finish() {},
  };
}

/**
 * One renderer owns the terminal while the bar runs: cli-progress's multi-bar, which draws
 * the log lines above the bar (they are handed to it instead of being written under it)
 * and the bar cut to the terminal's width, so nothing wraps and nothing is overwritten.
 * When it finishes, the bar's last state stays on screen as the record of the work.
 */
function barOnTerminal(label: string, stream: NodeJS.WriteStream): Progress {
  const bars = new cliProgress.MultiBar({
    stream,
    format: (_options, params, payload: { detail?: string }) => barLine(label, params, payload.detail ?? ''),
    // The terminal keeps wrapping long log lines; bars are cut to fit by barLine.
    linewrap: true,
    // Redrawn after every log line, which is written where the bar was.
    forceRedraw: true,
    clearOnComplete: false,
    // A hidden cursor would stay hidden if Ctrl-C ended the process mid-sync.
    hideCursor: false,
  });
  let bar: cliProgress.SingleBar | undefined;
  let restoreLogLines: (() => void) | undefined;
  return {
    update(done, total, detail) {
      if (!bar) {
        restoreLogLines = drawLogLinesWith((text) => bars.log(text));
        bar = bars.create(total, done, { detail });
      } else {
        bar.setTotal(total);
        bar.update(done, { detail });
      }
    },
    finish() {
      if (!bar) return;
      bars.update(); // the log lines still waiting, and the bar as it ended
      bars.stop();
      restoreLogLines?.();
      bar = undefined;
    },
  };
}

const FULL = '\u2588';
const EMPTY = '\u2591';

/** `github [████░░░░] 3/10 1200 pull requests, api done`, at most one column short of the width. */
export function barLine(
  label: string,
  p: { progress: number; value: number; total: number; maxWidth: number },
  detail: string,
): string {
  // The last column stays free: a line that fills it leaves the cursor waiting to wrap.
  const width = Math.max(20, p.maxWidth - 1);
  const size = Math.max(10, Math.min(40, width - label.length - detail.length - 14));
  const filled = Math.round((Number.isFinite(p.progress) ? Math.min(1, Math.max(0, p.progress)) : 0) * size);
  const line = `${label} [${FULL.repeat(filled)}${EMPTY.repeat(size - filled)}] ${p.value}/${p.total} ${detail}`;
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
