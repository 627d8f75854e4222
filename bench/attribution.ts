// `npm run bench:attribution`: which attribution method finds the error, and how fast, on held-out
// corrupted prose (trainer/bench/corruption_spans.py: the corpus's test documents, one error per
// sentence with the character span of the edit).
//   (1) Accuracy: for each method (delete, [MASK], [UNK]) and longest span (1 or 2 words), how often the
//       top-ranked suspect overlaps the corrupted span, per error type, over all corrupted sentences and over
//       those the model flags.
//   (2) Suggestions: how often the original sentence is among the offered fixes (InferenceService.suggest,
//       then offeredFixes: at most 3 that cross the threshold), and among all candidates, per error type.
//   (3) Speed: attribution and suggestions of flagged ~25-word sentences (each split between the workers,
//       nothing cached) side by side with a plain check (predict) of the same sentences.
// Results go to stdout and, with --write, into docs/benchmarks.md between <!-- bench:attribution:start/end -->.
//
//   npx tsx bench/attribution.ts --model DIR [--limit N] [--speed N] [--speed-only] [--skip-methods] [--spans 1,2] [--write]
// (--speed-only: part (3) alone, printed, never written; --skip-methods: parts (2) and (3).)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDocsSection } from './docsSection';
import { ATTRIBUTION_METHODS, distinctSuspects, overlapsEdit, words, type AttributionMethod } from '../src/core/attribution';
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
  model: string;
  limit: number;
  speed: number;
  speedOnly: boolean;
  skipMethods: boolean;
  /** Longest spans compared (--spans 1,2). */
  spans: number[];
  write: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { model: '', limit: 600, speed: 40, speedOnly: false, skipMethods: false, spans: [1, 2], write: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--model') a.model = path.resolve(value());
    else if (flag === '--limit') a.limit = Number(value());
    else if (flag === '--speed') a.speed = Number(value());
    else if (flag === '--write') a.write = true;
    else if (flag === '--speed-only') a.speedOnly = true;
    else if (flag === '--skip-methods') a.skipMethods = true;
    else if (flag === '--spans') a.spans = value().split(',').map(Number);
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!a.model) throw new Error('--model DIR is required (a model folder the trainer exported)');
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

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const started = new Date();
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const rows = corruptions(a.limit);
  const service = await InferenceService.open(a.model);
  const threshold = chooseThreshold(undefined, service.model.calibration).value;
  const lines: string[] = [];
  try {
    const base = await service.predict(rows.map((r) => r.text));
    const flagged = base.map((p) => p.pAcceptable < threshold);
    const types = [...new Set(rows.map((r) => r.type))].sort();
    interface Tally {
      method: AttributionMethod;
      maxSpan: number;
      hits: Map<string, [number, number]>;
      flaggedHits: [number, number];
      all: [number, number];
      topWords: number;
    }
    const tallies: Tally[] = [];
    for (const maxSpan of a.speedOnly || a.skipMethods ? [] : a.spans) {
      for (const method of ATTRIBUTION_METHODS) {
        const t: Tally = { method, maxSpan, hits: new Map(types.map((k) => [k, [0, 0]])), flaggedHits: [0, 0], all: [0, 0], topWords: 0 };
        const t0 = performance.now();
        for (const [i, r] of rows.entries()) {
          const attribution = await service.attribute(r.text, { method, maxSpan });
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
        console.error(`${method} maxSpan ${maxSpan}: ${pct(...t.all)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        tallies.push(t);
      }
    }

    // Suggestions: is the sentence before the corruption offered back?
    const offered = new Map(types.map((k) => [k, [0, 0, 0]])); // offered, among candidates, n
    const offeredFlagged = [0, 0];
    if (!a.speedOnly) {
      const t0 = performance.now();
      for (const [i, r] of rows.entries()) {
        const sug = await service.suggest(r.text);
        const o = offered.get(r.type)!;
        const isOffered = offeredFixes(sug.candidates, sug.pAcceptable, threshold).some((c) => c.text === r.original);
        o[0] += Number(isOffered);
        o[1] += Number(sug.candidates.some((c) => c.text === r.original));
        o[2]++;
        if (flagged[i]) {
          offeredFlagged[0] += Number(isOffered);
          offeredFlagged[1]++;
        }
      }
      console.error(`suggestions: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }

    // Speed: flagged sentences of 23-27 words, each attributed once (distinct sentences: nothing cached).
    const long = rows.filter((r, i) => flagged[i] && Math.abs(words(r.text).length - 25) <= 2).slice(0, a.speed);
    const pool = long.length >= 10 ? long : rows.filter((r) => Math.abs(words(r.text).length - 25) <= 2).slice(0, a.speed);
    const plain = await InferenceService.open(a.model, { cacheSize: 0 });
    const attributionMs: number[] = [];
    const checkMs: number[] = [];
    const suggestMs: number[] = [];
    // CPU time of this process (the worker's run, mostly) per attribution: on a shared machine the wall time
    // includes waiting for a core; the CPU time is what the work itself costs.
    const attributionCpuMs: number[] = [];
    const variantCounts: number[] = [];
    const candidateCounts: number[] = [];
    const fresh = await InferenceService.open(a.model);
    try {
      // The editor's workers are long-lived: a session's first runs (memory arenas, kernel choice) are not
      // what a hover waits for, so each service runs once on a sentence outside the pool before the timing.
      const warmUp = rows.find((r) => !pool.includes(r))?.text ?? 'A sentence that warms the sessions up before the timing starts.';
      await plain.predict([warmUp]);
      await fresh.suggest(warmUp);
      for (const r of pool) {
        let t0 = performance.now();
        await plain.predict([r.text]);
        checkMs.push(performance.now() - t0);
        t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const at = await fresh.attribute(r.text);
        attributionMs.push(performance.now() - t0);
        const cpu = process.cpuUsage(cpu0);
        attributionCpuMs.push((cpu.user + cpu.system) / 1000);
        variantCounts.push(at.variants);
        t0 = performance.now();
        candidateCounts.push((await fresh.suggest(r.text)).candidates.length);
        suggestMs.push(performance.now() - t0);
      }
    } finally {
      await plain.dispose();
      await fresh.dispose();
    }
    attributionMs.sort((x, y) => x - y);
    checkMs.sort((x, y) => x - y);
    suggestMs.sort((x, y) => x - y);
    attributionCpuMs.sort((x, y) => x - y);
    const loadAfter = os.loadavg().map((x) => x.toFixed(2)).join(' ');

    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((x, y) => x + y, 0) / xs.length) : 0);
    const lanes = `${fresh.parallelism.workers} worker${fresh.parallelism.workers === 1 ? '' : 's'} × ${fresh.parallelism.threadsPerWorker} thread${fresh.parallelism.threadsPerWorker === 1 ? '' : 's'}`;
    const m = service.model;
    lines.push(
      `Run ${started.toISOString()} by \`npm run bench:attribution -- --model ${path.relative(root, a.model) || a.model}\` on ${cpu}, ${os.cpus().length} logical cores, Node ${process.version}. ` +
        `Load average before/after: ${loadBefore} / ${loadAfter} (the machine is shared with other sessions' tests and training).`,
      '',
      `Model: \`${a.model}\` (${m.baseModel}${m.quantized ? ', int8' : ''}, CoLA holdout MCC ${describeHoldout(m.holdout)}, temperature ${m.calibration.temperature.toFixed(2)}, threshold ${threshold.toFixed(3)}). ` +
        `${rows.length} corrupted sentences from the prose corpus's test documents (\`trainer/bench/corruption_spans.py --limit ${a.limit}\`); the model flags ${flagged.filter(Boolean).length} of them.`,
      '',
      ...(a.speedOnly || a.skipMethods ? [] : [`Top-1 hit rate: the best-ranked suspect span overlaps the corrupted span (a dropped word counts as hit by either neighbour). No suspect (no removal raises P) counts as a miss.`,
      '',
      `| method | longest span | all corrupted | flagged only | mean words in top suspect | ${types.map((t) => `${t} (n=${rows.filter((r) => r.type === t).length})`).join(' | ')} |`,
      `| --- | ---: | ---: | ---: | ---: | ${types.map(() => '---:').join(' | ')} |`,
      ...tallies.map(
        (t) =>
          `| ${t.method} | ${t.maxSpan} | ${pct(...t.all)} | ${pct(...t.flaggedHits)} | ${(t.topWords / Math.max(1, t.all[1])).toFixed(2)} | ${types.map((k) => {
            const [h, n] = t.hits.get(k)!;
            return n ? `${((100 * h) / n).toFixed(0)}%` : '—';
          }).join(' | ')} |`,
      ),
      '']),
      ...(a.speedOnly ? [] : [
        `Suggestions: the sentence before the corruption is among the offered fixes (at most 3 candidates with P(acceptable) ≥ the threshold and above the sentence's) for ` +
          `${pct(types.reduce((x, k) => x + offered.get(k)![0], 0), rows.length)} of all corrupted sentences and ${pct(offeredFlagged[0], offeredFlagged[1])} of the flagged ones; ` +
          `it is among the generated candidates (any score) for ${pct(types.reduce((x, k) => x + offered.get(k)![1], 0), rows.length)}.`,
        '',
        `| error type | n | offered | among candidates |`,
        `| --- | ---: | ---: | ---: |`,
        ...types.map((k) => {
          const [o, c, n] = offered.get(k)!;
          return `| ${k} | ${n} | ${pct(o, n)} | ${pct(c, n)} |`;
        }),
        '',
      ]),
      `Speed (${pool.length} ${pool === long ? 'flagged ' : ''}sentences of 23–27 words, default method and span, ${mean(variantCounts)} variants and ${mean(candidateCounts)} candidates each on average, each request split between the workers (one run each), nothing cached, after one warm-up request per service; the product's default ${lanes}): ` +
        `attribution p50 **${percentile(attributionMs, 0.5).toFixed(1)} ms**, p95 **${percentile(attributionMs, 0.95).toFixed(1)} ms**, max ${attributionMs[attributionMs.length - 1].toFixed(1)} ms ` +
        `(CPU time of the process during it p50 ${percentile(attributionCpuMs, 0.5).toFixed(1)} ms, p95 ${percentile(attributionCpuMs, 0.95).toFixed(1)} ms); ` +
        `suggestions (after the attribution, cached by then) p50 ${percentile(suggestMs, 0.5).toFixed(1)} ms, p95 ${percentile(suggestMs, 0.95).toFixed(1)} ms; ` +
        `plain check of the same sentence (predict, cache off) p50 ${percentile(checkMs, 0.5).toFixed(1)} ms, p95 ${percentile(checkMs, 0.95).toFixed(1)} ms.`,
    );
  } finally {
    await service.dispose();
  }
  const section = lines.join('\n');
  console.log(`\n${section}\n`);
  if (a.write) {
    writeDocsSection('attribution', 'Which words: attribution (`npm run bench:attribution`)', section);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
