// TensorBoard event file writer: `events.out.tfevents.<unix time>.<host>` in
// a directory, one TFRecord-framed Event proto per scalar or image.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeFileVersionEvent, encodeSummaryEvent, SummaryValue } from './event-proto';
import { frameRecord } from './tfrecord';

// Buffered records are written out once they pass this size or age, so a
// training loop pays for one write syscall every few seconds at most while
// TensorBoard still sees fresh data.
const FLUSH_BYTES = 256 * 1024;
const FLUSH_MS = 2000;

/** TensorBoard's Summary.Image colorspace codes, by channel count. */
const COLORSPACE: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4 };

// Writers still open when the process exits (an uncaught error, process.exit)
// flush what they buffered, so the last seconds of a run aren't lost.
const openWriters = new Set<EventWriter>();
let exitHookInstalled = false;
function flushOpenWritersOnExit(w: EventWriter): void {
  openWriters.add(w);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const open of openWriters) open.close();
  });
}

export class EventWriter {
  readonly path: string;
  private fd: number | null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lastFlush = Date.now();

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    const base = `events.out.tfevents.${Math.floor(now)}.${os.hostname()}`;
    // Two writers opened in the same second (e.g. a resumed run) must not
    // clobber each other: fall back to a pid/counter suffix, which TensorBoard
    // accepts since it matches any name containing "tfevents".
    let file = path.join(dir, base);
    let fd: number | undefined;
    for (let n = 0; fd === undefined; n++) {
      try {
        fd = fs.openSync(file, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) throw e;
        file = path.join(dir, `${base}.${process.pid}.${n + 1}`);
      }
    }
    this.fd = fd;
    this.path = file;
    this.append(encodeFileVersionEvent(now));
    this.flush();
    flushOpenWritersOnExit(this);
  }

  scalar(tag: string, value: number, step: number): void {
    this.write(step, [{ tag, simpleValue: value }]);
  }

  image(tag: string, png: Buffer, height: number, width: number, channels: number, step: number): void {
    const colorspace = COLORSPACE[channels];
    if (colorspace === undefined) throw new RangeError(`image summary ${tag}: channels must be 1-4, got ${channels}`);
    this.write(step, [{ tag, image: { height, width, colorspace, png } }]);
  }

  flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    fs.writeSync(this.fd, this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
    this.lastFlush = Date.now();
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = null;
    openWriters.delete(this);
  }

  private write(step: number, values: SummaryValue[]): void {
    if (this.fd === null) throw new Error(`event file ${this.path} is closed`);
    this.append(encodeSummaryEvent(Date.now() / 1000, step, values));
    if (this.pendingBytes >= FLUSH_BYTES || Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
  }

  private append(event: Uint8Array): void {
    const rec = frameRecord(event);
    this.pending.push(rec);
    this.pendingBytes += rec.length;
  }
}
