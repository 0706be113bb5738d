// A host prepared over SSH whose key the stack does not name: the `up` warns, naming the host,
// the address its commands would run on and the setting that closes it; a named key, none.
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { readStackFile } from "../../components/core/stack-config";
import { installMocks, settle } from "../support/mocks";

const declared = installMocks("site");
import { declareSitePlatform } from "../support/prod-platform";

test("every prepared host without prepare.hostKey is warned of, once; a host with one is not", async () => {
  const warned = mock.method(console, "warn", () => undefined);
  const hosts = readStackFile(process.cwd(), "site").entries["lhcb-platform:hosts"] as {
    id: string;
    prepare: object;
  }[];
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtlc3Q";
  const pinned = hosts.map((h) =>
    ["slave-2", "lb-1"].includes(h.id) ? h : { ...h, prepare: { ...h.prepare, hostKey: key } },
  );
  declareSitePlatform({ "lhcb-platform:hosts": pinned });
  await settle(declared);
  const warnings = warned.mock.calls
    .map((c) => String(c.arguments[0]))
    .filter((m) => m.includes("prepare.hostKey"));
  const warning = (id: string) =>
    `warning: [runtime] host ${id} is prepared over SSH without prepare.hostKey: its commands run on whatever answers at ${id}.site.lhcb.test:22. Set it to the key its sshd shows, a line of its /etc/ssh/ssh_host_*_key.pub ('ssh-ed25519 AAAA...')`;
  assert.deepEqual(warnings, [warning("slave-2"), warning("lb-1")]);
  const prepared = declared.filter((r) => r.type === "command:remote:Command");
  assert.equal(prepared.length, 8);
});
