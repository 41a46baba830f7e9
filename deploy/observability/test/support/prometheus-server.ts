/**
 * A real Prometheus (Debian's /usr/bin/prometheus) on 127.0.0.1, configured from the stack's own
 * prometheus.yml: its `gateway` job (file-based service discovery) and its rule files, with the
 * container paths mapped to this machine and the intervals shortened for a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readYaml, stackPath, type JsonObject } from '../helpers.ts';
import { FatalWaitError, freePort, waitFor } from './wait.ts';

const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
const CONTAINER_DIR = '/etc/prometheus';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RawSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface PrometheusServer {
  readonly url: string;
  /** Instant query, at `timeSeconds` (Prometheus' own clock) or now. Throws on a query error. */
  query(expr: string, timeSeconds?: number): Promise<Sample[]>;
  /** The raw samples of a range selector (`metric{...}[10m]`), as stored (timestamps in seconds, ms precision). */
  raw(selector: string, timeSeconds?: number): Promise<RawSeries[]>;
  /** Everything Prometheus wrote to stdout/stderr. */
  log(): string;
  stop(): Promise<void>;
}

/** The stack's prometheus.yml, reduced to one job, with container paths replaced by local ones. */
export function testConfig(job: string, targetsFile: string): JsonObject {
  const stack = readYaml('prometheus/prometheus.yml');
  const jobConfig = (stack.scrape_configs as JsonObject[]).find((j) => j.job_name === job);
  if (!jobConfig) throw new Error(`prometheus/prometheus.yml has no job "${job}"`);
  const sd = jobConfig.file_sd_configs as { files: string[] }[] | undefined;
  if (!sd?.[0]?.files.length) throw new Error(`job "${job}" in prometheus/prometheus.yml does not use file_sd_configs`);
  return {
    // Short intervals so a test sees a change within seconds (the stack scrapes every 15 s).
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: (stack.rule_files as string[]).map((g) => g.replace(`${CONTAINER_DIR}/`, `${stackPath('prometheus')}/`)),
    scrape_configs: [
      {
        ...jobConfig,
        // The stack's file list, pointed at the test's file. Prometheus watches the file (inotify);
        // the 1 s refresh is only the fallback should the watch fail.
        file_sd_configs: sd.map((entry) => ({ ...entry, files: entry.files.map(() => targetsFile), refresh_interval: '1s' })),
      },
    ],
  };
}

export async function startPrometheus(config: JsonObject, dir: string): Promise<PrometheusServer> {
  const file = path.join(dir, 'prometheus.yml');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${file}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.on('error', (error) => (output += `cannot start ${PROMETHEUS} (Debian package "prometheus", see .ci/apt-packages.txt): ${error.message}\n`));
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;

  const api = async <T>(pathAndQuery: string): Promise<T> => {
    const res = await fetch(`${url}${pathAndQuery}`);
    const body = (await res.json()) as { status: string; error?: string; data: T };
    if (body.status !== 'success') throw new Error(`${decodeURIComponent(pathAndQuery)}: ${body.error}`);
    return body.data;
  };
  const at = (t?: number) => (t === undefined ? '' : `&time=${t.toFixed(3)}`);

  await waitFor(`Prometheus ready on ${url}`, async () => {
    if (child.exitCode !== null || output.startsWith('cannot start')) throw new FatalWaitError(`prometheus exited ${child.exitCode}:\n${output}`);
    return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
  });

  return {
    url,
    async query(expr, timeSeconds) {
      const data = await api<{ resultType: string; result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}${at(timeSeconds)}`);
      if (data.resultType !== 'vector') throw new Error(`${expr}: expected an instant vector, got ${data.resultType}`);
      return data.result;
    },
    async raw(selector, timeSeconds) {
      const data = await api<{ resultType: string; result: RawSeries[] }>(`/api/v1/query?query=${encodeURIComponent(selector)}${at(timeSeconds)}`);
      if (data.resultType !== 'matrix') throw new Error(`${selector}: expected a range selector, got ${data.resultType}`);
      return data.result;
    },
    log: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
