#!/usr/bin/env node
// Runs every bench case (bench/cases/*.mjs) in its own process, collects the one JSON result line
// each prints (format: /work RULES.md "Benchmark cases"), prints a table and writes bench/RESULTS.md.
//
//   node --expose-gc run.mjs               full run, writes RESULTS.md
//   node --expose-gc run.mjs --quick       smoke run (small counts, ~1 min), prints only
//   node --expose-gc run.mjs tool-call …   only the named cases (prints only, unless --write)
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const casesDir = path.join(benchDir, 'cases');
const resultsPath = path.join(benchDir, 'RESULTS.md');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.filter((a) => !a.startsWith('--'));
const write = argv.includes('--write') || (!quick && only.length === 0);

// The issue's order; any other case file runs after these, alphabetically.
const ORDER = ['tool-call', 'stdout-vs-pino', 'gateway-throughput', 'gateway-memory', 'span-burst', 'startup', 'collector-down', 'guardrail-scan'];
const CASE_TIMEOUT_MS = quick ? 120_000 : 300_000;

function cpuDetail() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
    const parts = [];
    if (field('cpu family')) parts.push(`family ${field('cpu family')} model ${field('model')}`);
    if (/\bhypervisor\b/.test(field('flags') ?? '')) parts.push('virtual machine');
    return parts.length ? ` (${parts.join(', ')})` : '';
  } catch {
    return '';
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: benchDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: (cpus[0]?.model?.trim() ?? 'unknown') + cpuDetail(),
    commit: gitCommit(),
    cores: cpus.length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');

async function listCases() {
  const files = (await readdir(casesDir)).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4));
  const rank = (n) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return only.length ? files.filter((f) => only.includes(f)) : files;
}

function runCase(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const loadBefore = load();
    const child = spawn(process.execPath, ['--expose-gc', path.join(casesDir, `${name}.mjs`), ...(quick ? ['--quick'] : [])], {
      cwd: benchDir,
      env: { ...process.env, ...(quick ? { BENCH_QUICK: '1' } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.length > 1_000_000) stdout = stdout.slice(-1_000_000);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 50_000) stderr = stderr.slice(-50_000);
    });
    const timer = setTimeout(() => {
      stderr += `\n[run.mjs] case ${name} timed out after ${CASE_TIMEOUT_MS} ms; stopped`;
      child.kill('SIGTERM'); // lets the case stop its gateways and receivers
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, CASE_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      // The result is the last stdout line that parses as a case object.
      let result;
      for (const line of stdout.trim().split('\n').reverse()) {
        const t = line.trim();
        if (!t.startsWith('{')) continue;
        try {
          const obj = JSON.parse(t);
          if (obj && typeof obj === 'object' && Array.isArray(obj.rows)) {
            result = obj;
            break;
          }
        } catch {
          /* not the result line */
        }
      }
      const error = result ? undefined : `exited ${code ?? signal} without a result line. stderr tail:\n${stderr.trim().split('\n').slice(-15).join('\n')}`;
      resolve({ name, result, error, seconds, loadBefore, loadAfter: load(), stderr });
    });
  });
}

