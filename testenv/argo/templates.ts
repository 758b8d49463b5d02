// Template lookup, `{{...}}` substitution and withItems expansion, as Argo's common.ProcessArgs,
// common.SubstituteParams and the steps/dag expanders do them: the object is serialised to JSON,
// each `{{tag}}` (tag trimmed) with a known value is replaced by that value escaped for a JSON
// string, and unknown tags are left as written.
import type { Arguments, Item, Parameter, Template, Workflow, WorkflowStep } from './types.ts';

export function findTemplate(wf: Workflow, name: string | undefined): Template | undefined {
  return wf.spec.templates?.find((t) => t.name === name);
}

export function paramString(v: Parameter['value']): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

/** Global variables: workflow.name, workflow.namespace, workflow.uid, workflow.parameters.<x>. */
export function globalParams(wf: Workflow): Map<string, string> {
  const m = new Map<string, string>();
  m.set('workflow.name', wf.metadata.name ?? '');
  m.set('workflow.namespace', wf.metadata.namespace ?? '');
  m.set('workflow.uid', wf.metadata.uid ?? '');
  if (wf.spec.serviceAccountName) m.set('workflow.serviceAccountName', wf.spec.serviceAccountName);
  for (const p of wf.spec.arguments?.parameters ?? []) {
    const v = paramString(p.value) ?? paramString(p.default);
    if (v !== undefined) m.set(`workflow.parameters.${p.name}`, v);
  }
  return m;
}

export function substitute<T>(obj: T, vars: ReadonlyMap<string, string>): T {
  const json = JSON.stringify(obj);
  const out = json.replace(/\{\{([^{}]*)\}\}/g, (whole, tag: string) => {
    const v = vars.get(tag.trim());
    return v === undefined ? whole : JSON.stringify(v).slice(1, -1);
  });
  return JSON.parse(out) as T;
}

/**
 * Binds the template's inputs from the arguments (argument value, else the input's default or value)
 * and substitutes inputs and the given variables through the template.
 * Throws Argo's message when an input has no value.
 */
export function processTemplate(tmpl: Template, args: Arguments | undefined, vars: ReadonlyMap<string, string>): Template {
  const bound: Parameter[] = [];
  const all = new Map(vars);
  for (const input of tmpl.inputs?.parameters ?? []) {
    const arg = args?.parameters?.find((p) => p.name === input.name);
    const v = paramString(arg?.value) ?? paramString(input.default) ?? paramString(input.value);
    if (v === undefined) throw new Error(`inputs.parameters.${input.name} was not supplied`);
    bound.push({ name: input.name, value: v });
  }
  // Input values may themselves refer to globals.
  const boundSubst = substitute(bound, vars);
  for (const p of boundSubst) all.set(`inputs.parameters.${p.name}`, String(p.value));
  const out = substitute({ ...tmpl, inputs: undefined } as Template, all);
  if (tmpl.inputs) out.inputs = { ...tmpl.inputs, parameters: boundSubst };
  return out;
}

function itemText(item: Item): string {
  if (item === null) return 'null';
  if (typeof item === 'object') return stableJson(item);
  return String(item);
}

function stableJson(v: Item): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k]!)}`).join(',')}}`;
}

/** `<name>(<i>:<desc>)` with parentheses removed from desc (workflow/controller/steps.go generateNodeName). */
function itemName(name: string, index: number, desc: string): string {
  return `${name}(${index}:${desc.replaceAll('(', '').replaceAll(')', '')})`;
}

/** Expands a step or task with withItems into one per item, substituting {{item}} / {{item.key}}. */
export function expandItems<T extends WorkflowStep>(step: T): T[] {
  if (!step.withItems) return [step];
  const { withItems, ...rest } = step;
  return withItems.map((item, i) => {
    const vars = new Map<string, string>();
    let desc: string;
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const vals: string[] = [];
      for (const [k, v] of Object.entries(item)) {
        vars.set(`item.${k}`, itemText(v));
        vals.push(`${k}:${itemText(v)}`);
      }
      vars.set('item', stableJson(item));
      desc = vals.sort().join(',');
    } else {
      vars.set('item', itemText(item));
      desc = itemText(item);
    }
    const expanded = substitute(rest as unknown as T, vars);
    return { ...expanded, name: itemName(step.name, i, desc), template: step.template };
  });
}
