import { describe, expect, it } from '@jest/globals';
import {
  DAY,
  DurationError,
  formatInterval,
  goFloat,
  goParseDuration,
  HOUR,
  MILLISECOND,
  MINUTE,
  parseInterval,
  rfc3339Nano,
  roundInterval,
  SECOND,
  secondsToHms,
} from '../../src/grafana/gtime.js';
import {
  expandPostgresQuery,
  interpolateGlobalMacros,
  interpolatePostgresMacros,
  MacroError,
  stripSqlComments,
  type TimeRange,
} from '../../src/grafana/macros.js';

/*
 * The expected strings are Grafana's own, from:
 *   grafana/grafana pkg/tsdb/grafana-postgresql-datasource/macros_test.go (TestMacroEngine,
 *     TestInterpolateSQLCommenter, TestStripSQLComments)
 *   grafana/grafana pkg/tsdb/grafana-postgresql-datasource/sqleng/sql_engine.go (Interpolate)
 *   grafana/grafana-plugin-sdk-go backend/gtime/gtime_test.go (ParseInterval, FormatInterval,
 *     RoundInterval, parse)
 *   grafana/grafana public/app/core/utils/rangeutil (secondsToHms, used for $__interval)
 * Cases marked "derived" follow from the upstream code, not from an upstream test.
 */

const expand = (sql: string, range: TimeRange, timescaledb = false) =>
  interpolatePostgresMacros(sql, range, { timescaledb }).sql;