function fmt(x) {
  if (x === undefined || x === null) return '';
  if (typeof x !== 'number') return String(x);
  if (!Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const mdCell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function caseRows(result) {
  return result.rows.map((r) => [
    r.label + (r.error ? ' (failed)' : ''),
    fmt(r.median),
    r.p99 === undefined ? '' : fmt(r.p99),
    r.ratio === undefined ? '' : `${fmt(r.ratio)}x`,
  ]);
}

function printCase(run) {
  const { name, result, error, seconds } = run;
  process.stdout.write(`\n== ${name} (${seconds.toFixed(1)} s) ${result ? `— ${result.title}` : ''}\n`);
  if (!result) {
    process.stdout.write(`FAILED: ${error}\n`);
    return;
  }
  process.stdout.write(`${textTable([`unit: ${result.unit}`, 'median', 'p99', 'ratio'], caseRows(result))}\n`);
  if (result.target) process.stdout.write(`target ${result.target.met ? 'met' : 'MISSED'} — ${result.target.text}\n`);
}

async function previousAnalysis() {
  try {
    const old = await readFile(resultsPath, 'utf8');
    const m = /<!-- analysis:start -->[\s\S]*?<!-- analysis:end -->/.exec(old);
    return m ? m[0] : undefined;
  } catch {
    return undefined;
  }
}

async function writeResults(mach, runs, totalSeconds) {
  const out = [];
  out.push('# Benchmark results', '');
  out.push('Generated by `pnpm bench` (`bench/run.mjs`); every case ran in its own process. Medians over several rounds; ratios as stated per case.', '');
  out.push('## Machine', '');
  out.push('| | |', '| --- | --- |');
  out.push(`| CPU | ${mach.cpu} |`, `| cores | ${mach.cores} |`, `| memory | ${mach.memoryGB} GB |`);
  out.push(`| Node.js | ${mach.node} |`, `| OS | ${mach.os} |`, `| date | ${mach.date} |`);
  out.push(`| git commit | ${mach.commit} (the working tree may be ahead of it) |`);
  out.push(`| load average (1/5/15 min) at start | ${runs[0]?.loadBefore ?? load()} |`);
  out.push(`| total run time | ${totalSeconds.toFixed(0)} s |`, '');

  out.push('## Summary', '');
  out.push('| case | target | met |', '| --- | --- | --- |');
  for (const run of runs) {
    const t = run.result?.target;
    out.push(`| ${run.name} | ${mdCell(t?.text ?? (run.error ? 'case failed to run' : 'none'))} | ${t ? (t.met ? 'yes' : '**no**') : 'n/a'} |`);
  }
  out.push('');

  for (const run of runs) {
    const { name, result, error, seconds, loadBefore, loadAfter } = run;
    out.push(`## ${name}${result ? ` — ${mdCell(result.title)}` : ''}`, '');
    if (!result) {
      out.push('The case failed to produce a result:', '', '```', error, '```', '');
      continue;
    }
    out.push(`| ${mdCell(result.unit)} | median | p99 | ratio |`, '| --- | ---: | ---: | ---: |');
    for (const r of caseRows(result)) out.push(`| ${r.map(mdCell).join(' | ')} |`);
    out.push('');
    if (result.target) out.push(`**Target ${result.target.met ? 'met' : 'missed'}:** ${result.target.text}`, '');
    if (result.notes) out.push(result.notes, '');
    const failed = result.rows.filter((r) => r.error);
    for (const r of failed) out.push(`- ${mdCell(r.label)} failed: \`${mdCell(r.error)}\``);
    if (failed.length) out.push('');
    out.push(`<sub>${seconds.toFixed(1)} s; load average before/after: ${loadBefore} → ${loadAfter}</sub>`, '');
  }

  out.push((await previousAnalysis()) ?? '<!-- analysis:start -->\n## Analysis\n\n(Hand-written notes on missed targets go here; `run.mjs` keeps this section when it rewrites the file.)\n<!-- analysis:end -->', '');
  await writeFile(resultsPath, out.join('\n'));
}

async function main() {
  const mach = machine();
  const names = await listCases();
  if (names.length === 0) {
    process.stderr.write(`no cases matched ${only.join(', ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`bench: ${names.length} case(s)${quick ? ' (quick)' : ''} on ${mach.cpu}, ${mach.cores} cores, ${mach.memoryGB} GB, Node ${mach.node}; load ${load()}\n`);
  const started = Date.now();
  const runs = [];
  for (const name of names) {
    process.stdout.write(`\n… ${name}`);
    const run = await runCase(name);
    runs.push(run);
    printCase(run);
  }
  const totalSeconds = (Date.now() - started) / 1000;
  process.stdout.write(`\nall cases: ${totalSeconds.toFixed(0)} s\n`);
  if (write) {
    await writeResults(mach, runs, totalSeconds);
    process.stdout.write(`wrote ${path.relative(process.cwd(), resultsPath) || resultsPath}\n`);
  }
  // A failed case is a failed bench run (CI smoke), a missed target is not.
  process.exitCode = runs.some((r) => !r.result) ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
