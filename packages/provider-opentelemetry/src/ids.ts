// Trace and span ids from a pool of random bytes hex-encoded in one go: an id is then a
// substring (no per-id Buffer writes and hex encoding, which cost ~25% of an SDK span start).
// Math.random, as the SDK's RandomIdGenerator: ids must be unique, not secret.
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

const POOL_BYTES = 4096;
const ZERO_SPAN_ID = '0'.repeat(16);
const ZERO_TRACE_ID = '0'.repeat(32);

export class PooledIdGenerator implements IdGenerator {
  private readonly bytes = Buffer.allocUnsafe(POOL_BYTES);
  private readonly words = new Uint32Array(this.bytes.buffer, this.bytes.byteOffset, POOL_BYTES / 4);
  private pool = '';
  private offset = 0;

  private take(chars: number): string {
    if (this.offset + chars > this.pool.length) {
      const words = this.words;
      for (let i = 0; i < words.length; i++) words[i] = (Math.random() * 0x100000000) >>> 0;
      this.pool = this.bytes.toString('hex');
      this.offset = 0;
    }
    const id = this.pool.substring(this.offset, this.offset + chars);
    this.offset += chars;
    return id;
  }

  generateTraceId(): string {
    let id = this.take(32);
    // An all-zero id is invalid (W3C); astronomically rare, but never hand one out.
    while (id === ZERO_TRACE_ID) id = this.take(32);
    return id;
  }

  generateSpanId(): string {
    let id = this.take(16);
    while (id === ZERO_SPAN_ID) id = this.take(16);
    return id;
  }
}
