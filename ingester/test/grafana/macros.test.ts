import { describe, expect, it } from '@jest/globals';
import { expandPostgresQuery, MacroError, sqlTimestamp, type TimeRange } from '../support/grafana/macros.js';

/**
 * The server side of the emulator against the PostgreSQL data source's documented macros
 * (https://grafana.com/docs/grafana/latest/datasources/postgres/query-editor/#macros). The
 * expected strings are worked out here from the docs' descriptions and examples.
 */

// A Sunday morning to early afternoon; the end has a quarter of a second.
const range: TimeRange = {
  from: new Date('2024-03-10T08:30:00Z'),
  to: new Date('2024-03-10T14:30:00.250Z'),
};
const MS = 1_000_000n;
const expand = (sql: string, intervalMs = 60_000) =>
  expandPostgresQuery(sql, { range, interval: BigInt(intervalMs) * MS });

describe('time range macros', () => {
  it('writes instants as ISO 8601 in UTC, with a fraction only when there is one', () => {
    expect(sqlTimestamp(new Date('2017-04-21T05:01:17Z'))).toBe('2017-04-21T05:01:17Z');
    expect(sqlTimestamp(new Date('2017-04-21T05:01:17.5Z'))).toBe('2017-04-21T05:01:17.5Z');
    expect(sqlTimestamp(new Date('2017-04-21T05:01:17.040Z'))).toBe('2017-04-21T05:01:17.04Z');
    expect(sqlTimestamp(new Date('2017-04-21T05:01:17.999Z'))).toBe('2017-04-21T05:01:17.999Z');
  });

  it('$__timeFilter, $__timeFrom() and $__timeTo() put the range in as timestamps', () => {
    expect(expand('WHERE $__timeFilter(created_at)').sql).toBe(
      "WHERE created_at BETWEEN '2024-03-10T08:30:00Z' AND '2024-03-10T14:30:00.25Z'",
    );
    expect(expand('WHERE t >= $__timeFrom() AND t < $__timeTo()').sql).toBe(
      "WHERE t >= '2024-03-10T08:30:00Z' AND t < '2024-03-10T14:30:00.25Z'",
    );
  });

  it('$__time and $__timeEpoch name the column "time"', () => {
    expect(expand('SELECT $__time(created_at), v').sql).toBe('SELECT created_at AS "time", v');
    expect(expand('SELECT $__timeEpoch(created_at), v').sql).toBe(
      'SELECT extract(epoch from created_at) AS "time", v',
    );
  });

  it('the $__unixEpoch macros give whole seconds, rounded down, or nanoseconds', () => {
    expect(expand('$__unixEpochFrom() $__unixEpochTo()').sql).toBe('1710059400 1710081000');
    expect(expand('WHERE $__unixEpochFilter(ts)').sql).toBe('WHERE ts >= 1710059400 AND ts <= 1710081000');
    expect(expand('$__unixEpochNanoFrom() $__unixEpochNanoTo()').sql).toBe(
      '1710059400000000000 1710081000250000000',
    );
    expect(expand('WHERE $__unixEpochNanoFilter(ns)').sql).toBe(
      'WHERE ns >= 1710059400000000000 AND ns <= 1710081000250000000',
    );
  });

  it('expands every occurrence and leaves the rest of the query alone', () => {
    const sql =
      "SELECT '$__timeFilter' AS label, $__timeFrom() AS a, $__timeFrom() AS b, $__interval_ms AS ms";
    expect(expand(sql).sql).toBe(
      "SELECT '$__timeFilter' AS label, '2024-03-10T08:30:00Z' AS a, '2024-03-10T08:30:00Z' AS b, 60000 AS ms",
    );
  });
});

