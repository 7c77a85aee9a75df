/**
 * GitHub-style global node ids (`PR_kwDO…`): opaque, stable, and unique per kind and
 * number, so re-generating the same world gives the same ids.
 */
export function nodeId(prefix: string, ...parts: (string | number)[]): string {
  return `${prefix}_kwDO${Buffer.from(parts.join(':')).toString('base64url')}`;
}
