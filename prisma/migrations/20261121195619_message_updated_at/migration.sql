-- CreateIndex
CREATE INDEX "Message_tenantId_updatedAt_id_idx" ON "Message"("tenantId", "updatedAt", "id");
