// Training progress: a redrawn one-line bar on a terminal, throttled plain log
// lines otherwise (so CI logs and `> file` stay readable).

export interface ProgressOptions {
  /** Minimum time between plain log lines when not a TTY; default 10 s. */
  logIntervalMs?: number;
  /** Minimum time between bar redraws on a TTY; default 100 ms. */
  redrawMs?: number;
  /** Clock, replaceable in tests. */
  now?: () => number;
}

// Steps/s is measured over this recent window so it follows speed changes
// (e.g. a test-batch evaluation) without jumping at every step.
const RATE_WINDOW_MS = 20_000;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(4);
}

export class Progress {
  private readonly tty: boolean;
  private readonly logIntervalMs: number;
  private readonly redrawMs: number;
  private readonly now: () => number;
  private samples: { t: number; step: number }[] = [];
  private step: number;
  private fields: Record<string, number> = {};
  private lastDraw = -Infinity;
  private lastShownStep = NaN;
  private barShown = false;
  private finished = false;

  constructor(
    private readonly total: number,
    startStep: number,
    private readonly stream: NodeJS.WriteStream = process.stdout,
    opts: ProgressOptions = {},
  ) {
    this.tty = Boolean(stream.isTTY);
    this.logIntervalMs = opts.logIntervalMs ?? 10_000;
    this.redrawMs = opts.redrawMs ?? 100;
    this.now = opts.now ?? Date.now;
    this.step = startStep;
    this.samples.push({ t: this.now(), step: startStep });
  }

  update(step: number, fields: Record<string, number>): void {
    const t = this.now();
    this.step = step;
    this.fields = { ...this.fields, ...fields };
    this.samples.push({ t, step });
    while (this.samples.length > 2 && t - this.samples[1].t > RATE_WINDOW_MS) this.samples.shift();
    const last = step >= this.total;
    if (!last && t - this.lastDraw < (this.tty ? this.redrawMs : this.logIntervalMs)) return;
    this.lastDraw = t;
    this.show();
  }

  /** Prints a log line; on a TTY the bar is erased first and redrawn below it. */
  line(text: string): void {
    if (this.tty && this.barShown) this.stream.write('\r\x1b[2K');
    this.stream.write(text + '\n');
    if (this.tty && this.barShown && !this.finished) this.drawBar();
  }

  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty) {
      this.drawBar();
      this.stream.write('\n');
    } else if (this.lastShownStep !== this.step) {
      this.show();
    }
  }

  /** Steps per second over the recent window; NaN until two samples exist. */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const dt = (last.t - first.t) / 1000;
    return dt > 0 ? (last.step - first.step) / dt : NaN;
  }

  private show(): void {
    this.lastShownStep = this.step;
    if (this.tty) this.drawBar();
    else this.stream.write(this.statusText() + '\n');
  }

  private statusText(): string {
    const rate = this.rate();
    const eta = rate > 0 ? (this.total - this.step) / rate : NaN;
    const parts = [
      `step ${this.step}/${this.total}`,
      `${Number.isFinite(rate) ? rate.toFixed(2) : '-'} steps/s`,
      `ETA ${formatDuration(eta)}`,
      ...Object.entries(this.fields).map(([k, v]) => `${k} ${formatValue(v)}`),
    ];
    return parts.join(' | ');
  }

  private drawBar(): void {
    const cols = this.stream.columns || 100;
    const frac = this.total > 0 ? Math.min(1, Math.max(0, this.step / this.total)) : 1;
    const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
    const text = this.statusText();
    // The bar takes what is left after the text, between 10 and 30 cells.
    const barWidth = Math.max(10, Math.min(30, cols - text.length - pct.length - 5));
    const filled = Math.round(frac * barWidth);
    let out = `${pct} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${text}`;
    // Never wrap: a wrapped line can't be erased with \r.
    if (out.length > cols - 1) out = out.slice(0, Math.max(0, cols - 2)) + '…';
    this.stream.write('\r\x1b[2K' + out);
    this.barShown = true;
  }
}
