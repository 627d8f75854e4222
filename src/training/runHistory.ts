// Run records in the extension's global storage: one JSON file per run under <storage>/runs/, the
// model of a run under <storage>/models/<id>. No `vscode` import (unit-tested in plain mocha).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { effectiveLearningRate, type CompareRun, type HistoryEntry, type RunOutcome, type RunSnapshot, type TrainForm } from '../../protocol/panelMessages';
import { applyEvents, downsample, emptyRunState, type EpochRow } from '../../protocol/runState';
import type { Confusion } from '../../protocol/trainerProtocol';

export const RUN_RECORD_FORMAT = 1;
const LOSS_POINTS = 2000;

export interface RunRecord {
  format: typeof RUN_RECORD_FORMAT;
  id: string;
  started: string;
  finished: string;
  outcome: Exclude<RunOutcome, 'running'>;
  form: TrainForm;
  model: string;
  modelResolved?: string;
  device: string;
  deviceName: string;
  precision?: string;
  seconds: number;
  trainSize?: number;
  totalSteps?: number;
  /** Above 0 when the last part of the run was a resume from a checkpoint. */
  startStep?: number;
  outputDir: string;
  /** The model folder exists (the run finished and exported). */
  exported: boolean;
  checkpoint?: string | null;
  failure?: RunSnapshot['failure'];
  metrics: {
    holdout?: { n: number; mcc: number; accuracy: number; confusion: Confusion; bestEpoch?: number };
    epochs: EpochRow[];
  };
  /** [step, batch loss], at most 2,000 points, evenly spread. */
  loss: [number, number][];
}

/** Builds the record of a finished (or cancelled / failed) run from its snapshot. */
export function recordFromSnapshot(snap: RunSnapshot, outputDir: string, startedAt: Date, finishedAt: Date): RunRecord {
  if (snap.outcome === 'running') throw new Error('a running run has no record yet');
  const s = applyEvents(emptyRunState(), snap.events);
  const loss = downsample(
    s.steps.map((step, i) => [step, s.losses[i]] as [number, number]),
    LOSS_POINTS,
  );
  return {
    format: RUN_RECORD_FORMAT,
    id: snap.id,
    started: startedAt.toISOString(),
    finished: finishedAt.toISOString(),
    outcome: snap.outcome,
    // A form that left the learning rate to the trainer records the one it picked for the model.
    form: { ...snap.form, learningRate: snap.form.learningRate ?? s.started?.learning_rate ?? null },
    model: s.started?.model ?? snap.form.model,
    modelResolved: s.started?.model_resolved,
    device: s.started?.device ?? snap.form.device,
    deviceName: s.started?.device_name ?? '',
    precision: s.started?.precision,
    seconds: s.done?.elapsedS ?? s.lastStep?.elapsedS ?? (finishedAt.getTime() - startedAt.getTime()) / 1000,
    trainSize: s.started?.train_size,
    totalSteps: s.started?.total_steps,
    startStep: s.started?.start_step,
    outputDir,
    exported: !!s.exported && snap.outcome === 'done',
    checkpoint: s.cancelled?.checkpoint ?? s.checkpoint?.path ?? null,
    failure: snap.failure,
    metrics: { holdout: s.holdout, epochs: s.epochs.slice().sort((a, b) => a.epoch - b.epoch) },
    loss,
  };
}

/** What a finished CPU run measured, for the next run's estimate; a resumed run's seconds cover only its last part, so it has none. */
function cpuSamplesPerSecond(r: RunRecord): number | undefined {
  if (r.outcome !== 'done' || r.device !== 'cpu' || !r.trainSize || !(r.seconds > 0) || (r.startStep ?? 0) > 0) return undefined;
  return (r.trainSize * r.form.epochs) / r.seconds;
}

export function toHistoryEntry(r: RunRecord): HistoryEntry {
  const best = r.metrics.epochs.reduce<number | null>((m, e) => (m === null || e.valMcc > m ? e.valMcc : m), null);
  return {
    id: r.id,
    started: r.started,
    outcome: r.outcome,
    model: r.model,
    device: r.deviceName ? `${r.device} (${r.deviceName})` : r.device,
    precision: r.precision,
    epochs: r.form.epochs,
    batchSize: r.form.batchSize,
    learningRate: effectiveLearningRate(r.form),
    seconds: r.seconds,
    holdoutMcc: r.metrics.holdout?.mcc ?? null,
    holdoutAccuracy: r.metrics.holdout?.accuracy ?? null,
    bestValMcc: best,
    hasModel: r.exported,
    cpuSamplesPerSecond: cpuSamplesPerSecond(r),
  };
}

/** Two runs side by side: loss curves to overlay and one metric table. */
export function compareRuns(a: RunRecord, b: RunRecord): CompareRun[] {
  const label = (r: RunRecord) => `${r.model} · ${new Date(r.started).toISOString().slice(0, 16).replace('T', ' ')}`;
  const row = (r: RunRecord): CompareRun['metrics'] => {
    const best = r.metrics.epochs.find((e) => e.best);
    return {
      'Holdout MCC': r.metrics.holdout?.mcc ?? null,
      'Holdout accuracy': r.metrics.holdout?.accuracy ?? null,
      'Best validation MCC': best?.valMcc ?? null,
      'Best epoch': best?.epoch ?? null,
      'Final train loss': r.metrics.epochs.at(-1)?.trainLoss ?? null,
      Epochs: r.form.epochs,
      'Batch size': r.form.batchSize,
      'Learning rate': effectiveLearningRate(r.form),
      'Warmup ratio': r.form.warmupRatio,
      'Max length': r.form.maxLength,
      Seed: r.form.seed,
      Device: r.deviceName || r.device,
      Precision: r.precision ?? null,
      'Duration (s)': Math.round(r.seconds),
      Outcome: r.outcome,
    };
  };
  return [a, b].map((r) => ({ id: r.id, label: label(r), loss: r.loss, metrics: row(r) }));
}

