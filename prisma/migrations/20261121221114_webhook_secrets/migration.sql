-- Several webhook secrets per tenant (rotation): the one secret of each tenant
-- moves from "Tenant"."webhookSecret" into "WebhookSecret", as it is stored
-- (sealed `v1:…`, or in the clear from before sealing: sealed at start-up).

-- CreateTable
CREATE TABLE "WebhookSecret" (
    "id" UUID NOT NULL,
    "tenantId" BIGINT NOT NULL,
    "secret" TEXT NOT NULL,
    "prefix" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "WebhookSecret_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookSecret_tenantId_idx" ON "WebhookSecret"("tenantId");

-- AddForeignKey
ALTER TABLE "WebhookSecret" ADD CONSTRAINT "WebhookSecret_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Data: each tenant's secret becomes its first active WebhookSecret, created
-- when the tenant was. A sealed secret's prefix cannot be read here (the key
-- is not in the database): start-up fills it in.
INSERT INTO "WebhookSecret" ("id", "tenantId", "secret", "prefix", "createdAt")
SELECT gen_random_uuid(), "id", "webhookSecret",
       CASE WHEN "webhookSecret" LIKE 'v1:%' THEN NULL ELSE left("webhookSecret", 10) END,
       "createdAt"
  FROM "Tenant"
 WHERE "webhookSecret" <> '';

-- AlterTable
ALTER TABLE "Tenant" DROP COLUMN "webhookSecret";
