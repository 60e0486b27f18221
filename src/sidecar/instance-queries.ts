/**
 * `QueryInstances` and `ListInstanceIds`: the hub's paged instance query (creation time then ID order, opaque
 * continuation tokens) under the protocol's filters. Entities are left out unless the ID prefix asks for them (`@`).
 * @module
 */
import { TERMINAL_STATUSES, type RuntimeStatus } from "../core/runtime-status.js";
import type { InstanceRecord } from "../core/records.js";
import type { InstanceQuery as HubQuery, TaskHub } from "../task-hub/task-hub.js";
import { toOrchestrationState } from "./instance-state.js";
import type {
  InstanceQuery,
  ListInstanceIdsRequest,
  ListInstanceIdsResponse,
  MessageInput,
  QueryInstancesResponse,
} from "./messages.js";
import { optionalString, optionalTime, pageSize, statusFilter } from "./request-values.js";

/** How many hub pages one `ListInstanceIds` call reads at most to fill a page when filtering by completion time. */
export const MAX_PAGES_PER_LIST = 20;

/** One page of `QueryInstances`. */
export async function queryInstances(
  hub: TaskHub,
  query: InstanceQuery | null,
): Promise<MessageInput<QueryInstancesResponse>> {
  const statuses = statusFilter(query?.runtimeStatus ?? [], "query.runtimeStatus");
  if (statuses?.length === 0) return { orchestrationState: [], continuationToken: null };
  const prefix = optionalString(query?.instanceIdPrefix);
  const withPayloads = query?.fetchInputsAndOutputs ?? false;
  const page = await hub.listInstances({
    statuses,
    createdFrom: optionalTime(query?.createdTimeFrom, "query.createdTimeFrom"),
    createdTo: optionalTime(query?.createdTimeTo, "query.createdTimeTo"),
    instanceIdPrefix: prefix === "" ? undefined : prefix,
    excludeEntities: !prefix?.startsWith("@"),
    pageSize: pageSize(query?.maxInstanceCount ?? 0, "query.maxInstanceCount"),
    continuationToken: optionalString(query?.continuationToken) || undefined,
    includePayloads: withPayloads,
  });
  return {
    orchestrationState: page.instances.map((record) => toOrchestrationState(record, withPayloads)),
    continuationToken: page.continuationToken !== undefined ? { value: page.continuationToken } : null,
  };
}

/**
 * One page of `ListInstanceIds`. The hub filters by status; the completion-time range (which only finished instances
 * have) is applied to each hub page, and hub pages are read, each as large as what the page still lacks, until the
 * page is full, the instances run out or {@link MAX_PAGES_PER_LIST} pages were read: the returned key always marks
 * where the last hub page ended, so nothing is skipped or repeated.
 */
export async function listInstanceIds(
  hub: TaskHub,
  request: ListInstanceIdsRequest,
): Promise<MessageInput<ListInstanceIdsResponse>> {
  const from = optionalTime(request.completedTimeFrom, "completedTimeFrom");
  const to = optionalTime(request.completedTimeTo, "completedTimeTo");
  const byCompletion = from !== undefined || to !== undefined;
  let statuses: readonly RuntimeStatus[] | undefined = statusFilter(request.runtimeStatus, "runtimeStatus");
  // Only finished instances have a completion time.
  if (byCompletion) statuses = (statuses ?? TERMINAL_STATUSES).filter((s) => TERMINAL_STATUSES.includes(s));
  if (statuses?.length === 0) return { instanceIds: [], lastInstanceKey: null };
  const size = pageSize(request.pageSize, "pageSize");
  const matches = (record: InstanceRecord): boolean =>
    !byCompletion ||
    (record.completedAt !== undefined &&
      (from === undefined || record.completedAt >= from) &&
      (to === undefined || record.completedAt <= to));
  const base: HubQuery = { statuses, excludeEntities: true, includePayloads: false };
  const ids: string[] = [];
  let token = optionalString(request.lastInstanceKey) || undefined;
  for (let pages = 0; pages < MAX_PAGES_PER_LIST && ids.length < size; pages++) {
    const page = await hub.listInstances({ ...base, pageSize: size - ids.length, continuationToken: token });
    for (const record of page.instances) if (matches(record)) ids.push(record.instanceId);
    token = page.continuationToken;
    if (token === undefined) break;
  }
  return { instanceIds: ids, lastInstanceKey: token !== undefined ? { value: token } : null };
}
