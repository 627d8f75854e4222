// `npm run bench:attribution`: which attribution method finds the error, and how fast, on held-out
// corrupted prose (trainer/bench/corruption_spans.py: the corpus's test documents, one error per
// sentence with the character span of the edit), for one or more model folders in one run.
//   (1) Accuracy: for each method (the model's own token scores when its model outputs token_logits; delete,
//       [MASK], [UNK] with the longest span 1 or 2 words), how often the top-ranked suspect overlaps the
//       corrupted span, per error type, over all corrupted sentences and over those the model flags.
//   (2) Suggestions: how often the original sentence is among the offered fixes (InferenceService.suggest,
//       then offeredFixes: at most 3 that cross the threshold), and among the scored candidates, per error type,
//       for each suggestion budget of --budgets (the product's SUGGESTION_BUDGET unless told; Infinity scores all).
//   (3) Speed: attribution (the folder's default method) and suggestions of flagged ~25-word sentences (nothing
//       cached but the sentence's own check, which the editor always has before it attributes) side by side
//       with a plain check (predict) of the same sentences.
// Results go to stdout and, with --write, into docs/benchmarks.md between <!-- bench:attribution:start/end -->
// and bench/results/attribution.json.
//
//   npx tsx bench/attribution.ts --model DIR [--model DIR…] [--limit N] [--speed N] [--speed-only] [--skip-methods]
//                               [--methods tokens,delete,mask,unk] [--spans 1,2] [--budgets 12,Infinity] [--write]
// (--speed-only: part (3) alone, printed, never written; --skip-methods: parts (2) and (3).)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeAtomically, writeDocsSection } from './docsSection';
import { ATTRIBUTION_METHODS, distinctSuspects, overlapsEdit, VARIANT_METHODS, words, type AttributionMethod } from '../src/core/attribution';
import { SUGGESTION_BUDGET } from '../src/core/candidateBudget';
import { offeredFixes } from '../src/core/suggestions';
import { InferenceService } from '../src/core/inference';
import { describeHoldout } from '../src/core/modelFolder';
import { chooseThreshold } from '../src/core/threshold';

const root = path.resolve(__dirname, '..');

interface Corrupted {
  original: string;
  text: string;
  type: string;
  span: [number, number];
}

interface Args {
  models: string[];
  limit: number;
  speed: number;
  speedOnly: boolean;
  skipMethods: boolean;
  /** Methods compared (--methods); 'tokens' only for a folder whose model outputs token_logits. */
  methods: AttributionMethod[];
  /** Longest spans compared for the variant methods (--spans 1,2). */
  spans: number[];
  /** Suggestion budgets compared (--budgets); the first is the one the speed part uses. */
  budgets: number[];
  write: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { models: [], limit: 600, speed: 40, speedOnly: false, skipMethods: false, methods: [...ATTRIBUTION_METHODS], spans: [1, 2], budgets: [SUGGESTION_BUDGET], write: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--model') a.models.push(path.resolve(value()));
    else if (flag === '--limit') a.limit = Number(value());
    else if (flag === '--speed') a.speed = Number(value());
    else if (flag === '--write') a.write = true;
    else if (flag === '--speed-only') a.speedOnly = true;
    else if (flag === '--skip-methods') a.skipMethods = true;
    else if (flag === '--spans') a.spans = value().split(',').map(Number);
    else if (flag === '--budgets') {
      a.budgets = value().split(',').map(Number);
      if (a.budgets.some((b) => !(b >= 1 && (Number.isInteger(b) || b === Infinity)))) throw new Error('--budgets: positive integers or Infinity, comma-separated');
    }
    else if (flag === '--methods') {
      const methods = value().split(',');
      const unknown = methods.filter((m) => !(ATTRIBUTION_METHODS as readonly string[]).includes(m));
      if (unknown.length) throw new Error(`--methods: unknown ${unknown.join(', ')} (known: ${ATTRIBUTION_METHODS.join(', ')})`);
      a.methods = methods as AttributionMethod[];
    } else throw new Error(`unknown flag ${flag}`);
  }
  if (!a.models.length) throw new Error('--model DIR is required (a model folder the trainer exported; repeat it to compare folders)');
  if (a.speedOnly) a.write = false;
  return a;
}

