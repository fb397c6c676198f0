-- outboxkit: what Prisma's schema language cannot express.
-- Superseded by "outbox_message_dead_key_hash_idx".
DROP INDEX IF EXISTS "outbox_message_dead_key_idx";
-- Dead-key policy "hold": the claim looks for an older DEAD row of the same key (by a hash of the key, which fits an index entry however long the key).
CREATE INDEX "outbox_message_dead_key_hash_idx" ON "outbox_message"(hashtextextended("key", 0), "seq") WHERE "status" = 'DEAD';
