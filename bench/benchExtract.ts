// `npm run bench:extract`: prose extraction (Markdown parse + sentence split, no inference) on generated
// documents, each measured in a fresh child process (wall and CPU time, peak RSS over the process's own
// baseline): ordinary Markdown from 100 kB up to --max-mb, and every hostile input of issue 14
// (bench/hostileMarkdown.ts) at 1 MB. Each input is written to a file and read by three children: a fresh
// one for the first call's CPU time and peak memory, one that extracted a tiny document first for the
// memory that grows with the input, and one warmed up on other documents for the median time of three passes.
// Results go to stdout, bench/results/extract.json and docs/benchmarks.md between
// <!-- bench:extract:start/end --> markers (not with --no-write).
//
//   npm run bench:extract -- [--max-mb 50] [--no-write]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeAtomically, writeDocsSection } from './docsSection';
import { DEFAULT_CHECK_OPTIONS, extractOptionsOf } from '../src/core/documentChecker';
import { extractSentences } from '../src/core/extraction/extractSentences';
import { PROSE_WORKER_LIMITS } from '../src/core/proseWorkerClient';
import { HOSTILE, ordinaryMarkdown } from './hostileMarkdown';

const root = path.resolve(__dirname, '..');

interface Row {
  input: string;
  bytes: number;
  /** Warmed up: median of three passes. */
  wallMs: number;
  cpuMs: number;
  /** Megabytes per second of CPU time (wall time shares the cores with other work). */
  mbPerCpuS: number;
  mbPerS: number;
  /** The first pass in a fresh process (cold code), and its peak RSS over the process before it. */
  firstCallCpuMs: number;
  firstCallPeakRssMb: number;
  /** Peak RSS over a process that has already extracted a tiny document: what grows with the input. */
  peakRssMb: number;
  rssPerByte: number;
  sentences: number;
  skipped: string[];
}

type Measured = Pick<Row, 'bytes' | 'wallMs' | 'cpuMs' | 'peakRssMb' | 'sentences' | 'skipped'>;

/** A document with a little of every construct: extracting it first compiles the code every input runs. */
const TINY = '# A title\n\nA tiny document. It has [a link](https://example.com), `code` and *emphasis*.\n\n- One item.\n\n> A quote.\n\n| a | b |\n| - | - |\n| c | d |\n';

/**
 * Child: builds one input, then measures only its extraction. 'cold': one pass in the fresh process, with
 * its peak RSS over the process before it: that counts code compilation and the heap's first growth,
 * a few MB whatever the input. 'memory': the same after extracting TINY once, as a prose worker that has
 * read any document is, so only what grows with the input counts. 'warm': ten
 * other 300 kB documents first (V8 optimizes the hot functions only after a few megabytes: a 100 kB
 * document took 121 ms on the first call and 15 ms from the sixth on), then the median of three passes,
 * as an editor's prose worker runs it.
 */
