import { describe, expect, it } from '@jest/globals';
import {
  FORMAT_NAMES,
  interpolate,
  interpolatePostgresSql,
  percentEncode,
  variableReferences,
  type Builtins,
  type TemplateVariable,
} from '../support/grafana/variables.js';

/**
 * The frontend side of the emulator against Grafana's documented variable syntax, format
 * options and global variables (links in test/support/grafana/variables.ts). Inputs follow the
 * docs' examples; the expected strings are worked out here.
 */

const multi = (name: string, value: string[], text?: string[]): TemplateVariable => ({
  name,
  multi: true,
  includeAll: true,
  value,
  text,
});
const single = (name: string, value: string): TemplateVariable => ({ name, value });
const one = (text: string, variable: TemplateVariable, format?: string) =>
  interpolate(text, { variables: { [variable.name]: variable }, format });

describe('format options', () => {
  const servers = multi('servers', ['test1', 'test2']);

  it.each([
    ['csv', 'test1,test2'],
    ['distributed', 'test1,servers=test2'],
    ['doublequote', '"test1","test2"'],
    ['glob', '{test1,test2}'],
    ['json', '["test1", "test2"]'],
    ['lucene', '("test1" OR "test2")'],
    ['pipe', 'test1|test2'],
    ['raw', 'test1,test2'],
    ['regex', '(test1|test2)'],
    ['singlequote', "'test1','test2'"],
    ['sqlstring', "'test1','test2'"],
    ['text', 'test1 + test2'],
    ['queryparam', 'var-servers=test1&var-servers=test2'],
  ])('%s', (format, expected) => {
    expect(one(`\${servers:${format}}`, servers)).toBe(expected);
  });

  it('covers every documented format', () => {
    expect(FORMAT_NAMES.sort()).toEqual(
      [
        'csv',
        'distributed',
        'doublequote',
        'glob',
        'json',
        'lucene',
        'percentencode',
        'pipe',
        'queryparam',
        'raw',
        'regex',
        'singlequote',
        'sqlstring',
        'text',
      ].sort(),
    );
  });

  it('escapes what each quoting format says it escapes', () => {
    const names = multi('names', ["o'hara", 'say "hi"', 'a.b']);
    expect(one('${names:sqlstring}', names)).toBe(`'o''hara','say "hi"','a.b'`);
    expect(one('${names:singlequote}', names)).toBe(`'o\\'hara','say "hi"','a.b'`);
    expect(one('${names:doublequote}', names)).toBe(`"o'hara","say \\"hi\\"","a.b"`);
    expect(one('${names:regex}', names)).toBe(`(o'hara|say "hi"|a\\.b)`);
    expect(one('${names:lucene}', names)).toBe(`("o'hara" OR "say \\"hi\\"" OR "a.b")`);
  });

  it('percent-encodes all but letters, digits and -_.~, joining the values first', () => {
    expect(one('${servers:percentencode}', multi('servers', ['foo()bar BAZ', 'test2']))).toBe(
      'foo%28%29bar%20BAZ%2Ctest2',
    );
    expect(percentEncode("a-b_c.d~e*f'g/h&i=é")).toBe('a-b_c.d~e%2Af%27g%2Fh%26i%3D%C3%A9');
    expect(one('${team:queryparam}', single('team', 'core & platform'))).toBe(
      'var-team=core%20%26%20platform',
    );
  });

  it('gives a single value as it is where the docs only show several', () => {
    const server = single('server', 'web-1.prod');
    expect(one('${server:glob}', server)).toBe('web-1.prod');
    expect(one('${server:csv}', server)).toBe('web-1.prod');
    expect(one('${server:distributed}', server)).toBe('web-1.prod');
    expect(one('${server:regex}', server)).toBe('web-1\\.prod');
    expect(one('${server:json}', server)).toBe('"web-1.prod"');
    expect(one('${server:sqlstring}', server)).toBe("'web-1.prod'");
  });

  it('falls back to glob for a format it does not know', () => {
    expect(one('${servers:nonsense}', multi('servers', ['a', 'b']))).toBe('{a,b}');
  });

  it('shows the text of the chosen options for :text, not their values', () => {
    const repo = multi('repo', ['42', '43'], ['api', 'web']);
    expect(one('${repo:text}', repo)).toBe('api + web');
    expect(one('${repo:csv}', repo)).toBe('42,43');
  });
});

