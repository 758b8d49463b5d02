// The content hash of a build context: the files a builder would send, as the context's
// .dockerignore selects them, hashed by path, mode and content. An image is rebuilt exactly when
// this (with its Dockerfile, base and build args) changes.
// Candidates come from git (tracked files plus untracked ones it does not ignore): a file that
// .gitignore hides is not hashed even if .dockerignore would send it.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { check } from './exec.ts';

interface Rule {
  negate: boolean;
  re: RegExp;
}

/** .dockerignore rules as the moby pattern matcher reads them: the last matching rule wins. */
export function parseDockerignore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (let line of text.split('\n')) {
    line = line.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = line.replace(/^\/+/, '').replace(/\/+$/, '');
    if (line) rules.push({ negate, re: patternRegExp(line) });
  }
  return rules;
}

// `*` and `?` stay inside one path segment, `**/` spans any number of them (none too).
function patternRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') { re += '(?:.*/)?'; i += 2; } else { re += '.*'; i += 1; }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether the builder leaves `path` (relative, `/`-separated) out: a rule matches the path or one of its parents. */
export function ignored(rules: readonly Rule[], path: string): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let out = false;
  for (const r of rules) if (prefixes.some((p) => r.re.test(p))) out = !r.negate;
  return out;
}

/** The files of the context `dir` that a build sends, sorted. */
export async function contextFiles(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
  const rules = parseDockerignore(text);
  const listed = await check('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '.'], { cwd: dir });
  const files = [...new Set(listed.split('\0').filter(Boolean))];
  const kept: string[] = [];
  for (const f of files) {
    if (ignored(rules, f)) continue;
    // git lists deleted-but-tracked files too; the builder would not see them.
    if (await stat(join(dir, f)).then((s) => s.isFile(), () => false)) kept.push(f);
  }
  return kept.sort();
}

/** A short hex digest of strings and of the context's files (path, executable bit, content). */
export async function hashOf(parts: readonly string[], contexts: readonly string[] = []): Promise<string> {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}\n`);
  for (const dir of contexts) {
    for (const f of await contextFiles(dir)) {
      const s = await stat(join(dir, f));
      h.update(`file ${f} ${s.mode & 0o111 ? 'x' : '-'} ${s.size}\n`);
      h.update(await readFile(join(dir, f)));
    }
  }
  return h.digest('hex').slice(0, 16);
}

/** The sha256 of one file (a binary that goes into an image). */
export async function fileHash(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}
