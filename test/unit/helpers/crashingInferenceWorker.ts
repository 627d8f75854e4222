// The real inference worker, plus one way to crash it as a bug in it would: on the message 'crash', or on a
// predict request holding CRASH_SENTENCE, an uncaught exception between two runs. (Worker.terminate() in
// the middle of onnxruntime-node's synchronous session.run can abort the whole process, so tests must not
// simulate crashes with it.)
import { parentPort } from 'node:worker_threads';
import '../../../src/core/inferenceWorker';
import { CRASH_SENTENCE } from './crashSentence';

parentPort!.on('message', (m: unknown) => {
  const sentences = (m as { type?: unknown; sentences?: unknown })?.type === 'predict' ? (m as { sentences: unknown[] }).sentences : [];
  if (m === 'crash' || sentences.includes(CRASH_SENTENCE)) {
    setImmediate(() => {
      throw new Error('simulated crash in the inference worker');
    });
  }
});
