// One esbuild configuration for every bundle; `tsc --noEmit` type-checks separately (npm run build).
import * as esbuild from 'esbuild';
import { mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  // onnxruntime-node loads a native binding relative to its own folder; vscode is provided by the host.
  external: ['vscode', 'onnxruntime-node'],
  logLevel: 'warning',
  loader: { '.json': 'json' },
};

/** Every bundle the project ships. Add entries here, not new build scripts. */
export const bundles = [
  { ...node, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { inferenceWorker: 'src/core/inferenceWorker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { proseWorker: 'src/core/proseWorker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { 'bench-infer': 'bench/benchInfer.ts' }, outdir: 'dist', external: [...node.external, '@huggingface/transformers'] },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    entryPoints: { panel: 'webview/main.ts' },
    outdir: 'dist/webview',
    loader: { '.css': 'text' },
    logLevel: 'warning',
  },
];

const { existsSync } = await import('node:fs');
mkdirSync('dist', { recursive: true });
// Bundles whose entry point does not exist yet are skipped, so the build works while the tree grows.
const present = bundles.filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));
if (watch) {
  const contexts = await Promise.all(present.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`watching ${present.length} bundles`);
} else {
  await Promise.all(present.map((b) => esbuild.build(b)));
}
