// Reads the apiserver's audit log (ControlPlane started with audit: true) to count the
// requests one identity made: the honest way to prove a controller does not poll.
import { readFile } from 'node:fs/promises';

export interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  requestReceivedTimestamp: string;
}

/** `username`: one identity, or a test on the name (for "everyone but …"). */
export async function auditEvents(file: string, username: string | ((name: string) => boolean), since: Date): Promise<AuditEvent[]> {
  const who = typeof username === 'string' ? (name: string) => name === username : username;
  const text = await readFile(file, 'utf8');
  const out: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as AuditEvent;
    // One event per request: ResponseComplete, or ResponseStarted for long-running watches.
    if (!who(e.user.username) || (e.stage !== 'ResponseComplete' && e.stage !== 'ResponseStarted')) continue;
    if (e.stage === 'ResponseComplete' && e.verb === 'watch') continue;
    if (new Date(e.requestReceivedTimestamp) < since) continue;
    out.push(e);
  }
  return out;
}

/** "verb resource[/subresource]" → count. */
export function tally(events: readonly AuditEvent[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const e of events) {
    const k = `${e.verb} ${e.objectRef?.resource ?? e.requestURI}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}