describe('postgres macros (macros_test.go TestMacroEngine)', () => {
  describe('Given a time range between 2018-04-12 00:00 and 2018-04-12 00:05', () => {
    const from = new Date(Date.UTC(2018, 3, 12, 18, 0, 0));
    const to = new Date(from.getTime() + 5 * 60_000);
    const range = { from, to };

    it('interpolate __time function', () => {
      expect(expand('select $__time(time_column)', range)).toBe('select time_column AS "time"');
    });
    it('interpolate __time function wrapped in aggregation', () => {
      expect(expand('select min($__time(time_column))', range)).toBe('select min(time_column AS "time")');
    });
    it('interpolate __timeFilter function', () => {
      expect(expand('WHERE $__timeFilter(time_column)', range)).toBe(
        "WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
      );
    });
    it('interpolate __timeFrom function', () => {
      expect(expand('select $__timeFrom()', range)).toBe("select '2018-04-12T18:00:00Z'");
    });
    it('interpolate __timeTo function', () => {
      expect(expand('select $__timeTo()', range)).toBe("select '2018-04-12T18:05:00Z'");
    });
    it('interpolate __timeGroup function pre 5.3 compatibility', () => {
      expect(expand("SELECT $__timeGroup(time_column,'5m'), value", range)).toBe(
        'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value',
      );
      expect(expand("SELECT $__timeGroup(time_column,'5m') as time, value", range)).toBe(
        'SELECT floor(extract(epoch from time_column)/300)*300 as time, value',
      );
    });
    it('interpolate __timeGroup function', () => {
      const sql = expand("SELECT $__timeGroup(time_column,'5m')", range);
      expect(sql).toBe('SELECT floor(extract(epoch from time_column)/300)*300');
      expect(expand("SELECT $__timeGroupAlias(time_column,'5m')", range)).toBe(`${sql} AS "time"`);
    });
    it('interpolate __timeGroup function with spaces between args', () => {
      const sql = expand("$__timeGroup(time_column , '5m')", range);
      expect(sql).toBe('floor(extract(epoch from time_column)/300)*300');
      expect(expand("$__timeGroupAlias(time_column , '5m')", range)).toBe(`${sql} AS "time"`);
    });
    it('interpolate __timeGroup function with TimescaleDB enabled', () => {
      expect(expand("GROUP BY $__timeGroup(time_column,'5m')", range, true)).toBe(
        "GROUP BY time_bucket('300.000s',time_column)",
      );
    });
    it('interpolate __timeGroup function with spaces between args and TimescaleDB enabled', () => {
      expect(expand("GROUP BY $__timeGroup(time_column , '5m')", range, true)).toBe(
        "GROUP BY time_bucket('300.000s',time_column)",
      );
    });
    it('interpolate __timeGroup function with large time range as an argument and TimescaleDB enabled', () => {
      expect(expand("GROUP BY $__timeGroup(time_column , '12d')", range, true)).toBe(
        "GROUP BY time_bucket('1036800.000s',time_column)",
      );
    });
    it('interpolate __timeGroup function with small time range as an argument and TimescaleDB enabled', () => {
      expect(expand("GROUP BY $__timeGroup(time_column , '20ms')", range, true)).toBe(
        "GROUP BY time_bucket('0.020s',time_column)",
      );
    });
    it('interpolate __unixEpochFilter function', () => {
      expect(expand('select $__unixEpochFilter(time)', range)).toBe(
        `select time >= ${from.getTime() / 1000} AND time <= ${to.getTime() / 1000}`,
      );
    });
    it('interpolate __unixEpochNanoFilter function', () => {
      expect(expand('select $__unixEpochNanoFilter(time)', range)).toBe(
        'select time >= 1523556000000000000 AND time <= 1523556300000000000',
      );
    });
    it('interpolate __unixEpochNanoFrom function', () => {
      expect(expand('select $__unixEpochNanoFrom()', range)).toBe('select 1523556000000000000');
    });
    it('interpolate __unixEpochNanoTo function', () => {
      expect(expand('select $__unixEpochNanoTo()', range)).toBe('select 1523556300000000000');
    });
    it('interpolate __unixEpochGroup function', () => {
      const sql = expand("SELECT $__unixEpochGroup(time_column+time_adjustment,'5m')", range);
      expect(sql).toBe('SELECT floor((time_column+time_adjustment)/300)*300');
      expect(expand("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')", range)).toBe(
        `${sql} AS "time"`,
      );
    });
  });

  describe('Given a time range between 1960-02-01 07:00 and 1965-02-03 08:00', () => {
    const range = { from: new Date(Date.UTC(1960, 1, 1, 7)), to: new Date(Date.UTC(1965, 1, 3, 8)) };
    it('interpolate __timeFilter function', () => {
      expect(expand('WHERE $__timeFilter(time_column)', range)).toBe(
        "WHERE time_column BETWEEN '1960-02-01T07:00:00Z' AND '1965-02-03T08:00:00Z'",
      );
    });
    it('interpolate __unixEpochFilter function', () => {
      expect(expand('select $__unixEpochFilter(time)', range)).toBe(
        'select time >= -312915600 AND time <= -154886400',
      );
    });
    it('interpolate __unixEpochNanoFilter function', () => {
      expect(expand('select $__unixEpochNanoFilter(time)', range)).toBe(
        'select time >= -312915600000000000 AND time <= -154886400000000000',
      );
    });
  });

  describe('Given a time range between 1960-02-01 07:00 and 1980-02-03 08:00', () => {
    const range = { from: new Date(Date.UTC(1960, 1, 1, 7)), to: new Date(Date.UTC(1980, 1, 3, 8)) };
    it('interpolate __timeFilter function', () => {
      expect(expand('WHERE $__timeFilter(time_column)', range)).toBe(
        "WHERE time_column BETWEEN '1960-02-01T07:00:00Z' AND '1980-02-03T08:00:00Z'",
      );
    });
    it('interpolate __unixEpochFilter function', () => {
      expect(expand('select $__unixEpochFilter(time)', range)).toBe(
        'select time >= -312915600 AND time <= 318412800',
      );
    });
    it('interpolate __unixEpochNanoFilter function', () => {
      expect(expand('select $__unixEpochNanoFilter(time)', range)).toBe(
        'select time >= -312915600000000000 AND time <= 318412800000000000',
      );
    });
  });

  describe('Given a time range between 1960-02-01 07:00:00.5 and 1980-02-03 08:00:00.5', () => {
    const range = {
      from: new Date(Date.UTC(1960, 1, 1, 7, 0, 0, 500)),
      to: new Date(Date.UTC(1980, 1, 3, 8, 0, 0, 500)),
    };
    it('formats RFC3339Nano with the fraction trimmed', () => {
      expect(rfc3339Nano(range.from)).toBe('1960-02-01T07:00:00.5Z');
      expect(rfc3339Nano(range.to)).toBe('1980-02-03T08:00:00.5Z');
    });
    it('interpolate __timeFilter function', () => {
      expect(expand('WHERE $__timeFilter(time_column)', range)).toBe(
        "WHERE time_column BETWEEN '1960-02-01T07:00:00.5Z' AND '1980-02-03T08:00:00.5Z'",
      );
    });
  });
});

