// metrics.jsonl: one JSON object per logged step, appended as it happens so a
// crashed run keeps everything logged before the crash.
import * as fs from 'fs';
import * as path from 'path';

export class MetricsLog {
  private fd: number | null;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Append: a resumed run continues the same log.
    this.fd = fs.openSync(file, 'a');
  }

  write(record: Record<string, number | string>): void {
    if (this.fd === null) throw new Error(`metrics log ${this.file} is closed`);
    // JSON has no NaN/Infinity; write them as null rather than corrupt the line.
    const line = JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
    fs.writeSync(this.fd, line + '\n');
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
