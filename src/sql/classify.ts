import type { StandardCategory } from './ast.ts';

// Standard statements are classified by their first keyword only: the database parses them.

const CATEGORIES: Record<string, StandardCategory> = {};
for (const k of ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'VALUES', 'TABLE']) CATEGORIES[k] = 'query';
for (const k of ['CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'RENAME', 'COMMENT']) CATEGORIES[k] = 'ddl';
for (const k of ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'REPLACE', 'UPSERT', 'LOAD', 'COPY']) CATEGORIES[k] = 'dml';

/** `keyword` is the statement's first word upper-cased, or '(' for a parenthesized query. */
export function classify(keyword: string): StandardCategory {
  if (keyword === '(') return 'query';
  return CATEGORIES[keyword] ?? 'other';
}
