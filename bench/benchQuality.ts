// `npm run bench:quality`: what the squiggles mean on real prose, side by side with Harper (harper.js, the
// rule-based checker to beat), on the held-out prose documents every training run is scored on
// (python -m cola_trainer quality-set: the test documents' clean sentences, each also with one injected
// error, split by document) and on CoLA's out_of_domain_dev.
//   - each model folder (--model, repeatable) through the TypeScript inference path that `check` and the
//     editor use (int8 unless --fp32, calibrated P, the model's own flagging threshold);
//   - Harper on the same sentences, counting grammar lints (bench/harper.ts GRAMMAR_KINDS) and any lint.
// Per system: share of clean sentences flagged, detection MCC overall, per error type (each type's
// corruptions against the sentences they were made from) and per source, ECE for the models.
// Results go to stdout, and with --write into bench/results/quality.json and docs/benchmarks.md between
// <!-- bench:quality:start/end --> markers.
//
//   npx tsx bench/benchQuality.ts [--model DIR …] (default: every model folder under models/) [--limit N] [--split test|validation] [--fp32] [--no-harper] [--write]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readColaTsv } from '../src/core/cola';
import { InferenceService } from '../src/core/inference';
import { binaryMetrics, type BinaryMetrics } from '../src/core/metrics';
import { describeScaling } from '../src/core/modelFolder';
import { chooseThreshold } from '../src/core/threshold';
import { writeAtomically, writeDocsSection } from './docsSection';
import { HarperBaseline } from './harper';

const root = path.resolve(__dirname, '..');
const CLEAN = 'clean';

interface Row {
  text: string;
  /** 1 acceptable (clean), 0 unacceptable (one injected error). */
  label: number;
  error_type: string;
  source: string;
}

interface Args {
  models: string[];
  limit: number;
  split: 'test' | 'validation';
  fp32: boolean;
  harper: boolean;
  write: boolean;
  cola: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { models: [], limit: 1000, split: 'test', fp32: false, harper: true, write: false, cola: process.env.COLA_DIR ?? path.resolve(root, '..', 'shared', 'datasets', 'cola', 'raw') };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--model') a.models.push(path.resolve(value()));
    else if (flag === '--limit') a.limit = Number(value());
    else if (flag === '--split') a.split = value() === 'validation' ? 'validation' : 'test';
    else if (flag === '--cola') a.cola = path.resolve(value());
    else if (flag === '--fp32') a.fp32 = true;
    else if (flag === '--no-harper') a.harper = false;
    else if (flag === '--write') a.write = true;
    else throw new Error(`unknown flag ${flag}`);
  }
  // Without --model: every exported model folder under models/ (what `npm run demo` and `train` write there).
  if (!a.models.length) a.models = modelFolders(path.join(root, 'models'));
  if (!a.models.length && !a.harper) throw new Error('nothing to measure: pass --model DIR and/or leave Harper on');
  if (!Number.isInteger(a.limit) || a.limit < 1) throw new Error(`--limit must be a positive whole number, got ${a.limit}`);
  return a;
}

function modelFolders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((n) => path.join(dir, n)).filter((d) => existsSync(path.join(d, 'cola-bert.json'))).sort();
}

