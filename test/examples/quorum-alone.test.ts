// examples/quorum-alone, as its operator has it (see platform-from-values.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkExample, sdkVersions } from "../support/example-run";

test(`quorum-alone: installed from the tarball on @pulumi/pulumi ${sdkVersions("quorum-alone").example}, one SDK, type-checked, its mocks test passing`, () => {
  assert.match(checkExample("quorum-alone", "quorum.test.ts"), /^ℹ pass 1$/m);
});
