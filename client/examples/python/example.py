#!/usr/bin/python3
"""Python example: create a webhook pointing at a local receiver that verifies with our docs' Python snippet, publish
the docs' signal twice with one idempotency key (the same event comes back), and watch it get delivered, resuming the
watch from its token.

Run ./generate.sh first; then: /usr/bin/python3 example.py --server localhost:50051 --api-key "$(cat data/admin.key)"
Exits 0 when every answer is as expected; the last line before OK is ANSWERS {...}, which the test suite compares with
the other languages' examples and the Java client.
"""
import argparse, hashlib, hmac, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "generated"))
import grpc
from google.protobuf import struct_pb2, timestamp_pb2
from apindicators.webhooks.v1 import account_service_pb2 as acc, account_service_pb2_grpc as acc_grpc
from apindicators.webhooks.v1 import webhook_service_pb2 as wh, webhook_service_pb2_grpc as wh_grpc
from apindicators.webhooks.v1 import event_service_pb2 as ev, event_service_pb2_grpc as ev_grpc
from apindicators.webhooks.v1 import delivery_service_pb2 as dl, delivery_service_pb2_grpc as dl_grpc
from apindicators.webhooks.v1 import resources_pb2 as res

# The data of the docs' sample payload, as JSON text: delivered byte for byte.
DOCS_DATA = '{"pair":"BTCUSDT","side":"buy","score":0.87,"market_type":"trending","interval":"1h"}'


def verify(payload_body, signature_header, secret):  # from our public docs, unchanged
    expected = "sha256=" + hmac.new(
        secret.encode(), payload_body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature_header)


def watch_until(deliveries, request, auth, seen, stop):
    """Reads a watch into seen until stop(update) or the stream ends (deadline 20 s), then cancels it."""
    stream = deliveries.WatchDeliveries(request, metadata=auth, timeout=20)
    try:
        for update in stream:
            seen.append(update)
            print("watch:", update.delivery.delivery_id, res.DeliveryStatus.Name(update.delivery.status),
                  update.delivery.response_code)
            if stop(update):
                return
    except grpc.RpcError as e:
        print("watch ended:", e.code())
    finally:
        stream.cancel()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", default="localhost:50051")
    p.add_argument("--api-key", default=os.environ.get("WEBHOOKS_API_KEY"))
    p.add_argument("--account", default="python-example")
    args = p.parse_args()
    auth = [("authorization", "Bearer " + args.api_key)]
    received = []
    secret = {}

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ok = verify(body, self.headers["X-Webhook-Signature"], secret["value"])
            received.append((ok, body))
            self.send_response(200 if ok else 401)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    channel = grpc.insecure_channel(args.server)
    accounts = acc_grpc.AccountServiceStub(channel)
    webhooks = wh_grpc.WebhookServiceStub(channel)
    events = ev_grpc.EventServiceStub(channel)
    deliveries = dl_grpc.DeliveryServiceStub(channel)

    accounts.SetPlan(acc.SetPlanRequest(account_id=args.account, plan=res.PLAN_STARTER), metadata=auth)
    created = webhooks.CreateWebhook(wh.CreateWebhookRequest(
        account_id=args.account, name="Python example", events=["signal.buy"],
        url="http://127.0.0.1:%d/hook" % server.server_address[1]), metadata=auth)
    secret["value"] = created.signing_secret
    print("created", created.webhook.webhook_id, "warnings:", list(created.warnings))

    # The first update only, then the stream ends: the rest comes from resuming with its token.
    watch_request = dl.WatchDeliveriesRequest(account_id=args.account, webhook_ids=[created.webhook.webhook_id])
    before = []
    first_watch = threading.Thread(target=watch_until, args=(deliveries, watch_request, auth, before, lambda u: True))
    first_watch.start()
    time.sleep(2)  # let the stream subscribe before publishing (a busy server takes a moment)

    # One idempotency key for both: first the docs' JSON text, then the same data as a Struct (Python's key order).
    key = "example-" + created.webhook.webhook_id
    at = timestamp_pb2.Timestamp()
    at.FromJsonString("2026-04-03T14:30:00Z")
    first = events.PublishEvent(ev.PublishEventRequest(type="signal.buy", account_id=args.account, timestamp=at,
                                                       idempotency_key=key, data_json=DOCS_DATA), metadata=auth)
    data = struct_pb2.Struct()
    data.update({"pair": "BTCUSDT", "side": "buy", "score": 0.87, "market_type": "trending", "interval": "1h"})
    second = events.PublishEvent(ev.PublishEventRequest(type="signal.buy", account_id=args.account, timestamp=at,
                                                        idempotency_key=key, data=data), metadata=auth)
    print("published", first.event.event_id, "then", second.event.event_id)
    first_watch.join(25)
    try:
        if not before:
            raise RuntimeError("the watch saw no update")
        after = []
        watch_until(deliveries, dl.WatchDeliveriesRequest(
            account_id=args.account, webhook_ids=[created.webhook.webhook_id], resume_token=before[0].resume_token),
            auth, after, lambda u: u.delivery.status != res.DELIVERY_STATUS_PENDING)
        if not after:
            raise RuntimeError("the resumed watch saw no update")
    finally:
        webhooks.DeleteWebhook(wh.DeleteWebhookRequest(webhook_id=created.webhook.webhook_id), metadata=auth)
        server.shutdown()
    last = after[-1].delivery
    answers = {
        "same_event": first.event.event_id == second.event.event_id,
        "event_id_prefix": first.event.event_id[:4],
        "deliveries_created": [first.deliveries_created, second.deliveries_created],
        "data_json": second.event.data_json,
        "before_resume": [res.DeliveryStatus.Name(u.delivery.status) for u in before],
        "after_resume": [res.DeliveryStatus.Name(u.delivery.status) for u in after],
        "same_delivery": before[0].delivery.delivery_id == last.delivery_id,
        "response_code": last.response_code,
        "verified": [r[0] for r in received],
        "body": received[-1][1].decode("utf-8") if received else "",
    }
    print("ANSWERS", json.dumps(answers))
    ok = (answers["same_event"] and len(received) == 1 and received[0][0]
          and last.status == res.DELIVERY_STATUS_DELIVERED)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main())
