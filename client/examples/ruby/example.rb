#!/usr/bin/ruby
# Ruby example: create a webhook pointing at a local receiver that verifies each POST's signature, publish the docs'
# signal twice with one idempotency key (the same event comes back), and watch it get delivered, resuming the watch
# from its token. Run ./generate.sh first; then:
#   ruby example.rb --server localhost:50051 --api-key "$(cat ../../../data/admin.key)"
# Exits 0 when every answer is as expected; the last line before OK is ANSWERS {...}, which the test suite compares
# with the other languages' examples and the Java client.
$LOAD_PATH.unshift(File.join(__dir__, "generated"))
require "json"
require "openssl"
require "optparse"
require "webrick"
require "grpc"
require "google/protobuf/well_known_types"
require "apindicators/webhooks/v1/account_service_services_pb"
require "apindicators/webhooks/v1/webhook_service_services_pb"
require "apindicators/webhooks/v1/event_service_services_pb"
require "apindicators/webhooks/v1/delivery_service_services_pb"

V1 = APIndicators::Webhooks::V1
# The data of the docs' sample payload, as JSON text: delivered byte for byte.
DOCS_DATA = '{"pair":"BTCUSDT","side":"buy","score":0.87,"market_type":"trending","interval":"1h"}'

# Checks X-Webhook-Signature the way our docs' snippets do: "sha256=" + hex HMAC-SHA256 of the raw body.
def verify(payload_body, signature_header, secret)
  expected = "sha256=" + OpenSSL::HMAC.hexdigest("SHA256", secret, payload_body)
  signature_header.is_a?(String) && expected.bytesize == signature_header.bytesize &&
    OpenSSL.fixed_length_secure_compare(expected, signature_header)
end

# Reads a watch until the block says stop or the stream ends; the updates read.
def watch_until(deliveries, request, auth, opened = nil)
  op = deliveries.watch_deliveries(request, metadata: auth, deadline: Time.now + 20, return_op: true)
  seen = []
  updates = op.execute
  opened&.push(true)
  updates.each do |u|
    seen << u
    puts "watch: #{u.delivery.delivery_id} #{u.delivery.status} #{u.delivery.response_code}"
    break if yield(u)
  end
  seen
rescue GRPC::BadStatus => e
  puts "watch ended: #{e.message}"
  seen
ensure
  op&.cancel
end

opts = { server: "localhost:50051", api_key: ENV["WEBHOOKS_API_KEY"], account: "ruby-example" }
OptionParser.new do |o|
  o.on("--server HOST:PORT") { |v| opts[:server] = v }
  o.on("--api-key KEY") { |v| opts[:api_key] = v }
  o.on("--account ID") { |v| opts[:account] = v }
end.parse!
auth = { "authorization" => "Bearer #{opts[:api_key]}" }
account = opts[:account]

received = Queue.new
secret = nil
receiver = WEBrick::HTTPServer.new(BindAddress: "127.0.0.1", Port: 0, Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
receiver.mount_proc("/") do |req, res|
  ok = verify(req.body, req["X-Webhook-Signature"], secret)
  received << [ok, req.body]
  res.status = ok ? 200 : 401
end
Thread.new { receiver.start }

accounts = V1::AccountService::Stub.new(opts[:server], :this_channel_is_insecure)
webhooks = V1::WebhookService::Stub.new(opts[:server], :this_channel_is_insecure)
events = V1::EventService::Stub.new(opts[:server], :this_channel_is_insecure)
deliveries = V1::DeliveryService::Stub.new(opts[:server], :this_channel_is_insecure)

accounts.set_plan(V1::SetPlanRequest.new(account_id: account, plan: :PLAN_STARTER), metadata: auth)
created = webhooks.create_webhook(V1::CreateWebhookRequest.new(account_id: account, name: "Ruby example",
  url: "http://127.0.0.1:#{receiver.config[:Port]}/hook", events: ["signal.buy"]), metadata: auth)
secret = created.signing_secret
webhook_id = created.webhook.webhook_id
puts "created #{webhook_id} warnings: #{created.warnings.to_a}"
begin
  watch_request = V1::WatchDeliveriesRequest.new(account_id: account, webhook_ids: [webhook_id])
  opened = Queue.new
  # The first update only, then the stream ends: the rest comes from resuming with its token.
  first_watch = Thread.new { watch_until(deliveries, watch_request, auth, opened) { true } }
  opened.pop
  sleep 2 # let the stream subscribe before publishing (a busy server takes a moment)

  # One idempotency key for both: first the docs' JSON text, then the same data as a Struct (Ruby's key order).
  key = "example-#{webhook_id}"
  at = Google::Protobuf::Timestamp.new(seconds: Time.utc(2026, 4, 3, 14, 30, 0).to_i)
  first = events.publish_event(V1::PublishEventRequest.new(type: "signal.buy", account_id: account, timestamp: at,
    idempotency_key: key, data_json: DOCS_DATA), metadata: auth)
  data = Google::Protobuf::Struct.from_hash({ "pair" => "BTCUSDT", "side" => "buy", "score" => 0.87,
    "market_type" => "trending", "interval" => "1h" })
  second = events.publish_event(V1::PublishEventRequest.new(type: "signal.buy", account_id: account, timestamp: at,
    idempotency_key: key, data: data), metadata: auth)
  puts "published #{first.event.event_id} then #{second.event.event_id}"

  before = first_watch.value
  raise "the watch saw no update" if before.empty?
  after = watch_until(deliveries, V1::WatchDeliveriesRequest.new(account_id: account, webhook_ids: [webhook_id],
    resume_token: before[0].resume_token), auth) { |u| u.delivery.status != :DELIVERY_STATUS_PENDING }
  raise "the resumed watch saw no update" if after.empty?

  posts = []
  posts << received.pop until received.empty?
  last = after[-1].delivery
  answers = {
    same_event: first.event.event_id == second.event.event_id,
    event_id_prefix: first.event.event_id[0, 4],
    deliveries_created: [first.deliveries_created, second.deliveries_created],
    data_json: second.event.data_json,
    before_resume: before.map { |u| u.delivery.status.to_s },
    after_resume: after.map { |u| u.delivery.status.to_s },
    same_delivery: before[0].delivery.delivery_id == last.delivery_id,
    response_code: last.response_code,
    verified: posts.map { |p| p[0] },
    body: posts.empty? ? "" : posts[-1][1],
  }
  puts "ANSWERS #{JSON.generate(answers)}"
  ok = answers[:same_event] && posts.size == 1 && posts[0][0] && last.status == :DELIVERY_STATUS_DELIVERED
  puts ok ? "OK" : "FAILED"
  exit_code = ok ? 0 : 1
ensure
  webhooks.delete_webhook(V1::DeleteWebhookRequest.new(webhook_id: webhook_id), metadata: auth)
  receiver.shutdown
end
exit(exit_code || 1)
