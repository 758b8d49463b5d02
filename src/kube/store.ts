// The informer's in-memory cache: objects by "namespace/name" key, with optional indexes by label value.
//
// Keys use client-go's MetaNamespaceKeyFunc shape ("ns/name", or "name" when cluster-scoped) so the same string
// goes into the work queue and comes back to the reconciler, which splits it with splitKey().
import type { KubernetesObject } from '@kubernetes/client-node';

export function objectKey(obj: KubernetesObject): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class Store<T extends KubernetesObject = KubernetesObject> {
  private readonly items = new Map<string, T>();
  /** label key -> label value -> object keys */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(indexLabels: readonly string[] = []) {
    for (const l of indexLabels) this.indexes.set(l, new Map());
  }

  get size(): number {
    return this.items.size;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  /** All objects, or those in one namespace. A fresh array: safe to keep while the cache changes. */
  list(namespace?: string): T[] {
    const all = [...this.items.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Objects whose label `label` equals `value`; `label` must have been named in the constructor. */
  byLabel(label: string, value: string): T[] {
    const idx = this.indexes.get(label);
    if (!idx) throw new Error(`label ${label} is not indexed`);
    const keys = idx.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** Insert or replace; returns the previous object. */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const prev = this.items.get(key);
    if (prev) this.unindex(key, prev);
    this.items.set(key, obj);
    this.index(key, obj);
    return prev;
  }

  delete(key: string): T | undefined {
    const prev = this.items.get(key);
    if (prev) {
      this.unindex(key, prev);
      this.items.delete(key);
    }
    return prev;
  }

  private index(key: string, obj: T): void {
    for (const [label, idx] of this.indexes) {
      const v = obj.metadata?.labels?.[label];
      if (v === undefined) continue;
      let set = idx.get(v);
      if (!set) idx.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [label, idx] of this.indexes) {
      const v = obj.metadata?.labels?.[label];
      if (v === undefined) continue;
      const set = idx.get(v);
      set?.delete(key);
      if (set && set.size === 0) idx.delete(v);
    }
  }
}
