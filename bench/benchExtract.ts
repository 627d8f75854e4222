// `npm run bench:extract`: prose extraction (Markdown parse + sentence split, no inference) on generated
// documents, each measured in a fresh child process (wall and CPU time, peak RSS over the process's own
// baseline): ordinary Markdown from 100 kB up to --max-mb, and every hostile input of issue 14
// (bench/hostileMarkdown.ts) at 1 MB. Results go to stdout, bench/results/extract.json and
// docs/benchmarks.md between <!-- bench:extract:start/end --> markers (not with --no-write).
//
//   npm run bench:extract -- [--max-mb 50] [--no-write]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { writeAtomically, writeDocsSection } from './docsSection';
import { DEFAULT_CHECK_OPTIONS, extractOptionsOf } from '../src/core/documentChecker';
import { extractSentences } from '../src/core/extraction/extractSentences';
import { HOSTILE, ordinaryMarkdown } from './hostileMarkdown';

const root = path.resolve(__dirname, '..');

interface Row {
  input: string;
  bytes: number;
  wallMs: number;
  cpuMs: number;
  mbPerS: number;
  peakRssMb: number;
  rssPerByte: number;
  sentences: number;
  skipped: string[];
}

/** Child: builds one input, then measures only its extraction. */
function measureOne(kind: string, size: number): void {
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
  const row: Row = {
    input: kind,
    bytes,
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    mbPerS: +(bytes / 1e6 / (wallMs / 1000)).toFixed(2),
    peakRssMb: +(Math.max(0, peak - baseline) / 1e6).toFixed(1),
    rssPerByte: +(Math.max(0, peak - baseline) / bytes).toFixed(1),
    sentences: e.sentences.length,
    skipped: [...new Set(e.skipped.map((k) => k.reason))],
  };
  process.stdout.write(JSON.stringify(row));
}

function run(kind: string, size: number): Row {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--one', kind, String(size)], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${kind} at ${size}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Row;
}

function table(rows: Row[]): string {
  const lines = ['| input | size | wall | CPU | MB/s | peak RSS over baseline | RSS ÷ size | sentences | skipped |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.input} | ${(r.bytes / 1e6).toFixed(2)} MB | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${r.mbPerS} | ${r.peakRssMb} MB | ${r.rssPerByte}× | ${r.sentences} | ${r.skipped.join(', ') || '–'} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--one') return measureOne(argv[1], Number(argv[2]));
  const maxMbAt = argv.indexOf('--max-mb');
  const maxMb = maxMbAt >= 0 ? Number(argv[maxMbAt + 1]) : 50;
  const write = !argv.includes('--no-write');
  const sizes = [0.1, 0.5, 1, 5, 10, 50].filter((mb) => mb <= maxMb).map((mb) => Math.round(mb * 1e6));
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
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg()[0].toFixed(1)} at the end`;
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  if (!write) return;
  writeAtomically(path.join(root, 'bench', 'results', 'extract.json'), `${JSON.stringify({ when, machine, ordinary, hostile }, null, 2)}\n`);
  writeDocsSection('extract', 'Prose extraction (bench:extract)', [
    `Measured ${when} UTC on ${machine} (\`npm run bench:extract\`; each row a fresh process; wall and CPU time of extraction alone).`,
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
