import type { IncomingMessage } from 'node:http';

/** The request body is over the limit: the transport answers 413 with a JSON-RPC error. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`Request body too large: the limit is ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The request body is not JSON: the transport answers 400 with a JSON-RPC parse error. */
export class BodyParseError extends Error {
  constructor() {
    super('request body is not valid JSON');
    this.name = 'BodyParseError';
  }
}

/**
 * Reads and parses a JSON request body of at most `limitBytes`. A declared `content-length`
 * over the limit is refused before a byte is read; a body that grows past it stops being
 * buffered (the rest is drained and discarded, so the 413 answer reaches the client instead of
 * a connection reset).
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      req.resume();
      reject(new BodyTooLargeError(limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const text = Buffer.concat(chunks, size).toString('utf8');
      chunks.length = 0;
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        reject(new BodyParseError());
      }
    });
    req.on('error', reject);
  });
}
