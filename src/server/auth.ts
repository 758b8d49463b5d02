// Who is calling, and may they? A bearer token checked with a TokenReview, then a SubjectAccessReview for the verb
// on sqlflowjobs in the job's namespace (Run: create, Fetch/Follow/Get: get, Cancel: patch).
//
// After that the API acts with the OPERATOR's identity (its ServiceAccount): the caller needs no rights on
// workflows, pods or pods/log — reading a job's logs is exactly "get sqlflowjobs" in its namespace.
// Answers are cached for a few seconds (a Fetch loop at 5 calls/s must not cost 10 reviews a second); a revoked
// right therefore takes up to `cacheMs` to bite.
import { createHash } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { GROUP, PLURAL } from '../api/job.ts';
import { describeError } from '../kube/errors.ts';
import type { Resources } from '../kube/resources.ts';
import { type Logger, silentLogger } from '../kube/logger.ts';

export type Verb = 'create' | 'get' | 'patch';

export interface Caller {
  user: string;
  groups: string[];
}

export interface Authorizer {
  /** Throws ConnectError Unauthenticated / PermissionDenied; returns the caller. */
  check(authorization: string | null, verb: Verb, namespace: string): Promise<Caller>;
}

/** For the local stack only: everyone is allowed everything. */
export const allowAll: Authorizer = {
  check: async () => ({ user: 'anonymous (auth: none)', groups: [] }),
};

/** The parts of the review answers read here. */
interface TokenReview {
  status?: { authenticated?: boolean; error?: string; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
}
interface SubjectAccessReview {
  status?: { allowed?: boolean; reason?: string };
}

interface Cached<T> {
  value: T;
  until: number;
}

export class KubernetesAuthorizer implements Authorizer {
  private readonly kube: Pick<Resources, 'create'>;
  private readonly cacheMs: number;
  private readonly log: Logger;
  private readonly users = new Map<string, Cached<{ user: string; groups: string[]; uid: string; extra: Record<string, string[]> } | string>>();
  private readonly grants = new Map<string, Cached<boolean | string>>();

  constructor(kube: Pick<Resources, 'create'>, opts: { cacheMs?: number; logger?: Logger } = {}) {
    this.kube = kube;
    this.cacheMs = opts.cacheMs ?? 10_000;
    this.log = opts.logger ?? silentLogger;
  }

  async check(authorization: string | null, verb: Verb, namespace: string): Promise<Caller> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) {
      throw new ConnectError('missing bearer token: send "Authorization: Bearer <Kubernetes token>" (e.g. a ServiceAccount token)', Code.Unauthenticated);
    }
    const who = await this.authenticate(m[1]!);
    if (!namespace) throw new ConnectError('a namespace is required', Code.InvalidArgument);
    const key = `${who.user}\n${who.groups.join(',')}\n${verb}\n${namespace}`;
    const now = Date.now();
    let g = this.grants.get(key);
    if (!g || g.until < now) {
      g = { value: await this.review(who, verb, namespace), until: now + this.cacheMs };
      this.prune(this.grants, now);
      this.grants.set(key, g);
    }
    if (g.value !== true) {
      const why = typeof g.value === 'string' && g.value ? ` (${g.value})` : '';
      throw new ConnectError(
        `${who.user} may not ${verb} sqlflowjobs.${GROUP} in namespace ${namespace}${why}; ask for a Role granting "${verb}" on sqlflowjobs`,
        Code.PermissionDenied,
      );
    }
    return { user: who.user, groups: who.groups };
  }

  private async authenticate(token: string): Promise<{ user: string; groups: string[]; uid: string; extra: Record<string, string[]> }> {
    const key = createHash('sha256').update(token).digest('base64');
    const now = Date.now();
    let c = this.users.get(key);
    if (!c || c.until < now) {
      let value: { user: string; groups: string[]; uid: string; extra: Record<string, string[]> } | string;
      try {
        const tr = await this.kube.create<TokenReview>({ group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews' },
          { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
        const u = tr.status?.user;
        value = tr.status?.authenticated && u?.username
          ? { user: u.username, groups: u.groups ?? [], uid: u.uid ?? '', extra: u.extra ?? {} }
          : (tr.status?.error ?? 'token not accepted');
      } catch (err) {
        this.log.warn('TokenReview failed', { err: describeError(err) });
        throw new ConnectError(`cannot verify the token right now: ${describeError(err)}`, Code.Unavailable);
      }
      c = { value, until: now + this.cacheMs };
      this.prune(this.users, now);
      this.users.set(key, c);
    }
    if (typeof c.value === 'string') throw new ConnectError(`the bearer token was not accepted by Kubernetes: ${c.value}`, Code.Unauthenticated);
    return c.value;
  }

  private async review(who: { user: string; groups: string[]; uid: string; extra: Record<string, string[]> }, verb: Verb, namespace: string): Promise<boolean | string> {
    try {
      const sar = await this.kube.create<SubjectAccessReview>({ group: 'authorization.k8s.io', version: 'v1', plural: 'subjectaccessreviews' }, {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: {
          user: who.user, groups: who.groups, uid: who.uid, extra: who.extra,
          resourceAttributes: { namespace, verb, group: GROUP, resource: PLURAL },
        },
      });
      return sar.status?.allowed === true ? true : (sar.status?.reason ?? false);
    } catch (err) {
      this.log.warn('SubjectAccessReview failed', { err: describeError(err) });
      throw new ConnectError(`cannot check permissions right now: ${describeError(err)}`, Code.Unavailable);
    }
  }

  private prune<T>(m: Map<string, Cached<T>>, now: number): void {
    if (m.size < 10_000) return;
    for (const [k, v] of m) if (v.until < now) m.delete(k);
  }
}
