import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** JSON-RPC error code of the answer the gateway makes up for an upstream message over the size limit. */
export const UPSTREAM_MESSAGE_TOO_LARGE = -32050;

const EDGE_BYTES = 256;

/**
 * Splits a byte stream into lines in time linear in its size (the SDK's ReadBuffer concatenates
 * its whole buffer with every chunk: quadratic in the size of one message), never holding more
 * than `maxLineBytes` of one line: a longer line is dropped as it streams in, keeping only its
 * first and last bytes (where the JSON-RPC id is).
 */
export class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropping = false;
  private dropped = 0;
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversized: (edges: { head: string; tail: string; bytes: number }) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      if (this.dropping) this.keepTail(piece);
      else if (this.size + piece.length > this.maxLineBytes) this.startDropping(piece);
      else if (piece.length > 0) {
        this.chunks.push(piece);
        this.size += piece.length;
      }
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  private startDropping(piece: Buffer): void {
    const sofar = Buffer.concat([...this.chunks, piece.subarray(0, EDGE_BYTES)]);
    this.head = Buffer.from(sofar.subarray(0, EDGE_BYTES));
    this.dropped = this.size;
    this.chunks = [];
    this.size = 0;
    this.dropping = true;
    this.tail = Buffer.alloc(0);
    this.keepTail(piece);
  }

  private keepTail(piece: Buffer): void {
    this.dropped += piece.length;
    this.tail = piece.length >= EDGE_BYTES ? Buffer.from(piece.subarray(piece.length - EDGE_BYTES)) : Buffer.concat([this.tail, piece]).subarray(-EDGE_BYTES);
  }

  private endLine(): void {
    if (this.dropping) {
      this.dropping = false;
      this.onOversized({ head: this.head.toString('utf8'), tail: this.tail.toString('utf8'), bytes: this.dropped });
      return;
    }
    const line = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    if (line.length > 0) this.onLine(line);
  }
}

/**
 * The id of a JSON-RPC message from the edges of its serialised form, when the envelope puts it
 * first (`{"jsonrpc":"2.0","id":…`) or last (`…,"id":…}`, the TypeScript SDK's order). Undefined
 * otherwise: then nothing is answered for it, and the request runs into its own deadline.
 */
export function idFromEdges(head: string, tail: string): string | number | undefined {
  const parse = (text: string): string | number | undefined => {
    try {
      const value = JSON.parse(text) as unknown;
      return typeof value === 'string' || typeof value === 'number' ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const trimmed = tail.trimEnd();
  const at = trimmed.lastIndexOf('"id":');
  if (at !== -1 && trimmed.endsWith('}')) {
    const id = parse(trimmed.slice(at + 5, -1));
    if (id !== undefined) return id;
  }
  const prefix = '{"jsonrpc":"2.0","id":';
  if (head.startsWith(prefix)) {
    const end = head.indexOf(',', prefix.length);
    if (end !== -1) return parse(head.slice(prefix.length, end));
  }
  return undefined;
}

export interface UpstreamStdioOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Longest message accepted from the upstream; a longer one is answered with UPSTREAM_MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes: number;
}

/**
 * MCP client transport over an upstream process's stdin/stdout (what the SDK's
 * StdioClientTransport does), reading with a bounded, linear LineReader. Stderr is piped and
 * exposed as `stderr`; the gateway keeps its last lines for error messages.
 */
export class UpstreamStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly stderr = new PassThrough();
  private process?: ChildProcess;

  constructor(private readonly options: UpstreamStdioOptions) {}

  get pid(): number | undefined {
    return this.process?.pid;
  }

  start(): Promise<void> {
    if (this.process) throw new Error('UpstreamStdioTransport already started');
    const { command, args, env, cwd, maxMessageBytes } = this.options;
    const reader = new LineReader(
      maxMessageBytes,
      (line) => {
        try {
          const text = line.toString('utf8');
          this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(text.endsWith('\r') ? text.slice(0, -1) : text)));
        } catch (error) {
          this.onerror?.(error as Error);
        }
      },
      ({ head, tail, bytes }) => {
        const id = idFromEdges(head, tail);
        const message = `upstream message of ${bytes} bytes is over the gateway's ${maxMessageBytes}-byte limit`;
        if (id === undefined) this.onerror?.(new Error(`${message}; dropped`));
        else this.onmessage?.({ jsonrpc: '2.0', id, error: { code: UPSTREAM_MESSAGE_TOO_LARGE, message, data: { bytes, limit: maxMessageBytes } } });
      },
    );
    return new Promise<void>((resolve, reject) => {
      const child = spawn(command, [...args], {
        env: { ...getDefaultEnvironment(), ...env },
        cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: process.platform === 'win32',
      });
      this.process = child;
      child.on('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.on('spawn', () => resolve());
      child.on('close', () => {
        this.process = undefined;
        this.onclose?.();
      });
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => reader.push(chunk));
      child.stdout?.on('error', (error) => this.onerror?.(error));
      child.stderr?.pipe(this.stderr);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.process?.stdin;
      if (!stdin) {
        reject(new Error('Not connected'));
        return;
      }
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends stdin, then SIGTERM after 2 s and SIGKILL after 2 more, as the SDK's transport does. */
  async close(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const wait = () => Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    try {
      child.stdin?.end();
    } catch {
      // already gone
    }
    await wait();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await wait();
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
