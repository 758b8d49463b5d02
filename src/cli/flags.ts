import { UsageError } from './io.ts';

// Parsers for flag values shared by subcommands; each names the flag in its error.

/** `k=v` pairs from a repeatable flag; a key given twice is an error, not a silent override. */
export function keyValues(flag: string, values: readonly string[] | undefined): Record<string, string> | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} ${JSON.stringify(kv)}: expected KEY=VALUE`);
    const key = kv.slice(0, eq);
    if (Object.hasOwn(out, key)) throw new UsageError(`--${flag}: ${key} is given twice`);
    out[key] = kv.slice(eq + 1);
  }
  return out;
}

/** A JSON array of strings, e.g. '["step","-e"]'. */
export function jsonStringArray(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected a JSON array of strings, e.g. '["step","-e"]'`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string')) {
    throw new UsageError(`--${flag}: expected a non-empty JSON array of strings, e.g. '["step","-e"]'`);
  }
  return parsed;
}

/** `NAME:KEY` of a Secret. */
export function secretRef(flag: string, value: string | undefined): { name: string; key: string } | undefined {
  if (value === undefined) return undefined;
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected SECRET_NAME:KEY`);
  return { name: value.slice(0, colon), key: value.slice(colon + 1) };
}

export function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected a positive whole number`);
  }
  return Number(value);
}
