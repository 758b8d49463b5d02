// A step pod's `main` log without what Argo's emissary appends when the step ends (the local Argo writes it
// as the real one does: testenv/argo/emissary.ts), for tests that compare a step's own output exactly.
const TAIL = /time=\S+ level=INFO msg="sub-process exited" argo=true error=(?:<nil>|"exit status \d+")\n(?:Error: exit status \d+\n)?$/;

export function withoutExecutorLines(log: string): string {
  return log.replace(TAIL, '');
}
