// The CommonJS build: dist/cjs/index.cjs, one file bundled by esbuild from the compiled
// ESM (dist/ts/index.js), for `require('jcpba')` on Node without require(esm)
// (Node 20 before 20.19, or --no-experimental-require-module). Same code, same API.
//
// Each module's `import.meta.url` becomes the URL of that module's ESM file in dist/, so
// every path computed from it (the WASM modules, the addon, the sweep's worker) stays what
// the ESM build computes. Optional peers (vega, vega-lite) stay dynamic `import()`s.
import { build } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = join(root, 'dist/cjs/index.cjs');

const importMetaUrl = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(dirname(outfile), args.path).split('\\').join('/');
      return { contents: text.replaceAll('import.meta.url', `__jcpbaModuleUrl(${JSON.stringify(rel)})`), loader: 'js' };
    });
  },
};

await build({
  entryPoints: [join(root, 'dist/ts/index.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vega', 'vega-lite'],
  supported: { 'dynamic-import': true },
  banner: {
    js: `'use strict';\n// jcpba, CommonJS build (scripts/build-cjs.mjs); the ESM build is dist/ts/index.js.\nconst __jcpbaModuleUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;`,
  },
  plugins: [importMetaUrl],
  logLevel: 'warning',
});

// Its types: the ESM build's, re-exported for CommonJS consumers of TypeScript
// (`import jcpba = require('jcpba')` under module nodenext resolves the `require`
// condition to this file).
await writeFile(join(root, 'dist/cjs/index.d.cts'), "// Types of the CommonJS build: the same API as the ESM build.\nexport * from '../ts/index.js';\n");

// The type of `import wasm from 'jcpba/jcpba.wasm'` (and the module without SIMD): what a
// bundler's file loader gives, the module's URL (package.json `exports` points here).
await writeFile(
  join(root, 'dist/ts/wasm-url.d.ts'),
  "/** The URL of jcpba's WebAssembly module, as a bundler's file loader gives it (e.g. esbuild --loader:.wasm=file); pass it to createSolver({ wasm }). */\ndeclare const url: string;\nexport default url;\n",
);
