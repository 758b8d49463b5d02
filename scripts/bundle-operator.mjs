// Bundles the compiled operator (dist/src/main.js) into one file, dist/sqlflow-operator.mjs, which the image runs.
// Why: @kubernetes/client-node's entry point loads all of its generated code (about 25 MB of JavaScript: every
// model and API group) whichever part is used, and Node keeps what it loads. A tree-shaken, minified bundle holds
// only what the operator reaches: measured, idle RSS 147 → 104 MB. Names are kept for stack traces.
// The `sqlflow` CLI is not bundled (it starts, runs and exits).
//
// The operator takes only KubeConfig (and two small helpers) from client-node, each from its own module, since
// the index pulls in every API group. Two of config.js's own imports still cost what the operator never runs
// (measured on a bundle of KubeConfig alone: 84.5 → 66.3 MB RSS; a bare Node is 46.8 MB):
// - `./gen/index.js`, of which it uses createConfiguration and ServerConfiguration (for makeApiClient): it is
//   narrowed to the two modules that define them, so the generated models and APIs stay out.
// - `undici` (Agent, ProxyAgent: for makeApiClient's fetch and proxies), which runs its whole module at import:
//   it is deferred, still bundled, to the first construction. Our requests go through node:https (kube/http.ts).
// If client-node moves either, esbuild fails on the missing export and the check below fails on the index.
import { dirname } from 'node:path';
import { build } from 'esbuild';

const CONFIG = /@kubernetes\/client-node\/dist\/config\.js$/;

const leanClientNode = {
  name: 'lean-client-node',
  setup(b) {
    b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (a) =>
      CONFIG.test(a.importer) ? { path: 'client-node-gen', namespace: 'lean', pluginData: dirname(a.importer) } : undefined);
    b.onLoad({ filter: /^client-node-gen$/, namespace: 'lean' }, (a) => ({
      resolveDir: a.pluginData,
      contents: "export { createConfiguration } from './gen/configuration.js';\nexport { ServerConfiguration } from './gen/servers.js';\n",
    }));
    b.onResolve({ filter: /^undici$/ }, (a) =>
      a.namespace === 'lean' ? undefined : { path: 'undici-deferred', namespace: 'lean', pluginData: a.resolveDir });
    b.onLoad({ filter: /^undici-deferred$/, namespace: 'lean' }, (a) => ({
      resolveDir: a.pluginData,
      contents: [
        "let undici; const load = () => (undici ??= require('undici'));",
        'export function fetch(...a) { return load().fetch(...a); }',
        'export class Agent { constructor(...a) { return new (load().Agent)(...a); } }',
        'export class ProxyAgent { constructor(...a) { return new (load().ProxyAgent)(...a); } }',
      ].join('\n'),
    }));
  },
};

const result = await build({
  entryPoints: ['dist/src/main.js'],
  outfile: 'dist/sqlflow-operator.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  keepNames: true,
  metafile: true,
  plugins: [leanClientNode],
  // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __sqlflowRequire } from 'node:module'; const require = __sqlflowRequire(import.meta.url);" },
  logLevel: 'warning',
});

// A runtime import of client-node's index (or of its API groups) anywhere in the operator undoes the above.
const heavy = Object.keys(result.metafile.inputs).filter((f) => /@kubernetes\/client-node\/dist\/(index\.js|api\.js|gen\/index\.js|gen\/apis\/[^/]*Api\.js)$/.test(f));
if (heavy.length > 0) {
  console.error(`bundle-operator: the operator imports client-node's generated API at run time (${heavy.join(', ')}); ` +
    "import KubeConfig and helpers from their own modules (as src/kube/client.ts does), and types with `import type`");
  process.exit(1);
}
