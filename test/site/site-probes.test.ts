// The site tests' waiting helper: the answer that held, or a failure that says what was last seen.
import assert from "node:assert/strict";
import { test } from "node:test";
import { answerOnceItHolds } from "../support/site-probes";

test("answerOnceItHolds resolves with the first answer that holds, asking no more after it", async () => {
  let asked = 0;
  const answer = await answerOnceItHolds(
    "the third answer",
    async () => ++asked,
    (n) => n === 3,
    String,
    5,
  );
  assert.equal(answer, 3);
  assert.equal(asked, 3);
});

test("answerOnceItHolds fails after its time with what it waited for and the last answer", async () => {
  let asked = 0;
  await assert.rejects(
    answerOnceItHolds(
      "a server UP",
      async () => ({ status: 503, out: `down ${++asked}` }),
      (r) => r.status === 200,
      (r) => `${r.status} ${r.out}`,
      0.3,
    ),
    (e: Error) => {
      assert.equal(e.message, `a server UP: not after 0.3 s; the last answer: 503 down ${asked}`);
      assert.ok(asked >= 2, `asked ${asked} times`);
      return true;
    },
  );
});
