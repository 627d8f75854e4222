// The real inference worker, plus one way to crash it as a bug in it would: on the message 'crash', an
// uncaught exception between two runs. (Worker.terminate() in the middle of onnxruntime-node's synchronous
// session.run can abort the whole process, so tests must not simulate crashes with it.)
import { parentPort } from 'node:worker_threads';
import '../../../src/core/inferenceWorker';

parentPort!.on('message', (m: unknown) => {
  if (m === 'crash') {
    setImmediate(() => {
      throw new Error('simulated crash in the inference worker');
    });
  }
});
