import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One regular expression written in the source. */
export interface FoundRegex {
  /** Repository-relative path. */
  readonly file: string;
  readonly line: number;
  /** The pattern, or undefined for `new RegExp(expr)` whose pattern is not a literal. */
  readonly source: string | undefined;
  readonly flags: string;
  /** The code as written, for messages. */
  readonly text: string;
}

const SOURCE_ROOTS = ['packages', 'apps', 'tools', 'examples'];

/** Every `.ts`/`.mts`/`.cts` file under a `src/` folder of each workspace project. */
export function workspaceSourceFiles(repoRoot: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.[cm]?ts$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
    }
  };
  for (const root of SOURCE_ROOTS) {
    const base = path.join(repoRoot, root);
    let projects: string[];
    try {
      projects = readdirSync(base);
    } catch {
      continue;
    }
    for (const project of projects) {
      const src = path.join(base, project, 'src');
      try {
        if (statSync(src).isDirectory()) walk(src);
      } catch {
        // no src/
      }
    }
  }
  return out.sort();
}

function literalText(node: ts.Expression | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

/** The regex literals and `new RegExp(...)` / `RegExp(...)` calls in one file, found with the TypeScript parser. */
export function regexesIn(file: string, repoRoot: string): FoundRegex[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const rel = path.relative(repoRoot, file);
  const out: FoundRegex[] = [];
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText(sf);
      const end = literal.lastIndexOf('/');
      out.push({ file: rel, line: lineOf(node), source: literal.slice(1, end), flags: literal.slice(end + 1), text: literal });
    } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
      const [pattern, flags] = node.arguments ?? [];
      out.push({ file: rel, line: lineOf(node), source: literalText(pattern), flags: literalText(flags) ?? '', text: node.getText(sf) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
