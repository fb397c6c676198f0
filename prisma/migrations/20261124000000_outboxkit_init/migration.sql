-- CreateTable
CREATE TABLE "outbox_message" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "tx_id" BIGINT NOT NULL DEFAULT ((pg_current_xact_id())::text)::bigint,
    "topic" TEXT NOT NULL,
    "key" TEXT,
    "payload" JSONB,
    "payload_bytes" BYTEA,
    "type" TEXT,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "producer_group" TEXT,
    "transaction_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'READY',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "check_count" INTEGER NOT NULL DEFAULT 0,
    "next_check_at" TIMESTAMPTZ(3),
    "parked_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "traceparent" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbox_message" (
    "consumer_group" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "topic" TEXT,
    "partition" INTEGER,
    "offset" BIGINT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbox_message_pkey" PRIMARY KEY ("consumer_group","message_id")
);

-- CreateTable
CREATE TABLE "outbox_tx_marker" (
    "transaction_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_tx_marker_pkey" PRIMARY KEY ("transaction_id")
);

-- CreateIndex
CREATE INDEX "outbox_message_status_seq_idx" ON "outbox_message"("status", "seq");

-- CreateIndex
CREATE INDEX "inbox_message_received_at_idx" ON "inbox_message"("received_at");

-- outboxkit: what Prisma's schema language cannot express.
-- The state machine of SPEC §3, enforced by the database as well as by the library.
ALTER TABLE "outbox_message" ADD CONSTRAINT "outbox_message_status_check"
    CHECK ("status" IN ('HALF', 'READY', 'PUBLISHED', 'ROLLED_BACK', 'DEAD'));
-- A message carries a JSON payload or raw bytes, never both.
ALTER TABLE "outbox_message" ADD CONSTRAINT "outbox_message_payload_check"
    CHECK (("payload" IS NULL) <> ("payload_bytes" IS NULL));
-- The back-check scans only undecided half messages.
CREATE INDEX "outbox_message_half_idx" ON "outbox_message"("next_check_at") WHERE "status" = 'HALF';
