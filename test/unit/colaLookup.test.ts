// npm test and npm run demo find CoLA through one function (issue 16 item 1: the demo failed offline where the
// tests found the shared copy).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { colaDir } from '../../scripts/cola.mjs';
import { repoRoot } from './helpers/python';

describe('CoLA lookup for npm test and npm run demo', () => {
  it('takes $COLA_DIR first', () => {
    assert.equal(colaDir({ COLA_DIR: '/somewhere/raw' }), '/somewhere/raw');
  });

  it('without $COLA_DIR, finds the copy beside the checkout before fetching anything', function () {
    const shared = path.resolve(repoRoot, '..', 'shared', 'datasets', 'cola', 'raw');
    if (!existsSync(path.join(shared, 'in_domain_train.tsv'))) this.skip();
    assert.equal(colaDir({}), shared);
  });

  it('is the one lookup both scripts use', () => {
    for (const script of ['test.mjs', 'demo.mjs']) {
      const text = readFileSync(path.join(repoRoot, 'scripts', script), 'utf8');
      assert.match(text, /import \{ colaDir \} from '\.\/cola\.mjs';/, script);
      assert.doesNotMatch(text, /datasets', 'cola'/, `${script} must not look for CoLA itself`);
    }
  });
});
