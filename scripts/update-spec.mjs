// Writes spec.json from the printed spec (the zod config schema is the source of truth).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const line = execFileSync(process.execPath, ['dist/src/cli.js', 'spec'], { encoding: 'utf8' }).trim();
writeFileSync('spec.json', JSON.stringify(JSON.parse(line).spec, null, 2) + '\n');
console.error('spec.json updated');
