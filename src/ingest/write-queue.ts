// Group commit, per tenant: batches of one tenant are written one
// transaction at a time, and the batches that arrived meanwhile go together
// into the next one.
//
// Concurrent transactions of one tenant meet on the same rows (its busy
// conversations' counters, its contacts, its tenant row's foreign-key
// locks): they wait for each other, and PostgreSQL spends CPU on the waiting.
// One at a time, they never meet; taking what queued up meanwhile in one
// statement spreads each transaction's fixed costs over more messages and
// updates a busy conversation once instead of once per batch. Tenants still
// write in parallel.
//
// A writer may release the lane early, once its group committed (`committed`):
// the next group's statement is then on its way to the database while this
// group's events are fanned out and its callers answered, rather than after.
//
// A group takes queued batches in arrival order while their WhatsApp message
// ids are disjoint from the group's (so each batch's outcome is its own, as
// if stored alone) and the group stays within `maxItems` messages and status
// updates; the first batch that does not fit starts the next group. The
// queue is this process's: other processes writing the same tenant stay
// correct through the store function's own locking.
import { jobIds, type StoreJob } from './store.ts';

interface Waiting<R> {
  job: StoreJob;
  ids: Set<string>;
  size: number;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

interface Lane<R> {
  queue: Waiting<R>[];
  writing: boolean;
}

/**
 * Writes a group of one tenant's jobs; settles each job's promise (resolve or
 * reject) itself. May call `committed` once nothing of the group is left to
 * write (the next group may start); the lane is released when the returned
 * promise settles at the latest.
 */
export type GroupWriter<R> = (tenantId: bigint, group: readonly Waiting<R>[], committed: () => void) => Promise<void>;

export type { Waiting as QueuedJob };

export class TenantWriteQueue<R> {
  private readonly lanes = new Map<string, Lane<R>>();

  constructor(
    private readonly write: GroupWriter<R>,
    private readonly maxItems: number,
  ) {}

  /** Queues a job of the tenant; resolves with what `write` reports for it. */
  submit(tenantId: bigint, job: StoreJob): Promise<R> {
    const key = tenantId.toString();
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { queue: [], writing: false }));
    const promise = new Promise<R>((resolve, reject) => {
      lane.queue.push({ job, ids: jobIds(job), size: job.messages.length + job.statusUpdates.length, resolve, reject });
    });
    this.next(tenantId, key, lane);
    return promise;
  }

  /** Tenants with a write under way or waiting (tests check that idle tenants are forgotten). */
  get busyTenants(): number {
    return this.lanes.size;
  }

  private next(tenantId: bigint, key: string, lane: Lane<R>): void {
    if (lane.writing) return;
    if (!lane.queue.length) {
      this.lanes.delete(key);
      return;
    }
    const group = takeGroup(lane.queue, this.maxItems);
    lane.writing = true;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      lane.writing = false;
      this.next(tenantId, key, lane);
    };
    this.write(tenantId, group, release)
      .catch((err: unknown) => {
        for (const w of group) w.reject(err);
      })
      .finally(release);
  }
}

/** Removes and returns the queue's first job and the ones after it that can share its statement. */
export function takeGroup<W extends { ids: Set<string>; size: number }>(queue: W[], maxItems: number): W[] {
  const group = [queue[0]!];
  const ids = new Set(queue[0]!.ids);
  let size = queue[0]!.size;
  let n = 1;
  for (; n < queue.length; n++) {
    const w = queue[n]!;
    if (size + w.size > maxItems) break;
    let shared = false;
    for (const id of w.ids) {
      if (ids.has(id)) {
        shared = true;
        break;
      }
    }
    if (shared) break;
    for (const id of w.ids) ids.add(id);
    size += w.size;
    group.push(w);
  }
  queue.splice(0, n);
  return group;
}
