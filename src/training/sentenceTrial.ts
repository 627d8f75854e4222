// The panel's "try a sentence": one model folder open at a time, opened through the opener it is given,
// which is the editor's own (ModelManager.openService: the int8, thread and worker settings and the bundled
// worker script), so a sentence tried in the panel runs exactly as diagnostics would run it.
// No `vscode` import: unit-tested in plain mocha (test/unit/sentenceTrial.test.ts).
import type { InferenceService, Prediction } from '../core/inference';

/** Opens a model folder for inference; the service belongs to the caller, who disposes it. */
export type OpenInference = (dir: string) => Promise<InferenceService>;

export class SentenceTrial {
  private open: { dir: string; service: Promise<InferenceService> } | undefined;

  constructor(private readonly openInference: OpenInference) {}

  /** P(acceptable) of `sentence` under the model in `dir`; opens that folder first when another one is open. */
  async predict(dir: string, sentence: string): Promise<Prediction> {
    if (this.open?.dir !== dir) {
      this.close();
      this.open = { dir, service: this.openInference(dir) };
    }
    const pending = this.open;
    let service: InferenceService;
    try {
      service = await pending.service;
    } catch (e) {
      // Not kept: the next try opens the folder again (it may have been fixed, or the failure was passing).
      if (this.open === pending) this.open = undefined;
      throw e;
    }
    if (!service.alive) {
      if (this.open === pending) this.close();
      throw new Error('The model stopped (its worker crashed); try again to reopen it.');
    }
    const [p] = await service.predict([sentence]);
    return p;
  }

  /** The folder open now, if any. */
  get dir(): string | undefined {
    return this.open?.dir;
  }

  /** Releases the open model (a model per worker); the next predict opens one again. */
  close(): void {
    const old = this.open;
    this.open = undefined;
    void old?.service.then((s) => s.dispose()).catch(() => undefined);
  }
}
