// How a statement reaches the step container byte for byte.
//
// Two programs rewrite a container's arguments between the manifest and the process:
//  1. Argo substitutes `{{…}}` in templates, in several passes (global variables, then inputs,
//     then pod variables), and there is no escape for `{{` (argo-workflows#8253, #1765). Passing
//     the statement as a workflow or input parameter does not help: the template — parameter
//     values included — is re-scanned by later passes, so `{{workflow.name}}` or `{{=…}}`
//     inside a statement would be replaced or evaluated.
//  2. The kubelet expands `$(VAR)` in command and args from the container's env, and turns `$$`
//     into `$` (Kubernetes' expansion rules) — so even a plain `SELECT '$$'` would arrive as `$`.
//
// So the builder writes an argument that contains no `{{` at all (Argo has nothing to
// substitute and leaves it alone) and relies on the kubelet's expansion, which runs last and
// exactly once, to restore the text: every `$` is written `$$`, and a `{` followed by another
// `{` is written `$(SQLFLOW_LBRACE)`, an env var of the step set to `{`.

export const LBRACE_ENV = 'SQLFLOW_LBRACE';
const LBRACE_REF = `$(${LBRACE_ENV})`;

/** The container argument that the kubelet turns back into `statement`. */
export function encodeStatementArg(statement: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < statement.length; i++) {
    const c = statement.charCodeAt(i);
    if (c === 36 /* $ */) {
      out += `${statement.slice(from, i)}$$`;
      from = i + 1;
    } else if (c === 123 /* { */ && statement.charCodeAt(i + 1) === 123) {
      out += statement.slice(from, i) + LBRACE_REF;
      from = i + 1;
    }
  }
  return from === 0 ? statement : out + statement.slice(from);
}

/** Whether the step must define LBRACE_ENV for its argument to expand correctly. */
export function needsLbraceEnv(statement: string): boolean {
  return statement.includes('{{');
}

/** The statement a step argument stands for: what the kubelet hands the process. */
export function decodeStatementArg(arg: string): string {
  return expandKubernetesVars(arg, { [LBRACE_ENV]: '{' });
}

/**
 * Kubernetes' `$(VAR)` expansion as the kubelet applies it to command and args: `$$` → `$`,
 * `$(NAME)` → the value of NAME if defined (else left as written), any other `$` kept.
 */
export function expandKubernetesVars(input: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const dollar = input.indexOf('$', i);
    if (dollar < 0 || dollar === input.length - 1) break;
    out += input.slice(i, dollar);
    const next = input[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '(') {
      const close = input.indexOf(')', dollar + 2);
      if (close < 0) {
        out += '$(';
        i = dollar + 2;
      } else {
        const name = input.slice(dollar + 2, close);
        out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`;
        i = close + 1;
      }
    } else {
      out += '$';
      i = dollar + 1;
    }
  }
  return out + input.slice(i);
}
