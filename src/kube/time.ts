// Kubernetes MicroTime: RFC 3339 in UTC with exactly six fractional digits ("2026-11-27T10:00:00.123456Z").
// Lease renewTime/acquireTime and events.k8s.io eventTime use it; the apiserver rejects other shapes for some fields
// and Go's client compares renew times at microsecond precision, so we emit real microseconds when we have them.

/** Wall-clock now in microseconds since the epoch (performance.timeOrigin + now() has sub-ms resolution). */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** Format epoch microseconds (or a Date, whose sub-ms digits become 000) as MicroTime. */
export function formatMicroTime(t: number | Date = nowMicros()): string {
  const micros = t instanceof Date ? t.getTime() * 1000 : Math.floor(t);
  const ms = Math.floor(micros / 1000);
  const sub = ((micros % 1000) + 1000) % 1000;
  const iso = new Date(ms).toISOString(); // 2026-11-27T10:00:00.123Z
  return `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

/** Parse a MicroTime / RFC 3339 string (or a Date that client-node deserialised) to epoch microseconds.
 *  Returns undefined for missing or malformed input so callers can treat it as "never renewed". */
export function parseMicroTime(v: string | Date | undefined | null): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) {
    const t = v.getTime();
    return Number.isNaN(t) ? undefined : t * 1000;
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(v);
  if (!m) return undefined;
  const base = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(base)) return undefined;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return base * 1000 + Number(frac);
}
