/**
 * A FIFO mutex. PGlite is one PostgreSQL backend with one session: a transaction opened by one
 * caller would swallow every statement another caller sends meanwhile. Everything that talks to
 * PGlite (Kysely and pg-boss) takes this lock, so a transaction owns the session until it ends.
 */
export class SerialLock {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return ready;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
