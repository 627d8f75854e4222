// `cola-bert eval`: scores a CoLA TSV with an exported model through the same InferenceService the
// editor uses (worker thread, onnxruntime-node, tokenizer.json), and prints MCC, accuracy, confusion.
import path from 'node:path';
import { ColaFormatError, readColaTsv } from '../core/cola';
import { InferenceError, InferenceService } from '../core/inference';
import { binaryMetrics, labelOf } from '../core/metrics';
import { checkRegularFile, TextFileError } from '../core/textFile';
import { describeHoldout, describeScaling, ModelFolderError } from '../core/modelFolder';
import { chooseThreshold, thresholdSourceText } from '../core/threshold';
import { CliError, EXIT_ERROR, EXIT_OK, intFlag, MAX_THREADS, numberFlag, parseFlags, requireFlag, writeLine, type CliCommand, type CliIo } from './args';

/** Far above any CoLA-style file; it only stops a runaway read. */
const MAX_DATA_BYTES = 256 * 1024 * 1024;

export const summary = 'Evaluate an exported model on a CoLA TSV file (MCC, accuracy, confusion)';

export const usage = `Usage: cola-bert eval --model DIR --data FILE.tsv [--json] [--fp32] [--threshold P] [--threads N] [--workers N] [--batch-size N]

Runs the exported ONNX model through the TypeScript inference path (the one the editor uses) on a
CoLA-format TSV and prints {"n","mcc","accuracy","confusion":{"tp","tn","fp","fn"}}. A sentence counts as
predicted acceptable when its (calibrated) P(acceptable) is above the threshold the editor uses.

Options:
  --model DIR       model folder written by \`cola-bert train\`
  --data FILE.tsv   CoLA TSV (source, label, mark, sentence), e.g. out_of_domain_dev.tsv
  --fp32            run model.onnx (fp32) instead of model.int8.onnx
  --threshold P     decision threshold (default: the model's, from cola-bert.json's calibration, else 0.5;
                    0.5 is the trainer's argmax, to compare with its PyTorch holdout MCC)
  --json            print one JSON object (adds "onnx", the file that ran, "threshold" and "seconds")
  --threads N       onnxruntime threads in all (default: min(4, cores))
  --workers N       inference worker threads sharing them, one session each (default 2, 1 when --threads 1)
  --batch-size N    sentences per onnxruntime run (default 32); int8 scores depend a little on a
                    sentence's batch neighbours: with --batch-size 1 the MCC on the holdout file
                    equals the one the trainer recorded for that ONNX file (cola-bert.json
                    "holdout_by_file")

By default the int8 model runs, because that is what the editor runs.
Exit codes: 0 ok, 2 bad usage, a missing/corrupt model or a malformed TSV.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseFlags(argv, {
    model: { type: 'string' },
    data: { type: 'string' },
    json: { type: 'boolean' },
    fp32: { type: 'boolean' },
    threads: { type: 'string' },
    workers: { type: 'string' },
    'batch-size': { type: 'string' },
    threshold: { type: 'string' },
  });
  const modelDir = path.resolve(io.cwd, requireFlag(v.model, 'model'));
  const dataFile = path.resolve(io.cwd, requireFlag(v.data, 'data'));
  const threads = intFlag(v.threads, 'threads', 1, MAX_THREADS);
  const workers = intFlag(v.workers, 'workers', 1, MAX_THREADS);
  const batchSize = intFlag(v['batch-size'], 'batch-size', 1, 4096);
  const explicitThreshold = numberFlag(v.threshold, 'threshold', (n) => n >= 0 && n <= 1, 'a probability from 0 to 1');
  let examples;
  try {
    // Type and size first: reading a FIFO would block forever, a folder would surface as a raw EISDIR.
    checkRegularFile(dataFile, { maxBytes: MAX_DATA_BYTES, folderHint: 'pass the TSV file in it, e.g. DIR/out_of_domain_dev.tsv' });
    examples = readColaTsv(dataFile);
  } catch (e) {
    if (e instanceof ColaFormatError || e instanceof TextFileError) throw new CliError(e.message, EXIT_ERROR);
    throw e;
  }
  const withNul = examples.find((x) => x.sentence.includes('\u0000'));
  if (withNul) {
    throw new CliError(`${path.basename(dataFile)} line ${withNul.line}: the sentence contains a NUL character (U+0000), which \`check\` and \`tokenize\` refuse too; remove it (binary data, or UTF-16 saved without a byte order mark?).`, EXIT_ERROR);
  }
  let service: InferenceService;
  try {
    service = await InferenceService.open(modelDir, { preferInt8: !v.fp32, threads, workers, batchSize, cacheSize: 0 });
  } catch (e) {
    if (e instanceof ModelFolderError) throw new CliError(e.message, EXIT_ERROR);
    throw e;
  }
  try {
    const t0 = performance.now();
    let predictions;
    try {
      predictions = await service.predict(
        examples.map((e) => e.sentence),
        io.signal,
      );
    } catch (e) {
      // A run that fails (a model that cannot take these inputs, a crashed worker) is the model's problem, not a bug here.
      if (e instanceof InferenceError) throw new CliError(`${e.message} (model ${service.model.onnxFile}, data ${dataFile})`, EXIT_ERROR);
      throw e;
    }
    const seconds = (performance.now() - t0) / 1000;
    const threshold = chooseThreshold(explicitThreshold, service.model.calibration);
    const m = binaryMetrics(
      examples.map((e) => e.label),
      predictions.map((p) => labelOf(p.pAcceptable, threshold.value)),
    );
    const onnx = path.basename(service.model.onnxFile);
    if (v.json) {
      writeLine(io.stdout, JSON.stringify({ n: m.n, mcc: m.mcc, accuracy: m.accuracy, confusion: m.confusion, onnx, threshold: threshold.value, seconds: Number(seconds.toFixed(3)) }));
    } else {
      const c = m.confusion;
      const recorded = service.model.holdout === null ? '' : `   (recorded holdout MCC ${describeHoldout(service.model.holdout)})`;
      writeLine(io.stdout, `model      ${service.model.dir} (${onnx}, ${service.model.quantized ? 'int8' : 'fp32'}, ${describeScaling(service.model.calibration)})`);
      writeLine(io.stdout, `data       ${dataFile} (${m.n} sentences)`);
      writeLine(io.stdout, `threshold  ${threshold.value} (${thresholdSourceText(threshold.source)})`);
      writeLine(io.stdout, `MCC        ${m.mcc.toFixed(4)}${recorded}`);
      writeLine(io.stdout, `accuracy   ${m.accuracy.toFixed(4)}`);
      writeLine(io.stdout, `confusion  tp ${c.tp}  tn ${c.tn}  fp ${c.fp}  fn ${c.fn}   (positive = acceptable)`);
      writeLine(io.stdout, `speed      ${m.n} sentences in ${seconds.toFixed(2)} s (${Math.round(m.n / seconds)}/s)`);
    }
    return EXIT_OK;
  } finally {
    await service.dispose();
  }
}

export const command: CliCommand = { summary, usage, run };