function corruptions(limit: number): Corrupted[] {
  const python = path.join(root, '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error('No .venv: run `npm run setup` first.');
  const r = spawnSync(python, [path.join(root, 'trainer', 'bench', 'corruption_spans.py'), '--limit', String(limit)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, PYTHONPATH: path.join(root, 'trainer') },
  });
  if (r.status !== 0) throw new Error(`corruption_spans.py failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Corrupted);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const pct = (hits: number, n: number) => (n ? `${((100 * hits) / n).toFixed(1)}% (${hits}/${n})` : '—');

interface Tally {
  method: AttributionMethod;
  /** null for the tokens method (one word per suspect). */
  maxSpan: number | null;
  hits: Map<string, [number, number]>;
  flaggedHits: [number, number];
  all: [number, number];
  topWords: number;
  seconds: number;
}

interface Speed {
  method: AttributionMethod;
  sentences: number;
  flaggedOnly: boolean;
  variants: number;
  candidates: number;
  generated: number;
  lanes: string;
  attributionMs: number[];
  attributionCpuMs: number[];
  suggestMs: number[];
  checkMs: number[];
}

const sortedCopy = (xs: number[]) => [...xs].sort((x, y) => x - y);
const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((x, y) => x + y, 0) / xs.length) : 0);
const ms = (xs: number[], q: number) => Number(percentile(sortedCopy(xs), q).toFixed(1));

/** The methods compared on a folder: variant methods at each span, and its own token scores when it has them. */
function runsFor(a: Args, service: InferenceService): Array<{ method: AttributionMethod; maxSpan: number | null }> {
  if (a.speedOnly || a.skipMethods) return [];
  const out: Array<{ method: AttributionMethod; maxSpan: number | null }> = [];
  if (a.methods.includes('tokens') && service.attributionMethod === 'tokens') out.push({ method: 'tokens', maxSpan: null });
  for (const maxSpan of a.spans) for (const method of VARIANT_METHODS) if (a.methods.includes(method)) out.push({ method, maxSpan });
  return out;
}

async function hitRates(service: InferenceService, rows: readonly Corrupted[], flagged: readonly boolean[], types: readonly string[], method: AttributionMethod, maxSpan: number | null): Promise<Tally> {
  const t: Tally = { method, maxSpan, hits: new Map(types.map((k) => [k, [0, 0]])), flaggedHits: [0, 0], all: [0, 0], topWords: 0, seconds: 0 };
  const t0 = performance.now();
  for (const [i, r] of rows.entries()) {
    const attribution = await service.attribute(r.text, { method, maxSpan: maxSpan ?? undefined });
    const top = distinctSuspects(attribution.suspects, 1)[0];
    const hit = top !== undefined && overlapsEdit(top, { start: r.span[0], end: r.span[1] });
    const h = t.hits.get(r.type)!;
    h[0] += Number(hit);
    h[1]++;
    t.all[0] += Number(hit);
    t.all[1]++;
    if (flagged[i]) {
      t.flaggedHits[0] += Number(hit);
      t.flaggedHits[1]++;
    }
    if (top) t.topWords += words(top.text).length;
  }
  t.seconds = (performance.now() - t0) / 1000;
  console.error(`${method}${maxSpan === null ? '' : ` maxSpan ${maxSpan}`}: ${pct(...t.all)}, flagged ${pct(...t.flaggedHits)} in ${t.seconds.toFixed(1)} s`);
  return t;
}

interface SuggestionTally {
  budget: number;
  /** Per error type: offered, among the scored candidates, sentences. */
  offered: Map<string, number[]>;
  offeredFlagged: [number, number];
  scored: number;
  generated: number;
  seconds: number;
}

/** How often suggestions with this budget offer the sentence before the corruption (a service of its own, so nothing is shared). */
async function suggestionRates(modelDir: string, budget: number, rows: readonly Corrupted[], flagged: readonly boolean[], types: readonly string[], threshold: number): Promise<SuggestionTally> {
  const service = await InferenceService.open(modelDir, { suggestionBudget: budget });
  const t: SuggestionTally = { budget, offered: new Map(types.map((k) => [k, [0, 0, 0]])), offeredFlagged: [0, 0], scored: 0, generated: 0, seconds: 0 };
  const scored: number[] = [];
  const generated: number[] = [];
  try {
    await service.predict(rows.map((r) => r.text)); // as the editor: a sentence is checked before anything else
    const t0 = performance.now();
    for (const [i, r] of rows.entries()) {
      const sug = await service.suggest(r.text);
      scored.push(sug.candidates.length);
      generated.push(sug.generated);
      const o = t.offered.get(r.type)!;
      const isOffered = offeredFixes(sug.candidates, sug.pAcceptable, threshold).some((c) => c.text === r.original);
      o[0] += Number(isOffered);
      o[1] += Number(sug.candidates.some((c) => c.text === r.original));
      o[2]++;
      if (flagged[i]) {
        t.offeredFlagged[0] += Number(isOffered);
        t.offeredFlagged[1]++;
      }
    }
    t.seconds = (performance.now() - t0) / 1000;
  } finally {
    await service.dispose();
  }
  t.scored = mean(scored);
  t.generated = mean(generated);
  console.error(`suggestions, budget ${budget}: flagged ${pct(...t.offeredFlagged)} in ${t.seconds.toFixed(1)} s`);
  return t;
}

/** Flagged sentences of 23-27 words, each attributed once (distinct sentences: nothing cached), beside a plain check. */
async function speed(modelDir: string, rows: readonly Corrupted[], flagged: readonly boolean[], count: number, budget: number): Promise<Speed> {
  const long = rows.filter((r, i) => flagged[i] && Math.abs(words(r.text).length - 25) <= 2).slice(0, count);
  const pool = long.length >= 10 ? long : rows.filter((r) => Math.abs(words(r.text).length - 25) <= 2).slice(0, count);
  const plain = await InferenceService.open(modelDir, { cacheSize: 0 });
  const fresh = await InferenceService.open(modelDir, { suggestionBudget: budget });
  const out: Speed = { method: fresh.attributionMethod, sentences: pool.length, flaggedOnly: pool === long, variants: 0, candidates: 0, generated: 0, lanes: '', attributionMs: [], attributionCpuMs: [], suggestMs: [], checkMs: [] };
  const variantCounts: number[] = [];
  const candidateCounts: number[] = [];
  const generatedCounts: number[] = [];
  try {
    // The editor's workers are long-lived: a session's first runs (memory arenas, kernel choice) are not
    // what a hover waits for, so each service runs once on a sentence outside the pool before the timing.
    const warmUp = rows.find((r) => !pool.includes(r))?.text ?? 'A sentence that warms the sessions up before the timing starts.';
    await plain.predict([warmUp]);
    await fresh.predict([warmUp]);
    await fresh.suggest(warmUp);
    for (const r of pool) {
      let t0 = performance.now();
      await plain.predict([r.text]);
      out.checkMs.push(performance.now() - t0);
      // The editor attributes a sentence only once its check flagged it (hover, code action, check --json),
      // and the check's token scores are where the tokens method starts.
      await fresh.predict([r.text]);
      t0 = performance.now();
      // CPU time of this process (the workers' runs, mostly): on a shared machine the wall time includes
      // waiting for a core; the CPU time is what the work itself costs.
      const cpu0 = process.cpuUsage();
      const at = await fresh.attribute(r.text);
      out.attributionMs.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      out.attributionCpuMs.push((cpu.user + cpu.system) / 1000);
      variantCounts.push(at.variants);
      t0 = performance.now();
      const sug = await fresh.suggest(r.text);
      out.suggestMs.push(performance.now() - t0);
      candidateCounts.push(sug.candidates.length);
      generatedCounts.push(sug.generated);
    }
    const { workers, threadsPerWorker } = fresh.parallelism;
    out.lanes = `${workers} worker${workers === 1 ? '' : 's'} × ${threadsPerWorker} thread${threadsPerWorker === 1 ? '' : 's'}`;
  } finally {
    await plain.dispose();
    await fresh.dispose();
  }
  out.variants = mean(variantCounts);
  out.candidates = mean(candidateCounts);
  out.generated = mean(generatedCounts);
  return out;
}

/** One model folder's part of the section, and its JSON. */
async function benchModel(a: Args, modelDir: string, rows: readonly Corrupted[]): Promise<{ lines: string[]; json: object }> {
  const service = await InferenceService.open(modelDir);
  const lines: string[] = [];
  try {
    const threshold = chooseThreshold(undefined, service.model.calibration).value;
    const base = await service.predict(rows.map((r) => r.text));
    const flagged = base.map((p) => p.pAcceptable < threshold);
    const types = [...new Set(rows.map((r) => r.type))].sort();
    const tallies: Tally[] = [];
    for (const run of runsFor(a, service)) tallies.push(await hitRates(service, rows, flagged, types, run.method, run.maxSpan));

    // Suggestions: is the sentence before the corruption offered back? Once per budget, side by side.
    const suggestionTallies: SuggestionTally[] = [];
    if (!a.speedOnly) for (const budget of a.budgets) suggestionTallies.push(await suggestionRates(modelDir, budget, rows, flagged, types, threshold));
    const sp = await speed(modelDir, rows, flagged, a.speed, a.budgets[0]);

    const m = service.model;
    const nFlagged = flagged.filter(Boolean).length;
    lines.push(
      `### \`${path.basename(modelDir)}\``,
      '',
      `Model: \`${modelDir}\` (${m.baseModel}${m.quantized ? ', int8' : ''}, ${service.attributionMethod === 'tokens' ? 'tokens head: its model outputs token_logits' : 'sentence head'}, CoLA holdout MCC ${describeHoldout(m.holdout)}, temperature ${m.calibration.temperature.toFixed(2)}, threshold ${threshold.toFixed(3)}); the model flags ${nFlagged} of the ${rows.length} corrupted sentences.`,
      '',
    );
    if (tallies.length) {
      lines.push(
        `| method | longest span | all corrupted | flagged only | mean words in top suspect | s for all | ${types.map((t) => `${t} (n=${rows.filter((r) => r.type === t).length})`).join(' | ')} |`,
        `| --- | ---: | ---: | ---: | ---: | ---: | ${types.map(() => '---:').join(' | ')} |`,
        ...tallies.map(
          (t) =>
            `| ${t.method === service.attributionMethod ? `**${t.method}** (default)` : t.method} | ${t.maxSpan ?? '1 (token scores)'} | ${pct(...t.all)} | ${pct(...t.flaggedHits)} | ${(t.topWords / Math.max(1, t.all[1])).toFixed(2)} | ${t.seconds.toFixed(0)} | ${types
              .map((k) => {
                const [h, n] = t.hits.get(k)!;
                return n ? `${((100 * h) / n).toFixed(0)}%` : '—';
              })
              .join(' | ')} |`,
        ),
        '',
      );
    }
    for (const t of suggestionTallies) {
      const { offered } = t;
      lines.push(
        `Suggestions (around the default method's suspects; budget ${t.budget === Infinity ? 'none: every candidate scored' : `${t.budget} candidates scored besides the attribution's deletions`}, ${t.scored} scored of ${t.generated} generated on average, ${t.seconds.toFixed(0)} s for all): the sentence before the corruption is among the offered fixes (at most 3 candidates with P(acceptable) ≥ the threshold and above the sentence's) for ` +
          `${pct(types.reduce((x, k) => x + offered.get(k)![0], 0), rows.length)} of all corrupted sentences and ${pct(t.offeredFlagged[0], t.offeredFlagged[1])} of the flagged ones; ` +
          `it is among the scored candidates (any score) for ${pct(types.reduce((x, k) => x + offered.get(k)![1], 0), rows.length)}. Per error type (offered / among candidates): ` +
          types
            .map((k) => {
              const [o, c, n] = offered.get(k)!;
              return `${k} ${n ? Math.round((100 * o) / n) : 0}% / ${n ? Math.round((100 * c) / n) : 0}%`;
            })
            .join(', ') +
          '.',
        '',
      );
    }
    lines.push(
      `Speed (${sp.sentences} ${sp.flaggedOnly ? 'flagged ' : ''}sentences of 23–27 words, the default method (${sp.method}), ${sp.variants} variants and ${sp.candidates} candidates (of ${sp.generated} generated) each on average, nothing cached but the sentence's check, after one warm-up request per service; the product's default ${sp.lanes}): ` +
        `attribution p50 **${ms(sp.attributionMs, 0.5)} ms**, p95 **${ms(sp.attributionMs, 0.95)} ms**, max ${ms(sp.attributionMs, 1)} ms ` +
        `(CPU time of the process during it p50 ${ms(sp.attributionCpuMs, 0.5)} ms, p95 ${ms(sp.attributionCpuMs, 0.95)} ms); ` +
        `suggestions (after the attribution, cached by then) p50 **${ms(sp.suggestMs, 0.5)} ms**, p95 **${ms(sp.suggestMs, 0.95)} ms**; ` +
        `plain check of the same sentence (predict, cache off) p50 ${ms(sp.checkMs, 0.5)} ms, p95 ${ms(sp.checkMs, 0.95)} ms.`,
      '',
    );
    const json = {
      model: modelDir,
      baseModel: m.baseModel,
      quantized: m.quantized,
      defaultMethod: service.attributionMethod,
      threshold,
      corrupted: rows.length,
      flagged: nFlagged,
      hitRates: tallies.map((t) => ({ method: t.method, maxSpan: t.maxSpan, all: t.all, flagged: t.flaggedHits, seconds: t.seconds, perType: Object.fromEntries(t.hits) })),
      suggestions: suggestionTallies.map((t) => ({ budget: t.budget === Infinity ? null : t.budget, scored: t.scored, generated: t.generated, seconds: t.seconds, offeredFlagged: t.offeredFlagged, perType: Object.fromEntries(t.offered) })),
      speed: {
        method: sp.method,
        sentences: sp.sentences,
        lanes: sp.lanes,
        attributionMs: { p50: ms(sp.attributionMs, 0.5), p95: ms(sp.attributionMs, 0.95) },
        attributionCpuMs: { p50: ms(sp.attributionCpuMs, 0.5), p95: ms(sp.attributionCpuMs, 0.95) },
        suggestMs: { p50: ms(sp.suggestMs, 0.5), p95: ms(sp.suggestMs, 0.95) },
        candidates: sp.candidates,
        generated: sp.generated,
        checkMs: { p50: ms(sp.checkMs, 0.5), p95: ms(sp.checkMs, 0.95) },
      },
    };
    return { lines, json };
  } finally {
    await service.dispose();
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const started = new Date();
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const rows = corruptions(a.limit);
  const parts: Array<{ lines: string[]; json: object }> = [];
  for (const model of a.models) {
    console.error(`== ${model}`);
    parts.push(await benchModel(a, model, rows));
  }
  const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const command = `npm run bench:attribution -- ${a.models.map((m) => `--model ${path.relative(root, m) || m}`).join(' ')} --limit ${a.limit}`;
  const lines = [
    `Run ${started.toISOString()} by \`${command}\` on ${cpu}, ${os.cpus().length} logical cores, Node ${process.version}. ` +
      `Load average before/after: ${loadBefore} / ${loadAfter} (the machine is shared with other sessions' tests and training).`,
    '',
    `${rows.length} corrupted sentences from the prose corpus's test documents (\`trainer/bench/corruption_spans.py --limit ${a.limit}\`). ` +
      'Top-1 hit rate: the best-ranked suspect overlaps the corrupted span (a dropped word counts as hit by either neighbour); no suspect counts as a miss. ' +
      'The tokens method ranks words by the model\'s own per-token error score and scores deletions of the best two (TOKEN_SUSPECTS) for their deltas; delete, mask and unk score one variant per word (or pair) and rank by the rise of P(acceptable).',
    '',
    ...parts.flatMap((p) => p.lines),
  ];
  const section = lines.join('\n').trimEnd();
  console.log(`\n${section}\n`);
  if (a.write) {
    writeDocsSection('attribution', 'Which words: attribution (`npm run bench:attribution`)', section);
    const results = { run: started.toISOString(), command, cpu, cores: os.cpus().length, node: process.version, loadBefore, loadAfter, corrupted: rows.length, models: parts.map((p) => p.json) };
    writeAtomically(path.join(root, 'bench', 'results', 'attribution.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log('wrote bench/results/attribution.json');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
