-- CreateEnum
CREATE TYPE "AgentIdentityKind" AS ENUM ('SEAT', 'LOGIN');

-- CreateTable
CREATE TABLE "AgentSighting" (
    "tenantId" BIGINT NOT NULL,
    "accountWhatsIdBare" TEXT NOT NULL,
    "kind" "AgentIdentityKind" NOT NULL,
    "value" TEXT NOT NULL,
    "accountWhatsId" TEXT NOT NULL,
    "firstChatAt" TIMESTAMPTZ(3) NOT NULL,
    "lastChatAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AgentSighting_pkey" PRIMARY KEY ("tenantId","accountWhatsIdBare","kind","value")
);

-- CreateTable
CREATE TABLE "AgentProfile" (
    "tenantId" BIGINT NOT NULL,
    "login" TEXT NOT NULL,
    "name" TEXT,
    "seatIds" TEXT[],
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentProfile_pkey" PRIMARY KEY ("tenantId","login")
);

-- CreateIndex
CREATE INDEX "AgentSighting_tenantId_kind_value_idx" ON "AgentSighting"("tenantId", "kind", "value");

-- CreateIndex
CREATE INDEX "AgentProfile_seatIds_idx" ON "AgentProfile" USING GIN ("seatIds");

-- AddForeignKey
ALTER TABLE "AgentSighting" ADD CONSTRAINT "AgentSighting_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentProfile" ADD CONSTRAINT "AgentProfile_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The directory of the messages stored so far (src/ingest/agent-sightings.ts learns the new ones).
INSERT INTO "AgentSighting" ("tenantId", "accountWhatsIdBare", "kind", "value", "accountWhatsId", "firstChatAt", "lastChatAt")
SELECT "tenantId", "accountWhatsIdBare", 'SEAT'::"AgentIdentityKind", "agentId", min("accountWhatsId"), min("chatTime"), max("chatTime")
FROM "Message" WHERE "agentId" IS NOT NULL AND "agentId" <> '' GROUP BY "tenantId", "accountWhatsIdBare", "agentId"
UNION ALL
SELECT "tenantId", "accountWhatsIdBare", 'LOGIN'::"AgentIdentityKind", "agentAccount", min("accountWhatsId"), min("chatTime"), max("chatTime")
FROM "Message" WHERE "agentAccount" IS NOT NULL AND "agentAccount" <> '' GROUP BY "tenantId", "accountWhatsIdBare", "agentAccount";
