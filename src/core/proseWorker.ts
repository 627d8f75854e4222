// Worker thread for prose extraction: reading a Markdown document and segmenting it takes 0.1-0.2 s of CPU
// per MB (docs/benchmarks.md), too long for the editor's main thread, so the extension does it here.
// Protocol: protocol/proseProtocol.ts (ProseRequest in, ProseResponse out; src/core/proseWorkerClient.ts is the other side).
import { parentPort } from 'node:worker_threads';
import { packExtraction, type ProseRequest, type ProseResponse } from '../../protocol/proseProtocol';
import { extractSentences } from './extraction/extractSentences';
import { IncrementalSentences } from './sentences';

/** Per-document chunk caches, oldest first; bounded so closed documents cannot pile up. */
const documents = new Map<string, IncrementalSentences>();
const MAX_DOCUMENTS = 64;

function incrementalFor(key: string): IncrementalSentences {
  let inc = documents.get(key);
  if (inc) documents.delete(key);
  else inc = new IncrementalSentences();
  documents.set(key, inc);
  if (documents.size > MAX_DOCUMENTS) documents.delete(documents.keys().next().value!);
  return inc;
}

if (!parentPort) throw new Error('proseWorker must run in a worker thread');
const port = parentPort;
port.on('message', (m: ProseRequest) => {
  if ('forget' in m) {
    documents.delete(m.forget);
    return;
  }
  try {
    const packed = packExtraction(extractSentences(m.text, m.options, m.key === undefined ? undefined : incrementalFor(m.key)));
    const answer: ProseResponse = { id: m.id, packed };
    port.postMessage(answer, [packed.numbers.buffer as ArrayBuffer]);
  } catch (e) {
    const answer: ProseResponse = { id: m.id, error: e instanceof Error ? e.message : String(e) };
    port.postMessage(answer);
  }
});