/** The trainer's own held-out pairs, so this bench and cola-bert.json's "quality" block measure one set. */
function qualitySet(split: string, limit: number): Row[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-quality-'));
  try {
    const out = path.join(dir, 'set.jsonl');
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-python.mjs'), '-m', 'cola_trainer', 'quality-set', out, '--split', split, '--limit', String(limit)], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`python -m cola_trainer quality-set exited with ${r.status ?? r.signal} (run npm run setup first)`);
    return readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Block {
  nClean: number;
  nCorrupted: number;
  cleanFlagged: number;
  corruptedFlagged: number;
  mcc: number;
}

export interface ProseReport extends Block {
  perType: Record<string, Block>;
  perSource: Record<string, Block>;
  ece?: number;
}

function block(rows: readonly Row[], flagged: readonly boolean[], keep: (i: number) => boolean): Block {
  const labels: number[] = [];
  const preds: number[] = [];
  let nClean = 0, nCorrupted = 0, cleanFlagged = 0, corruptedFlagged = 0;
  rows.forEach((r, i) => {
    if (!keep(i)) return;
    labels.push(r.label);
    preds.push(flagged[i] ? 0 : 1);
    if (r.label === 1) {
      nClean++;
      if (flagged[i]) cleanFlagged++;
    } else {
      nCorrupted++;
      if (flagged[i]) corruptedFlagged++;
    }
  });
  return { nClean, nCorrupted, cleanFlagged: nClean ? cleanFlagged / nClean : 0, corruptedFlagged: nCorrupted ? corruptedFlagged / nCorrupted : 0, mcc: binaryMetrics(labels, preds).mcc };
}

/** Rows come in pairs (clean, then its corruption): a type's block is its corruptions and their originals. */
export function proseReport(rows: readonly Row[], flagged: readonly boolean[]): ProseReport {
  const pairType = rows.map((r, i) => (r.error_type === CLEAN ? rows[i + 1]?.error_type : r.error_type));
  const perType: Record<string, Block> = {};
  for (const t of [...new Set(pairType)].filter((t): t is string => Boolean(t) && t !== CLEAN).sort()) perType[t] = block(rows, flagged, (i) => pairType[i] === t);
  const perSource: Record<string, Block> = {};
  for (const s of [...new Set(rows.map((r) => r.source))].sort()) perSource[s] = block(rows, flagged, (i) => rows[i].source === s);
  return { ...block(rows, flagged, () => true), perType, perSource };
}

/**
 * Minimal-pair preference: the share of (clean, corrupted) pairs whose clean member scores as more acceptable,
 * ties counted half (a binary checker that flags neither or both ties). The pairs differ by one edit, so this is
 * the measure minimal-pair suites (BLiMP-style) report, here on our own held-out pairs.
 */
export function pairPreference(rows: readonly Row[], acceptability: readonly number[]): number {
  let pairs = 0, preferred = 0;
  for (let i = 0; i + 1 < rows.length; i++) {
    if (rows[i].error_type !== CLEAN || rows[i + 1].error_type === CLEAN) continue;
    pairs++;
    const d = acceptability[i] - acceptability[i + 1];
    preferred += d > 0 ? 1 : d === 0 ? 0.5 : 0;
  }
  return pairs ? preferred / pairs : Number.NaN;
}

/**
 * Expected calibration error of the predicted class in equal-width bins over confidence: the trainer's rule
 * (calibration.py `ece`, ECE_BINS = 15), so this table's ECE and the trainer's quality event compare
 * (test/unit/benchQuality.test.ts checks the two against each other).
 */
export function expectedCalibrationError(pAcceptable: readonly number[], labels: readonly number[], bins = 15): number {
  const sums = Array.from({ length: bins }, () => ({ n: 0, conf: 0, correct: 0 }));
  pAcceptable.forEach((p, i) => {
    const pred = p >= 0.5 ? 1 : 0;
    const conf = pred ? p : 1 - p;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(((conf - 0.5) / 0.5) * bins)));
    sums[b].n++;
    sums[b].conf += conf;
    sums[b].correct += pred === labels[i] ? 1 : 0;
  });
  return sums.reduce((e, s) => (s.n ? e + (s.n / pAcceptable.length) * Math.abs(s.correct / s.n - s.conf / s.n) : e), 0);
}

interface SystemResult {
  name: string;
  detail: string;
  prose: ProseReport;
  /** pairPreference on the held-out pairs. */
  pairs: number;
  cola?: BinaryMetrics;
  seconds: number;
}

async function measureModel(dir: string, rows: readonly Row[], cola: { sentence: string; label: number }[], fp32: boolean): Promise<SystemResult> {
  const service = await InferenceService.open(dir, { preferInt8: !fp32, cacheSize: 0 });
  try {
    const threshold = chooseThreshold(undefined, service.model.calibration);
    const t0 = performance.now();
    const p = (await service.predict(rows.map((r) => r.text))).map((x) => x.pAcceptable);
    const seconds = (performance.now() - t0) / 1000;
    const prose = { ...proseReport(rows, p.map((x) => x < threshold.value)), ece: expectedCalibrationError(p, rows.map((r) => r.label)) };
    const pc = (await service.predict(cola.map((c) => c.sentence))).map((x) => x.pAcceptable);
    const colaMetrics = binaryMetrics(cola.map((c) => c.label), pc.map((x) => (x < threshold.value ? 0 : 1)));
    const file = path.basename(service.model.onnxFile);
    return { name: path.basename(dir), detail: `${file}, threshold ${threshold.value.toFixed(3)} (${threshold.source}), ${describeScaling(service.model.calibration)}`, prose, pairs: pairPreference(rows, p), cola: colaMetrics, seconds };
  } finally {
    await service.dispose();
  }
}

