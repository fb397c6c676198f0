import { describe, expect, it } from 'vitest';
import { InvalidHalfDecisionError } from '../errors.js';
import { prepareMessage } from '../prepare-message.js';
import { claimDueHalfMessages } from './claim-due-half-messages.js';
import { deferHalfCheck } from './defer-half-check.js';
import { fenceHalfMessage } from './fence-half-message.js';
import { findTxMarker } from './find-tx-marker.js';
import { halfAgeSnapshot } from './half-age-snapshot.js';
import { insertHalfMessage } from './insert-half-message.js';
import { insertTxMarker } from './insert-tx-marker.js';
import { KEY_LOCK_NAMESPACE } from './insert-messages.js';
import { listHalfMessages } from './list-half-messages.js';
import { pruneTxMarkers } from './prune-tx-markers.js';
import { halfMessageStatus, noteHalfMessage, resolveHalfMessage } from './resolve-half-message.js';
import { resumeHalfChecks } from './resume-half-checks.js';

const T = '"public"."outbox_message"';
const M = '"public"."outbox_tx_marker"';
const ID = '0190a6f2-0000-7000-8000-000000000001';

describe('insertHalfMessage', () => {
  it('writes one HALF row with every value bound, bytes as base64', () => {
    const json = { ...prepareMessage({ topic: 't', key: 'k', value: { a: 1 }, headers: { h: 'v' }, type: 'T' }, { maxMessageBytes: 1e6, producerGroup: 'g' }), transactionId: 'tx-1' };
    const statement = insertHalfMessage(T, json, { firstCheckInMs: null, markerCheck: false });
    expect(statement.text).toBe(
      `INSERT INTO ${T} (id, topic, key, payload, payload_bytes, type, headers, producer_group, transaction_id, status, marker_check, next_check_at) ` +
        `VALUES ($1::uuid, $2, $3, $4::jsonb, decode($5, 'base64'), $6, $7::jsonb, $8, $9, 'HALF', $10::boolean, ` +
        `CASE WHEN $11::float8 IS NULL THEN NULL ELSE now() + $11::float8 * interval '1 millisecond' END)`,
    );
    expect(statement.values).toEqual([json.id, 't', 'k', '{"a":1}', null, 'T', '{"h":"v"}', 'g', 'tx-1', false, null]);
    expect(statement.text).not.toContain('pg_advisory_xact_lock');

    const bytes = { ...prepareMessage({ topic: 't', value: new Uint8Array([255, 0]) }, { maxMessageBytes: 1e6, producerGroup: 'g' }), transactionId: 'tx-2' };
    const second = insertHalfMessage(T, bytes, { firstCheckInMs: 7000, markerCheck: true });
    expect(second.values.slice(3, 5)).toEqual([null, '/wA=']);
    expect(second.values.slice(9)).toEqual([true, 7000]);
  });
});

describe('resolveHalfMessage', () => {
  it('commits by compare-and-set, re-drawing seq under the key lock in the same statement', () => {
    const statement = resolveHalfMessage(T, ID, 'COMMIT', null);
    expect(statement.text).toBe(
      `WITH target AS MATERIALIZED (SELECT id, key FROM ${T} WHERE id = $1::uuid AND status = 'HALF'), ` +
        `key_lock AS MATERIALIZED (SELECT count(pg_advisory_xact_lock(${KEY_LOCK_NAMESPACE}, hashtext(key))) AS n FROM target WHERE key IS NOT NULL) ` +
        `UPDATE ${T} AS o SET status = 'READY', seq = nextval(pg_get_serial_sequence($2::text, 'seq')::regclass), ` +
        `next_check_at = NULL, parked_at = NULL, last_error = COALESCE($3, o.last_error) ` +
        `FROM target CROSS JOIN key_lock WHERE o.id = target.id AND o.status = 'HALF' RETURNING o.id::text AS id`,
    );
    // The table name travels as a value, for pg_get_serial_sequence: never pasted into a string literal.
    expect(statement.values).toEqual([ID, T, null]);
  });

  it('rolls back by compare-and-set with the reason bound', () => {
    const statement = resolveHalfMessage(T, ID, 'ROLLBACK', "it's gone");
    expect(statement.text).toBe(
      `UPDATE ${T} SET status = 'ROLLED_BACK', next_check_at = NULL, parked_at = NULL, last_error = COALESCE($2, last_error) ` +
        `WHERE id = $1::uuid AND status = 'HALF' RETURNING id::text AS id`,
    );
    expect(statement.values).toEqual([ID, "it's gone"]);
  });

  it('refuses anything but COMMIT and ROLLBACK instead of taking it for one of them', () => {
    for (const decision of ['commit', 'MAYBE', 'UNKNOWN', undefined]) {
      expect(() => resolveHalfMessage(T, ID, decision as never, null)).toThrow(InvalidHalfDecisionError);
    }
  });

  it('reads the status and notes an undecided message', () => {
    expect(halfMessageStatus(T, ID)).toEqual({ text: `SELECT status, parked_at IS NOT NULL AS parked FROM ${T} WHERE id = $1::uuid`, values: [ID] });
    expect(noteHalfMessage(T, ID, 'boom')).toEqual({
      text: `UPDATE ${T} SET last_error = $2 WHERE id = $1::uuid AND status = 'HALF'`,
      values: [ID, 'boom'],
    });
  });
});

