/** `npm run totp`: the demo manager's current second-factor code (local development only). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { currentTotp } from '#functions/identity/totp';
import { localDataDir } from './local/data-dir';

const file = resolve(localDataDir(), 'demo.json');
try {
  const { managerTotpSecret } = JSON.parse(readFileSync(file, 'utf8')) as { managerTotpSecret: string };
  const secondsLeft = 30 - (Math.floor(Date.now() / 1000) % 30);
  console.log(`${currentTotp(managerTotpSecret)}  (valid ${secondsLeft} s more)`);
} catch {
  console.error('No demo data yet: run `npm start` first.');
  process.exit(1);
}
