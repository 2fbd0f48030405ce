-- A message belongs to its tenant through its conversation (the write path
-- stores both under the same tenant, and deleting a tenant deletes its
-- conversations and so their messages): the foreign key from "Message" to
-- "Tenant" only cost one more check per inserted message (about 4 µs each,
-- measured with bench/profile-ingest.ts).
ALTER TABLE "Message" DROP CONSTRAINT "Message_tenantId_fkey";
