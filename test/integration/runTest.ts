// `npm run test:integration`: the @vscode/test-electron suite (mocha inside a VS Code desktop).
// VS Code desktop cannot be downloaded on every machine (not on the offline CI here), so the binary
// comes from VSCODE_EXECUTABLE_PATH; without it the suite reports itself skipped in one line, exit 0.
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDiagnosticsModel, python, repoRoot } from '../e2e/harness/models';

async function main(): Promise<number> {
  const exe = process.env.VSCODE_EXECUTABLE_PATH;
  if (!exe) {
    console.log('integration (@vscode/test-electron): SKIPPED — VSCODE_EXECUTABLE_PATH is not set and VS Code desktop cannot be downloaded here; ' +
      'set it to a VS Code binary to run it (docs/e2e.md). The same behaviour is covered in a real workbench by npm run test:e2e.');
    return 0;
  }
  if (!existsSync(exe)) {
    console.error(`integration: VSCODE_EXECUTABLE_PATH=${exe} does not exist`);
    return 1;
  }

  // The extension under test is this repository (built), the suite a CommonJS bundle beside it.
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) return 1;
  const outDir = path.join(repoRoot, 'out', 'integration');
  await esbuild.build({
    entryPoints: [path.join(import.meta.dirname, 'suite', 'index.ts'), path.join(import.meta.dirname, 'suite', 'extension.test.ts')],
    outdir: outDir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true,
    external: ['vscode', 'mocha'], logLevel: 'warning',
  });

  const model = process.env.COLA_BERT_TEST_MODEL ?? ensureDiagnosticsModel((m) => console.log(`integration: ${m}`));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-bert-integration-'));
  try {
    const workspace = path.join(tmp, 'workspace');
    cpSync(path.join(repoRoot, 'test', 'e2e', 'fixture-workspace'), workspace, { recursive: true });
    const userData = path.join(tmp, 'user-data');
    mkdirSync(path.join(userData, 'User'), { recursive: true });
    writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
      'cola-bert.pythonPath': python,
      'cola-bert.modelPath': model,
      'security.workspace.trust.enabled': false,
      'update.mode': 'none',
      'telemetry.telemetryLevel': 'off',
      'workbench.startupEditor': 'none',
    }, null, 2));
    await runTests({
      vscodeExecutablePath: exe,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(outDir, 'index.js'),
      extensionTestsEnv: { COLA_BERT_TEST_MODEL: model, COLA_BERT_TEST_WORKSPACE: workspace },
      launchArgs: [workspace, '--disable-extensions', '--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'extensions'),
        '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
    return 0;
  } catch (e) {
    console.error(`integration: ${e instanceof Error ? e.message : e}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
