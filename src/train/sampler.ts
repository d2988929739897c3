/**
 * Mini-batches drawn epoch by epoch from a fixed pool of example indices, each epoch a fresh
 * seeded shuffle. Its whole state is (epoch, position), so a resumed run continues exactly.
 */
import type { Batch } from '../native/addon';
import { gather, type ImageSource } from '../data/batch';
import { deriveSeed, Random } from '../util/random';

export interface SamplerState { epoch: number; position: number }

export class Sampler {
  private order: Int32Array;
  private state: SamplerState = { epoch: 0, position: 0 };

  constructor(private readonly pool: Int32Array, private readonly seed: number, state?: SamplerState) {
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

  /** The next `n` indices; a batch never straddles two epochs (the seed's loader dropped the tail). */
  nextIndices(n: number): Int32Array {
    const size = Math.min(n, this.pool.length);
    if (this.state.position + size > this.order.length) {
      this.state = { epoch: this.state.epoch + 1, position: 0 };
      this.order = this.shuffled(this.state.epoch);
    }
    const out = this.order.slice(this.state.position, this.state.position + size);
    this.state.position += size;
    return out;
  }

  next(src: ImageSource, n: number, labeled = true): Batch {
    return gather(src, this.nextIndices(n), labeled);
  }
}
