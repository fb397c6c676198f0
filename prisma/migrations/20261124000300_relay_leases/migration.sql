-- CreateTable
CREATE TABLE "outbox_relay_lease" (
    "partition" INTEGER NOT NULL,
    "owner" TEXT,
    "token" BIGINT NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3),
    "acquired_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_relay_lease_pkey" PRIMARY KEY ("partition")
);

-- CreateTable
CREATE TABLE "outbox_relay_instance" (
    "id" TEXT NOT NULL,
    "host" TEXT,
    "pid" INTEGER,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outbox_relay_instance_pkey" PRIMARY KEY ("id")
);

-- outboxkit: what Prisma's schema language cannot express.
-- Dead-key policy "hold": the claim looks for an older DEAD row of the same key.
CREATE INDEX "outbox_message_dead_key_idx" ON "outbox_message"("key", "seq") WHERE "status" = 'DEAD';
-- Retention: the cleanup deletes the oldest published rows first.
CREATE INDEX "outbox_message_published_at_idx" ON "outbox_message"("published_at") WHERE "status" = 'PUBLISHED';
