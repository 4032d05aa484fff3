/**
 * The worker's one loaded network, with loads and runs serialised: a load waits until the run
 * using the current network has finished before it replaces (and disposes) it, so a "load"
 * message during a run can never dispose a network in use.
 */

/** What the cache needs of a network. */
export interface CachedNet {
  id: string;
  hasHead: boolean;
  dispose(): void;
}

/** Loads network `id`, with its classifier head when `head`. */
export type NetLoader<N> = (id: string, head: boolean) => Promise<N>;

/** One network at a time; use() and load() run one after another, in call order. */
export class ModelCache<N extends CachedNet> {
  #net: N | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #loader: NetLoader<N>;

  constructor(loader: NetLoader<N>) {
    this.#loader = loader;
  }

  /** The loaded network, if any (for display; use() to run with it). */
  get current(): N | undefined {
    return this.#net;
  }

  /** Runs `fn` with network `id` loaded; nothing else loads until `fn` settles. */
  use<T>(id: string, head: boolean, fn: (net: N) => Promise<T>): Promise<T> {
    const p = this.#queue.then(async () => fn(await this.#ensure(id, head)));
    this.#queue = p.catch(() => {});
    return p;
  }

  /** Loads network `id` (after any run in progress) and returns it. */
  load(id: string, head = false): Promise<N> {
    return this.use(id, head, (n) => Promise.resolve(n));
  }

  /** Disposes the loaded network after any run in progress. */
  dispose(): Promise<void> {
    const p = this.#queue.then(() => {
      this.#net?.dispose();
      this.#net = undefined;
    });
    this.#queue = p.catch(() => {});
    return p;
  }

  async #ensure(id: string, head: boolean): Promise<N> {
    if (this.#net?.id === id && (!head || this.#net.hasHead)) return this.#net;
    const n = await this.#loader(id, head);
    this.#net?.dispose();
    this.#net = n;
    return n;
  }
}
