import { describe, expect, it } from '@jest/globals';
import {
  FORMATS,
  interpolate,
  interpolatePostgresSql,
  postgresInterpolateVariable,
  variableReferences,
  type TemplateVariable,
  type VariableValue,
} from '../../src/grafana/variables.js';

/*
 * Expected strings are Grafana's own, from:
 *   grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/interpolationTruthTable.test.ts
 *     (the PostgreSQL datasource's override: strings escaped, never quoted)
 *   grafana/grafana packages/grafana-sql/src/datasource/variable-interpolation.test.ts
 *     (SqlDatasource.interpolateVariable: multi/include-All strings quoted)
 *   grafana/scenes packages/scenes/src/variables/interpolation/formatRegistry.test.ts
 * Cases marked "derived" follow from the upstream code (sceneInterpolator, CustomAllValue,
 * timeMacros), not from an upstream test.
 */

const v = (
  name: string,
  value: VariableValue,
  flags: { multi?: boolean; includeAll?: boolean } = {},
): Record<string, TemplateVariable> => ({ [name]: { name, value, ...flags } });

describe('interpolation truth table (PostgreSQL datasource override)', () => {
  const run = (rawSql: string, variables: Record<string, TemplateVariable>) =>
    interpolate(rawSql, { variables, format: postgresInterpolateVariable('postgres-escape-only') });

  const cases: [string, string, Record<string, TemplateVariable>, string][] = [
    [
      'WHERE equals single (unquoted)',
      'SELECT * FROM host_status WHERE host = $host',
      v('host', 'server01'),
      'SELECT * FROM host_status WHERE host = server01',
    ],
    [
      'WHERE equals single with manual quotes',
      "SELECT * FROM host_status WHERE host = '$host'",
      v('host', 'server01'),
      "SELECT * FROM host_status WHERE host = 'server01'",
    ],
    [
      'WHERE equals numeric',
      'SELECT * FROM latency WHERE latency_ms < $threshold',
      v('threshold', 150),
      'SELECT * FROM latency WHERE latency_ms < 150',
    ],
    [
      'WHERE IN multi (unquoted)',
      'SELECT * FROM host_status WHERE host IN ($host)',
      v('host', ['srv1', 'srv2'], { multi: true }),
      "SELECT * FROM host_status WHERE host IN ('srv1','srv2')",
    ],
    [
      'WHERE IN multi with sqlstring formatter',
      'SELECT * FROM host_status WHERE host IN (${host:sqlstring})',
      v('host', ['srv1', 'srv2'], { multi: true }),
      "SELECT * FROM host_status WHERE host IN ('srv1','srv2')",
    ],
    [
      'WHERE IN multi with manual quotes',
      "SELECT * FROM host_status WHERE host IN ('$host')",
      v('host', ['srv1', 'srv2'], { multi: true }),
      "SELECT * FROM host_status WHERE host IN (''srv1','srv2'')",
    ],
    [
      'WHERE IN multi numeric with :csv',
      'SELECT * FROM latency WHERE latency_ms IN (${latency:csv})',
      v('latency', [50, 75], { multi: true }),
      'SELECT * FROM latency WHERE latency_ms IN (50,75)',
    ],
    [
      'WHERE equals multi variable with single value',
      'SELECT * FROM hosts WHERE hostname = $hostname',
      v('hostname', ['app1'], { multi: true }),
      "SELECT * FROM hosts WHERE hostname = 'app1'",
    ],
    [
      'WHERE IN includeAll explicit allValue (unquoted)',
      'SELECT * FROM regions WHERE region IN ($region)',
      v('region', '*', { includeAll: true }),
      'SELECT * FROM regions WHERE region IN (*)',
    ],
    [
      'WHERE IN includeAll explicit allValue with manual quotes',
      "SELECT * FROM regions WHERE region IN ('$region')",
      v('region', '*', { includeAll: true }),
      "SELECT * FROM regions WHERE region IN ('*')",
    ],
    [
      'WHERE IN includeAll no allValue expands to selected list',
      'SELECT * FROM regions WHERE region IN ($region)',
      v('region', ['us', 'eu'], { includeAll: true }),
      "SELECT * FROM regions WHERE region IN ('us','eu')",
    ],
    [
      'LIKE with $__searchFilter quoted',
      "SELECT * FROM hosts WHERE hostname LIKE '$__searchFilter'",
      v('__searchFilter', 'app%'),
      "SELECT * FROM hosts WHERE hostname LIKE 'app%'",
    ],
    [
      'LIKE with variable inside wildcards',
      "SELECT * FROM hosts WHERE hostname ILIKE '%$host%'",
      v('host', 'app1'),
      "SELECT * FROM hosts WHERE hostname ILIKE '%app1%'",
    ],
    [
      'JOIN with ANY and multi parent variable',
      'SELECT * FROM devices d JOIN regions r ON d.region = ANY(ARRAY[$region])',
      v('region', ['us', 'eu'], { multi: true }),
      "SELECT * FROM devices d JOIN regions r ON d.region = ANY(ARRAY['us','eu'])",
    ],
    [
      'Identifier substitution (schema/table)',
      'SELECT * FROM "$schema"."$table"',
      { ...v('schema', 'public'), ...v('table', 'orders') },
      'SELECT * FROM "public"."orders"',
    ],
    [
      'Group by identifier',
      'SELECT avg(value) FROM metrics GROUP BY "$groupBy"',
      v('groupBy', 'service'),
      'SELECT avg(value) FROM metrics GROUP BY "service"',
    ],
    [
      'LIMIT/OFFSET numeric with :csv',
      'SELECT * FROM metrics LIMIT ${limit:csv} OFFSET ${offset:csv}',
      { ...v('limit', 100), ...v('offset', 200) },
      'SELECT * FROM metrics LIMIT 100 OFFSET 200',
    ],
    [
      'Time filter with multi region',
      'SELECT * FROM metrics WHERE $__timeFilter(ts) AND region IN ($region)',
      v('region', ['us', 'eu'], { multi: true }),
      "SELECT * FROM metrics WHERE $__timeFilter(ts) AND region IN ('us','eu')",
    ],
    [
      'Time bucket with interval variable',
      'SELECT $__timeGroupAlias(ts, $bucket) AS time, avg(v) FROM metrics GROUP BY 1',
      v('bucket', '5m'),
      'SELECT $__timeGroupAlias(ts, 5m) AS time, avg(v) FROM metrics GROUP BY 1',
    ],
    [
      'Range filter using BETWEEN (unquoted)',
      'SELECT * FROM events WHERE ts BETWEEN $start AND $end',
      { ...v('start', '2024-01-01'), ...v('end', '2024-01-31') },
      'SELECT * FROM events WHERE ts BETWEEN 2024-01-01 AND 2024-01-31',
    ],
    [
      'Range filter using BETWEEN (quoted)',
      "SELECT * FROM events WHERE ts BETWEEN '$start' AND '$end'",
      { ...v('start', '2024-01-01'), ...v('end', '2024-01-31') },
      "SELECT * FROM events WHERE ts BETWEEN '2024-01-01' AND '2024-01-31'",
    ],
    [
      'Regex style with includeAll set to .*',
      'SELECT * FROM hosts WHERE hostname ~ $host',
      v('host', '.*', { includeAll: true }),
      'SELECT * FROM hosts WHERE hostname ~ .*',
    ],
    [
      'Nested variable style (resolved list)',
      'SELECT * FROM hosts WHERE host IN ($hosts)',
      v('hosts', ['srv-us-1', 'srv-eu-1'], { multi: true }),
      "SELECT * FROM hosts WHERE host IN ('srv-us-1','srv-eu-1')",
    ],
    [
      'Annotation query with tags variable',
      'SELECT ts AS time, msg AS text, $tag AS tags FROM events',
      v('tag', 'deploy'),
      'SELECT ts AS time, msg AS text, deploy AS tags FROM events',
    ],
    [
      'Single quote in single value with manual quotes',
      "SELECT * FROM users WHERE name = '$user'",
      v('user', "O'Brien"),
      "SELECT * FROM users WHERE name = 'O''Brien'",
    ],
    [
      'Single quote in array value',
      'SELECT * FROM users WHERE name IN ($users)',
      v('users', ["O'Brien", "D'Angelo"], { multi: true }),
      "SELECT * FROM users WHERE name IN ('O''Brien','D''Angelo')",
    ],
    [
      'Multiple single quotes in single value',
      "SELECT * FROM logs WHERE message = '$msg'",
      v('msg', "It's a test's message"),
      "SELECT * FROM logs WHERE message = 'It''s a test''s message'",
    ],
    [
      'Period in value (should be treated as data, not identifier)',
      "SELECT * FROM hosts WHERE hostname = '$host'",
      v('host', 'server.example.com'),
      "SELECT * FROM hosts WHERE hostname = 'server.example.com'",
    ],
    [
      'Period in array value',
      'SELECT * FROM hosts WHERE hostname IN ($hosts)',
      v('hosts', ['server.example.com', 'db.example.org'], { multi: true }),
      "SELECT * FROM hosts WHERE hostname IN ('server.example.com','db.example.org')",
    ],
    [
      'Mixed special characters in array',
      'SELECT * FROM users WHERE name IN ($names)',
      v('names', ["O'Brien", 'user.name', "test's"], { multi: true }),
      "SELECT * FROM users WHERE name IN ('O''Brien','user.name','test''s')",
    ],
    [
      'Multi variable with single string containing single quote',
      "SELECT * FROM users WHERE name = '$user'",
      v('user', "O'Brien", { multi: true }),
      "SELECT * FROM users WHERE name = 'O''Brien'",
    ],
    [
      'includeAll variable with simple string (no allValue)',
      "SELECT * FROM regions WHERE region = '$region'",
      v('region', 'us-east', { includeAll: true }),
      "SELECT * FROM regions WHERE region = 'us-east'",
    ],
  ];
  it.each(cases)('%s', (_name, rawSql, variables, expected) => {
    expect(run(rawSql, variables)).toBe(expected);
  });
});

