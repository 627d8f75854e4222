// `npm run demo`: set up, fine-tune the offline default on CoLA (GPU when present), evaluate the exported
// ONNX through the TypeScript inference path, and print the MCC and where the model went.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { colaDir } from './cola.mjs';
import { npmCommand as npm } from './npm.mjs';

// fileURLToPath, not URL.pathname: the latter keeps %20 and %C3%A9 in folder names (and gives /C:/… on Windows).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const model = process.env.COLA_BERT_DEMO_MODEL || 'all-minilm-l6-v2';
const out = path.join(root, 'models', `${model.replace(/[^\w.-]+/g, '_')}-cola`);

function step(title, cmd, args) {
  console.log(`\n▶ ${title}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`\n✖ ${title} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
}

/** The holdout MCCs of the run, each said for what it is, and which one the editor's model has. */
function holdoutSummary(meta) {
  const byFile = meta.holdout_by_file ?? {};
  // The editor runs the int8 file when there is one (cola-bert.preferInt8, on by default).
  const editorFile = meta.onnx_int8 && byFile[meta.onnx_int8] ? meta.onnx_int8 : meta.onnx;
  const lines = [`Holdout MCC on out_of_domain_dev.tsv (${meta.metrics.holdout.n} sentences):`];
  lines.push(`  ${meta.metrics.holdout.mcc.toFixed(4).padStart(7)}  the trainer (PyTorch, fp32 weights, argmax)`);
  for (const [file, m] of Object.entries(byFile)) {
    const rule = `P(acceptable) > ${m.threshold.toFixed(3)} at temperature ${m.temperature.toFixed(2)}; argmax: ${m.argmax.mcc.toFixed(4)}`;
    lines.push(`  ${m.mcc.toFixed(4).padStart(7)}  ${file}, measured on that file (${rule})${file === editorFile ? '  <- the editor runs this file; hover and status bar show this number' : ''}`);
  }
  return lines.join('\n');
}

step('Setting up (npm ci, Python .venv with torch and transformers)', ...npm(['run', 'setup']));
step('Building', ...npm(['run', 'build:bundle']));
const cola = colaDir();
if (!cola) process.exit(2);
const data = ['--data', cola];
const recipe = model === 'all-minilm-l6-v2' ? 'lr 1e-4: the default for this small model' : "lr 2e-5: the chapter's";
step(`Fine-tuning ${model} on CoLA (4 epochs, batch 32, ${recipe}; see docs/trainer.md)`, process.execPath, ['dist/cli.js', 'train', '--model', model, '--device', 'auto', '--out', out, ...data]);
// The folder the trainer took CoLA from (COLA_DIR, its cache or a fresh download), as its metadata records it.
const holdout = path.join(JSON.parse(readFileSync(path.join(out, 'cola-bert.json'), 'utf8')).data.folder, 'out_of_domain_dev.tsv');
// One sentence per run: int8 scores depend on batch neighbours, and this is the batching the trainer measured
// each file with (cola-bert.json "holdout_by_file"), so the eval output below reproduces those numbers.
step('Evaluating the fp32 ONNX model (TypeScript + onnxruntime-node) on out_of_domain_dev.tsv, one sentence per run', process.execPath, ['dist/cli.js', 'eval', '--model', out, '--data', holdout, '--fp32', '--batch-size', '1']);
step('Evaluating the int8 ONNX model the editor uses, one sentence per run', process.execPath, ['dist/cli.js', 'eval', '--model', out, '--data', holdout, '--batch-size', '1']);
console.log(`\n${holdoutSummary(JSON.parse(readFileSync(path.join(out, 'cola-bert.json'), 'utf8')))}`);
console.log(`\n✔ Model folder: ${out}\n  Use it in VS Code: set "cola-bert.modelPath" to that folder, or run \`npx cola-bert check FILE.md --model ${path.relative(root, out)}\`.`);