describe('postgres macros beyond the upstream tests (derived from macros.go)', () => {
  const range = { from: new Date(Date.UTC(2018, 3, 12, 18)), to: new Date(Date.UTC(2018, 3, 12, 18, 5)) };

  it('names an unknown macro, as Grafana does', () => {
    expect(() => expand('SELECT $__nope(x)', range)).toThrow(new MacroError('unknown macro "__nope"'));
    expect(() => expand('SELECT $__timeGroup(x)', range)).toThrow(
      'macro __timeGroup needs time column and interval and optional fill value',
    );
    expect(() => expand("SELECT $__timeGroup(x, 'soon')", range)).toThrow("error parsing interval 'soon'");
    expect(() => expand("SELECT $__timeGroup(x, '1h', sometimes)", range)).toThrow(
      'error parsing fill value sometimes',
    );
  });

  it('writes large intervals the way Go prints a float64 (%v)', () => {
    expect(expand("$__timeGroup(t, '1d')", range)).toBe('floor(extract(epoch from t)/86400)*86400');
    expect(expand("$__timeGroup(t, '7d')", range)).toBe('floor(extract(epoch from t)/604800)*604800');
    expect(expand("$__timeGroup(t, '12d')", range)).toBe(
      'floor(extract(epoch from t)/1.0368e+06)*1.0368e+06',
    );
    expect(expand("$__timeGroup(t, '1w')", range)).toBe('floor(extract(epoch from t)/604800)*604800');
    expect(expand("$__timeGroup(t, '90s')", range)).toBe('floor(extract(epoch from t)/90)*90');
    expect(expand('$__timeGroup(t, 1h30m)', range)).toBe('floor(extract(epoch from t)/5400)*5400');
    expect(goFloat(0.02)).toBe('0.02');
    expect(goFloat(0.00001)).toBe('1e-05');
    expect(goFloat(123456)).toBe('123456');
  });

  it('counts months and years on the calendar from now', () => {
    const now = Date.UTC(2026, 1, 10); // February 2026 has 28 days
    expect(interpolatePostgresMacros("$__timeGroup(t, '1M')", range, { now }).sql).toBe(
      'floor(extract(epoch from t)/2.4192e+06)*2.4192e+06',
    );
    expect(interpolatePostgresMacros("$__timeGroup(t, '1y')", range, { now }).sql).toBe(
      'floor(extract(epoch from t)/3.1536e+07)*3.1536e+07',
    );
  });

  it('records the fill a third $__timeGroup argument asks for', () => {
    expect(interpolatePostgresMacros("$__timeGroupAlias(t, '5m', 0)", range).fill).toEqual({
      interval: 300,
      fill: { mode: 'value', value: 0 },
    });
    expect(interpolatePostgresMacros("$__timeGroup(t, '1h', NULL)", range).fill?.fill).toEqual({
      mode: 'null',
    });
    expect(interpolatePostgresMacros("$__timeGroup(t, '1h', previous)", range).fill?.fill).toEqual({
      mode: 'previous',
    });
  });

  it('keeps $__timeGroup without alias inside a window ORDER BY, and decides by the first occurrence', () => {
    expect(expand("SELECT lag(v) OVER (ORDER BY $__timeGroup(t,'5m')) FROM x", range)).toBe(
      'SELECT lag(v) OVER (ORDER BY floor(extract(epoch from t)/300)*300) FROM x',
    );
    expect(expand("SELECT $__timeGroup(t,'5m'), v FROM x GROUP BY $__timeGroup(t,'5m')", range)).toBe(
      'SELECT floor(extract(epoch from t)/300)*300 AS "time", v FROM x GROUP BY floor(extract(epoch from t)/300)*300 AS "time"',
    );
  });
});

describe('global macros (sqleng Interpolate)', () => {
  const range = { from: new Date(Date.UTC(2018, 3, 12, 18)), to: new Date(Date.UTC(2018, 3, 12, 18, 5)) };
  it('replaces $__interval_ms before $__interval, and the epoch macros', () => {
    expect(
      interpolateGlobalMacros(
        'select $__interval_ms, $__interval, $__unixEpochFrom(), $__unixEpochTo()',
        range,
        10n * MINUTE,
      ),
    ).toBe('select 600000, 10m, 1523556000, 1523556300');
  });
});