describe('SqlDatasource.interpolateVariable (grafana-sql variable-interpolation.test.ts)', () => {
  const f = postgresInterpolateVariable('sql');
  const info = (flags: { multi?: boolean; includeAll?: boolean }) => ({ name: 'id1', ...flags });

  it('Case 1: multi-value enabled, single value selected', () => {
    expect(f('value1', info({ multi: true }))).toBe("'value1'");
    expect(f("O'Brien", info({ multi: true }))).toBe("'O''Brien'");
    expect(f(42, info({ multi: true }))).toBe(42);
  });
  it('Case 2: multi-value enabled, multiple values selected', () => {
    expect(f(['value1', 'value2', 'value3'], info({ multi: true }))).toBe("'value1','value2','value3'");
    expect(f(["O'Brien", 'Smith', "D'Angelo"], info({ multi: true }))).toBe("'O''Brien','Smith','D''Angelo'");
    expect(f([], info({ multi: true }))).toBe('');
  });
  it('Case 3: include all enabled, single value selected', () => {
    expect(f('value1', info({ includeAll: true }))).toBe("'value1'");
    expect(f("O'Brien", info({ includeAll: true }))).toBe("'O''Brien'");
    expect(f(123, info({ includeAll: true }))).toBe(123);
  });
  it('Case 4: include all enabled, "All" value selected', () => {
    expect(f(['value1', 'value2', 'value3'], info({ includeAll: true }))).toBe("'value1','value2','value3'");
    expect(f(["test'1", 'test2', "test'3"], info({ includeAll: true }))).toBe("'test''1','test2','test''3'");
  });
  it('Case 5: no include all, no multi-value, single value selected', () => {
    expect(f('value1', info({}))).toBe('value1');
    expect(f("O'Brien", info({}))).toBe("O''Brien");
    expect(f(999, info({}))).toBe(999);
    expect(f('', info({}))).toBe('');
  });
  it('Case 6: both include all and multi-value enabled, single value selected', () => {
    expect(f('value1', info({ multi: true, includeAll: true }))).toBe("'value1'");
    expect(f("O'Brien", info({ multi: true, includeAll: true }))).toBe("'O''Brien'");
    expect(f(456, info({ multi: true, includeAll: true }))).toBe(456);
  });
  it('Case 7: both include all and multi-value enabled, "All" value selected', () => {
    expect(f(['alpha', 'beta', 'gamma'], info({ multi: true, includeAll: true }))).toBe(
      "'alpha','beta','gamma'",
    );
    expect(f(["it's", "can't", "won't"], info({ multi: true, includeAll: true }))).toBe(
      "'it''s','can''t','won''t'",
    );
  });
  it('Case 8: both include all and multi-value enabled, multiple values selected', () => {
    expect(f(['value1', 'value2'], info({ multi: true, includeAll: true }))).toBe("'value1','value2'");
    expect(f(["O'Brien", "D'Angelo"], info({ multi: true, includeAll: true }))).toBe(
      "'O''Brien','D''Angelo'",
    );
    expect(f(['value1'], info({ multi: true, includeAll: true }))).toBe("'value1'");
    expect(f(['a', "b'c", 'd'], info({ multi: true, includeAll: true }))).toBe("'a','b''c','d'");
  });
});

