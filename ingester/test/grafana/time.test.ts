import { describe, expect, it } from '@jest/globals';
import {
  DurationError,
  formatDuration,
  NICE_INTERVALS_MS,
  niceInterval,
  panelInterval,
  parseDuration,
} from '../support/grafana/time.js';

/**
 * The emulator's durations and intervals against Grafana's documentation (links in
 * test/support/grafana/time.ts); the expected values are worked out here.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('durations', () => {
  it('reads one number and one documented unit, quoted or not', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration("'5m'")).toBe(5 * MIN);
    expect(parseDuration(' 90m ')).toBe(90 * MIN);
    expect(parseDuration('1.5h')).toBe(90 * MIN);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2w')).toBe(14 * DAY);
    expect(parseDuration('1y')).toBe(365 * DAY);
  });

  it('refuses what is not one', () => {
    for (const text of ['', '5', 'm', '5 m', '1h30m', '-5m', '1M', '5min', "'5m"])
      expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it('writes $__interval as a whole count of the largest unit that fits', () => {
    // The docs' pairing: $__interval 20m is $__interval_ms 1200000.
    expect(formatDuration(1_200_000)).toBe('20m');
    // An interval variable's documented defaults read back as written.
    for (const text of ['1m', '10m', '30m', '1h', '6h', '12h', '1d', '7d', '14d', '30d'])
      expect(formatDuration(parseDuration(text))).toBe(text);
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1_500)).toBe('1s');
    expect(formatDuration(90 * MIN)).toBe('1h');
    expect(formatDuration(400 * DAY)).toBe('1y');
  });
});

describe('the interval a panel gets', () => {
  it('keeps a documented nice interval as it is', () => {
    for (const ms of NICE_INTERVALS_MS) expect(niceInterval(ms)).toBe(ms);
  });

  it('rounds anything else to the nearest one, the smaller when halfway', () => {
    expect(niceInterval(21_600)).toBe(20_000);
    expect(niceInterval(14_400)).toBe(15_000);
    expect(niceInterval(45_000)).toBe(30_000);
    expect(niceInterval(45_001)).toBe(60_000);
    expect(niceInterval(40 * MIN)).toBe(30 * MIN);
    expect(niceInterval(1)).toBe(10);
    expect(niceInterval(10 * 365 * DAY)).toBe(365 * DAY);
  });

  it('divides the range by the data points, and never goes under the min interval', () => {
    const week = { from: new Date('2026-01-05T00:00:00Z'), to: new Date('2026-01-12T00:00:00Z') };
    // 604.8 s a point: 10 minutes.
    expect(panelInterval(week, 1000, 1)).toBe(10 * MIN);
    // 315 s a point on a wide panel: 5 minutes.
    expect(panelInterval(week, 1920, 1)).toBe(5 * MIN);
    expect(panelInterval(week, 1000, HOUR)).toBe(HOUR);
    const quarter = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };
    // 90 days over 1000 points is 7776 s: 2 hours.
    expect(panelInterval(quarter, 1000, MIN)).toBe(2 * HOUR);
  });
});
