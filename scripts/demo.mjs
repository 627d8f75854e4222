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

step('Setting up (npm ci, Python .venv with torch and transformers)', ...npm(['run', 'setup']));
step('Building', ...npm(['run', 'build:bundle']));
const cola = colaDir();
if (!cola) process.exit(2);
const data = ['--data', cola];
const recipe = model === 'all-minilm-l6-v2' ? 'lr 1e-4: the default for this small model' : "lr 2e-5: the chapter's";
step(`Fine-tuning ${model} on CoLA (4 epochs, batch 32, ${recipe}; see docs/trainer.md)`, process.execPath, ['dist/cli.js', 'train', '--model', model, '--device', 'auto', '--out', out, ...data]);
// The folder the trainer took CoLA from (COLA_DIR, its cache or a fresh download), as its metadata records it.
const holdout = path.join(JSON.parse(readFileSync(path.join(out, 'cola-bert.json'), 'utf8')).data.folder, 'out_of_domain_dev.tsv');
step('Evaluating the fp32 ONNX model (TypeScript + onnxruntime-node) on out_of_domain_dev.tsv', process.execPath, ['dist/cli.js', 'eval', '--model', out, '--data', holdout, '--fp32']);
step('Evaluating the int8 ONNX model the editor uses', process.execPath, ['dist/cli.js', 'eval', '--model', out, '--data', holdout]);
console.log(`\n✔ Model folder: ${out}\n  Use it in VS Code: set "cola-bert.modelPath" to that folder, or run \`npx cola-bert check FILE.md --model ${path.relative(root, out)}\`.`);
