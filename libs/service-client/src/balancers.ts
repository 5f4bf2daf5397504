import type { Replica } from './replica.js';

/** How a replica is chosen among those in rotation. */
export type BalancerName = 'p2c-peak-ewma' | 'least-outstanding' | 'round-robin';

/** Picks one of `candidates` (never empty) for the next attempt. */
export interface Balancer {
  pick(candidates: readonly Replica[], now: number): Replica;
}

/** Each in turn, blind to load and latency: the baseline the others are measured against. */
export class RoundRobinBalancer implements Balancer {
  #next = 0;

  pick(candidates: readonly Replica[]): Replica {
    this.#next = (this.#next + 1) % candidates.length;
    return candidates[this.#next]!;
  }
}

/** The replica with the fewest requests in flight; ties broken at random. */
export class LeastOutstandingBalancer implements Balancer {
  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly Replica[]): Replica {
    let best: Replica[] = [];
    let fewest = Infinity;
    for (const replica of candidates) {
      if (replica.outstanding < fewest) {
        fewest = replica.outstanding;
        best = [replica];
      } else if (replica.outstanding === fewest) best.push(replica);
    }
    return best[Math.floor(this.random() * best.length)]!;
  }
}

/**
 * Power of two choices over peak EWMA (the default, as in Finagle and Linkerd): two distinct replicas at random, the
 * one with the lower cost wins, cost being latency estimate × (requests in flight + 1). Failures enter the estimate
 * as a penalty, so a replica that fails fast looks slow rather than attractive.
 */
export class PeakEwmaBalancer implements Balancer {
  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly Replica[], now: number): Replica {
    if (candidates.length === 1) return candidates[0]!;
    const first = Math.floor(this.random() * candidates.length);
    let second = Math.floor(this.random() * (candidates.length - 1));
    if (second >= first) second += 1;
    const a = candidates[first]!;
    const b = candidates[second]!;
    return a.cost(now) <= b.cost(now) ? a : b;
  }
}

/** The balancer for a name. */
export function createBalancer(name: BalancerName, random: () => number = Math.random): Balancer {
  switch (name) {
    case 'round-robin':
      return new RoundRobinBalancer();
    case 'least-outstanding':
      return new LeastOutstandingBalancer(random);
    case 'p2c-peak-ewma':
      return new PeakEwmaBalancer(random);
  }
}
