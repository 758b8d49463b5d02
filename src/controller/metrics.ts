// Prometheus metrics of the operator (prom-client), on their own registry so tests and
// several operators in one process never collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobPhase } from '../api/job.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: 'sqlflow_operator_reconcile_total', help: 'Reconciles by outcome (success, requeue, error).', labelNames: ['outcome'], registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: 'sqlflow_operator_reconcile_errors_total', help: 'Reconciles that failed and were retried with backoff.', registers: [this.registry] });
  readonly reconcileDuration = new Histogram({
    name: 'sqlflow_operator_reconcile_duration_seconds', help: 'Time per reconcile.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [this.registry],
  });
  readonly queueDepth = new Gauge({ name: 'sqlflow_operator_workqueue_depth', help: 'Keys waiting in the work queue.', registers: [this.registry] });
  readonly watchRestarts = new Counter({ name: 'sqlflow_operator_watch_restarts_total', help: 'Watch restarts by resource and reason.', labelNames: ['resource', 'reason'], registers: [this.registry] });
  readonly jobs = new Gauge({ name: 'sqlflow_operator_jobs', help: 'SQLFlowJobs by phase, as last reconciled by this replica.', labelNames: ['phase'], registers: [this.registry] });
  readonly leader = new Gauge({ name: 'sqlflow_operator_leader', help: '1 while this replica leads.', registers: [this.registry] });
  private readonly phases = new Map<string, string>();

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'sqlflow_operator_' });
    for (const p of ['Pending', 'Running', 'Succeeded', 'Failed', 'Error', 'Cancelled']) this.jobs.set({ phase: p }, 0);
  }

  /** Tracks each job's phase so the gauge counts jobs, not transitions. */
  setPhase(key: string, phase: JobPhase | undefined): void {
    const old = this.phases.get(key);
    if (old === phase) return;
    if (old) this.jobs.dec({ phase: old });
    if (phase) {
      this.jobs.inc({ phase });
      this.phases.set(key, phase);
    } else this.phases.delete(key);
  }
}
