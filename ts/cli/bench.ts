import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { usageError } from './args.js';

/** The benchmark harness of the repository; an installed package does not ship bench/. */
const SCRIPT = fileURLToPath(new URL('../../../bench/run.mjs', import.meta.url));

/** Whether `jcpba bench` can run here (a clone of the repository, not an installed package). */
export function benchAvailable(): boolean {
  return existsSync(SCRIPT);
}

/** `jcpba bench`: the benchmark harness of the repository (bench/run.mjs), in a child process. */
export async function benchCommand(argv: string[]): Promise<number> {
  if (!benchAvailable()) {
    throw usageError('jcpba bench runs the benchmarks of a clone of the jcpba repository (npm run bench there); an installed package does not include them', 'command');
  }
  const child = spawn(process.execPath, [SCRIPT, ...argv], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
