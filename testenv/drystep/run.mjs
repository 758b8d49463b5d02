#!/usr/bin/env node
// Entry point of the dry-run step (main.ts), runnable from any working directory — the
// local Argo starts steps in a fresh temporary folder, where `node --import tsx` would not
// find tsx. Here `tsx/esm/api` resolves from this file's folder, i.e. the project's node_modules.
//   --step-command='["node","/ABS/PATH/testenv/drystep/run.mjs"]'
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  env: process.env,
});
process.exitCode = code;
