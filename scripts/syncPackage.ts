// `npm run sync-package`: writes package.json's generated parts (see
// packageContributions.ts). `--check`: only says which parts are stale, exit 1.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyGeneratedParts, staleParts } from './packageContributions';

const file = path.join(__dirname, '..', 'package.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const stale = staleParts(pkg);
if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    console.error(`package.json is out of step with the TypeScript lists; run npm run sync-package. Stale:\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
} else if (stale.length > 0) {
  applyGeneratedParts(pkg);
  // npm's own layout: two spaces, a final newline.
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
  console.log(`package.json: rewrote ${stale.join(', ')}`);
} else {
  console.log('package.json: generated parts already in step');
}
