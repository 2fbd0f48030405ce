-- CreateTable
CREATE TABLE "SeenAccessToken" (
    "tenantId" BIGINT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "bodyHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SeenAccessToken_pkey" PRIMARY KEY ("tenantId","tokenHash")
);

-- CreateIndex
CREATE INDEX "SeenAccessToken_expiresAt_idx" ON "SeenAccessToken"("expiresAt");
