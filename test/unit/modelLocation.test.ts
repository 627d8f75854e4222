import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultModelDir, effectiveModelPath, modelsUnder } from '../../src/core/modelLocation';

describe('model location', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-models-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  function model(parent: string, name: string, created?: string): string {
    const dir = path.join(parent, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cola-bert.json'), JSON.stringify(created ? { format: 1, created } : { format: 1 }));
    return dir;
  }

  it('lists finished model folders newest first, skipping partial exports and checkpoints', () => {
    const old = model(tmp, 'old', '2026-01-01T00:00:00Z');
    const fresh = model(tmp, 'fresh', '2026-11-01T00:00:00Z');
    model(tmp, 'run.tmp-1234', '2026-12-01T00:00:00Z');
    model(tmp, 'run.checkpoint', '2026-12-01T00:00:00Z');
    mkdirSync(path.join(tmp, 'not-a-model'));
    assert.deepEqual(modelsUnder(tmp).map((m) => m.dir), [fresh, old]);
    assert.deepEqual(modelsUnder(path.join(tmp, 'missing')), []);
  });

  it('prefers the panel-trained models in global storage, then the workspace models folder', () => {
    const globalDir = path.join(tmp, 'global', 'models');
    const workspace = path.join(tmp, 'ws');
    const inWorkspace = model(path.join(workspace, 'models'), 'ws-model', '2026-12-01T00:00:00Z');
    assert.equal(defaultModelDir(globalDir, [workspace]), inWorkspace);
    const trained = model(globalDir, 'trained', '2026-01-01T00:00:00Z');
    assert.equal(defaultModelDir(globalDir, [workspace]), trained);
    assert.equal(defaultModelDir(undefined, []), undefined);
  });

  it('honours a workspace model path only in a trusted workspace', () => {
    const inspected = { globalValue: '/home/me/model', workspaceValue: '/tmp/evil' };
    assert.deepEqual(effectiveModelPath(inspected, true), { value: '/tmp/evil' });
    assert.deepEqual(effectiveModelPath(inspected, false), { value: '/home/me/model', ignoredWorkspaceValue: '/tmp/evil' });
    assert.deepEqual(effectiveModelPath({ workspaceFolderValue: 'models/x' }, false), { value: '', ignoredWorkspaceValue: 'models/x' });
    assert.deepEqual(effectiveModelPath(undefined, true), { value: '' });
  });
});
