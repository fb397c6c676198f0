/** Events of a Relay (subscribe with `relay.events.on(name, listener)`; it returns the unsubscribe). */
export interface RelayEvents {
  /** A non-empty batch finished: claimed rows, of which published / dead / held back. */
  'relay:batch:published': { claimed: number; published: number; dead: number; held: number; durationMs: number };
  /**
   * The broker acknowledged (acks=all) a produce request of a batch: the ids of the messages it
   * carried, in send order, and `brokerAckAt`, when the send resolved, in milliseconds of
   * `process.hrtime` (CLOCK_MONOTONIC, shared by every process of a Linux host, so it can be
   * compared with a commit time taken in the application's process; performance.now() could
   * not). One event per produce request: a batch larger than maxRequestBytes goes in several.
   * It fires before the batch's database acknowledgement; should that transaction roll back (a
   * lease lost), the rows stay READY and are published again, and fire this event again.
   */
  'relay:batch:acked': { ids: string[]; brokerAckAt: number };
  'message:dead': { id: string; error: string };
  /**
   * A batch of pipeline `lane` failed and was rolled back — or, with AcknowledgementFailedError,
   * was recorded but for rows the database refused; that lane backs off (the others go on).
   */
  'relay:error': { error: unknown; consecutiveFailures: number; lane: number };
  /** A LISTEN notification (or a local commit, with eager dispatch) woke the relay. */
  'relay:nudged': { payload: string };
  'relay:producer:recreated': { reason: string };
  'relay:retention:deleted': { deleted: number };
  'relay:leases:changed': { acquired: number[]; lost: number[]; released: number[]; held: number; liveInstances: number };
}
