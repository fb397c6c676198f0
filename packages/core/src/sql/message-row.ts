/**
 * The columns of a message that the statements reading messages back (the relay's claim, the
 * back-check's) select, under these aliases.
 */
export interface MessageRow {
  id: string;
  topic: string;
  key: string | null;
  payload_json: string | null;
  payload_bytes: Uint8Array | null;
  type: string | null;
  headers_json: string;
  producer_group: string | null;
  created_at: Date | string;
}
