/** A sentence that makes test/unit/helpers/crashingInferenceWorker.ts crash when asked to predict it. */
export const CRASH_SENTENCE = 'This sentence makes the test worker crash.';
