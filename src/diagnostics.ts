// Diagnostics for open Markdown/plain-text documents: checked on open, throttled on change (a pass at
// most every `cola-bert.throttleMs` while typing, stale passes aborted), only changed sentences
// re-inferred (DocumentChecker), visible ranges first with a cap per pass, cleared on close.
import * as vscode from 'vscode';
import { readConfig, type EditorConfig } from './config';
import { DEFAULT_CHECK_OPTIONS, DocumentChecker, type CheckedSentence, type CheckOptions, type CheckResult, type Extractor } from './core/documentChecker';
import { narrowedRange } from './core/attribution';
import { diagnosticMessage } from './core/diagnosticMessage';
import { InferenceError, isAbortError } from './core/inference';
import { UNCALIBRATED } from './core/modelFolder';
import { chooseThreshold } from './core/threshold';
import type { IgnoreStore } from './ignoreStore';
import { logError, ms, type Log } from './log';
import type { ModelManager } from './modelManager';
import type { StatusBar } from './statusBar';

export const DIAGNOSTIC_SOURCE = 'cola-bert';
export const DIAGNOSTIC_CODE = 'acceptability';

/** Schemes of real documents; output channels, git views and the like are never checked. */
export const CHECKED_SCHEMES: readonly string[] = ['file', 'untitled', 'vscode-remote', 'vscode-vfs', 'vscode-userdata'];
const CHECKED = new Set(CHECKED_SCHEMES);

interface DocState {
  checker: DocumentChecker;
  timer?: NodeJS.Timeout;
  abort?: AbortController;
  /** Document version the last result belongs to. */
  version?: number;
  /** Kinds of skipped parts already logged for this document (a log line once per kind, not per keystroke). */
  logged: Set<string>;
  lastError?: string;
  /** Attributions in flight for cola-bert.diagnosticRange "words" (aborted by the next publish). */
  narrowing?: AbortController;
}

