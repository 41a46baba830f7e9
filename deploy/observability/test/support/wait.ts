import { createServer } from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago (for programs that cannot listen on port 0 and report it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls until `probe` returns a value other than undefined. Deadlines are generous: the machine
 * is shared and loaded, and nothing here measures speed. An error thrown by `probe` is kept and
 * reported if the deadline passes (probes that must abort at once should throw from a check that
 * runs before polling, e.g. "the process exited").
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof FatalWaitError) throw error;
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** Thrown from a `waitFor` probe to stop waiting at once (a process died, a config was refused). */
export class FatalWaitError extends Error {}
