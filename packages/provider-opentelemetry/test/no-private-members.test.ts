// The OpenTelemetry SDK is used through its public doors only: no source file of the workspace's
// packages or apps reads or writes a `_`-prefixed member (the SDK's private fields: `_tracerMetrics`,
// `_spanProcessors`, `_delegate`…), whether as `x._name`, `x['_name']` or a destructured `{ _name }`.
// MCP's own `_meta` field is a protocol field, not a private member.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..', '..');
const PROTOCOL_FIELDS = new Set(['_meta']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts|cts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function workspaceSources(): string[] {
  const files: string[] = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const src = join(ROOT, group, name, 'src');
      if (statSync(join(ROOT, group, name)).isDirectory() && safeIsDir(src)) files.push(...sourceFiles(src));
    }
  }
  return files;
}

function safeIsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Every `_`-prefixed member a file touches, as `file:line name`. */
export function privateMemberUses(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, name: string): void => {
    // The SDK's private members are `_name` (one underscore); `__name` markers are the project's own.
    if (!/^_[A-Za-z]/.test(name) || PROTOCOL_FIELDS.has(name)) return;
    const { line } = source.getLineAndCharacterOfPosition(node.getStart());
    found.push(`${relative(ROOT, file)}:${line + 1} ${name}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) report(node.name, node.name.text);
    else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) report(node, node.argumentExpression.text);
    else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      const key = node.propertyName ?? node.name;
      if (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) report(node, key.text);
    } else if (ts.isPropertySignature(node) && node.name && (ts.isIdentifier(node.name) || ts.isStringLiteralLike(node.name))) {
      // a type shaped to reach a private field: `as unknown as { _tracerMetrics?: … }`
      report(node, node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

it('no source file touches a _-prefixed member', () => {
  const files = workspaceSources();
  expect(files.length).toBeGreaterThan(20);
  const uses = files.flatMap((file) => privateMemberUses(file, readFileSync(file, 'utf8')));
  expect(uses).toEqual([]);
});

it('catches each way of reaching a private member (the rule itself can fail)', () => {
  const sample = [
    "const t = tracer as unknown as { _tracerMetrics?: unknown };",
    't._tracerMetrics = undefined;',
    "const p = provider['_activeSpanProcessor'];",
    'const { _delegate } = exporter;',
    'const meta = request.params._meta;',
  ].join('\n');
  expect(privateMemberUses(join(ROOT, 'sample.ts'), sample)).toEqual([
    'sample.ts:1 _tracerMetrics',
    'sample.ts:2 _tracerMetrics',
    'sample.ts:3 _activeSpanProcessor',
    'sample.ts:4 _delegate',
  ]);
});
