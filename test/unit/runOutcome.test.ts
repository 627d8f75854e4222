// One classification of a run: `cola-bert train` (exit code) and the panel's TrainingSession (outcome) both
// read the trainer client's verdict, so they agree on crashed vs cancelled for the same trainer behaviour.
// Runs the scripted fake trainer (test/fixtures/fake_trainer) through the real client, CLI and session.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run as trainCli } from '../../src/cli/train';
import { EXIT_CANCELLED, EXIT_ERROR, EXIT_FAILED, EXIT_OK } from '../../src/cli/args';
import { trainerStarter, TrainingSession, type SessionUpdate } from '../../src/training/trainingSession';
import { DEFAULT_FORM } from '../../protocol/panelMessages';
import { repoRoot, requirePython } from './helpers/python';

const fakeTrainerDir = path.join(repoRoot, 'test', 'fixtures', 'fake_trainer');
const python = requirePython();

async function viaCli(scenario: string, cancel: boolean): Promise<number> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  stderr.resume();
  let interrupt: (() => void) | undefined;
  const io = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { ...process.env, FAKE_TRAINER_SCENARIO: scenario, COLA_BERT_TRAINER_DIR: fakeTrainerDir },
    cwd: os.tmpdir(),
    onInterrupt: (l: () => void) => ((interrupt = l), () => (interrupt = undefined)),
  };
  const code = trainCli(['--model', 'tiny', '--epochs', '1', '--json', '--python', python], io);
  if (cancel) {
    while (!/"event": ?"started"/.test(text)) await new Promise((r) => setTimeout(r, 10));
    interrupt!();
  }
  return code;
}

async function viaSession(scenario: string, cancel: boolean): Promise<Extract<SessionUpdate, { kind: 'ended' }>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-outcome-'));
  const before = process.env.FAKE_TRAINER_SCENARIO;
  process.env.FAKE_TRAINER_SCENARIO = scenario;
  try {
    const session = new TrainingSession(trainerStarter(() => ({ python }), fakeTrainerDir, () => undefined), { flushMs: 5 });
    let ended: Extract<SessionUpdate, { kind: 'ended' }> | undefined;
    let started = false;
    session.onDidUpdate((u) => {
      if (u.kind === 'ended') ended = u;
      if (u.kind === 'events' && u.events.some((e) => e.event === 'started')) started = true;
    });
    session.start('run-x', { ...DEFAULT_FORM, model: 'tiny', epochs: 1 }, path.join(dir, 'models', 'run-x'));
    if (cancel) {
      while (!started) await new Promise((r) => setTimeout(r, 10));
      session.cancel();
    }
    await session.idle();
    return ended!;
  } finally {
    if (before === undefined) delete process.env.FAKE_TRAINER_SCENARIO;
    else process.env.FAKE_TRAINER_SCENARIO = before;
    rmSync(dir, { recursive: true, force: true });
  }
}

const EXIT_OF = { done: EXIT_OK, cancelled: EXIT_CANCELLED, crashed: EXIT_FAILED } as const;

describe('run outcome: the CLI and the panel session agree (one verdict, from the trainer client)', function () {
  this.timeout(60_000);
  const cases: { scenario: string; cancel: boolean; outcome: 'done' | 'cancelled' | 'crashed' | 'error'; resumable: boolean }[] = [
    { scenario: 'ok', cancel: false, outcome: 'done', resumable: false },
    { scenario: 'checkpoint-then-crash', cancel: false, outcome: 'crashed', resumable: true },
    { scenario: 'cancellable', cancel: true, outcome: 'cancelled', resumable: true },
    { scenario: 'interrupted-on-cancel', cancel: true, outcome: 'cancelled', resumable: false },
    // A cancelled event, then a stray stdout line: the client calls it a protocol failure (crashed); the
    // session used to re-read the events and call it cancelled while the CLI exited 1.
    { scenario: 'cancelled-then-garbage', cancel: false, outcome: 'crashed', resumable: true },
    { scenario: 'error', cancel: false, outcome: 'error', resumable: false },
  ];
  for (const c of cases) {
    it(`${c.scenario}${c.cancel ? ' (cancelled by the user)' : ''}: ${c.outcome}`, async () => {
      const [code, ended] = await Promise.all([viaCli(c.scenario, c.cancel), viaSession(c.scenario, c.cancel)]);
      assert.equal(ended.outcome, c.outcome);
      assert.equal(ended.resumable, c.resumable);
      assert.equal(code, c.outcome === 'error' ? EXIT_ERROR : EXIT_OF[c.outcome]);
    });
  }
});
