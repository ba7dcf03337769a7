import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JcpbaError } from '../core/error.js';

/** `jcpba bench`: the benchmark harness of the repository (bench/run.mjs), in a child process. */
export async function benchCommand(argv: string[]): Promise<number> {
  const script = fileURLToPath(new URL('../../../bench/run.mjs', import.meta.url));
  if (!existsSync(script)) throw new JcpbaError('invalid-input', `the benchmarks are not in this installation (${script}); run them from a clone of the repository`, 'bench');
  const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
