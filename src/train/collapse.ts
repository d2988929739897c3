/**
 * Watches for a collapsed GAN: the discriminator rejects every generated image (its fake loss near
 * zero) while the generator's loss explodes. Past that point the generator gets no useful gradient
 * and, with few labels, the classifier degrades with it.
 */
import type { Losses } from '../native/addon';

/** The discriminator's fake loss below this counts as "rejects every fake". */
const FAKE_LOSS_FLOOR = 1e-4;
/** The generator's loss this many times its typical (median) value counts as exploded. */
const G_LOSS_FACTOR = 10;
/** Generator losses remembered for the median, and steps a collapse must last to be reported. */
const WINDOW = 200;
const PERSIST = 20;

export class CollapseWatch {
  private readonly gLosses: number[] = [];
  private streak = 0;
  private reported = false;

  /** Feeds one step's losses; true once, at the step where a lasting collapse is recognised. */
  update(l: Losses): boolean {
    if (l.d_loss_fake === undefined || l.g_loss === undefined) return false;
    const median = this.median();
    const collapsed = l.d_loss_fake < FAKE_LOSS_FLOOR && median !== undefined && l.g_loss > G_LOSS_FACTOR * Math.max(median, 1e-3);
    if (!collapsed) {
      this.gLosses.push(l.g_loss);
      if (this.gLosses.length > WINDOW) this.gLosses.shift();
      this.streak = 0;
      this.reported = false;
      return false;
    }
    this.streak += 1;
    if (this.streak < PERSIST || this.reported) return false;
    this.reported = true;
    return true;
  }

  /** The generator's typical loss before the collapse, for the message. */
  median(): number | undefined {
    if (this.gLosses.length < WINDOW / 2) return undefined;
    const s = [...this.gLosses].sort((a, b) => a - b);
    return s[s.length >> 1];
  }
}
