// What Argo's emissary executor adds to a step's `main` log on a real node: it is the container's PID 1,
// runs the step's command as its child and logs on the same stderr. When the child ends it logs
// `sub-process exited` (slog text, tagged argo=true: cmd/argoexec/commands/root.go and emissary.go), and
// when the exit code is not 0, cobra prints the command's error, `Error: exit status N`, untagged. Seen on
// the real stack (testenv/argo/README.md, "Parity with real Argo"). Signalled steps and executor errors
// (exit 64) are not modelled.
export function emissaryExitLines(exitCode: number, at: Date = new Date()): string {
  const err = exitCode === 0 ? '<nil>' : `"exit status ${exitCode}"`;
  const tagged = `time=${at.toISOString()} level=INFO msg="sub-process exited" argo=true error=${err}\n`;
  return exitCode === 0 ? tagged : `${tagged}Error: exit status ${exitCode}\n`;
}
