/**
 * How Grafana reads the environment into provisioning files (grafana/grafana
 * pkg/services/provisioning/values/values.go, interpolateValue): the value is split on `$$`
 * (a literal `$`), each part goes through Go's os.ExpandEnv (`$NAME`, `${NAME}`; unset is
 * empty), and the parts are joined with `$`. Dashboards' JSON is not expanded; in alert rules
 * the query models and the annotations are taken as written.
 */

export interface EnvReference {
  name: string;
  match: string;
}

const SPECIAL = /[*#$@!?\-0-9]/;

/** Go's os.Expand on one part, reporting each name it looks up. */
function goExpand(s: string, mapping: (name: string, match: string) => string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const j = s.indexOf('$', i);
    if (j < 0 || j === s.length - 1) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, j);
    const rest = s.slice(j + 1);
    let name = '';
    let width = 0;
    if (rest[0] === '{') {
      if (rest.length > 2 && SPECIAL.test(rest[1]!) && rest[2] === '}') [name, width] = [rest[1]!, 3];
      else {
        const close = rest.indexOf('}');
        // "${}" and an unclosed "${" are bad syntax: Go eats them.
        [name, width] = close < 0 ? ['', 1] : close === 1 ? ['', 2] : [rest.slice(1, close), close + 1];
      }
    } else if (SPECIAL.test(rest[0]!)) [name, width] = [rest[0]!, 1];
    else {
      const m = /^[A-Za-z0-9_]*/.exec(rest)![0];
      [name, width] = [m, m.length];
    }
    if (name === '' && width === 0) out += '$';
    else if (name !== '') out += mapping(name, s.slice(j, j + 1 + width));
    i = j + 1 + width;
  }
  return out;
}

/** The value Grafana ends up with, and the environment variables it read. */
export function expandProvisioningValue(
  value: string,
  env: Record<string, string | undefined>,
): { value: string; references: EnvReference[] } {
  const references: EnvReference[] = [];
  const parts = value.split('$$').map((part) =>
    goExpand(part, (name, match) => {
      references.push({ name, match });
      return env[name] ?? '';
    }),
  );
  return { value: parts.join('$'), references };
}
