// Step names are `step-<n>` with n = statement index + 1, so a node or pod name read back
// from Argo tells which statement it ran (Argo puts the step name in node names:
// `<wf>[i].step-<n>`, and the template name, equal to it, in v2 pod names).

const STEP_NAME = /^step-([1-9][0-9]*)$/;

/** The step (and template) name for the statement with 0-based `index`. */
export function stepName(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`statement index must be a natural number, got ${index}`);
  return `step-${index + 1}`;
}

/** The 0-based statement index a step name stands for, or undefined if it is not a step name. */
export function stepIndexFromName(name: string): number | undefined {
  const m = STEP_NAME.exec(name);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n - 1 : undefined;
}

/** The name of the entrypoint `steps` template; cannot clash with a step name. */
export const ENTRYPOINT = 'sqlflow';