export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly docs = new Map<string, DocState>();
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private readonly noModel = new vscode.EventEmitter<vscode.TextDocument>();
  private inFlight = 0;
  /** Fires when a document should be checked but there is no model (the extension offers to fine-tune). */
  readonly onNoModel = this.noModel.event;

  constructor(
    private readonly models: ModelManager,
    private readonly ignores: IgnoreStore,
    private readonly status: StatusBar,
    private readonly log: Log,
    private readonly docsUri: vscode.Uri,
    /** Prose extraction per document, off the main thread (src/core/proseWorkerClient.ts). */
    private readonly prose: { extractorFor(key: string): Extractor; forget(key: string): void },
  ) {
    this.disposables.push(this.noModel);
    vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0), this, this.disposables);
    vscode.workspace.onDidChangeTextDocument(
      (e) => {
        if (e.contentChanges.length === 0) return;
        // Whatever is in flight for the old text is stale now.
        this.docs.get(e.document.uri.toString())?.abort?.abort();
        this.schedule(e.document, readConfig(e.document).throttleMs);
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidCloseTextDocument((d) => this.forget(d), this, this.disposables);
    vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.scheduleIfUnchecked(e.document)), this, this.disposables);
    vscode.window.onDidChangeTextEditorVisibleRanges(
      (e) => {
        const state = this.docs.get(e.textEditor.document.uri.toString());
        // Scrolling to a part a capped pass has not reached yet: check it next. A pass in flight is not
        // restarted (the text did not change); the one it schedules when it ends reads the new visible
        // ranges first. Restarting on every scroll event used to abort each pass before it finished.
        if (state?.checker.lastResult?.pending && !state.abort) this.schedule(e.textEditor.document, 50);
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (e.affectsConfiguration('cola-bert') && !e.affectsConfiguration('cola-bert.modelPath')) this.recheckAll();
      },
      this,
      this.disposables,
    );
    models.onDidChange(
      (state) => {
        if (state.kind === 'ready') {
          for (const s of this.docs.values()) s.checker.reset();
          this.recheckAll();
        } else {
          // No usable model: no stale squiggles from the previous one.
          for (const s of this.docs.values()) {
            s.abort?.abort();
            s.checker.reset();
          }
          this.collection.clear();
        }
      },
      this,
      this.disposables,
    );
    ignores.onDidChange(() => this.recheckAll(), this, this.disposables);
  }

  /** Checks every open document that qualifies (on activation and after model or setting changes). */
  recheckAll(): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (this.shouldCheck(doc)) this.schedule(doc, 0, true);
      else this.forget(doc);
    }
  }

  /** Checks one document now (commands). */
  checkNow(doc: vscode.TextDocument): void {
    this.schedule(doc, 0, true);
  }

  shouldCheck(doc: vscode.TextDocument): boolean {
    return CHECKED.has(doc.uri.scheme) && readConfig(doc).languages.includes(doc.languageId) && !this.ignores.isDisabled(doc.uri);
  }

  /** The judged sentence under `position`, when the last result matches the document's version. */
  sentenceAt(doc: vscode.TextDocument, position: vscode.Position): CheckedSentence | undefined {
    const state = this.docs.get(doc.uri.toString());
    if (!state || state.version !== doc.version || !this.shouldCheck(doc)) return undefined;
    return state.checker.sentenceAt(doc.offsetAt(position));
  }

  forget(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const state = this.docs.get(key);
    if (state) {
      clearTimeout(state.timer);
      state.abort?.abort();
      state.narrowing?.abort();
      this.docs.delete(key);
      this.prose.forget(key);
    }
    this.collection.delete(doc.uri);
  }

  private scheduleIfUnchecked(doc: vscode.TextDocument): void {
    const state = this.docs.get(doc.uri.toString());
    if (!state || state.version !== doc.version) this.schedule(doc, 0);
  }

  private stateOf(doc: vscode.TextDocument): DocState {
    const key = doc.uri.toString();
    let state = this.docs.get(key);
    if (!state) {
      state = { checker: new DocumentChecker(this.models, this.prose.extractorFor(key)), logged: new Set() };
      this.docs.set(key, state);
    }
    return state;
  }

  /** Throttle: a pending timer is kept, not pushed back, so typing gets a pass every `delay` ms. */
  private schedule(doc: vscode.TextDocument, delay: number, now = false): void {
    if (!this.shouldCheck(doc)) {
      if (this.docs.has(doc.uri.toString())) this.forget(doc);
      return;
    }
    const state = this.stateOf(doc);
    if (state.timer) {
      if (!now) return;
      clearTimeout(state.timer);
    }
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.run(doc, state);
    }, delay);
  }

  private options(doc: vscode.TextDocument, config: EditorConfig, onInfer: (n: number) => void): CheckOptions {
    const priority = vscode.window.visibleTextEditors
      .filter((e) => e.document === doc)
      .flatMap((e) => e.visibleRanges.map((r) => ({ start: doc.offsetAt(r.start), end: doc.offsetAt(r.end) })));
    return {
      ...DEFAULT_CHECK_OPTIONS,
      // Other configured languages (e.g. restructuredtext) are read as plain text.
      language: doc.languageId === 'markdown' ? 'markdown' : 'plaintext',
      threshold: chooseThreshold(config.threshold, this.models.service?.model.calibration ?? UNCALIBRATED).value,
      maxSentencesPerPass: config.maxSentencesPerPass,
      maxLineLength: config.maxLineLength,
      minWords: config.minWords,
      headings: config.checkHeadings,
      tables: config.checkTables,
      priority,
      isIgnored: this.ignores.isIgnored,
      onInfer,
    };
  }

  private async run(doc: vscode.TextDocument, state: DocState): Promise<void> {
    if (doc.isClosed || this.docs.get(doc.uri.toString()) !== state) return;
    if (!this.models.service) {
      if (this.models.state.kind === 'none') this.noModel.fire(doc);
      return;
    }
    state.abort?.abort();
    const abort = new AbortController();
    state.abort = abort;
    const version = doc.version;
    const config = readConfig(doc);
    let counted = 0;
    const onInfer = (n: number) => {
      counted = n;
      this.inFlight += n;
      this.status.setChecking(this.inFlight);
    };
    const t0 = performance.now();
    let result: CheckResult;
    try {
      result = await state.checker.check(doc.getText(), this.options(doc, config, onInfer), abort.signal);
    } catch (e) {
      // Aborted, or the model was switched or reloaded under this pass: the new model's recheck follows.
      if (isAbortError(e) || abort.signal.aborted || (e instanceof InferenceError && e.code === 'disposed')) return;
      const message = (e as Error).message;
      // One log entry per distinct failure and document, not one per keystroke.
      if (state.lastError !== message) logError(this.log, `Checking ${vscode.workspace.asRelativePath(doc.uri)} failed`, e);
      state.lastError = message;
      return;
    } finally {
      this.inFlight -= counted;
      this.status.setChecking(this.inFlight);
      if (state.abort === abort) state.abort = undefined;
    }
    if (doc.isClosed || doc.version !== version || this.docs.get(doc.uri.toString()) !== state) return;
    state.version = version;
    state.lastError = undefined;
    this.publish(doc, result, config);
    const name = vscode.workspace.asRelativePath(doc.uri);
    for (const skip of result.skipped) {
      // Keyed by kind: the detail (line number, length) changes with every keystroke around the part.
      if (state.logged.has(skip.reason)) continue;
      state.logged.add(skip.reason);
      const more = result.skipped.filter((k) => k.reason === skip.reason).length - 1;
      this.log.info(`Skipped part of ${name}, ${skip.reason}: ${skip.detail}${more ? ` (and ${more} more like it)` : ''}`);
    }
    this.log.debug(
      `${name} v${version}: ${result.sentences.length}/${result.total} sentences judged, ${result.inferred} inferred, ` +
        `${result.sentences.filter((s) => s.flagged).length} flagged, ${result.pending} pending; ` +
        `extract ${ms(result.timings.extractMs)}, infer ${ms(result.timings.inferMs)}, total ${ms(performance.now() - t0)}`,
    );
    if (result.pending > 0) this.schedule(doc, 10);
  }

  /** `attributeMissing`: false on the publish after narrowLater, so a cache too small for the document cannot loop. */
  private publish(doc: vscode.TextDocument, result: CheckResult, config: EditorConfig, attributeMissing = true): void {
    const state = this.docs.get(doc.uri.toString());
    state?.narrowing?.abort();
    const service = config.diagnosticRange === 'words' ? this.models.service : undefined;
    const source = service ? doc.getText() : '';
    const unattributed: CheckedSentence[] = [];
    const diagnostics: vscode.Diagnostic[] = [];
    for (const s of result.sentences) {
      if (!s.flagged) continue;
      const sentenceRange = new vscode.Range(s.range.start.line, s.range.start.character, s.range.end.line, s.range.end.character);
      let range = sentenceRange;
      const attribution = service?.cachedAttribution(s.text);
      if (service && !attribution) unattributed.push(s);
      const narrow = attribution && narrowedRange(attribution.suspects, s.text, source, s.start, s.end);
      if (narrow) range = new vscode.Range(doc.positionAt(narrow.start), doc.positionAt(narrow.end));
      const d = new vscode.Diagnostic(range, diagnosticMessage(doc.getText(sentenceRange), s.pAcceptable), config.severity);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = { value: DIAGNOSTIC_CODE, target: this.docsUri };
      if (narrow) d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, sentenceRange), 'The whole sentence')];
      diagnostics.push(d);
    }
    this.collection.set(doc.uri, diagnostics);
    if (service && state && unattributed.length && attributeMissing) void this.narrowLater(doc, state, result, config, unattributed);
  }

  /**
   * Attributes the flagged sentences in the inference worker (one run each, spread over the workers), then
   * publishes again, narrowed, if the document and its result are still current.
   */
  private async narrowLater(doc: vscode.TextDocument, state: DocState, result: CheckResult, config: EditorConfig, sentences: CheckedSentence[]): Promise<void> {
    const service = this.models.service;
    if (!service) return;
    const narrowing = new AbortController();
    state.narrowing = narrowing;
    const version = doc.version;
    try {
      await Promise.all(sentences.map((s) => service.attribute(s.text, { signal: narrowing.signal })));
    } catch (e) {
      if (!isAbortError(e) && !(e instanceof InferenceError && e.code === 'disposed')) logError(this.log, 'Finding the suspect words failed', e);
      return;
    } finally {
      if (state.narrowing === narrowing) state.narrowing = undefined;
    }
    if (doc.isClosed || doc.version !== version || this.docs.get(doc.uri.toString()) !== state || state.checker.lastResult !== result) return;
    this.publish(doc, result, config, false);
  }

  dispose(): void {
    for (const s of this.docs.values()) {
      clearTimeout(s.timer);
      s.abort?.abort();
    }
    this.docs.clear();
    for (const d of this.disposables) d.dispose();
  }
}
