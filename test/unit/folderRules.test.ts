// The folder dependency rules of docs/architecture.md, checked on every import of every TypeScript file:
// protocol/ is shared by src/ and webview/ and imports neither; src/ and webview/ never import each other;
// the editor-free folders never import `vscode`. eslint's no-restricted-imports says the same per file
// (eslint.config.mjs); this test also proves the scan sees imports at all, so it cannot pass vacuously.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');

/** Folders (relative to the repository) whose modules must run without VS Code. */
const EDITOR_FREE = ['protocol', 'src/core', 'src/training', 'src/cli', 'webview'];

interface Edge {
  from: string;
  /** The repository-relative file or folder imported, or the bare package name. */
  to: string;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...tsFiles(rel));
    else if (/\.(ts|mts)$/.test(name)) out.push(rel);
  }
  return out;
}

function importsOf(file: string): Edge[] {
  const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map(({ fileName }) => ({
    from: file,
    to: fileName.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName)) : fileName,
  }));
}

const under = (p: string, folder: string) => p === folder || p.startsWith(`${folder}/`);

/** The rule an import breaks, or undefined. */
function violation({ from, to }: Edge): string | undefined {
  if (under(from, 'protocol') && (under(to, 'src') || under(to, 'webview'))) return 'protocol/ imports neither src/ nor webview/';
  if (under(from, 'webview') && under(to, 'src')) return 'webview/ does not import src/ (share through protocol/)';
  if (under(from, 'src') && under(to, 'webview')) return 'src/ does not import webview/ (share through protocol/)';
  if (to === 'vscode' && EDITOR_FREE.some((f) => under(from, f))) return `${EDITOR_FREE.find((f) => under(from, f))}/ runs without VS Code`;
  return undefined;
}

describe('folder dependency rules (docs/architecture.md)', () => {
  const files = ['protocol', 'src', 'webview'].flatMap(tsFiles);
  const edges = files.flatMap(importsOf);

  it('the scan sees the imports it judges', () => {
    assert.ok(files.length > 50, `only ${files.length} files found`);
    assert.ok(edges.some((e) => e.from === 'src/extension.ts' && e.to === 'vscode'), 'src/extension.ts imports vscode');
    assert.ok(edges.some((e) => e.from === 'webview/main.ts' && under(e.to, 'protocol')), 'webview/main.ts imports protocol/');
    assert.ok(edges.some((e) => under(e.from, 'src') && under(e.to, 'protocol')), 'src/ imports protocol/');
  });

  it('the rules catch each kind of wrong import', () => {
    assert.ok(violation({ from: 'protocol/panelMessages.ts', to: 'src/core/trainerClient' }));
    assert.ok(violation({ from: 'protocol/runState.ts', to: 'webview/charts' }));
    assert.ok(violation({ from: 'webview/main.ts', to: 'src/core/degenerateModel' }));
    assert.ok(violation({ from: 'src/runHistory.ts', to: 'webview/runState' }));
    assert.ok(violation({ from: 'src/core/inference.ts', to: 'vscode' }));
    assert.equal(violation({ from: 'src/extension.ts', to: 'vscode' }), undefined);
    assert.equal(violation({ from: 'webview/main.ts', to: 'protocol/panelMessages' }), undefined);
  });

  it('no import breaks them', () => {
    const broken = edges.flatMap((e) => {
      const why = violation(e);
      return why ? [`${e.from} → ${e.to}: ${why}`] : [];
    });
    assert.deepEqual(broken, []);
  });
});
