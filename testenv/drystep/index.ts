// The operator's --step-command for the dry-run step, with absolute paths so that it works
// whatever the step's working directory: this Node binary, then run.mjs.
import { fileURLToPath } from 'node:url';

export const DRYSTEP_ENTRY = fileURLToPath(new URL('./run.mjs', import.meta.url));

/** argv prefix before each statement, e.g. ["/usr/bin/node", "/repo/testenv/drystep/run.mjs"]. */
export function drystepCommand(node: string = process.execPath): string[] {
  return [node, DRYSTEP_ENTRY];
}

/** The same as the --step-command flag's JSON value. */
export function drystepCommandFlag(node?: string): string {
  return JSON.stringify(drystepCommand(node));
}
