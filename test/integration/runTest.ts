// `npm run test:integration`: the @vscode/test-electron suite (mocha inside a VS Code desktop).
// VS Code desktop cannot be downloaded on every machine (not on the offline CI here), so the binary
// comes from VSCODE_EXECUTABLE_PATH; without it the suite reports itself skipped in one line, exit 77
// (`npm test` lists it as skipped, not passed).
// (`npm run test:integration:code-server` runs the same suite in code-server's extension host.)
import { runTests } from '@vscode/test-electron';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../e2e/harness/models';
import { prepare } from './prepare';

async function main(): Promise<number> {
  const exe = process.env.VSCODE_EXECUTABLE_PATH;
  if (!exe) {
    console.log('integration (@vscode/test-electron): SKIPPED — VSCODE_EXECUTABLE_PATH is not set and VS Code desktop cannot be downloaded here; ' +
      'set it to a VS Code binary to run this suite (docs/e2e.md).');
    return 77;
  }
  if (!existsSync(exe)) {
    console.error(`integration: VSCODE_EXECUTABLE_PATH=${exe} does not exist`);
    return 1;
  }
  const p = await prepare();
  try {
    const userData = path.join(p.tmp, 'user-data');
    mkdirSync(path.join(userData, 'User'), { recursive: true });
    writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
      ...p.settings,
      'security.workspace.trust.enabled': false,
      'update.mode': 'none',
      'telemetry.telemetryLevel': 'off',
      'workbench.startupEditor': 'none',
    }, null, 2));
    await runTests({
      vscodeExecutablePath: exe,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: p.testsEntry,
      extensionTestsEnv: p.env,
      launchArgs: [p.workspace, '--disable-extensions', '--user-data-dir', userData, '--extensions-dir', path.join(p.tmp, 'extensions'),
        '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
    return 0;
  } catch (e) {
    console.error(`integration: ${e instanceof Error ? e.message : e}`);
    return 1;
  } finally {
    rmSync(p.tmp, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
