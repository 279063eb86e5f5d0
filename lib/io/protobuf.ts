/**
 * A minimal protobuf wire-format writer: just what encoding an ONNX model needs (varints,
 * 64-bit ints, fixed32 floats, length-delimited bytes/strings/sub-messages, packed varints).
 *
 * Large byte fields (tensor data) are kept as references and copied once, by finish(); a
 * sub-message's parts are spliced into its parent without re-encoding.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

export class ProtoWriter {
  /** Finished chunks in order; `pending` holds small writes not yet turned into a chunk. */
  private readonly parts: Uint8Array[] = [];
  private pending: number[] = [];
  /** Total encoded size so far, pending bytes included. */
  length = 0;

  private byte(b: number): void {
    this.pending.push(b);
    this.length++;
  }

  private flush(): void {
    if (this.pending.length > 0) {
      this.parts.push(Uint8Array.from(this.pending));
      this.pending = [];
    }
  }

  private chunk(bytes: Uint8Array): void {
    this.flush();
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  /**
   * A varint. Negative values are written as their 64-bit two's complement (10 bytes), like
   * protobuf's int64 / int32 encoders.
   */
  private varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf varint: expected a safe integer but received ${v}`);
    if (v < 0) {
      let u = BigInt.asUintN(64, BigInt(v));
      while (u >= 0x80n) {
        this.byte(Number(u & 0x7fn) | 0x80);
        u >>= 7n;
      }
      this.byte(Number(u));
      return;
    }
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** int32, int64 and enum fields. */
  int(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  /** A float field (fixed32, little-endian IEEE 754 single). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    for (const x of b) this.byte(x);
    return this;
  }

  /** A bytes field; the array is referenced, not copied, until finish(). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.chunk(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A packed repeated varint field (int32/int64 lists); an empty list writes nothing. */
  packedInts(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.message(field, inner);
  }

  /** An embedded message (its parts are moved into this writer). */
  message(field: number, msg: ProtoWriter): this {
    this.tag(field, WIRE_LEN);
    this.varint(msg.length);
    msg.flush();
    this.flush();
    for (const p of msg.parts) this.parts.push(p);
    this.length += msg.length;
    return this;
  }

  /** The encoded bytes (one copy of every part). */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
