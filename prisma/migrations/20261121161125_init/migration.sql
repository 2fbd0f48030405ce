-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateEnum
CREATE TYPE "ContentType" AS ENUM ('TEXT', 'IMAGE', 'VIDEO', 'AUDIO', 'FILE', 'CONTACT_CARD', 'STICKER', 'CALL', 'QUOTE', 'CARD_LINK', 'DIVERT_LINK', 'VOICE_NOTE', 'LOCATION', 'CONTACT_CARDS', 'GIF', 'UNSUPPORTED');

-- CreateEnum
CREATE TYPE "MessageStatus" AS ENUM ('PENDING', 'SENT', 'DELIVERED', 'READ');

-- CreateEnum
CREATE TYPE "Direction" AS ENUM ('OUTBOUND', 'INBOUND');

-- CreateEnum
CREATE TYPE "ChatType" AS ENUM ('PRIVATE', 'GROUP');

-- CreateEnum
CREATE TYPE "Origin" AS ENUM ('PC', 'APP', 'WEB');

-- CreateEnum
CREATE TYPE "IngestSource" AS ENUM ('MSG_SYNC', 'CLIENT_SYNC', 'API', 'IMPORT');

-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('READ', 'INGEST', 'ADMIN');

-- CreateTable
CREATE TABLE "Tenant" (
    "id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "webhookSecret" TEXT NOT NULL,
    "messageCount" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "tenantId" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" "ApiKeyScope"[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Contact" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" BIGINT NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT,
    "whatsId" TEXT,
    "whatsIdBare" TEXT,
    "ownerName" TEXT,
    "income" TEXT,
    "profession" TEXT,
    "description" TEXT,
    "email" TEXT,
    "address" TEXT,
    "tags" TEXT[],
    "customFields" JSONB NOT NULL DEFAULT '{}',
    "extendsMap" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Contact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Conversation" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" BIGINT NOT NULL,
    "accountWhatsId" TEXT NOT NULL,
    "accountWhatsIdBare" TEXT NOT NULL,
    "friendWhatsId" TEXT NOT NULL,
    "friendWhatsIdBare" TEXT NOT NULL,
    "chatType" "ChatType" NOT NULL,
    "friendName" TEXT,
    "contactId" BIGINT,
    "agentId" TEXT,
    "agentAccount" TEXT,
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "unreadCount" INTEGER NOT NULL DEFAULT 0,
    "lastMessageId" BIGINT,
    "lastMessageAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Message" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" BIGINT NOT NULL,
    "conversationId" BIGINT NOT NULL,
    "contactId" BIGINT,
    "whatsMessageId" TEXT NOT NULL,
    "syncId" TEXT,
    "agentId" TEXT,
    "agentAccount" TEXT,
    "accountWhatsId" TEXT NOT NULL,
    "accountWhatsIdBare" TEXT NOT NULL,
    "senderWhatsId" TEXT,
    "friendWhatsId" TEXT NOT NULL,
    "friendWhatsIdBare" TEXT NOT NULL,
    "friendName" TEXT,
    "direction" "Direction" NOT NULL,
    "chatType" "ChatType" NOT NULL,
    "contentType" "ContentType" NOT NULL,
    "legacyContentType" INTEGER NOT NULL,
    "content" TEXT NOT NULL,
    "referContent" TEXT,
    "parsedContent" JSONB NOT NULL,
    "searchText" TEXT NOT NULL DEFAULT '',
    "status" "MessageStatus" NOT NULL,
    "pendingAt" TIMESTAMPTZ(3),
    "sentAt" TIMESTAMPTZ(3),
    "deliveredAt" TIMESTAMPTZ(3),
    "readAt" TIMESTAMPTZ(3),
    "origin" "Origin",
    "taskId" TEXT,
    "taskInfoId" TEXT,
    "source" "IngestSource" NOT NULL,
    "chatTime" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PendingStatus" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" BIGINT NOT NULL,
    "whatsMessageId" TEXT NOT NULL,
    "status" "MessageStatus" NOT NULL,
    "agentId" TEXT,
    "reachedAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PendingStatus_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "ApiKey_tenantId_idx" ON "ApiKey"("tenantId");

-- CreateIndex
CREATE INDEX "Contact_tenantId_whatsIdBare_idx" ON "Contact"("tenantId", "whatsIdBare");

-- CreateIndex
CREATE INDEX "Contact_tenantId_id_idx" ON "Contact"("tenantId", "id");

-- CreateIndex
CREATE INDEX "Contact_tags_idx" ON "Contact" USING GIN ("tags");

-- CreateIndex
CREATE UNIQUE INDEX "Contact_tenantId_externalId_key" ON "Contact"("tenantId", "externalId");

-- CreateIndex
CREATE INDEX "Conversation_tenantId_lastMessageAt_id_idx" ON "Conversation"("tenantId", "lastMessageAt", "id");

-- CreateIndex
CREATE INDEX "Conversation_tenantId_friendWhatsIdBare_idx" ON "Conversation"("tenantId", "friendWhatsIdBare");

-- CreateIndex
CREATE INDEX "Conversation_tenantId_agentAccount_lastMessageAt_id_idx" ON "Conversation"("tenantId", "agentAccount", "lastMessageAt", "id");

-- CreateIndex
CREATE INDEX "Conversation_contactId_idx" ON "Conversation"("contactId");

-- CreateIndex
CREATE UNIQUE INDEX "Conversation_tenantId_accountWhatsIdBare_friendWhatsIdBare__key" ON "Conversation"("tenantId", "accountWhatsIdBare", "friendWhatsIdBare", "chatType");

-- CreateIndex
CREATE INDEX "Message_conversationId_chatTime_id_idx" ON "Message"("conversationId", "chatTime", "id");

-- CreateIndex
CREATE INDEX "Message_tenantId_chatTime_id_idx" ON "Message"("tenantId", "chatTime", "id");

-- CreateIndex
CREATE INDEX "Message_tenantId_whatsMessageId_idx" ON "Message"("tenantId", "whatsMessageId");

-- CreateIndex
CREATE INDEX "Message_tenantId_friendWhatsIdBare_chatTime_id_idx" ON "Message"("tenantId", "friendWhatsIdBare", "chatTime", "id");

-- CreateIndex
CREATE INDEX "Message_tenantId_accountWhatsIdBare_chatTime_id_idx" ON "Message"("tenantId", "accountWhatsIdBare", "chatTime", "id");

-- CreateIndex
CREATE INDEX "Message_tenantId_agentAccount_chatTime_id_idx" ON "Message"("tenantId", "agentAccount", "chatTime", "id");

-- CreateIndex
CREATE INDEX "Message_tenantId_agentId_chatTime_id_idx" ON "Message"("tenantId", "agentId", "chatTime", "id");

-- CreateIndex
CREATE INDEX "Message_contactId_chatTime_id_idx" ON "Message"("contactId", "chatTime", "id");

-- CreateIndex
CREATE INDEX "Message_searchText_idx" ON "Message" USING GIN ("searchText" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "Message_tenantId_accountWhatsIdBare_whatsMessageId_key" ON "Message"("tenantId", "accountWhatsIdBare", "whatsMessageId");

-- CreateIndex
CREATE UNIQUE INDEX "PendingStatus_tenantId_whatsMessageId_status_key" ON "PendingStatus"("tenantId", "whatsMessageId", "status");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PendingStatus" ADD CONSTRAINT "PendingStatus_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
