/**
 * Byte-capacity cache simulators for the same request stream the nginx tiers see: LRU (what
 * nginx's cache manager approximates), SIEVE (Zhang et al., NSDI '24) and S3-FIFO (Yang et al.,
 * SOSP '23; s3fifo.com). Written from the papers' descriptions; used by bench/cdn/zipf.ts to say
 * how far another eviction or admission policy would move the hit ratio at these sizes.
 */
export interface SimCache {
  /** True on a hit; on a miss the object is admitted (evicting as needed). */
  access(key: number, size: number): boolean;
}

export function lru(capacity: number): SimCache {
  const m = new Map<number, number>();
  let used = 0;
  return {
    access(key, size) {
      const hit = m.has(key);
      if (hit) {
        m.delete(key);
        m.set(key, size);
        return true;
      }
      m.set(key, size);
      used += size;
      for (const [k, s] of m) {
        if (used <= capacity) break;
        m.delete(k);
        used -= s;
      }
      return false;
    },
  };
}

/** SIEVE: a FIFO with a visited bit; a hand from the tail evicts the first unvisited object. */
export function sieve(capacity: number): SimCache {
  interface Node { key: number; size: number; visited: boolean; prev?: Node; next?: Node }
  const m = new Map<number, Node>();
  let head: Node | undefined; // newest
  let tail: Node | undefined; // oldest
  let hand: Node | undefined;
  let used = 0;
  const unlink = (n: Node) => {
    if (n.prev) n.prev.next = n.next; else head = n.next;
    if (n.next) n.next.prev = n.prev; else tail = n.prev;
  };
  const evict = () => {
    let n = hand ?? tail;
    while (n && n.visited) {
      n.visited = false;
      n = n.prev ?? tail;
    }
    if (!n) return;
    hand = n.prev;
    unlink(n);
    m.delete(n.key);
    used -= n.size;
  };
  return {
    access(key, size) {
      const n = m.get(key);
      if (n) {
        n.visited = true;
        return true;
      }
      while (used + size > capacity && m.size > 0) evict();
      const node: Node = { key, size, visited: false, next: head };
      if (head) head.prev = node;
      head = node;
      tail ??= node;
      m.set(key, node);
      used += size;
      return false;
    },
  };
}

/** S3-FIFO: a small FIFO (10 %) filters one-hit wonders, a main FIFO with 2-bit frequency, a ghost queue. */
export function s3fifo(capacity: number): SimCache {
  const smallCap = capacity * 0.1;
  const small: number[] = [];
  const main: number[] = [];
  const freq = new Map<number, number>();
  const sizes = new Map<number, number>();
  const where = new Map<number, 'S' | 'M'>();
  const ghost = new Set<number>();
  const ghostOrder: number[] = [];
  let smallUsed = 0;
  let mainUsed = 0;
  const addGhost = (k: number) => {
    ghost.add(k);
    ghostOrder.push(k);
    while (ghostOrder.length > main.length + small.length + 1) ghost.delete(ghostOrder.shift()!);
  };
  const evictMain = () => {
    while (main.length > 0) {
      const k = main.shift()!;
      const f = freq.get(k) ?? 0;
      if (f > 0) {
        freq.set(k, f - 1);
        main.push(k);
      } else {
        mainUsed -= sizes.get(k)!;
        where.delete(k);
        sizes.delete(k);
        freq.delete(k);
        return;
      }
    }
  };
  const evictSmall = () => {
    while (small.length > 0) {
      const k = small.shift()!;
      const s = sizes.get(k)!;
      smallUsed -= s;
      if ((freq.get(k) ?? 0) > 1) {
        where.set(k, 'M');
        main.push(k);
        mainUsed += s;
        freq.set(k, 0);
        while (mainUsed > capacity - smallCap && main.length > 0) evictMain();
        return;
      }
      where.delete(k);
      sizes.delete(k);
      freq.delete(k);
      addGhost(k);
      return;
    }
  };
  return {
    access(key, size) {
      if (where.has(key)) {
        freq.set(key, Math.min(3, (freq.get(key) ?? 0) + 1));
        return true;
      }
      sizes.set(key, size);
      freq.set(key, 0);
      if (ghost.has(key)) {
        ghost.delete(key);
        where.set(key, 'M');
        main.push(key);
        mainUsed += size;
      } else {
        where.set(key, 'S');
        small.push(key);
        smallUsed += size;
      }
      while (smallUsed + mainUsed > capacity) {
        if (smallUsed > smallCap || main.length === 0) evictSmall();
        else evictMain();
      }
      return false;
    },
  };
}

/** LRU that admits an object only at its second request within a window (proxy_cache_min_uses 2). */
export function lruMinUses2(capacity: number): SimCache {
  const inner = lru(capacity);
  const seen = new Set<number>();
  const resident = new Set<number>();
  return {
    access(key, size) {
      if (resident.has(key)) return inner.access(key, size);
      if (!seen.has(key)) {
        seen.add(key);
        return false;
      }
      resident.add(key);
      inner.access(key, size);
      return false;
    },
  };
}