describe('formatRegistry (scenes formatRegistry.test.ts)', () => {
  const fmt = (
    id: string,
    value: string | number | (string | number)[],
    args: string[] = [],
    text?: string,
  ) => FORMATS[id]!(value, args, { name: 'server', value, text });
  it('formats values according to format', () => {
    expect(fmt('glob', 'foo')).toBe('foo');
    expect(fmt('glob', ['AA', 'BB', 'C.*'])).toBe('{AA,BB,C.*}');
    expect(fmt('text', 'v', [], 'display text')).toBe('display text');
    expect(fmt('raw', [12, 13])).toBe('12,13');
    expect(fmt('raw', '#Æ³ ̇¹"Ä1"#!"#!½')).toBe('#Æ³ ̇¹"Ä1"#!"#!½');
    expect(fmt('pipe', ['test', 'test2'])).toBe('test|test2');
    expect(fmt('csv', 'test')).toBe('test');
    expect(fmt('csv', ['test', 'test2'])).toBe('test,test2');
    expect(fmt('json', ['test', 12])).toBe('["test",12]');
    expect(fmt('json', 'test')).toBe('test');
    expect(fmt('percentencode', ['foo()bar BAZ', 'test2'])).toBe('%7Bfoo%28%29bar%20BAZ%2Ctest2%7D');
    expect(fmt('singlequote', 'test')).toBe("'test'");
    expect(fmt('singlequote', ['test', "test'2"])).toBe("'test','test\\'2'");
    expect(fmt('doublequote', 'test')).toBe('"test"');
    expect(fmt('doublequote', ['test', 'test"2'])).toBe('"test","test\\"2"');
    expect(fmt('sqlstring', "test'value")).toBe("'test''value'");
    expect(fmt('sqlstring', 'test"value')).toBe("'test\\\"value'");
    expect(fmt('sqlstring', ['test', "test'value2"])).toBe("'test','test''value2'");
    expect(fmt('sqlstring', ['test', "test'value2", 'test"value3'])).toBe(
      "'test','test''value2','test\\\"value3'",
    );
    expect(fmt('date', 1594671549254)).toBe('2020-07-13T20:19:09.254Z');
    expect(fmt('date', 1594671549254, ['seconds'])).toBe('1594671549');
    expect(fmt('date', 1594671549254, ['iso'])).toBe('2020-07-13T20:19:09.254Z');
    expect(fmt('date', 1594671549254, ['YYYY-MM'])).toBe('2020-07');
    expect(fmt('date', 1594671549254, ['YYYY-MM', 'ss'])).toBe('2020-07:09');
    expect(fmt('date', 1594671549254, ['YYYY', 'MM', 'DD'])).toBe('2020:07:13');
    expect(fmt('join', 'hello')).toBe('hello');
    expect(fmt('join', ['hello'])).toBe('hello');
    expect(fmt('join', ['hello', 'world'])).toBe('hello,world');
    expect(fmt('join', ['hello', 'world'], [' | '])).toBe('hello | world');
  });
  it('queryparam url-encodes the value', () => {
    expect(fmt('queryparam', 'helloAZ%=')).toBe('var-server=helloAZ%25%3D');
  });
});

