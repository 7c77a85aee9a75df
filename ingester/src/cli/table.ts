/**
 * Plain-text layout for the terminal: tables with a header, and lines that are wrapped to
 * the terminal's width. A width of undefined (output to a pipe or a file) wraps nothing.
 */

/** Columns of a terminal's stdout, to lay text out in; undefined when stdout is a pipe or a file. */
export const terminalWidth = (stream: NodeJS.WriteStream = process.stdout): number | undefined =>
  stream.isTTY ? stream.columns || 80 : undefined;

/**
 * A table: a header, a rule, one row per record. With a `width`, the `wrap` column's cells
 * are wrapped at spaces so that the table fits it (as long as the other columns leave
 * that column at least 16 characters).
 */
export function formatTable(
  rows: Record<string, string>[],
  columns: string[],
  o: { width?: number; wrap?: string } = {},
): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const wrapAt = o.wrap === undefined ? -1 : columns.indexOf(o.wrap);
  const total = widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1);
  if (o.width !== undefined && wrapAt >= 0 && total > o.width)
    widths[wrapAt] = Math.max(16, widths[wrapAt]! - (total - o.width));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const row = (cells: string[]) => {
    const wrapped = cells.map((cell, i) => (i === wrapAt ? wrapText(cell, widths[i]!) : [cell]));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) => line(wrapped.map((w) => w[k] ?? '')));
  };
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.flatMap((r) => row(columns.map((c) => r[c] ?? ''))),
  ].join('\n');
}

/**
 * Words of `text` in lines of at most `width` characters. A parenthesis, `(298 changes)`,
 * is kept on one line as if it were a word; a word longer than the width is cut.
 */
export function wrapText(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let current = '';
  for (let word of text.match(/\([^)]*\)\S*|\S+/g) ?? []) {
    while (word.length > width) {
      if (current) lines.push(current);
      lines.push(word.slice(0, width));
      word = word.slice(width);
      current = '';
    }
    if (!current) current = word;
    else if (current.length + 1 + word.length <= width) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  if (current) lines.push(current);
  return lines;
}

/**
 * `  Label     value  (note)`, the note moved under the value, and wrapped, when the line
 * would be wider than `width`. The value itself (an address, a path) is never broken.
 */
export function labelled(label: string, value: string, note = '', width?: number): string[] {
  const head = `  ${label.padEnd(8)}  ${value}`;
  if (!note) return [head];
  const whole = `${head}  ${note}`;
  if (width === undefined || whole.length <= width) return [whole];
  return [head, ...indented(note, width)];
}

/** Text under a label's value: indented as the value, wrapped to `width`. */
export function indented(text: string, width?: number): string[] {
  const pad = ' '.repeat(12);
  if (width === undefined) return [pad + text];
  return wrapText(text, Math.max(20, width - pad.length)).map((l) => pad + l);
}
