/**
 * A Map that keeps at most `max` entries: setting a key makes it the newest, and the
 * oldest go first. The in-memory caches use it so none of them grows without bound.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (this.size > this.max) this.delete(this.keys().next().value as K);
    return this;
  }
}
