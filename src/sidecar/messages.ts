/**
 * The Durable Task protocol's messages as TypeScript types, decoded the way `./protocol.ts` loads them (conventions
 * in `./messages/wire-types.ts`). Messages the server sends may be given as `MessageInput<T>` (partial shapes).
 *
 * Grouped by concept: history events, orchestrator actions, work items (worker RPCs), client RPCs, entities, and
 * the messages they share; `SidecarRpcs` maps every RPC to its request and response types.
 * @module
 */
export type * from "./messages/wire-types.js";
export type * from "./messages/common.js";
export type * from "./messages/history.js";
export type * from "./messages/actions.js";
export type * from "./messages/work-items.js";
export type * from "./messages/client.js";
export type * from "./messages/entities.js";
export type * from "./messages/rpcs.js";