describe('SQL comments (macros_test.go TestStripSQLComments, TestInterpolateSQLCommenter)', () => {
  const cases: [string, string, string][] = [
    ['line comment stripped', 'SELECT 1 -- a comment', 'SELECT 1 '],
    ['block comment stripped', 'SELECT /* a comment */ 1', 'SELECT  1'],
    ['multiline block comment stripped', 'SELECT /*\n  multiline\n  comment\n*/ 1', 'SELECT  1'],
    [
      'line comment inside single-quoted string preserved',
      "SELECT '-- not a comment' AS label",
      "SELECT '-- not a comment' AS label",
    ],
    [
      'block comment inside single-quoted string preserved',
      "SELECT '/* not a comment */' AS label",
      "SELECT '/* not a comment */' AS label",
    ],
    [
      'line comment inside double-quoted identifier preserved',
      'SELECT "col -- name" FROM t',
      'SELECT "col -- name" FROM t',
    ],
    [
      'block comment inside double-quoted identifier preserved',
      'SELECT "col /* name */" FROM t',
      'SELECT "col /* name */" FROM t',
    ],
    [
      'doubled-quote escape inside single-quoted string',
      "SELECT 'it''s fine -- not a comment' AS v",
      "SELECT 'it''s fine -- not a comment' AS v",
    ],
    [
      'doubled-quote escape inside double-quoted identifier',
      'SELECT "col ""-- name""" FROM t',
      'SELECT "col ""-- name""" FROM t',
    ],
    [
      'mixed: -- inside string then real -- comment',
      "SELECT '-- in string' AS a -- real comment",
      "SELECT '-- in string' AS a ",
    ],
    [
      'mixed: block comment inside string then real block comment',
      "SELECT '/* in string */' AS a /* real comment */",
      "SELECT '/* in string */' AS a ",
    ],
    ['no-op: query with no comments', 'SELECT col FROM t WHERE col > 1', 'SELECT col FROM t WHERE col > 1'],
    ['newline after line comment is preserved', 'SELECT 1 -- comment\nFROM t', 'SELECT 1 \nFROM t'],
    [
      'line comment inside empty dollar-quoted string preserved',
      'SELECT $$ -- not a comment $$',
      'SELECT $$ -- not a comment $$',
    ],
    [
      'block comment inside empty dollar-quoted string preserved',
      'SELECT $$ /* not a comment */ $$',
      'SELECT $$ /* not a comment */ $$',
    ],
    [
      'line comment inside tagged dollar-quoted string preserved',
      'SELECT $body$ -- not a comment $body$',
      'SELECT $body$ -- not a comment $body$',
    ],
    [
      'grafana macro not confused with dollar-quote',
      'SELECT $__timeFrom() -- comment',
      'SELECT $__timeFrom() ',
    ],
    ['positional parameter not confused with dollar-quote', 'SELECT $1 -- comment', 'SELECT $1 '],
  ];
  it.each(cases)('%s', (_name, input, want) => {
    expect(stripSqlComments(input, true)).toBe(want);
  });

  it.each([
    [
      'preserves trailing SQLCommenter tag before semicolon',
      "SELECT 1 AS value\n/*application='grafana',source='bi',route='test',feature='repro'*/;",
      "SELECT 1 AS value\n/*application='grafana',source='bi',route='test',feature='repro'*/;",
    ],
    [
      'preserves inline SQLCommenter tag',
      "SELECT 1 /*application='grafana',feature='panel'*/",
      "SELECT 1 /*application='grafana',feature='panel'*/",
    ],
    [
      'strips block comment shaped like a tag but containing a macro',
      "SELECT 1 /*range='$__timeFilter(t)'*/",
      'SELECT 1 ',
    ],
  ])('%s', (_name, input, want) => {
    expect(stripSqlComments(input, true)).toBe(want);
  });

  const range = { from: new Date(Date.UTC(2018, 3, 12, 18)), to: new Date(Date.UTC(2018, 3, 12, 18, 5)) };
  const ctx = { range, interval: 10n * MINUTE };
  it('preserves an inert trailing tag while interpolating the body', () => {
    expect(expandPostgresQuery("SELECT $__interval /*app='grafana',source='bi'*/", ctx).sql).toBe(
      "SELECT 10m /*app='grafana',source='bi'*/",
    );
  });
  it('strips a tag that embeds the interval macro', () => {
    expect(expandPostgresQuery("SELECT 1 /*i='$__interval'*/", ctx).sql).toBe('SELECT 1 ');
  });
  it('strips a tag whose macro completes across the comment boundary', () => {
    expect(expandPostgresQuery("SELECT 1 /*k='$__timeFilter(t'*/ WHERE (x = 1)", ctx).sql).toBe(
      'SELECT 1  WHERE (x = 1)',
    );
  });
  it('older releases keep comments, so a commented-out macro still expands (derived)', () => {
    expect(expandPostgresQuery('SELECT 1 -- $__timeFrom()', { ...ctx, comments: 'keep' }).sql).toBe(
      "SELECT 1 -- '2018-04-12T18:00:00Z'",
    );
  });
});

