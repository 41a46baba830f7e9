/**
 * What the SDK's HTTP server transports pass with each message: v1 `{ requestInfo: { headers } }`
 * (a plain object of lower-cased header names), v2 `{ request }` (a Fetch API `Request`). Only
 * the `mcp-protocol-version` header is read, by its constant name.
 */
import { isRecord, ownString } from './meta.js';

export interface HttpExtra {
  /** The `mcp-protocol-version` header, unvalidated. */
  readonly protocolVersion: string | undefined;
}

const HEADER = 'mcp-protocol-version';

export function readHttpExtra(extra: unknown): HttpExtra | undefined {
  if (!isRecord(extra)) return undefined;
  const info = extra.requestInfo;
  if (isRecord(info) && isRecord(info.headers)) {
    const value = ownString(info.headers, HEADER);
    return { protocolVersion: value };
  }
  const request = extra.request;
  if (isRecord(request) && isRecord(request.headers) && typeof (request.headers as { get?: unknown }).get === 'function') {
    let value: unknown;
    try {
      value = (request.headers as { get(name: string): unknown }).get(HEADER);
    } catch {
      value = undefined;
    }
    return { protocolVersion: typeof value === 'string' ? value : undefined };
  }
  return undefined;
}