describe('back-check statements', () => {
  it('claims due HALF rows with SKIP LOCKED and a lease, never parked ones', () => {
    const statement = claimDueHalfMessages(T, { limit: 50, immunityMs: 6000, leaseMs: 60000 });
    expect(statement.text).toContain(`WITH due AS (SELECT id FROM ${T} WHERE status = 'HALF' AND parked_at IS NULL AND (next_check_at <= now() OR (next_check_at IS NULL AND created_at <= now() - $2::float8 * interval '1 millisecond')) ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)`);
    expect(statement.text).toContain(`SET next_check_at = now() + $3::float8 * interval '1 millisecond' FROM due WHERE o.id = due.id AND o.status = 'HALF'`);
    expect(statement.text).toContain('o.check_count, o.marker_check, o.created_at');
    expect(statement.values).toEqual([50, 6000, 60000]);
  });

  it('defers a check guarded by the count seen at the claim, parking when told', () => {
    const statement = deferHalfCheck(T, ID, { seenCheckCount: 14, counted: 1, nextCheckInMs: 30000, park: true, note: 'parked' });
    expect(statement.text).toBe(
      `UPDATE ${T} SET check_count = check_count + $3::int, ` +
        `next_check_at = CASE WHEN $5::boolean THEN NULL ELSE now() + $4::float8 * interval '1 millisecond' END, last_error = $6, ` +
        `parked_at = CASE WHEN $5::boolean THEN now() ELSE NULL END ` +
        `WHERE id = $1::uuid AND status = 'HALF' AND parked_at IS NULL AND check_count = $2::int RETURNING check_count`,
    );
    expect(statement.values).toEqual([ID, 14, 1, 30000, true, 'parked']);
  });

  it('writes, finds and fences transaction markers', () => {
    expect(insertTxMarker(M, 'tx')).toEqual({
      text: `INSERT INTO ${M} (transaction_id) VALUES ($1) ON CONFLICT (transaction_id) DO NOTHING`,
      values: ['tx'],
    });
    expect(findTxMarker(M, 'tx')).toEqual({ text: `SELECT 1 AS found FROM ${M} WHERE transaction_id = $1`, values: ['tx'] });
    const fence = fenceHalfMessage(T, M, ID, 'tx', 'no marker');
    expect(fence.text).toBe(
      `WITH fence AS (INSERT INTO ${M} (transaction_id) VALUES ($2) ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id) ` +
        `UPDATE ${T} SET status = 'ROLLED_BACK', next_check_at = NULL, parked_at = NULL, last_error = $3 ` +
        `WHERE id = $1::uuid AND status = 'HALF' AND EXISTS (SELECT 1 FROM fence) RETURNING id::text AS id`,
    );
    expect(fence.values).toEqual([ID, 'tx', 'no marker']);
    const prune = pruneTxMarkers(M, T, 86400000);
    expect(prune.text).toContain(`NOT EXISTS (SELECT 1 FROM ${T} AS o WHERE o.status = 'HALF' AND o.transaction_id = m.transaction_id)`);
    expect(prune.values).toEqual([86400000]);
  });

  it('lists, resumes and measures half messages', () => {
    const all = listHalfMessages(T, { parkedOnly: false, limit: 10 });
    expect(all.text).toContain(`FROM ${T} WHERE status = 'HALF' ORDER BY created_at LIMIT $1`);
    // A parked row is checked by no one until an operator acts: no next check to show.
    expect(all.text).toContain('CASE WHEN parked_at IS NULL THEN next_check_at END AS next_check_at');
    expect(all.values).toEqual([10]);
    expect(listHalfMessages(T, { parkedOnly: true, limit: 5 }).text).toContain(`WHERE status = 'HALF' AND parked_at IS NOT NULL ORDER BY`);
    const resume = resumeHalfChecks(T, [ID]);
    expect(resume.text).toBe(
      `UPDATE ${T} SET parked_at = NULL, check_count = 0, next_check_at = now() WHERE id = ANY($1::uuid[]) AND status = 'HALF' RETURNING id::text AS id`,
    );
    expect(resume.values).toEqual([[ID]]);
    const ages = halfAgeSnapshot(T, [1000, 60000]);
    expect(ages.text).toContain(`FROM unnest($1::float8[]) WITH ORDINALITY AS b(le_ms, ord)`);
    expect(ages.text).toContain(`FROM ${T} WHERE status = 'HALF'`);
    expect(ages.values).toEqual([[1000, 60000]]);
  });
});
