// `npm run bench:extract`: prose extraction (Markdown parse + sentence split, no inference) on generated
// documents, each measured in a fresh child process (wall and CPU time, peak RSS over the process's own
// baseline): ordinary Markdown from 100 kB up to --max-mb, and every hostile input of issue 14
// (bench/hostileMarkdown.ts) at 1 MB. Each child first extracts ten other 300 kB documents, so the rows
// measure warmed-up code as an editor's prose worker runs it; the "first call" rows leave that out.
// Results go to stdout, bench/results/extract.json and docs/benchmarks.md between
// <!-- bench:extract:start/end --> markers (not with --no-write).
//
//   npm run bench:extract -- [--max-mb 50] [--no-write]
import { spawnSync } from 'node:child_process';
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
  wallMs: number;
  cpuMs: number;
  /** Megabytes per second of CPU time (wall time shares the cores with other work). */
  mbPerCpuS: number;
  mbPerS: number;
  peakRssMb: number;
  rssPerByte: number;
  sentences: number;
  skipped: string[];
}

/** Child: builds one input, then measures only its extraction. */
function measureOne(kind: string, size: number, warm: boolean): void {
  // V8 compiles the hot functions fully only after a few megabytes (a 100 kB document took 121 ms on the
  // first call and 15 ms from the sixth on): ten 300 kB documents first, as an editor's worker would have seen.
  if (warm) for (let i = 0; i < 10; i++) extractSentences(ordinaryMarkdown(300_000).replace(/Section/g, `Part ${i}`), extractOptionsOf(DEFAULT_CHECK_OPTIONS));
  const text = kind === 'ordinary' ? ordinaryMarkdown(size) : HOSTILE[kind].make(size);
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const e = extractSentences(text, extractOptionsOf(DEFAULT_CHECK_OPTIONS));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const peak = process.resourceUsage().maxRSS * 1024;
  const bytes = Buffer.byteLength(text);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const row: Row = {
    input: warm ? kind : `${kind}, first call`,
    bytes,
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpuMs),
    mbPerCpuS: +(bytes / 1e6 / (cpuMs / 1000)).toFixed(2),
    mbPerS: +(bytes / 1e6 / (wallMs / 1000)).toFixed(2),
    peakRssMb: +(Math.max(0, peak - baseline) / 1e6).toFixed(1),
    rssPerByte: +(Math.max(0, peak - baseline) / bytes).toFixed(1),
    sentences: e.sentences.length,
    skipped: [...new Set(e.skipped.map((k) => k.reason))],
  };
  process.stdout.write(JSON.stringify(row));
}

function run(kind: string, size: number, warm = true): Row {
  // The young generation the editor's prose worker gets (PROSE_WORKER_LIMITS: 3 MB, a 1 MB semi-space).
  const flags = ['--expose-gc', `--max-semi-space-size=${PROSE_WORKER_LIMITS.maxYoungGenerationSizeMb / 3}`];
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', __filename, '--one', kind, String(size), warm ? 'warm' : 'cold'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${kind} at ${size}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Row;
}

function table(rows: Row[]): string {
  const lines = ['| input | size | wall | CPU | MB/s of CPU | MB/s of wall | peak RSS over baseline | RSS ÷ size | sentences | skipped |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.input} | ${(r.bytes / 1e6).toFixed(2)} MB | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${r.mbPerCpuS} | ${r.mbPerS} | ${r.peakRssMb} MB | ${r.rssPerByte}× | ${r.sentences} | ${r.skipped.join(', ') || '–'} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--one') return measureOne(argv[1], Number(argv[2]), argv[3] === 'warm');
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
  for (const size of [100_000, 1_000_000]) {
    const row = run('ordinary', size, false);
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
    `Measured ${when} UTC on ${machine} (\`npm run bench:extract\`; each row a fresh process that first extracts ten other 300 kB documents (V8 optimizes the hot code only after a few megabytes), except the "first call" rows; wall and CPU time of extraction alone; MB/s of CPU is the size over the CPU time, the figure that does not depend on what else the cores run).`,
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