describe('syntax', () => {
  const server = single('server', 'backend_01');

  it('reads $var, ${var}, [[var]] and [[var:format]] alike', () => {
    expect(one('apps.frontend.$server.requests.count', server)).toBe(
      'apps.frontend.backend_01.requests.count',
    );
    expect(one('apps.${server}_total', server)).toBe('apps.backend_01_total');
    expect(one('apps.[[server]].count', server)).toBe('apps.backend_01.count');
    expect(one('[[servers:pipe]]', multi('servers', ['a', 'b']))).toBe('a|b');
  });

  it('leaves an unknown reference as written and says so', () => {
    const unresolved: string[] = [];
    const text = "SELECT '$nothere', ${gone:csv}, [[old]], ${__data.fields.url} WHERE $__timeFilter(t)";
    expect(interpolate(text, { variables: {}, unresolved })).toBe(text);
    expect(unresolved).toEqual([
      '$nothere',
      '${gone:csv}',
      '[[old]]',
      '${__data.fields.url}',
      '$__timeFilter',
    ]);
  });

  it('does not interpolate the values it puts in', () => {
    expect(one('$a', single('a', '$a and ${a}'))).toBe('$a and ${a}');
  });

  it('lists the references of a text, with their formats', () => {
    expect(
      variableReferences('x = $team AND y IN (${repo:sqlstring}) AND [[env:csv]] ${srv.region}'),
    ).toEqual([
      { match: '$team', name: 'team', path: undefined, format: undefined, index: 4 },
      { match: '${repo:sqlstring}', name: 'repo', path: undefined, format: 'sqlstring', index: 20 },
      { match: '[[env:csv]]', name: 'env', path: undefined, format: 'csv', index: 43 },
      { match: '${srv.region}', name: 'srv', path: 'region', format: undefined, index: 55 },
    ]);
  });
});

describe('the All option', () => {
  const all: TemplateVariable = {
    name: 'repo',
    multi: true,
    includeAll: true,
    value: { customAll: '.*' },
    text: 'All',
  };

  it('puts a custom all value in as written, whatever the format', () => {
    for (const format of ['sqlstring', 'regex', 'csv', 'doublequote', 'percentencode'])
      expect(one(`\${repo:${format}}`, all)).toBe('.*');
    expect(interpolatePostgresSql('WHERE repo ~ $repo', { repo: all }, builtins)).toBe('WHERE repo ~ .*');
  });

  it('travels in a link as the All option, and reads as All', () => {
    expect(one('${repo:queryparam}', all)).toBe('var-repo=All');
    expect(one('${repo:text}', all)).toBe('All');
  });
});

const builtins: Builtins = {
  from: new Date(1594671549254),
  to: new Date(1594693149254),
  intervalMs: 1_200_000,
};

describe('global variables', () => {
  const g = (text: string) => interpolate(text, { variables: {}, builtins });

  it('gives $__from and $__to in epoch milliseconds, or in the documented date formats', () => {
    expect(g('${__from} ${__to}')).toBe('1594671549254 1594693149254');
    expect(g('${__from:date}')).toBe('2020-07-13T20:19:09.254Z');
    expect(g('${__from:date:iso}')).toBe('2020-07-13T20:19:09.254Z');
    expect(g('${__from:date:seconds}')).toBe('1594671549');
    expect(() => g('${__from:date:YYYY-MM}')).toThrow(/not emulated/);
  });

  it('gives $__interval as text and $__interval_ms in milliseconds', () => {
    expect(g('$__interval $__interval_ms')).toBe('20m 1200000');
  });

  it('lets a dashboard variable of the same name win', () => {
    expect(
      interpolate('$__interval', { variables: { __interval: single('__interval', '5m') }, builtins }),
    ).toBe('5m');
  });
});

describe('PostgreSQL queries', () => {
  const sql = (rawSql: string, variables: Record<string, TemplateVariable>) => {
    const unresolved: string[] = [];
    return { sql: interpolatePostgresSql(rawSql, variables, builtins, unresolved), unresolved };
  };

  it('quotes a multi-value variable by default, as a comma-separated list', () => {
    expect(
      sql('WHERE hostname IN($hostname)', { hostname: multi('hostname', ['server01', 'server02']) }).sql,
    ).toBe("WHERE hostname IN('server01','server02')");
    // One value chosen is still a list of one.
    expect(sql('WHERE hostname IN($hostname)', { hostname: multi('hostname', ['server01']) }).sql).toBe(
      "WHERE hostname IN('server01')",
    );
    expect(sql('WHERE name IN($name)', { name: multi('name', ["O'Brien", 'Smith']) }).sql).toBe(
      "WHERE name IN('O''Brien','Smith')",
    );
  });

  it('puts a single-value variable in as it is', () => {
    expect(sql("WHERE region = '$region'", { region: single('region', 'eu-west') }).sql).toBe(
      "WHERE region = 'eu-west'",
    );
    expect(sql('LIMIT $n', { n: { name: 'n', value: 10 } }).sql).toBe('LIMIT 10');
  });

  it('lets a format override the default: csv unquotes, sqlstring quotes a single value', () => {
    const servers = multi('servers', ['server01', 'server02']);
    expect(sql('${servers:csv}', { servers }).sql).toBe('server01,server02');
    expect(sql('team = ${team:sqlstring}', { team: single('team', "ops'") }).sql).toBe("team = 'ops'''");
    expect(sql('ARRAY[${none:sqlstring}]::text[]', { none: multi('none', []) }).sql).toBe('ARRAY[]::text[]');
  });

  it('leaves the macros to the server, reporting them as unresolved', () => {
    const out = sql('SELECT $__timeGroupAlias(t, $__interval) WHERE $__timeFilter(t) AND ${__to} > 0', {});
    expect(out.sql).toBe('SELECT $__timeGroupAlias(t, 20m) WHERE $__timeFilter(t) AND 1594693149254 > 0');
    expect(out.unresolved).toEqual(['$__timeGroupAlias', '$__timeFilter']);
  });
});
