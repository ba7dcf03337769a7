// The command line of `npm run bench`: which parts, sizes, methods and backends run.
import { BACKENDS, METHODS } from '../dist/ts/index.js';

export const PARTS = ['solve', 'accuracy', 'suites', 'sweep', 'plan', 'caps', 'scale', 'memory', 'counts', 'anchors'];
export const FULL_SIZES = [10, 100, 1000, 10000];
export const QUICK_SIZES = [10, 100];

export const USAGE = `Usage: npm run bench -- [--quick] [--methods a,b|all] [--backends a,b|all]
                       [--sizes K,K...] [--baseline FILE|none] [--out DIR]
                       [--parts P,P...]

Per-solve timings (tinybench, and CPU time at K = 1,000), accuracy (parity,
certificates, scalar and vector paths), backend and batching suites (benny),
sweep throughput at 1 and all threads (against a baseline build when there is
one), the fine-tuning plan (N = 64, K = 100), optimal with energy caps binding
on about a third of the clients against the uncapped solve (K = 1,000), CPU time
per client at K = 10,000 and 1,000,000 (native), peak memory per client of a
solve at K = 1,000,000 (native RSS, WASM linear memory; K = 100,000 with
--quick), rate evaluations per client, and the anchors (Ipopt beside optimal and
bcd at K = 10 to 10,000 when coinor-libipopt-dev is installed; bcd's gap to the
optimum over generated problems). Prints the performance targets met or not met.
Writes DIR/latest.json, DIR/latest.md and benny's files (default DIR:
bench/results).
Build first: npm run build; for the baseline, bash bench/baseline.sh once.

  --quick      sizes ${QUICK_SIZES.join(', ')}, few iterations, small suites and sweep
               (a CI smoke test, < 60 s); every part but anchors unless --parts
               names it
  --methods    methods of the per-solve table (default: all, and min-pruning:
               deadline mode at 1.05 T*); suites and counts use bcd and optimal
               among them
  --backends   ${BACKENDS.join(', ')} (default: all)
  --sizes      client counts K of the per-solve table
               (default: ${FULL_SIZES.join(', ')})
  --parts      parts to run (default: all): ${PARTS.slice(0, 4).join(', ')},
               ${PARTS.slice(4).join(', ')}
  --baseline   an earlier build of the native addon to measure the sweep against
               (default: the newest bench/baseline/*.node, from bash
               bench/baseline.sh)
  --out        output folder (default: bench/results)`;

function list(flag, text, allowed) {
  if (text === 'all') return [...allowed];
  const items = text.split(',').map((s) => s.trim());
  for (const item of items) {
    if (!allowed.includes(item)) throw new Error(`${flag}: unknown ${JSON.stringify(item)}; expected one of ${allowed.join(', ')} or all`);
  }
  return allowed.filter((a) => items.includes(a));
}

function sizes(text) {
  return text.split(',').map((s) => {
    const K = Number(s);
    if (!Number.isInteger(K) || K < 1) throw new Error(`--sizes: ${JSON.stringify(s)} is not a positive integer`);
    return K;
  });
}

/**
 * The per-solve table's methods: the seven, and deadline mode (`min-pruning`, solved at
 * 1.05 times each problem's optimal latency), which only the per-solve part runs.
 */
export const PER_SOLVE_METHODS = [...METHODS, 'min-pruning'];

/** The methods the parts other than per-solve take (deadline mode is not a method of a sweep). */
export const solveMethods = (methods) => methods.filter((m) => METHODS.includes(m));

export function parseOptions(argv) {
  const o = { quick: false, methods: [...PER_SOLVE_METHODS], backends: [...BACKENDS], sizes: undefined, parts: [...PARTS], out: 'bench/results', help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--quick') o.quick = true;
    else if (flag === '--help' || flag === '-h') o.help = true;
    else if (flag === '--methods') o.methods = list(flag, value(), PER_SOLVE_METHODS);
    else if (flag === '--backends') o.backends = list(flag, value(), BACKENDS);
    else if (flag === '--sizes') o.sizes = sizes(value());
    else if (flag === '--parts') o.parts = list(flag, value(), PARTS);
    else if (flag === '--out') o.out = value();
    else if (flag === '--baseline') o.baseline = value();
    else throw new Error(`unknown option ${flag}\n\n${USAGE}`);
  }
  o.sizes ??= o.quick ? QUICK_SIZES : FULL_SIZES;
  // Compiling and running Ipopt takes longer than the rest of a quick run.
  if (o.quick && !argv.includes('--parts')) o.parts = o.parts.filter((p) => p !== 'anchors');
  return o;
}
