// Node.js example: create a webhook pointing at a local receiver that verifies with our docs' Node.js
// snippet, publish a signal, and watch it get delivered.
//   npm install && node example.js --server localhost:50051 --api-key "$(cat ../../../data/admin.key)"
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
const meta = new grpc.Metadata();
meta.add("authorization", "Bearer " + apiKey);
const call = (client, method, req) => new Promise((resolve, reject) =>
  client[method](req, meta, (err, res) => (err ? reject(err) : resolve(res))));

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
      received.push(ok);
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  await call(accounts, "SetPlan", { account_id: account, plan: "PLAN_STARTER" });
  const created = await call(webhooks, "CreateWebhook", { account_id: account, name: "Node example",
    url: `http://127.0.0.1:${receiver.address().port}/hook`, events: ["signal.buy"] });
  secret = created.signing_secret;
  console.log("created", created.webhook.webhook_id);
  const seen = [];
  const delivered = new Promise((resolve) => {
    const stream = deliveries.WatchDeliveries({ account_id: account, webhook_ids: [created.webhook.webhook_id] }, meta);
    stream.on("data", (u) => {
      seen.push(u.delivery.status);
      console.log("watch:", u.delivery.delivery_id, u.delivery.status, u.delivery.response_code);
      if (u.delivery.status !== "DELIVERY_STATUS_PENDING") { stream.cancel(); resolve(); }
    });
    stream.on("error", () => resolve());
  });
  await new Promise((r) => setTimeout(r, 500)); // let the stream subscribe before publishing
  const published = await call(events, "PublishEvent", { type: "signal.buy", account_id: account, data: { fields: {
    pair: { string_value: "BTCUSDT" }, side: { string_value: "buy" }, score: { number_value: 0.87 },
    market_type: { string_value: "trending" }, interval: { string_value: "1h" } } } });
  console.log("published", published.event.event_id, "deliveries:", published.deliveries_created);
  await Promise.race([delivered, new Promise((r) => setTimeout(r, 20000))]);
  await call(webhooks, "DeleteWebhook", { webhook_id: created.webhook.webhook_id });
  receiver.close();
  const ok = received.length === 1 && received[0] && seen.includes("DELIVERY_STATUS_DELIVERED");
  console.log("received and verified:", received, "watch saw:", seen);
  console.log(ok ? "OK" : "FAILED");
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error("error:", e.message); process.exit(1); });
