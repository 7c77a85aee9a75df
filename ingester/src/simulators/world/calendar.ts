export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Working hours in UTC: Monday to Friday, 08:00–19:00. */
const OPEN = 8;
const CLOSE = 19;

export function isWorkingTime(t: number): boolean {
  const d = new Date(t);
  const day = d.getUTCDay();
  const h = d.getUTCHours();
  return day >= 1 && day <= 5 && h >= OPEN && h < CLOSE;
}

/** Whole seconds, as GitHub reports times. */
export function toSecond(t: number): number {
  return Math.round(t / 1000) * 1000;
}

/** Moves an instant forward to working hours (whole seconds), keeping its minutes past the hour for spread. */
export function toWorkingTime(t: number): number {
  t = toSecond(t);
  if (isWorkingTime(t)) return t;
  const d = new Date(t);
  const minutes = d.getUTCMinutes();
  let day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (d.getUTCHours() >= CLOSE) day += DAY;
  for (;;) {
    const wd = new Date(day).getUTCDay();
    if (wd >= 1 && wd <= 5) break;
    day += DAY;
  }
  return day + OPEN * HOUR + minutes * MINUTE + (t % MINUTE);
}

/** Adds wall-clock time, then lands in working hours: people stop at night and on weekends. */
export function after(t: number, ms: number): number {
  return toWorkingTime(t + Math.max(0, ms));
}

/** Adds working time only (hours counted inside the working day). */
export function addWorkingTime(t: number, ms: number): number {
  let now = toWorkingTime(t);
  let left = ms;
  while (left > 0) {
    const d = new Date(now);
    const close = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), CLOSE);
    const step = Math.min(left, close - now);
    now += step;
    left -= step;
    if (left > 0) now = toWorkingTime(now + 1);
  }
  return now;
}

/** The Monday 09:00 UTC on or after `t`. */
export function nextMonday(t: number): number {
  const d = new Date(t);
  let day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  while (new Date(day).getUTCDay() !== 1 || day + 9 * HOUR < t) day += DAY;
  return day + 9 * HOUR;
}