function measureOne(file: string, mode: Mode): void {
  const options = extractOptionsOf(DEFAULT_CHECK_OPTIONS);
  if (mode === 'memory') extractSentences(TINY, options);
  if (mode === 'warm') for (let i = 0; i < 10; i++) extractSentences(ordinaryMarkdown(300_000).replace(/Section/g, `Part ${i}`), options);
  // Read from a file the parent wrote, as the CLI reads one: generating it here left garbage whose peak
  // counted as extraction's.
  const text = readFileSync(file, 'utf8');
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  resetPeakRss();
  const passes: { wallMs: number; cpuMs: number }[] = [];
  let e = extractSentences('', options);
  for (let i = 0; i < (mode === 'warm' ? 3 : 1); i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    e = extractSentences(text, options);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    passes.push({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  const peak = peakRss();
  const median = (values: number[]) => values.sort((x, y) => x - y)[values.length >> 1];
  const measured: Measured = {
    bytes: Buffer.byteLength(text),
    wallMs: median(passes.map((p) => p.wallMs)),
    cpuMs: median(passes.map((p) => p.cpuMs)),
    peakRssMb: Math.max(0, peak - baseline) / 1e6,
    sentences: e.sentences.length,
    skipped: [...new Set(e.skipped.map((k) => k.reason))],
  };
  process.stdout.write(JSON.stringify(measured));
}

/** Linux: restart the process's peak RSS count from now (/proc/self/clear_refs), so the peak is extraction's. */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Elsewhere the peak is the process's whole life: input reading included.
  }
}

function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

type Mode = 'cold' | 'memory' | 'warm';

function child(file: string, mode: Mode): Measured {
  // The young generation the editor's prose worker gets (PROSE_WORKER_LIMITS: 3 MB, a 1 MB semi-space).
  const flags = ['--expose-gc', `--max-semi-space-size=${PROSE_WORKER_LIMITS.maxYoungGenerationSizeMb / 3}`];
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', __filename, '--one', file, mode], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${file}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Measured;
}

function run(kind: string, size: number): Row {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-extract-'));
  const file = path.join(dir, 'input.md');
  writeFileSync(file, kind === 'ordinary' ? ordinaryMarkdown(size) : HOSTILE[kind].make(size));
  let cold: Measured;
  let memory: Measured;
  let warm: Measured;
  try {
    cold = child(file, 'cold');
    memory = child(file, 'memory');
    warm = child(file, 'warm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    input: kind,
    bytes: warm.bytes,
    wallMs: Math.round(warm.wallMs),
    cpuMs: Math.round(warm.cpuMs),
    mbPerCpuS: +(warm.bytes / 1e6 / (warm.cpuMs / 1000)).toFixed(2),
    mbPerS: +(warm.bytes / 1e6 / (warm.wallMs / 1000)).toFixed(2),
    firstCallCpuMs: Math.round(cold.cpuMs),
    firstCallPeakRssMb: +cold.peakRssMb.toFixed(1),
    peakRssMb: +memory.peakRssMb.toFixed(1),
    rssPerByte: +((memory.peakRssMb * 1e6) / memory.bytes).toFixed(1),
    sentences: warm.sentences,
    skipped: warm.skipped,
  };
}

function table(rows: Row[]): string {
  const lines = [
    '| input | size | CPU | MB/s of CPU | wall | MB/s of wall | CPU, first call | peak RSS, first call in a fresh process | peak RSS over a process that read a tiny document | its ÷ size | sentences | skipped |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    lines.push(`| ${r.input} | ${(r.bytes / 1e6).toFixed(2)} MB | ${(r.cpuMs / 1000).toFixed(3)} s | ${r.mbPerCpuS} | ${(r.wallMs / 1000).toFixed(3)} s | ${r.mbPerS} | ${(r.firstCallCpuMs / 1000).toFixed(3)} s | ${r.firstCallPeakRssMb} MB | ${r.peakRssMb} MB | ${r.rssPerByte}× | ${r.sentences} | ${r.skipped.join(', ') || '–'} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--one') return measureOne(argv[1], argv[2] as Mode);
  const maxMbAt = argv.indexOf('--max-mb');
  const maxMb = maxMbAt >= 0 ? Number(argv[maxMbAt + 1]) : 50;
  const write = !argv.includes('--no-write');
  const sizes = [0.1, 0.5, 1, 5, 10, 50].filter((mb) => mb <= maxMb).map((mb) => Math.round(mb * 1e6));
  const loadBefore = os.loadavg()[0];
  const ordinary: Row[] = [];
  for (const size of sizes) {
    const row = run('ordinary', size);
    ordinary.push(row);
    console.log(JSON.stringify(row));
  }
  const hostile: Row[] = [];
  for (const kind of Object.keys(HOSTILE)) {
    const row = run(kind, 1_000_000);
    hostile.push(row);
    console.log(JSON.stringify(row));
  }
  const cpu = os.cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, 1-minute load average ${loadBefore.toFixed(1)} at the start and ${os.loadavg()[0].toFixed(1)} at the end`;
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  if (!write) return;
  writeAtomically(path.join(root, 'bench', 'results', 'extract.json'), `${JSON.stringify({ when, machine, ordinary, hostile }, null, 2)}\n`);
  writeDocsSection('extract', 'Prose extraction (bench:extract)', [
    `Measured ${when} UTC on ${machine} (\`npm run bench:extract\`; each input written to a file and read by three fresh processes: one measures the first call, its CPU time and peak RSS over the process after reading the file (Linux's peak counter restarted there), which counts code compilation and the heap's first growth, a few MB whatever the input; one measures peak RSS the same way after extracting a tiny document first, as a prose worker that has read any document is, so only what grows with the input counts (the memory target is read on that column); the third first extracts ten other 300 kB documents, since V8 optimizes the hot code only after a few megabytes, and gives the median of three passes; time of extraction alone; MB/s of CPU is the size over the CPU time, which does not depend on what else the cores run; the children get the prose worker's 3 MB young generation).`,
    '',
    'Ordinary Markdown (generated sections with headings, lists, links, code, quotes, tables):',
    '',
    table(ordinary),
    '',
    'The hostile inputs of issue 14 at 1 MB (bench/hostileMarkdown.ts):',
    '',
    table(hostile),
  ].join('\n'));
}

main();
