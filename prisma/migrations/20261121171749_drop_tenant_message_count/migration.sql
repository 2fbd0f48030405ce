-- AlterTable
ALTER TABLE "Tenant" DROP COLUMN "messageCount";
