// Node.js example: create a webhook pointing at a local receiver that verifies with our docs' Node.js snippet,
// publish the docs' signal twice with one idempotency key (the same event comes back), and watch it get delivered,
// resuming the watch from its token.
//   npm install && node example.js --server localhost:50051 --api-key "$(cat ../../../data/admin.key)"
// Exits 0 when every answer is as expected; the last line before OK is ANSWERS {...}, which the test suite compares
// with the other languages' examples and the Java client.
const crypto = require("crypto");
const http = require("http");
const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

function verify(body, signatureHeader, secret) { // from our public docs, unchanged
  const expected =
    "sha256=" +
    crypto.createHmac("sha256", secret).update(body).digest("hex");
  return crypto.timingSafeEqual(
    Buffer.from(expected),
    Buffer.from(signatureHeader)
  );
}

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const server = arg("--server", "localhost:50051");
const apiKey = arg("--api-key", process.env.WEBHOOKS_API_KEY);
const account = arg("--account", "node-example");
const protoDir = path.join(__dirname, "..", "..", "..", "proto", "src", "main", "proto");
const def = protoLoader.loadSync(
  ["account_service.proto", "webhook_service.proto", "event_service.proto", "delivery_service.proto"]
    .map((f) => path.join(protoDir, "apindicators/webhooks/v1", f)),
  { includeDirs: [protoDir], keepCase: true, enums: String, longs: String, defaults: true });
const v1 = grpc.loadPackageDefinition(def).apindicators.webhooks.v1;
const creds = grpc.credentials.createInsecure();
// The data of the docs' sample payload, as JSON text: delivered byte for byte.
const DOCS_DATA = '{"pair":"BTCUSDT","side":"buy","score":0.87,"market_type":"trending","interval":"1h"}';
const meta = new grpc.Metadata();
meta.add("authorization", "Bearer " + apiKey);
const call = (client, method, req) => new Promise((resolve, reject) =>
  client[method](req, meta, (err, res) => (err ? reject(err) : resolve(res))));

// Reads a watch until stop(update) or the stream ends (deadline 20 s), then cancels it; the updates read.
function watchUntil(deliveries, request, stop) {
  return new Promise((resolve) => {
    const seen = [];
    const stream = deliveries.WatchDeliveries(request, meta, { deadline: Date.now() + 20000 });
    stream.on("data", (u) => {
      seen.push(u);
      console.log("watch:", u.delivery.delivery_id, u.delivery.status, u.delivery.response_code);
      if (stop(u)) { stream.cancel(); resolve(seen); }
    });
    stream.on("error", () => resolve(seen));
    stream.on("end", () => resolve(seen));
  });
}

async function main() {
  const accounts = new v1.AccountService(server, creds);
  const webhooks = new v1.WebhookService(server, creds);
  const events = new v1.EventService(server, creds);
  const deliveries = new v1.DeliveryService(server, creds);
  const received = [];
  let secret = "";
  const receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let ok = false;
      try { ok = verify(body, req.headers["x-webhook-signature"], secret); } catch (e) { ok = false; }
      received.push({ ok, body });
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  await call(accounts, "SetPlan", { account_id: account, plan: "PLAN_STARTER" });
  const created = await call(webhooks, "CreateWebhook", { account_id: account, name: "Node example",
    url: `http://127.0.0.1:${receiver.address().port}/hook`, events: ["signal.buy"] });
  secret = created.signing_secret;
  console.log("created", created.webhook.webhook_id);
  const watchRequest = { account_id: account, webhook_ids: [created.webhook.webhook_id] };
  try {
    // The first update only, then the stream ends: the rest comes from resuming with its token.
    const firstWatch = watchUntil(deliveries, watchRequest, () => true);
    await new Promise((r) => setTimeout(r, 2000)); // let the stream subscribe before publishing (a busy server takes a moment)
    // One idempotency key for both: first the docs' JSON text, then the same data as a Struct (Node's key order).
    const key = "example-" + created.webhook.webhook_id;
    const at = { seconds: String(Date.UTC(2026, 3, 3, 14, 30, 0) / 1000), nanos: 0 };
    const first = await call(events, "PublishEvent", { type: "signal.buy", account_id: account, timestamp: at,
      idempotency_key: key, data_json: DOCS_DATA });
    const second = await call(events, "PublishEvent", { type: "signal.buy", account_id: account, timestamp: at,
      // protobufjs spells the well-known types' fields in camelCase even with keepCase: `number_value` is dropped.
      idempotency_key: key, data: { fields: {
        pair: { stringValue: "BTCUSDT" }, side: { stringValue: "buy" }, score: { numberValue: 0.87 },
        market_type: { stringValue: "trending" }, interval: { stringValue: "1h" } } } });
    console.log("published", first.event.event_id, "then", second.event.event_id);
    const before = await firstWatch;
    if (before.length === 0) throw new Error("the watch saw no update");
    const after = await watchUntil(deliveries, { ...watchRequest, resume_token: before[0].resume_token },
      (u) => u.delivery.status !== "DELIVERY_STATUS_PENDING");
    if (after.length === 0) throw new Error("the resumed watch saw no update");
    const last = after[after.length - 1].delivery;
    const answers = {
      same_event: first.event.event_id === second.event.event_id,
      event_id_prefix: first.event.event_id.slice(0, 4),
      deliveries_created: [first.deliveries_created, second.deliveries_created],
      data_json: second.event.data_json,
      before_resume: before.map((u) => u.delivery.status),
      after_resume: after.map((u) => u.delivery.status),
      same_delivery: before[0].delivery.delivery_id === last.delivery_id,
      response_code: last.response_code,
      verified: received.map((r) => r.ok),
      body: received.length ? received[received.length - 1].body.toString("utf8") : "",
    };
    console.log("ANSWERS " + JSON.stringify(answers));
    return answers.same_event && received.length === 1 && received[0].ok && last.status === "DELIVERY_STATUS_DELIVERED";
  } finally {
    await call(webhooks, "DeleteWebhook", { webhook_id: created.webhook.webhook_id });
    receiver.close();
  }
}

main().then((ok) => {
  console.log(ok ? "OK" : "FAILED");
  process.exit(ok ? 0 : 1);
}).catch((e) => { console.error("error:", e.message); console.log("FAILED"); process.exit(1); });
