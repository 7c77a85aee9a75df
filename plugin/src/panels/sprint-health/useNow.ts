import { useEffect, useState } from 'react';

/** Re-renders every `ms` so "generated 5 minutes ago" stays true on a screen nobody touches. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
