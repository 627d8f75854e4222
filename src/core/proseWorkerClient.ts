// Runs prose extraction (Markdown parse + segmentation) in a worker thread so the caller's event loop
// never waits for it. If the worker cannot start or dies, extraction falls back to the calling thread
// (correct, only less smooth) and says so once through `onFallback`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { unpackExtraction, type ExtractOptions, type Extraction, type ProseRequest, type ProseResponse } from '../../protocol/proseProtocol';
import { createExtractor, extractSentences, type Extractor } from './extraction/extractSentences';

/**
 * A small young generation: extraction allocates briefly per block, and V8's default lets the nursery grow
 * to ~32 MB whatever the document, which was most of the peak memory below 5 MB (1 MB of Markdown: peak
 * RSS 23x the file with the default, 7.9x with this; no slower measurably). bench/benchExtract.ts measures
 * with the same limit (--max-semi-space-size=1).
 */
export const PROSE_WORKER_LIMITS = { maxYoungGenerationSizeMb: 3 };

interface Pending {
  resolve(e: Extraction): void;
  reject(e: Error): void;
}

export class ProseWorkerClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private fellBack = false;

  /** `script`: the bundled dist/proseWorker.js (or the .ts source under tsx). */
  constructor(
    private readonly script: string,
    private readonly onFallback: (reason: string) => void = () => undefined,
  ) {}

  /** The default script beside this bundle, as src/core/inference.ts finds its worker. */
  static defaultScript(): string {
    const js = path.join(__dirname, 'proseWorker.js');
    return existsSync(js) ? js : path.join(__dirname, 'proseWorker.ts');
  }

  /** Whole-text extraction (no memory between calls). */
  readonly extract = (text: string, options: ExtractOptions): Promise<Extraction> => this.request(text, options);

  /** Extraction for one document (`key`, e.g. its URI): the worker re-parses only the chunks that changed. */
  extractorFor(key: string): Extractor {
    let local: Extractor | undefined;
    return (text, options) => {
      if (this.ensureWorker()) return this.request(text, options, key);
      local ??= createExtractor();
      return local(text, options);
    };
  }

  /** The document is closed: drop what the worker remembers of it. */
  forget(key: string): void {
    const request: ProseRequest = { forget: key };
    this.worker?.postMessage(request);
  }

  private request(text: string, options: ExtractOptions, key?: string): Promise<Extraction> {
    const worker = this.ensureWorker();
    if (!worker) return Promise.resolve(extractSentences(text, options));
    const id = this.nextId++;
    return new Promise<Extraction>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held only while an answer is awaited: an idle worker must not keep a CLI process alive, and a
      // process awaiting nothing else must not exit while it waits for this one.
      worker.ref();
      const request: ProseRequest = { id, text, options, key };
      worker.postMessage(request);
    });
  }

  private ensureWorker(): Worker | undefined {
    if (this.worker || this.fellBack) return this.worker;
    if (!existsSync(this.script)) {
      this.fallback(`prose worker script ${this.script} is missing`);
      return undefined;
    }
    try {
      // Under tsx (tests, the unbundled bench) the .ts source runs through tsx's CommonJS hook.
      const worker = this.script.endsWith('.ts')
        ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(this.script)});`, { eval: true, resourceLimits: PROSE_WORKER_LIMITS })
        : new Worker(this.script, { resourceLimits: PROSE_WORKER_LIMITS });
      worker.unref();
      worker.on('message', (m: ProseResponse) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (!this.pending.size) worker.unref();
        if ('error' in m) {
          p.reject(new Error(`prose extraction failed: ${m.error}`));
          return;
        }
        try {
          p.resolve(unpackExtraction(m.packed));
        } catch (e) {
          p.reject(e as Error);
        }
      });
      const die = (reason: string) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.fallback(reason);
        const waiting = [...this.pending.values()];
        this.pending.clear();
        for (const p of waiting) p.reject(new Error(`prose extraction failed: ${reason}`));
      };
      worker.on('error', (e) => die(`the prose worker crashed: ${e.message}`));
      worker.on('exit', (code) => die(`the prose worker exited (code ${code})`));
      this.worker = worker;
      return worker;
    } catch (e) {
      this.fallback(`the prose worker could not start: ${(e as Error).message}`);
      return undefined;
    }
  }

  private fallback(reason: string): void {
    this.fellBack = true;
    this.onFallback(`${reason}; extracting prose on the calling thread instead`);
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.fellBack = true;
    for (const p of this.pending.values()) p.reject(new Error('the prose worker was disposed'));
    this.pending.clear();
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
  }
}
