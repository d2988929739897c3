// A minimal protobuf wire-format encoder: just the field kinds the TensorBoard
// Event/Summary protos need. Callers write fields in field-number order so the
// output is the canonical encoding protobuf libraries produce.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

export class ProtoWriter {
  private parts: Buffer[] = [];

  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  private varint(value: bigint): void {
    // int64/int32 negatives are encoded as their 64-bit two's complement.
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.parts.push(Buffer.from(bytes));
  }

  /** int32/int64 field (wire type 0). */
  int(field: number, value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf int field ${field}: ${value} is not a safe integer`);
    this.key(field, WIRE_VARINT);
    this.varint(BigInt(value));
    return this;
  }

  double(field: number, value: number): this {
    this.key(field, WIRE_FIXED64);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.parts.push(b);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.varint(BigInt(value.length));
    this.parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** Embedded message field. */
  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
