/**
 * A bounded map shared by parties (client addresses): besides its total, one party may add an
 * entry only while the entries in use plus its own stay under the total, so its own count twice.
 * One party alone gets at most half; each further one at most half of what the others left; a
 * party holding nothing is admitted while any room is left. A fixed per-party share (total / k)
 * lets k parties fill the map; with this rule k parties leave about total / 2^k, so a few hosts
 * cannot lock everyone else out, while a single busy host still gets half.
 */
export class FairMap<K, V> {
  private readonly entries = new Map<K, { value: V; party: string }>();
  private readonly perParty = new Map<string, number>();

  constructor(readonly total: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  *values(): IterableIterator<V> {
    for (const e of this.entries.values()) yield e.value;
  }

  /** Entries `party` holds. */
  of(party: string): number {
    return this.perParty.get(party) ?? 0;
  }

  /** Whether `party` may add an entry now. */
  admits(party: string): boolean {
    return this.entries.size + this.of(party) < this.total;
  }

  /** Adds (or replaces) `key` for `party`; the caller checked `admits` for a new key. */
  set(key: K, value: V, party: string): void {
    this.delete(key);
    this.entries.set(key, { value, party });
    this.perParty.set(party, this.of(party) + 1);
  }

  delete(key: K): boolean {
    const had = this.entries.get(key);
    if (had === undefined) return false;
    this.entries.delete(key);
    const n = this.of(had.party) - 1;
    if (n > 0) this.perParty.set(had.party, n);
    else this.perParty.delete(had.party);
    return true;
  }
}
