import type { SqlStatement } from '../ports.js';

export interface RelayMember {
  instanceId: string;
  host: string;
  pid: number;
}

/**
 * Heartbeat of one relay instance: inserts or extends its membership row (expiring after
 * `leaseMs`, database clock), drops rows that expired long ago, and returns how many instances
 * are alive, itself included. The live count decides each instance's fair share of partitions.
 */
export function heartbeatMember(memberTable: string, member: RelayMember, leaseMs: number): SqlStatement {
  return {
    text:
      `WITH me AS (INSERT INTO ${memberTable} (id, host, pid, expires_at) ` +
      `VALUES ($1, $2, $3, clock_timestamp() + $4::int * interval '1 millisecond') ` +
      `ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at RETURNING id), ` +
      `gone AS (DELETE FROM ${memberTable} WHERE expires_at < clock_timestamp() - 10 * $4::int * interval '1 millisecond' AND id <> $1) ` +
      `SELECT ((SELECT count(*) FROM ${memberTable} WHERE expires_at > clock_timestamp() AND id <> $1) + ` +
      `(SELECT count(*) FROM me))::int AS live`,
    values: [member.instanceId, member.host, member.pid, leaseMs],
  };
}

/** Removes an instance's membership row when it shuts down, so others rebalance at once. */
export function leaveMembership(memberTable: string, instanceId: string): SqlStatement {
  return { text: `DELETE FROM ${memberTable} WHERE id = $1`, values: [instanceId] };
}
