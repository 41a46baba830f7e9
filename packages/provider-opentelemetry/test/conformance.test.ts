// Core's provider conformance suite, against a real OTLP receiver (gRPC) on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { describeProviderConformance } from '@secure-mcp-gateway/telemetry-core/testing';
import { startOtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import opentelemetryProvider from '../src/index';
import { readJsonLines } from './helpers';

const receiver = await startOtlpReceiver();
const dir = mkdtempSync(join(tmpdir(), 'otel-conformance-'));
const mirror = join(dir, 'mirror.jsonl');

afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

describeProviderConformance(opentelemetryProvider, {
  describe,
  it,
  harness: {
    // Events are unique per check, so one mirror file can serve every instance.
    config: { log_mirror: mirror },
    settings: { url: receiver.grpcUrl, batch: { timeoutMs: 100, maxBatchSize: 1024, maxQueueSize: 8192 } },
    readLogs: () => readJsonLines(mirror),
  },
});
