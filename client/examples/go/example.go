// Go example: create a webhook pointing at a local receiver that verifies each POST's signature, publish the docs'
// signal twice with one idempotency key (the same event comes back), and watch it get delivered, resuming the watch
// from its token. Run ./generate.sh first; then:
//
//	./run.sh --server localhost:50051 --api-key "$(cat ../../../data/admin.key)"
//
// Exits 0 when every answer is as expected; the last line before OK is ANSWERS {...}, which the test suite compares
// with the other languages' examples and the Java client.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	v1 "github.com/apindicators/webhooks/gen/go/apindicators/webhooks/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The data of the docs' sample payload, as JSON text: delivered byte for byte.
const docsData = `{"pair":"BTCUSDT","side":"buy","score":0.87,"market_type":"trending","interval":"1h"}`

// verify checks X-Webhook-Signature the way our docs' snippets do: "sha256=" + hex HMAC-SHA256 of the raw body.
func verify(body []byte, signatureHeader, secret string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	expected := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(expected), []byte(signatureHeader))
}

type post struct {
	verified bool
	body     []byte
}

// receiver is the local endpoint the webhook points at.
type receiver struct {
	mu     sync.Mutex
	secret string
	posts  []post
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	ok := verify(body, req.Header.Get("X-Webhook-Signature"), r.secret)
	r.posts = append(r.posts, post{ok, body})
	r.mu.Unlock()
	if ok {
		w.WriteHeader(http.StatusOK)
	} else {
		w.WriteHeader(http.StatusUnauthorized)
	}
}

// watchUntil reads a watch until stop says so or the stream ends; the updates it read.
func watchUntil(ctx context.Context, c v1.DeliveryServiceClient, req *v1.WatchDeliveriesRequest, opened chan<- struct{},
	stop func(*v1.WatchDeliveriesResponse) bool) ([]*v1.WatchDeliveriesResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel() // also ends the stream once we have what we need
	stream, err := c.WatchDeliveries(ctx, req)
	close(opened)
	if err != nil {
		return nil, err
	}
	var seen []*v1.WatchDeliveriesResponse
	for {
		u, err := stream.Recv()
		if err != nil {
			return seen, err
		}
		seen = append(seen, u)
		fmt.Println("watch:", u.Delivery.DeliveryId, u.Delivery.Status, u.Delivery.ResponseCode)
		if stop(u) {
			return seen, nil
		}
	}
}

func statuses(us []*v1.WatchDeliveriesResponse) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Delivery.Status.String())
	}
	return out
}

func run() error {
	server := flag.String("server", "localhost:50051", "host:port of the webhooks server")
	apiKey := flag.String("api-key", os.Getenv("WEBHOOKS_API_KEY"), "API key")
	account := flag.String("account", "go-example", "account to use")
	flag.Parse()

	recv := &receiver{}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(lis, recv)

	conn, err := grpc.Dial(*server, grpc.WithInsecure())
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+*apiKey)
	accounts := v1.NewAccountServiceClient(conn)
	webhooks := v1.NewWebhookServiceClient(conn)
	events := v1.NewEventServiceClient(conn)
	deliveries := v1.NewDeliveryServiceClient(conn)

	if _, err := accounts.SetPlan(ctx, &v1.SetPlanRequest{AccountId: *account, Plan: v1.Plan_PLAN_STARTER}); err != nil {
		return err
	}
	created, err := webhooks.CreateWebhook(ctx, &v1.CreateWebhookRequest{AccountId: *account, Name: "Go example",
		Url: fmt.Sprintf("http://%s/hook", lis.Addr()), Events: []string{"signal.buy"}})
	if err != nil {
		return err
	}
	recv.mu.Lock()
	recv.secret = created.SigningSecret
	recv.mu.Unlock()
	webhookID := created.Webhook.WebhookId
	fmt.Println("created", webhookID, "warnings:", created.Warnings)
	defer webhooks.DeleteWebhook(ctx, &v1.DeleteWebhookRequest{WebhookId: webhookID})

	watchReq := &v1.WatchDeliveriesRequest{AccountId: *account, WebhookIds: []string{webhookID}}
	opened := make(chan struct{})
	var before []*v1.WatchDeliveriesResponse
	var beforeErr error
	done := make(chan struct{})
	go func() {
		// The first update only, then the stream ends: the rest comes from resuming with its token.
		before, beforeErr = watchUntil(ctx, deliveries, watchReq, opened, func(*v1.WatchDeliveriesResponse) bool { return true })
		close(done)
	}()
	<-opened
	time.Sleep(2 * time.Second) // let the stream subscribe before publishing (a busy server takes a moment)

	// One idempotency key for both: first the docs' JSON text, then the same data as a Struct (Go's key order).
	key := "example-" + webhookID
	when := timestamppb.New(time.Date(2026, 4, 3, 14, 30, 0, 0, time.UTC))
	first, err := events.PublishEvent(ctx, &v1.PublishEventRequest{Type: "signal.buy", AccountId: *account,
		Timestamp: when, IdempotencyKey: key, Payload: &v1.PublishEventRequest_DataJson{DataJson: docsData}})
	if err != nil {
		return err
	}
	data, err := structpb.NewStruct(map[string]interface{}{"pair": "BTCUSDT", "side": "buy", "score": 0.87,
		"market_type": "trending", "interval": "1h"})
	if err != nil {
		return err
	}
	second, err := events.PublishEvent(ctx, &v1.PublishEventRequest{Type: "signal.buy", AccountId: *account,
		Timestamp: when, IdempotencyKey: key, Payload: &v1.PublishEventRequest_Data{Data: data}})
	if err != nil {
		return err
	}
	fmt.Println("published", first.Event.EventId, "then", second.Event.EventId)

	<-done
	if len(before) == 0 {
		return fmt.Errorf("the watch saw no update: %v", beforeErr)
	}
	after, err := watchUntil(ctx, deliveries, &v1.WatchDeliveriesRequest{AccountId: *account, WebhookIds: []string{webhookID},
		ResumeToken: before[0].ResumeToken}, make(chan struct{}), func(u *v1.WatchDeliveriesResponse) bool {
		return u.Delivery.Status != v1.DeliveryStatus_DELIVERY_STATUS_PENDING
	})
	if err != nil {
		return err
	}

	recv.mu.Lock()
	verified := []bool{}
	body := ""
	for _, p := range recv.posts {
		verified = append(verified, p.verified)
		body = string(p.body)
	}
	recv.mu.Unlock()
	last := after[len(after)-1].Delivery
	answers := map[string]interface{}{
		"same_event":         first.Event.EventId == second.Event.EventId,
		"event_id_prefix":    first.Event.EventId[:4],
		"deliveries_created": []int32{first.DeliveriesCreated, second.DeliveriesCreated},
		"data_json":          second.Event.DataJson,
		"before_resume":      statuses(before),
		"after_resume":       statuses(after),
		"same_delivery":      before[0].Delivery.DeliveryId == last.DeliveryId,
		"response_code":      last.ResponseCode,
		"verified":           verified,
		"body":               body,
	}
	out, _ := json.Marshal(answers)
	fmt.Println("ANSWERS", string(out))
	if !first.Event.GetTimestamp().AsTime().Equal(when.AsTime()) || first.Event.EventId != second.Event.EventId ||
		len(verified) != 1 || !verified[0] || last.Status != v1.DeliveryStatus_DELIVERY_STATUS_DELIVERED {
		return fmt.Errorf("unexpected answers")
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Println("error:", err)
		fmt.Println("FAILED")
		os.Exit(1)
	}
	fmt.Println("OK")
}