describe('grouping by time', () => {
  it('$__timeGroup names each bucket by its start, in epoch seconds', () => {
    expect(expand("GROUP BY $__timeGroup(created_at, '5m')").sql).toBe(
      'GROUP BY floor(extract(epoch from created_at)/300)*300',
    );
    expect(expand('$__timeGroup(created_at,1h)').sql).toBe('floor(extract(epoch from created_at)/3600)*3600');
    expect(expand("$__timeGroup(created_at, '500ms')").sql).toBe(
      'floor(extract(epoch from created_at)/0.5)*0.5',
    );
    expect(expand("$__timeGroup(created_at, '1w')").sql).toBe(
      'floor(extract(epoch from created_at)/604800)*604800',
    );
  });

  it('$__timeGroupAlias adds the alias a time series needs', () => {
    expect(expand("SELECT $__timeGroupAlias(created_at, '1d'), count(*)").sql).toBe(
      'SELECT floor(extract(epoch from created_at)/86400)*86400 AS "time", count(*)',
    );
  });

  it('the $__unixEpochGroup macros group a column that already holds epoch seconds', () => {
    expect(expand("$__unixEpochGroup(epoch_s, '15m')").sql).toBe('floor(epoch_s/900)*900');
    expect(expand("$__unixEpochGroupAlias(epoch_s, '15m')").sql).toBe('floor(epoch_s/900)*900 AS "time"');
  });

  it('reports the fill a third argument asks for: a value, NULL or the previous value', () => {
    expect(expand("$__timeGroup(t, '5m')").fill).toBeUndefined();
    expect(expand("$__timeGroup(t, '5m', 0)").fill).toEqual({
      intervalMs: 300_000,
      fill: { mode: 'value', value: 0 },
    });
    expect(expand("$__timeGroupAlias(t, '1h', 2.5)").fill).toEqual({
      intervalMs: 3_600_000,
      fill: { mode: 'value', value: 2.5 },
    });
    expect(expand("$__timeGroup(t, '5m', NULL)").fill?.fill).toEqual({ mode: 'null' });
    expect(expand("$__timeGroup(t, '5m', previous)").fill?.fill).toEqual({ mode: 'previous' });
    // The fill is Grafana's business, not the database's: the SQL is the same.
    expect(expand("$__timeGroup(t, '5m', previous)").sql).toBe(expand("$__timeGroup(t, '5m')").sql);
  });

  it('takes an expression with its own parentheses, commas and quotes as the column', () => {
    expect(expand("$__timeGroup(date_trunc('day', coalesce(a, b)), '1d')").sql).toBe(
      "floor(extract(epoch from date_trunc('day', coalesce(a, b)))/86400)*86400",
    );
    expect(expand("WHERE $__timeFilter(coalesce(closed_at, ')'))").sql).toBe(
      "WHERE coalesce(closed_at, ')') BETWEEN '2024-03-10T08:30:00Z' AND '2024-03-10T14:30:00.25Z'",
    );
  });

  it('expands the documented time series example', () => {
    const sql = `SELECT
  $__timeGroupAlias("time_date_time",'5m'),
  min("value_double"),
  'min' as metric
FROM test_data
WHERE $__timeFilter("time_date_time")
GROUP BY time
ORDER BY time`;
    expect(expand(sql).sql).toBe(`SELECT
  floor(extract(epoch from "time_date_time")/300)*300 AS "time",
  min("value_double"),
  'min' as metric
FROM test_data
WHERE "time_date_time" BETWEEN '2024-03-10T08:30:00Z' AND '2024-03-10T14:30:00.25Z'
GROUP BY time
ORDER BY time`);
  });
});

describe('global variables on the server', () => {
  it('replaces $__interval and $__interval_ms with the request interval', () => {
    expect(expand('$__interval / $__interval_ms', 20 * 60_000).sql).toBe('20m / 1200000');
    expect(expand("$__timeGroup(t, '$__interval')", 7_200_000).sql).toBe(
      'floor(extract(epoch from t)/7200)*7200',
    );
    expect(expand('$__timeGroup(t, $__interval)', 86_400_000).sql).toBe(
      'floor(extract(epoch from t)/86400)*86400',
    );
  });
});

describe('queries Grafana refuses', () => {
  it('an unknown macro', () => {
    expect(() => expand('WHERE $__timeFilterz(t)')).toThrow(new MacroError('unknown macro "__timeFilterz"'));
  });

  it('a macro without the arguments it needs', () => {
    expect(() => expand('WHERE $__timeFilter()')).toThrow(/needs a column/);
    expect(() => expand('$__timeGroup(t)')).toThrow(/needs a column and an interval/);
  });

  it('an interval or a fill that is not one', () => {
    expect(() => expand("$__timeGroup(t, '5 minutes')")).toThrow(/is not a duration/);
    expect(() => expand("$__timeGroup(t, '1M')")).toThrow(/is not a duration/);
    expect(() => expand("$__timeGroup(t, '0s')")).toThrow(/must be positive/);
    expect(() => expand("$__timeGroup(t, '5m', sometimes)")).toThrow(/not a number, NULL or previous/);
  });

  it('a macro that is never closed', () => {
    expect(() => expand('WHERE $__timeFilter(t AND x = 1')).toThrow(/never closed/);
  });
});
