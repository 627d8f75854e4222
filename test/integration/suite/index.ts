// Entry point VS Code calls inside the extension host (extensionTestsPath): runs the mocha suite.
import Mocha from 'mocha';
import path from 'node:path';

export function run(): Promise<void> {
  // Above the tests' state deadlines (STATE_DEADLINE_MS, several in a test), which say what was missing.
  const mocha = new Mocha({ ui: 'bdd', color: true, timeout: 10 * 60_000 });
  mocha.addFile(path.join(__dirname, 'extension.test.js'));
  mocha.addFile(path.join(__dirname, 'training.test.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