async function measureHarper(rows: readonly Row[], cola: { sentence: string; label: number }[]): Promise<SystemResult[]> {
  const harper = new HarperBaseline();
  await harper.setup();
  const t0 = performance.now();
  const v = await harper.check(rows.map((r) => r.text));
  const seconds = (performance.now() - t0) / 1000;
  const vc = await harper.check(cola.map((c) => c.sentence));
  const colaOf = (pick: (i: number) => boolean) => binaryMetrics(cola.map((c) => c.label), vc.map((_, i) => (pick(i) ? 0 : 1)));
  return [
    { name: 'Harper (grammar lints)', detail: 'harper.js, American English, lint kinds in GRAMMAR_KINDS', prose: proseReport(rows, v.map((x) => x.grammarLint)), pairs: pairPreference(rows, v.map((x) => (x.grammarLint ? 0 : 1))), cola: colaOf((i) => vc[i].grammarLint), seconds },
    { name: 'Harper (any lint)', detail: 'harper.js, every lint kind, spelling included', prose: proseReport(rows, v.map((x) => x.anyLint)), pairs: pairPreference(rows, v.map((x) => (x.anyLint ? 0 : 1))), cola: colaOf((i) => vc[i].anyLint), seconds },
  ];
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

function markdown(results: SystemResult[], rows: readonly Row[], args: Args, started: Date): string {
  const lines: string[] = [];
  const types = [...new Set(rows.map((r) => r.error_type).filter((t) => t !== CLEAN))].sort();
  const sources = [...new Set(rows.map((r) => r.source))].sort();
  const nClean = rows.filter((r) => r.label === 1).length;
  lines.push(`Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)} at the start).`);
  lines.push(`Held-out prose (${args.split} documents, split by document): ${nClean} clean sentences, each also with one injected error; CoLA out_of_domain_dev: ${results[0]?.cola?.n ?? 0} sentences.`);
  lines.push('');
  lines.push('| system | clean flagged | errors caught | detection MCC | pairs: clean preferred | ECE | CoLA ood MCC | seconds (prose) |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) lines.push(`| ${r.name} (${r.detail}) | ${pct(r.prose.cleanFlagged)} | ${pct(r.prose.corruptedFlagged)} | ${f3(r.prose.mcc)} | ${pct(r.pairs)} | ${r.prose.ece === undefined ? '–' : f3(r.prose.ece)} | ${r.cola ? f3(r.cola.mcc) : '–'} | ${r.seconds.toFixed(1)} |`);
  lines.push('');
  lines.push(`Detection MCC per error type (pairs: n) and errors caught:`);
  lines.push('');
  lines.push(`| error type | n | ${results.map((r) => r.name).join(' | ')} |`);
  lines.push(`| --- | --- | ${results.map(() => '---').join(' | ')} |`);
  for (const t of types) {
    const n = results[0]?.prose.perType[t]?.nCorrupted ?? 0;
    lines.push(`| ${t} | ${n} | ${results.map((r) => { const b = r.prose.perType[t]; return b ? `${f3(b.mcc)} (${pct(b.corruptedFlagged)})` : '–'; }).join(' | ')} |`);
  }
  lines.push('');
  lines.push(`Per source (clean flagged / detection MCC):`);
  lines.push('');
  lines.push(`| source | ${results.map((r) => r.name).join(' | ')} |`);
  lines.push(`| --- | ${results.map(() => '---').join(' | ')} |`);
  for (const s of sources) lines.push(`| ${s} | ${results.map((r) => { const b = r.prose.perSource[s]; return `${pct(b.cleanFlagged)} / ${f3(b.mcc)}`; }).join(' | ')} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = new Date();
  const rows = qualitySet(args.split, args.limit);
  const cola = readColaTsv(path.join(args.cola, 'out_of_domain_dev.tsv')).map((r) => ({ sentence: r.sentence, label: r.label }));
  const results: SystemResult[] = [];
  for (const m of args.models) {
    console.error(`[bench:quality] ${m}`);
    results.push(await measureModel(m, rows, cola, args.fp32));
  }
  if (args.harper) {
    console.error('[bench:quality] Harper');
    results.push(...(await measureHarper(rows, cola)));
  }
  const md = markdown(results, rows, args, started);
  console.log(md);
  if (args.write) {
    writeAtomically(path.join(root, 'bench', 'results', 'quality.json'), `${JSON.stringify({ started: started.toISOString(), cpu: os.cpus()[0]?.model, load: os.loadavg()[0], split: args.split, limit: args.limit, results }, null, 2)}\n`);
    writeDocsSection('quality', 'Prose quality (`npm run bench:quality`)', md);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`bench:quality: ${(e as Error).message}`);
    process.exit(1);
  });
}
