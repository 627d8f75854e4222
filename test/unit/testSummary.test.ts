// `npm test`'s summary (scripts/test-summary.mjs): every suite listed, those that did not run with why.
import assert from 'node:assert/strict';
// @ts-expect-error plain ESM script without type declarations
import { summarize } from '../../scripts/test-summary.mjs';

type Status = 'ok' | 'skipped' | 'FAIL';
type Summary = { lines: string[]; counts: { passed: number; skipped: number; failed: number; notRun: number }; exitCode: number };
const summary = summarize as (names: string[], results: { name: string; status: Status; seconds: number; why?: string }[], stopReason?: string) => Summary;

const names = ['setup', 'build', 'unit', 'trainer', 'CLI', 'webview', 'integration', 'code-server integration', 'e2e'];

describe('npm test summary', () => {
  it('lists the suites after a failed prerequisite as not run, naming it, and the counts add up', () => {
    const results = [
      { name: 'setup', status: 'ok' as Status, seconds: 70 },
      { name: 'build', status: 'FAIL' as Status, seconds: 6.1, why: 'exit 1' },
    ];
    const s = summary(names, results);
    assert.equal(s.lines.length, names.length + 1);
    names.forEach((name, i) => assert.ok(s.lines[i].includes(name), `row ${i} is not "${name}": ${s.lines[i]}`));
    assert.equal(s.lines[1], 'FAIL    build (6.1 s; exit 1)');
    for (const line of s.lines.slice(2, 9)) assert.match(line, /^not run .* \(an earlier suite failed: build\)$/);
    assert.deepEqual(s.counts, { passed: 1, skipped: 0, failed: 1, notRun: 7 });
    assert.equal(s.lines[9], '1 passed, 0 skipped, 1 failed, 7 not run (9 suites)');
    assert.equal(s.exitCode, 1);
  });

  it('a failed suite that others do not need is counted, and the later suites still report', () => {
    const statusOf = (name: string): Status => (name === 'unit' ? 'FAIL' : name === 'integration' ? 'skipped' : 'ok');
    const results = names.map((name) => ({ name, status: statusOf(name), seconds: 1, why: name === 'unit' ? 'exit 1' : undefined }));
    const s = summary(names, results);
    assert.equal(s.lines[2], 'FAIL    unit (1.0 s; exit 1)');
    assert.deepEqual(s.counts, { passed: 7, skipped: 1, failed: 1, notRun: 0 });
    assert.equal(s.exitCode, 1);
  });

  it('passes only when every suite passed or was skipped', () => {
    const all = summary(names, names.map((name, i) => ({ name, status: i === 6 ? 'skipped' : 'ok', seconds: 2, why: i === 6 ? 'no VS Code binary' : undefined })));
    assert.deepEqual(all.counts, { passed: 8, skipped: 1, failed: 0, notRun: 0 });
    assert.equal(all.lines[6], 'skipped integration (2.0 s; no VS Code binary)');
    assert.equal(all.exitCode, 0);
  });

  it('a run stopped before any suite failed lists the rest as not run with the stop reason, and fails', () => {
    const s = summary(names, [{ name: 'setup', status: 'ok', seconds: 30 }], 'CoLA could not be fetched');
    assert.deepEqual(s.counts, { passed: 1, skipped: 0, failed: 0, notRun: 8 });
    for (const line of s.lines.slice(1, 9)) assert.match(line, /^not run .* \(CoLA could not be fetched\)$/);
    assert.equal(s.exitCode, 1);
  });
});
