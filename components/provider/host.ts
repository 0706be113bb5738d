// The component provider's process: `provider/pulumi-resource-lhcb-platform` runs it. The schema
// is read from the TypeScript of provider/ (its index.ts re-exports this folder's components).
import * as path from "node:path";
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { MasterQuorum, Platform } from "./index";

void componentProviderHost({
  components: [Platform, MasterQuorum],
  name: "lhcb-platform",
  dirname: path.resolve(__dirname, "..", "..", "provider"),
});
