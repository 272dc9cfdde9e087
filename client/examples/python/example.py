#!/usr/bin/python3
"""Python example: create a webhook pointing at a local receiver, publish a signal, watch it get delivered.

Run ./generate.sh first; then: /usr/bin/python3 example.py --server localhost:50051 --api-key "$(cat data/admin.key)"
Exits 0 when the signal arrived, verified with our docs' Python snippet, and the watch saw it delivered.
"""
import argparse, hashlib, hmac, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "generated"))
import grpc
from google.protobuf import struct_pb2
from apindicators.webhooks.v1 import account_service_pb2 as acc, account_service_pb2_grpc as acc_grpc
from apindicators.webhooks.v1 import webhook_service_pb2 as wh, webhook_service_pb2_grpc as wh_grpc
from apindicators.webhooks.v1 import event_service_pb2 as ev, event_service_pb2_grpc as ev_grpc
from apindicators.webhooks.v1 import delivery_service_pb2 as dl, delivery_service_pb2_grpc as dl_grpc
from apindicators.webhooks.v1 import resources_pb2 as res


def verify(payload_body, signature_header, secret):  # from our public docs, unchanged
    expected = "sha256=" + hmac.new(
        secret.encode(), payload_body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature_header)


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

    stream = deliveries.WatchDeliveries(dl.WatchDeliveriesRequest(
        account_id=args.account, webhook_ids=[created.webhook.webhook_id]), metadata=auth)
    seen = []

    def watch():
        try:
            for update in stream:
                seen.append(res.DeliveryStatus.Name(update.delivery.status))
                print("watch:", update.delivery.delivery_id, seen[-1], update.delivery.response_code)
                if update.delivery.status != res.DELIVERY_STATUS_PENDING:
                    return
        except grpc.RpcError:
            pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(0.5)  # let the stream subscribe before publishing
    data = struct_pb2.Struct()
    data.update({"pair": "BTCUSDT", "side": "buy", "score": 0.87, "market_type": "trending", "interval": "1h"})
    published = events.PublishEvent(ev.PublishEventRequest(type="signal.buy", data=data, account_id=args.account), metadata=auth)
    print("published", published.event.event_id, "deliveries:", published.deliveries_created)
    watcher.join(20)
    stream.cancel()
    webhooks.DeleteWebhook(wh.DeleteWebhookRequest(webhook_id=created.webhook.webhook_id), metadata=auth)
    ok = len(received) == 1 and received[0][0] and "DELIVERY_STATUS_DELIVERED" in seen
    print("received and verified:", [r[0] for r in received], "watch saw:", seen)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
