/**
 * An HTTP relay in front of the OTLP test receiver that counts what the gateways send per signal:
 * request bodies as they arrive (the provider's default is no compression) and what gzip would make
 * of them. It forwards every request unchanged and answers with the receiver's answer.
 */
import * as http from 'node:http';
import { gzipSync } from 'node:zlib';

export interface SignalBytes {
  requests: number;
  bytes: number;
  gzipBytes: number;
}

export interface OtlpByteCounter {
  /** Base URL for `protocol: http/protobuf` (signals append /v1/<signal>). */
  readonly url: string;
  readonly bySignal: Record<string, SignalBytes>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);

export async function startOtlpByteCounter(target: string): Promise<OtlpByteCounter> {
  const bySignal: Record<string, SignalBytes> = Object.create(null) as Record<string, SignalBytes>;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const signal = /^\/v1\/(traces|metrics|logs)$/.exec(req.url ?? '')?.[1] ?? 'other';
      const tally = (bySignal[signal] ??= { requests: 0, bytes: 0, gzipBytes: 0 });
      tally.requests += 1;
      tally.bytes += body.length;
      tally.gzipBytes += req.headers['content-encoding'] === 'gzip' ? body.length : gzipSync(body).length;
      // The body is forwarded whole: hop-by-hop framing headers are the relay's own.
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
      Object.assign(headers, { host: new URL(target).host, 'content-length': String(body.length) });
      const upstream = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', (error) => res.writeHead(502).end(String(error)));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    bySignal,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