describe('gtime (grafana-plugin-sdk-go backend/gtime/gtime_test.go)', () => {
  it('TestParseInterval', () => {
    const now = Date.UTC(2026, 10, 26, 2, 0);
    expect(parseInterval('1d', now)).toBe(24n * HOUR);
    expect(parseInterval('1w', now)).toBe(168n * HOUR);
    expect(parseInterval('2w', now)).toBe(2n * 168n * HOUR);
    expect(parseInterval('1M', now)).toBe(30n * DAY); // November has 30 days
    expect(parseInterval('1y', now)).toBe(365n * DAY); // 2026-11 to 2027-11
    expect(() => parseInterval('invalid-duration', now)).toThrow(
      /^time: invalid duration "?invalid-duration"?$/,
    );
  });

  it('TestParse (the Go duration part)', () => {
    expect(goParseDuration('30s')).toBe(30n * SECOND);
    expect(goParseDuration('5m')).toBe(5n * MINUTE);
    expect(goParseDuration('1m30s')).toBe(90n * SECOND);
    expect(goParseDuration('1h30m')).toBe(90n * MINUTE);
    expect(() => goParseDuration('invalid')).toThrow(/time: invalid duration "?invalid"?/);
    expect(() => goParseDuration('abc1d')).toThrow(/time: invalid duration "?abc1d"?/);
    expect(() => goParseDuration('a5d')).toThrow(/time: invalid duration "?a5d"?/);
    expect(() => goParseDuration('5a3d')).toThrow('time: unknown unit "a" in duration "5a3d"');
    expect(() => goParseDuration('5')).toThrow(DurationError);
    expect(goParseDuration('1.5h')).toBe(90n * MINUTE);
    expect(goParseDuration('20ms')).toBe(20n * MILLISECOND);
  });

  it('TestFormatInterval', () => {
    expect(formatInterval(61n * SECOND)).toBe('1m');
    expect(formatInterval(30n * MILLISECOND)).toBe('30ms');
    expect(formatInterval(23n * HOUR)).toBe('23h');
    expect(formatInterval(24n * HOUR)).toBe('1d');
    expect(formatInterval(367n * DAY)).toBe('1y');
  });

  it('TestRoundInterval', () => {
    const cases: [number, number][] = [
      [9, 1],
      [14, 10],
      [34, 20],
      [74, 50],
      [140, 100],
      [320, 200],
      [740, 500],
      [1400, 1000],
      [3200, 2000],
      [7400, 5000],
      [12400, 10000],
      [17250, 15000],
      [23000, 20000],
      [42000, 30000],
      [85000, 60000],
      [200000, 120000],
      [420000, 300000],
      [720000, 600000],
      [1000000, 900000],
      [1250000, 1200000],
      [2500000, 1800000],
      [5200000, 3600000],
      [8500000, 7200000],
      [15000000, 10800000],
      [30000000, 21600000],
      [85000000, 43200000],
      [150000000, 86400000],
      [600000000, 86400000],
      [1500000000, 604800000],
      [3500000000, 2592000000],
      [40000000000, 31536000000],
    ];
    for (const [input, expected] of cases)
      expect(roundInterval(BigInt(input) * MILLISECOND)).toBe(BigInt(expected) * MILLISECOND);
  });

  it('secondsToHms (frontend $__interval)', () => {
    expect(secondsToHms(3600)).toBe('1h');
    expect(secondsToHms(90)).toBe('1m');
    expect(secondsToHms(0.5)).toBe('500ms');
    expect(secondsToHms(86400 * 400)).toBe('1y');
    expect(secondsToHms(0)).toBe('less than a millisecond');
  });
});
