-- AlterTable
ALTER TABLE "outbox_message" ADD COLUMN     "marker_check" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "outbox_tx_marker_created_at_idx" ON "outbox_tx_marker"("created_at");
