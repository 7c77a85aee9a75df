/** A list read in one line: the first few names and how many more ("a, b, c and 37 more"). */
export function firstFew(names: string[], n = 8): string {
  if (names.length === 0) return 'none';
  return names.length > n ? `${names.slice(0, n).join(', ')} and ${names.length - n} more` : names.join(', ');
}
