/**
 * Mini-batches drawn epoch by epoch from a fixed pool of example indices, each epoch a fresh
 * seeded shuffle. Its whole state is (epoch, position), so a resumed run continues exactly.
 * In a data-parallel run every rank holds the same sampler and takes its share of each global batch
 * (world x n examples): rank r takes examples [r*n, (r+1)*n), so the position is global.
 */
import type { Batch } from '../native/addon';
import { gather, type ImageSource } from '../data/batch';
import { deriveSeed, Random } from '../util/random';

export interface SamplerState { epoch: number; position: number }
/** This process's rank among `size` processes drawing from the same stream. */
export interface Shard { rank: number; size: number }

export class Sampler {
  private order: Int32Array;
  private state: SamplerState = { epoch: 0, position: 0 };

  constructor(private readonly pool: Int32Array, private readonly seed: number, state?: SamplerState, private readonly shard: Shard = { rank: 0, size: 1 }) {
    if (pool.length === 0) throw new Error('cannot draw batches from an empty split');
    this.order = this.shuffled(0);
    if (state) this.restore(state);
  }

  private shuffled(epoch: number): Int32Array {
    return new Random(deriveSeed(this.seed, epoch)).shuffle(Int32Array.from(this.pool));
  }

  restore(s: SamplerState): void {
    this.state = { ...s };
    this.order = this.shuffled(s.epoch);
  }

  get poolSize(): number {
    return this.pool.length;
  }

  snapshot(): SamplerState {
    return { ...this.state };
  }

  /**
   * This rank's `n` of the next global batch's indices (world x n; a pool smaller than that is split
   * evenly, less its remainder); a batch never straddles two epochs (the seed's loader dropped the tail).
   */
  nextIndices(n: number): Int32Array {
    // Every rank takes as many (so all draw as much generator noise): a pool smaller than the global
    // batch drops its remainder.
    const size = Math.min(n * this.shard.size, this.pool.length - (this.pool.length % this.shard.size));
    if (this.state.position + size > this.order.length) {
      this.state = { epoch: this.state.epoch + 1, position: 0 };
      this.order = this.shuffled(this.state.epoch);
    }
    const { rank, size: world } = this.shard;
    const start = this.state.position + (rank * size) / world;
    const out = this.order.slice(start, start + size / world);
    this.state.position += size;
    return out;
  }

  next(src: ImageSource, n: number, labeled = true): Batch {
    return gather(src, this.nextIndices(n), labeled);
  }
}
