import { build } from 'esbuild';
import { dirname } from 'node:path';
const lean = {
  name: 'lean', setup(b) {
    b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (a) => a.importer.endsWith('client-node/dist/config.js') ? { path: 'gen-min', namespace: 'lean', pluginData: dirname(a.importer) } : undefined);
    b.onLoad({ filter: /^gen-min$/, namespace: 'lean' }, (a) => ({ resolveDir: a.pluginData, contents: "export { createConfiguration } from './gen/configuration.js'; export { ServerConfiguration } from './gen/servers.js';" }));
    b.onResolve({ filter: /^undici$/ }, (a) => a.namespace === 'lean' ? undefined : { path: 'undici-lazy', namespace: 'lean', pluginData: a.resolveDir });
    b.onLoad({ filter: /^undici-lazy$/, namespace: 'lean' }, (a) => ({ resolveDir: a.pluginData, contents: `
      let u; const load = () => (u ??= require('undici'));
      export function fetch(...a) { return load().fetch(...a); }
      export class Agent { constructor(...a) { return new (load().Agent)(...a); } }
      export class ProxyAgent { constructor(...a) { return new (load().ProxyAgent)(...a); } }` }));
  },
};
const r = await build({ metafile: true, entryPoints: [process.argv[2]], outfile: process.argv[3], bundle: true, platform: 'node', format: 'esm', minify: true, keepNames: true, logLevel: 'warning', plugins: [lean],
  banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" } });
const out = Object.values(r.metafile.outputs)[0]; const by = {};
for (const [f, v] of Object.entries(out.inputs)) { const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)(\/dist\/gen)?/); const k = m ? m[1] + (m[2]||'') : f; by[k] = (by[k]||0) + v.bytesInOutput; }
console.log(Object.entries(by).sort((a,b)=>b[1]-a[1]).slice(0,14).map(([k,v])=>`${(v/1024).toFixed(0)} kB ${k}`).join('\n'));
