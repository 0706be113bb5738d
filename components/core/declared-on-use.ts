/**
 * Resources per key (a host's Docker provider and network, its Consul agent) declared the first
 * time a key is asked for.
 *
 * The parts every other part reads synchronously (`HostInventory.placeOn`, `ConsulCluster.readyOn`)
 * are declared on use: a host's parts come with the first batch that places something there, and
 * the owner's own batches (`BatchedComponent.declareChildren` over every key) declare the rest.
 * Either way each key's resources are declared once, with the same names and inputs, whatever the
 * order, and the owner's `declared` settles only when every key has been.
 */
export class DeclaredOnUse<T> {
  private readonly made = new Map<string, T>();
  private readonly known: ReadonlySet<string>;

  /** `keys`: the keys there are; `declare`: declares one key's resources (called once per key). */
  constructor(
    private readonly what: string,
    public readonly keys: readonly string[],
    private readonly declare: (key: string) => T,
  ) {
    this.known = new Set(keys);
  }

  /** The key's resources, declared now if they were not yet. */
  public get(key: string): T {
    let made = this.made.get(key);
    if (made === undefined) {
      if (!this.known.has(key)) throw new Error(`unknown ${this.what} "${key}"`);
      made = this.declare(key);
      this.made.set(key, made);
    }
    return made;
  }

  /** Whether `key` is one of the keys. */
  public knows(key: string): boolean {
    return this.known.has(key);
  }

  /** Whether the key's resources are declared yet. */
  public has(key: string): boolean {
    return this.made.has(key);
  }
}
