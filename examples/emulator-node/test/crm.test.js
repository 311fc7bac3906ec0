// Runs against `attio-emulator serve --api-token TOKEN --allow-local-webhooks`:
//   ATTIO_BASE_URL=http://127.0.0.1:8787 ATTIO_API_KEY=TOKEN npm test
// Each test starts from the same workspace: a snapshot taken once, restored before each.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";

import { Attio, AttioError, withRetries } from "../attio.js";

const baseURL = process.env.ATTIO_BASE_URL ?? "http://127.0.0.1:8787";
const apiKey = process.env.ATTIO_API_KEY ?? "dev-token";
const attio = new Attio({ apiKey, baseURL });

// The emulator's own controls (never part of Attio's API).
async function control(path, body = {}) {
  const response = await fetch(`${baseURL}/_emulator${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

describe("a CRM sync against the Attio emulator", () => {
  let snapshotId;
  const received = [];
  let receiver;
  let receiverUrl;

  before(async () => {
    snapshotId = (await control("/snapshots")).snapshot_id;
    receiver = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        received.push(...JSON.parse(body).events);
        response.writeHead(200).end();
      });
    });
    await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  });

  after(() => receiver.close());

  beforeEach(async () => {
    await control(`/snapshots/${snapshotId}/restore`);
    await control("/faults", {});
    received.length = 0;
  });

  test("creates a company and finds it by domain", async () => {
    const created = await attio.createRecord("companies", { name: "Acme", domains: ["acme.test"] });
    const found = await attio.queryRecords("companies", { filter: { domains: "acme.test" } });
    assert.deepEqual(
      found.data.map((r) => r.id.record_id),
      [created.data.id.record_id],
    );
  });

  test("starts from the snapshot: nothing from the previous test", async () => {
    const found = await attio.queryRecords("companies", { filter: { domains: "acme.test" } });
    assert.equal(found.data.length, 0);
  });

  test("a webhook arrives for a new record", async () => {
    await attio.createWebhook(receiverUrl, ["record.created"]);
    const created = await attio.createRecord("companies", { name: "Hooked" });
    const deadline = Date.now() + 30000;
    while (!received.some((e) => e.id.record_id === created.data.id.record_id)) {
      assert.ok(Date.now() < deadline, "no record.created event arrived");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(received[0].event_type, "record.created");
  });

  test("a 429 is waited out and retried", async () => {
    await control("/faults", { error_rate: 1, error_statuses: [429], remaining: 1 });
    await assert.rejects(attio.createRecord("companies", { name: "Refused" }), (error) => {
      assert.ok(error instanceof AttioError);
      assert.equal(error.status, 429);
      assert.equal(error.body.code, "rate_limit_exceeded");
      assert.ok(error.headers.get("retry-after"));
      return true;
    });
    await control("/faults", { error_rate: 1, error_statuses: [429], remaining: 1 });
    const created = await withRetries(() => attio.createRecord("companies", { name: "Retried" }));
    assert.equal(created.data.values.name[0].value, "Retried");
  });

  test("a bad value is a 400 naming the attribute", async () => {
    await assert.rejects(attio.createRecord("people", { email_addresses: ["not-an-email"] }), (error) => {
      assert.equal(error.status, 400);
      assert.match(error.body.message, /email/);
      return true;
    });
  });
});