describe('the scenes interpolator around the PostgreSQL format (derived)', () => {
  const builtins = {
    from: new Date(Date.UTC(2026, 9, 1)),
    to: new Date(Date.UTC(2026, 9, 31)),
    intervalMs: 3_600_000,
  };

  it('writes a custom All value as is, whatever the format, and interpolates it', () => {
    const variables = {
      ...v('team', { customAll: '__all' }, { multi: true, includeAll: true }),
      ...v('repo', { customAll: "'${team:raw}'" }, { multi: true, includeAll: true }),
    };
    expect(interpolatePostgresSql('x IN ($team) OR y = ${team:sqlstring}', variables, builtins)).toBe(
      'x IN (__all) OR y = __all',
    );
    expect(interpolatePostgresSql('r = $repo', variables, builtins)).toBe("r = '__all'");
    expect(interpolate('${team:text} ${team:queryparam}', { variables })).toBe('All var-team=All');
  });

  it('gives the frontend built-ins: epoch ms raw, :date formats, $__interval as the frontend writes it', () => {
    expect(
      interpolatePostgresSql(
        'SELECT ${__from}, $__to, ${__from:date:iso}, ${__to:date:seconds}, $__interval, $__interval_ms, $__range_s',
        {},
        builtins,
      ),
    ).toBe('SELECT 1790812800000, 1793404800000, 2026-10-01T00:00:00.000Z, 1793404800, 1h, 3600000, 2592000');
  });

  it('leaves backend macros and unknown names for the server, and reports the unknown ones', () => {
    const unresolved: string[] = [];
    expect(
      interpolatePostgresSql(
        "SELECT $__timeGroupAlias(t, $__interval), $__unixEpochFrom() WHERE $__timeFilter(t) AND $nope = 'x'",
        {},
        builtins,
        'sql',
        unresolved,
      ),
    ).toBe("SELECT $__timeGroupAlias(t, 1h), $__unixEpochFrom() WHERE $__timeFilter(t) AND $nope = 'x'");
    expect(unresolved).toEqual(['$__timeGroupAlias', '$__unixEpochFrom', '$__timeFilter', '$nope']);
  });

  it('quotes a lone string of a multi or All variable under one release and not the other', () => {
    const variables = v('team', 'payments', { includeAll: true });
    expect(interpolatePostgresSql('t IN ($team)', variables, builtins, 'sql')).toBe("t IN ('payments')");
    expect(interpolatePostgresSql('t IN ($team)', variables, builtins, 'postgres-escape-only')).toBe(
      't IN (payments)',
    );
    expect(interpolatePostgresSql('t IN (${team:sqlstring})', variables, builtins, 'sql')).toBe(
      "t IN ('payments')",
    );
    expect(
      interpolatePostgresSql('t IN (${team:sqlstring})', variables, builtins, 'postgres-escape-only'),
    ).toBe("t IN ('payments')");
  });

  it('lists the variables a text refers to, with their formats', () => {
    expect(variableReferences('a $x ${y:csv} [[z:raw]] ${w}')).toEqual([
      { name: 'x', format: undefined, match: '$x' },
      { name: 'y', format: 'csv', match: '${y:csv}' },
      { name: 'z', format: 'raw', match: '[[z:raw]]' },
      { name: 'w', format: undefined, match: '${w}' },
    ]);
  });
});
