-- The roll-ups read by index-only scans (n in the index): a 30-day range of a
-- tenant is thousands of rows scattered over the heap among other tenants' rows.
-- CreateIndex
CREATE INDEX "MessageCountByDirection_tenantId_slot_direction_n_idx" ON "MessageCountByDirection"("tenantId", "slot", "direction", "n");

-- CreateIndex
CREATE INDEX "MessageCountByKind_tenantId_slot_direction_status_contentTy_idx" ON "MessageCountByKind"("tenantId", "slot", "direction", "status", "contentType", "chatType", "n");

-- CreateIndex
CREATE INDEX "MessageCountFull_tenantId_slot_agentAccount_accountWhatsIdB_idx" ON "MessageCountFull"("tenantId", "slot", "agentAccount", "accountWhatsIdBare", "direction", "status", "contentType", "chatType", "n");
