// Download progress: a redrawn line (bytes, rate, ETA) on a terminal, occasional plain lines otherwise.
export interface Progress { update(done: number, total: number | undefined): void; finish(done: number): void }

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;
const eta = (s: number): string => (s < 60 ? `${Math.ceil(s)}s` : `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`);

export function makeProgress(label: string, out: NodeJS.WriteStream = process.stderr, start = 0): Progress {
  const tty = Boolean(out.isTTY);
  const t0 = Date.now();
  let lastDraw = 0;
  let lastPct = -1;
  const line = (done: number, total: number | undefined): string => {
    const secs = Math.max((Date.now() - t0) / 1000, 1e-3);
    const rate = (done - start) / secs;
    const tail = total ? ` / ${mb(total)} (${((100 * done) / total).toFixed(0)}%), ETA ${rate > 0 ? eta((total - done) / rate) : '?'}` : '';
    return `${label}: ${mb(done)}${tail}, ${mb(rate)}/s`;
  };
  return {
    update(done, total) {
      const now = Date.now();
      if (tty) {
        if (now - lastDraw < 200) return;
        lastDraw = now;
        out.write(`\r${line(done, total)}\x1b[K`);
      } else if (total) {
        const pct = Math.floor((10 * done) / total) * 10; // a line every 10%
        if (pct !== lastPct) { lastPct = pct; out.write(`${line(done, total)}\n`); }
      }
    },
    finish(done) {
      const msg = `${label}: ${mb(done)} done in ${((Date.now() - t0) / 1000).toFixed(1)}s`;
      out.write(tty ? `\r${msg}\x1b[K\n` : `${msg}\n`);
    },
  };
}
