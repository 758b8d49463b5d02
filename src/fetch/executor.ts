// Lines Argo's executor writes into a step's own log. With the emissary executor (Argo's only one since
// v3.4) the `main` container's PID 1 is `argoexec emissary`, which runs the step's command as its child and
// logs to the same stderr — e.g. `time=… level=INFO msg="sub-process exited" argo=true error=<nil>` when the
// step ends. Argo tags every such line with the field argo=true (cmd/argoexec/commands/root.go: "Required:
// argo=true field for test filtering compatibility"), and its own tests drop them from `argo logs` output.
// They are not the step's output, so Fetch does not deliver them either. Only a line in the exact shape of
// Go's slog handlers (text: `time=<RFC3339> level=<LEVEL> msg=…`, JSON: `{"time":"…","level":"…","msg":…`)
// carrying that field counts, so a step's own line is never mistaken for one.
const TEXT = /^time=\d{4}-\d{2}-\d{2}T\S+ level=(?:DEBUG|INFO|WARN|ERROR)(?:[+-]\d+)? msg=(?:"(?:[^"\\]|\\.)*"|\S*)(?: .*)? argo=true(?: |$)/;
const JSON_LINE = /^\{"time":"\d{4}-\d{2}-\d{2}T[^"]*","level":"(?:DEBUG|INFO|WARN|ERROR)(?:[+-]\d+)?","msg":.*"argo":true[,}]/;

/** Whether `text` (one log line without its newline) is a line of Argo's executor, not of the step. */
export function isExecutorLine(text: string): boolean {
  if (text.startsWith('time=')) return TEXT.test(text);
  if (text.startsWith('{"time":')) return JSON_LINE.test(text);
  return false;
}

/**
 * Cobra's `Error: exit status N`, which the emissary prints (untagged) after a step that exited non-zero. Fetch
 * delivers it — by its text alone it cannot be told from a step's own line — but it says nothing the exit code
 * does not, so a step's "last line" (proto.SQLFlow's failure message) skips it.
 */
export function isExecutorExitLine(text: string): boolean {
  return /^Error: exit status \d+$/.test(text);
}
