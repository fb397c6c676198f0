/** Events of a Relay (subscribe with `relay.events.on(name, listener)`; it returns the unsubscribe). */
export interface RelayEvents {
  /** A non-empty batch finished: claimed rows, of which published / dead / held back. */
  'relay:batch:published': { claimed: number; published: number; dead: number; held: number; durationMs: number };
  'message:dead': { id: string; error: string };
  /** A batch failed and was rolled back; the loop backs off. */
  'relay:error': { error: unknown; consecutiveFailures: number };
  /** A LISTEN notification (or a local commit, with eager dispatch) woke the relay. */
  'relay:nudged': { payload: string };
  'relay:producer:recreated': { reason: string };
  'relay:retention:deleted': { deleted: number };
  'relay:leases:changed': { acquired: number[]; lost: number[]; released: number[]; held: number; liveInstances: number };
}
