#!/usr/bin/env node
// Prints the README's performance section from a benchmark result.
// Usage: node bench/readme-table.mjs [bench/results/latest.json]
import { readFileSync } from 'node:fs';
import { performanceSection } from './targets.mjs';

const file = process.argv[2] ?? new URL('./results/latest.json', import.meta.url).pathname;
let result;
try {
  result = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  process.stderr.write(`readme-table: cannot read ${file} (${e.message}); run npm run bench first\n`);
  process.exit(1);
}
if (result.kind !== 'jcpba-bench') {
  process.stderr.write(`readme-table: ${file} is not a jcpba benchmark result\n`);
  process.exit(1);
}
process.stdout.write(`${performanceSection(result)}\n`);
