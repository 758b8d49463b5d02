// Why a step's pod is not running yet, from its status alone: the Fetch core puts it on a Pending step (so API
// clients see it too) and the CLI says it when nothing moves. Pure.

/** The part of a Pod's status that says why it is not running yet. */
export interface PodWaitView {
  name: string;
  phase?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  initContainerStatuses?: ContainerWaitView[];
  containerStatuses?: ContainerWaitView[];
}

export interface ContainerWaitView {
  name: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: unknown };
}

/** Why a Pending pod is not running: a waiting container's reason and message, else its scheduling condition. */
export function podWaitReason(p: PodWaitView): string {
  for (const c of [...(p.initContainerStatuses ?? []), ...(p.containerStatuses ?? [])]) {
    const w = c.state?.waiting;
    if (w?.reason) return `container ${c.name} ${w.reason}${w.message ? `: ${w.message}` : ''}`;
  }
  const sched = p.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (sched) return `not scheduled${sched.reason ? ` (${sched.reason})` : ''}${sched.message ? `: ${sched.message}` : ''}`;
  return p.phase === 'Pending' || !p.phase ? 'not started by its node yet' : p.phase;
}
