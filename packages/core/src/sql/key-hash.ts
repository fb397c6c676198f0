/**
 * The hash by which the dead-key index finds a key's DEAD rows. A btree entry of the key itself
 * fails for keys above about 2.7 kB ("index row size exceeds btree maximum"), and a failed
 * `markDead` would roll its whole batch back; a 64-bit hash of any key always fits.
 *
 * `hashtextextended` is IMMUTABLE (usable in an index) and is the extended hash support function
 * of the text hash operator class: PostgreSQL's hash partitioning and hash indexes are kept
 * across `pg_upgrade` without a rebuild, so its values cannot change between major versions.
 * (`md5` is refused on servers in FIPS mode; `sha256` needs a STABLE text→bytea conversion.)
 * Equal hashes are only candidates: every statement that uses it also compares the keys.
 *
 * The index expression and the claim's expression must be spelled alike for the planner to use
 * the index, so both come from here.
 */
export function keyHash(column: string): string {
  return `hashtextextended(${column}, 0)`;
}
