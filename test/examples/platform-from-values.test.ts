// examples/platform-from-values, as its operator has it: the library installed from the tarball
// `npm pack` makes, beside the project's own @pulumi/pulumi (not the library's development
// version), type-checked against the package's declarations and run under mocks on Node 20.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkExample, sdkVersions } from "../support/example-run";

test(`platform-from-values: installed from the tarball on @pulumi/pulumi ${sdkVersions("platform-from-values").example}, one SDK, type-checked, its mocks test passing`, () => {
  assert.match(checkExample("platform-from-values", "platform.test.ts"), /^ℹ pass 2$/m);
});
