// The summary `npm test` prints at the end, kept pure so that test/unit can check it without running suites.

/**
 * One row per suite of `names`, in that order, and the count line. A suite with no result did not run:
 * its row says why (the suite that failed before it, else `stopReason`), so a reader never has to work
 * out which suites are missing, and the counts add up to the number of suites.
 * @param {string[]} names every suite of the run, in run order
 * @param {{ name: string, status: 'ok' | 'skipped' | 'FAIL', seconds: number, why?: string }[]} results the suites that ran (or were skipped up front)
 * @param {string} [stopReason] why the run ended early when no suite failed (e.g. CoLA could not be fetched)
 * @returns {{ lines: string[], counts: { passed: number, skipped: number, failed: number, notRun: number }, exitCode: number }}
 */
export function summarize(names, results, stopReason) {
  const byName = new Map(results.map((r) => [r.name, r]));
  const failed = results.find((r) => r.status === 'FAIL');
  const notRunWhy = failed ? `an earlier suite failed: ${failed.name}` : (stopReason ?? 'the run stopped before it');
  const counts = { passed: 0, skipped: 0, failed: 0, notRun: 0 };
  const lines = names.map((name) => {
    const r = byName.get(name);
    if (!r) {
      counts.notRun++;
      return `not run ${name} (${notRunWhy})`;
    }
    if (r.status === 'ok') counts.passed++;
    else if (r.status === 'skipped') counts.skipped++;
    else counts.failed++;
    const why = r.why ? `; ${r.why}` : '';
    return `${r.status.padEnd(7)} ${name} (${r.seconds.toFixed(1)} s${why})`;
  });
  lines.push(`${counts.passed} passed, ${counts.skipped} skipped, ${counts.failed} failed, ${counts.notRun} not run (${names.length} suites)`);
  return { lines, counts, exitCode: counts.failed || counts.notRun ? 1 : 0 };
}
