/**
 * The default branch's first-parent history, placed on a line: each commit gets a
 * position one above its first parent, so "deployment X contains merge commit Y" is
 * `position(Y) <= position(X)`.
 */

export interface FetchedCommit {
  oid: string;
  committedDate: string;
  authoredDate: string | null;
  parents: string[];
}

export interface PlacedCommit extends FetchedCommit {
  position: number;
}

/**
 * Walks first parents from `head` through the fetched commits (newest-first pages of
 * `history`, which also hold merged branches' commits) until `known` (the head of the
 * last sync, already placed at `knownPosition`) or the end of what was fetched.
 * Returns the new commits with their positions, oldest first, and whether the walk
 * reached `known` (false: the history was rewritten, or this is a first sync).
 */
export function placeFirstParents(
  head: string,
  fetched: ReadonlyMap<string, FetchedCommit>,
  known: { oid: string; position: number } | null,
): { commits: PlacedCommit[]; reachedKnown: boolean } {
  const chain: FetchedCommit[] = [];
  let reachedKnown = false;
  const seen = new Set<string>();
  for (let oid: string | undefined = head; oid !== undefined && !seen.has(oid);) {
    if (known && oid === known.oid) {
      reachedKnown = true;
      break;
    }
    const c = fetched.get(oid);
    if (!c) break;
    seen.add(oid);
    chain.push(c);
    oid = c.parents[0];
  }
  chain.reverse();
  const base = reachedKnown ? known!.position + 1 : 0;
  return { commits: chain.map((c, i) => ({ ...c, position: base + i })), reachedKnown };
}