function isRecord(v: unknown): v is RunRecord {
  const r = v as RunRecord;
  return typeof r === 'object' && r !== null && r.format === RUN_RECORD_FORMAT && typeof r.id === 'string' && typeof r.started === 'string' && Array.isArray(r.loss) && typeof r.metrics === 'object';
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

export class RunHistory {
  readonly runsDir: string;
  readonly modelsDir: string;

  constructor(readonly storageDir: string) {
    this.runsDir = path.join(storageDir, 'runs');
    this.modelsDir = path.join(storageDir, 'models');
  }

  /** A new run id: time-sortable and safe as a folder name. */
  static newId(now = new Date()): string {
    return `run-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${Math.random().toString(36).slice(2, 6)}`;
  }

  modelDir(id: string): string {
    return path.join(this.modelsDir, this.checkId(id));
  }

  private checkId(id: string): string {
    if (!SAFE_ID.test(id)) throw new Error(`invalid run id ${JSON.stringify(id)}`);
    return id;
  }

  private file(id: string): string {
    return path.join(this.runsDir, `${this.checkId(id)}.json`);
  }

  async save(record: RunRecord): Promise<void> {
    await fs.mkdir(this.runsDir, { recursive: true });
    const target = this.file(record.id);
    const tmp = `${target}.tmp-${process.pid}`;
    await fs.writeFile(tmp, `${JSON.stringify(record, null, 1)}\n`, 'utf8');
    await fs.rename(tmp, target);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    try {
      const v: unknown = JSON.parse(await fs.readFile(this.file(id), 'utf8'));
      return isRecord(v) ? v : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** All readable records, newest first. Unreadable files are skipped (and reported through `skipped`). */
  async list(skipped?: (file: string, why: string) => void): Promise<RunRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.runsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: RunRecord[] = [];
    for (const n of names.filter((n) => n.endsWith('.json'))) {
      try {
        const v: unknown = JSON.parse(await fs.readFile(path.join(this.runsDir, n), 'utf8'));
        if (isRecord(v)) out.push(v);
        else skipped?.(n, 'not a run record');
      } catch (e) {
        skipped?.(n, (e as Error).message);
      }
    }
    return out.sort((a, b) => b.started.localeCompare(a.started));
  }

  /**
   * Deletes a run's record, its model folder and its checkpoint. Only folders inside this history's
   * models folder are removed, so a record can never make us delete a user's own directory.
   */
  async delete(id: string): Promise<{ removed: string[] }> {
    const record = await this.get(id);
    const removed: string[] = [];
    const candidates = new Set([this.modelDir(id), `${this.modelDir(id)}.checkpoint`]);
    if (record?.outputDir) {
      candidates.add(record.outputDir);
      candidates.add(`${record.outputDir}.checkpoint`);
    }
    for (const dir of candidates) {
      const rel = path.relative(this.modelsDir, path.resolve(dir));
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
      try {
        await fs.access(dir);
      } catch {
        continue;
      }
      await fs.rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    await fs.rm(this.file(id), { force: true });
    return { removed };
  }
}

/** The run's report as Markdown (the charts are written beside it by the caller). */
export function reportMarkdown(r: RunRecord, chartFiles: string[]): string {
  const h = r.metrics.holdout;
  const lines = [
    `# cola-bert run ${r.id}`,
    '',
    `- Model: ${r.model}${r.modelResolved && r.modelResolved !== r.model ? ` (${r.modelResolved})` : ''}`,
    `- Device: ${r.deviceName || r.device}${r.precision ? `, ${r.precision}` : ''}`,
    `- Started: ${r.started}; duration ${Math.round(r.seconds)} s; outcome: ${r.outcome}`,
    `- Hyperparameters: epochs ${r.form.epochs}, batch size ${r.form.batchSize}, learning rate ${effectiveLearningRate(r.form)}, warmup ratio ${r.form.warmupRatio}, max length ${r.form.maxLength}, seed ${r.form.seed}`,
    `- Model folder: ${r.outputDir}`,
    '',
  ];
  if (h) {
    lines.push(
      '## Holdout (out_of_domain_dev.tsv)',
      '',
      `**MCC ${h.mcc.toFixed(4)}**, accuracy ${(100 * h.accuracy).toFixed(2)} % on ${h.n} sentences${h.bestEpoch ? ` (model of epoch ${h.bestEpoch})` : ''}.`,
      'The chapter reports MCC ≈ 0.52–0.55 for bert-base-uncased.',
      '',
      '| | predicted acceptable | predicted unacceptable |',
      '| --- | ---: | ---: |',
      `| acceptable | ${h.confusion.tp} | ${h.confusion.fn} |`,
      `| unacceptable | ${h.confusion.fp} | ${h.confusion.tn} |`,
      '',
    );
  }
  if (r.metrics.epochs.length) {
    lines.push('## Per epoch (validation split)', '', '| epoch | train loss | val loss | val accuracy | val MCC |', '| ---: | ---: | ---: | ---: | ---: |');
    for (const e of r.metrics.epochs) lines.push(`| ${e.epoch}${e.best ? ' ★' : ''} | ${e.trainLoss.toFixed(4)} | ${e.valLoss.toFixed(4)} | ${(100 * e.valAccuracy).toFixed(2)} % | ${e.valMcc.toFixed(4)} |`);
    lines.push('');
  }
  if (chartFiles.length) {
    lines.push('## Charts', '');
    for (const f of chartFiles) lines.push(`![${path.basename(f, path.extname(f))}](${f})`, '');
  }
  return lines.join('\n');
}
