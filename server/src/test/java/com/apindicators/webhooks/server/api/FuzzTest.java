package com.apindicators.webhooks.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.Fixtures;
import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.TestDatabase;
import com.apindicators.webhooks.v1.*;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Random, oversized and half-plausible requests at every unary RPC: clear statuses only, and nothing invalid stored. */
class FuzzTest {
  private static final Set<Status.Code> EXPECTED = EnumSet.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
      Status.Code.NOT_FOUND, Status.Code.FAILED_PRECONDITION, Status.Code.ALREADY_EXISTS, Status.Code.OUT_OF_RANGE,
      Status.Code.PERMISSION_DENIED, Status.Code.RESOURCE_EXHAUSTED);
  private final Random random = new Random(20261129);
  private final List<String> ids = new ArrayList<>(List.of("wh_x", "dlv_x", "evt_x", "whk_x"));

  @Test
  void everyUnaryRpcAnswersRandomInputWithAClearStatusAndStoresNothingInvalid() throws Exception {
    try (GrpcTestServer server = GrpcTestServer.start()) {
      Fixtures f = new Fixtures(server.channel);
      f.plan("fz", Plan.PLAN_BUSINESS);
      ids.add(f.webhook("fz", "http://127.0.0.1:9/x", "signal.buy").getWebhook().getWebhookId());
      List<ServiceDescriptor> services = List.of(AccountServiceGrpc.getServiceDescriptor(),
          WebhookServiceGrpc.getServiceDescriptor(), EventServiceGrpc.getServiceDescriptor(),
          DeliveryServiceGrpc.getServiceDescriptor(), ApiKeyServiceGrpc.getServiceDescriptor());
      int calls = 0;
      java.util.Map<Status.Code, Integer> tally = new java.util.EnumMap<>(Status.Code.class);
      for (ServiceDescriptor service : services) {
        for (MethodDescriptor<?, ?> m : service.getMethods()) {
          if (m.getType() != MethodDescriptor.MethodType.UNARY) {
            continue;
          }
          @SuppressWarnings("unchecked")
          MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) m;
          Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
          for (int i = 0; i < 150; i++) {
            Message request = fill(prototype.newBuilderForType(), 0).build();
            Status.Code code;
            try {
              Message response = ClientCalls.blockingUnaryCall(server.channel, method,
                  CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), request);
              harvestIds(response);
              code = Status.Code.OK;
            } catch (StatusRuntimeException e) {
              code = e.getStatus().getCode();
              assertThat(e.getStatus().getDescription()).as(method.getFullMethodName()).isNotBlank();
            }
            assertThat(code).as("%s with %s", method.getFullMethodName(), request).isIn(EXPECTED);
            tally.merge(code, 1, Integer::sum);
            calls++;
          }
        }
      }
      assertThat(calls).isGreaterThan(1500);
      // The inputs reach past validation too, not only into it.
      assertThat(tally.getOrDefault(Status.Code.OK, 0)).as("%s", tally).isGreaterThan(50);
      assertThat(tally.getOrDefault(Status.Code.INVALID_ARGUMENT, 0)).as("%s", tally).isGreaterThan(500);
      assertThat(HealthGrpc.newBlockingStub(server.raw).check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      assertThat(TestDatabase.count("""
          SELECT count(*) FROM webhooks WHERE length(name) NOT BETWEEN 1 AND 100 OR length(url) > 2048
            OR url !~ '^https?://' OR cardinality(events) = 0
            OR NOT events <@ ARRAY['signal.buy','signal.sell','backtest.run','order.filled']
            OR account_id !~ '^[A-Za-z0-9_.:-]{1,128}$' OR retry_max_attempts NOT BETWEEN 1 AND 10
          """)).isZero();
      assertThat(TestDatabase.count("""
          SELECT count(*) FROM events WHERE type NOT IN ('signal.buy','signal.sell','backtest.run','order.filled')
            OR octet_length(data_json) > 65536 OR (account_id IS NOT NULL AND account_id !~ '^[A-Za-z0-9_.:-]{1,128}$')
          """)).isZero();
      assertThat(TestDatabase.count("SELECT count(*) FROM accounts WHERE account_id !~ '^[A-Za-z0-9_.:-]{1,128}$'")).isZero();
    }
  }

  private void harvestIds(Message m) {
    for (var e : m.getAllFields().entrySet()) {
      if (e.getKey().getType() == FieldDescriptor.Type.STRING && !e.getKey().isRepeated()
          && e.getKey().getName().endsWith("_id") && ids.size() < 200) {
        ids.add((String) e.getValue());
      } else if (e.getKey().getType() == FieldDescriptor.Type.MESSAGE && !e.getKey().isRepeated()) {
        harvestIds((Message) e.getValue());
      }
    }
  }

  private Message.Builder fill(Message.Builder b, int depth) {
    for (FieldDescriptor fd : b.getDescriptorForType().getFields()) {
      if (random.nextInt(4) == 0 || (fd.getType() == FieldDescriptor.Type.MESSAGE && depth > 3)) {
        continue;
      }
      int n = fd.isRepeated() ? random.nextInt(random.nextInt(20) == 0 ? 200 : 4) : 1;
      for (int i = 0; i < n; i++) {
        Object v = value(fd, b, depth);
        if (v == null) {
          continue;
        }
        if (fd.isMapField()) {
          b.addRepeatedField(fd, v);
        } else if (fd.isRepeated()) {
          b.addRepeatedField(fd, v);
        } else {
          b.setField(fd, v);
        }
      }
    }
    return b;
  }

  private Object value(FieldDescriptor fd, Message.Builder parent, int depth) {
    return switch (fd.getJavaType()) {
      case STRING -> string(fd.getName());
      case INT -> switch (random.nextInt(4)) {
        case 0 -> -random.nextInt(1000);
        case 1 -> random.nextInt(20);
        case 2 -> Integer.MAX_VALUE;
        default -> random.nextInt();
      };
      case LONG -> random.nextBoolean() ? random.nextLong() : (long) random.nextInt(100);
      case DOUBLE -> switch (random.nextInt(5)) {
        case 0 -> Double.NaN;
        case 1 -> Double.POSITIVE_INFINITY;
        case 2 -> -random.nextDouble();
        default -> random.nextDouble() * random.nextInt(1000);
      };
      case FLOAT -> random.nextFloat();
      case BOOLEAN -> random.nextBoolean();
      case ENUM -> fd.getEnumType().findValueByNumberCreatingIfUnknown(random.nextInt(7) - 1);
      case MESSAGE -> fill(parent.newBuilderForField(fd), depth + 1).build();
      default -> null;
    };
  }

  private String string(String field) {
    if (random.nextInt(3) == 0) {
      if (field.endsWith("_id") || field.endsWith("_ids")) {
        return field.startsWith("account") ? (random.nextBoolean() ? "fz" : "fz-" + random.nextInt(5)) : ids.get(random.nextInt(ids.size()));
      }
      if (field.equals("url")) {
        return random.nextBoolean() ? "http://127.0.0.1:9/x" : "https://127.0.0.1:9/y";
      }
      if (field.equals("type") || field.startsWith("event")) {
        return List.of("signal.buy", "signal.sell", "backtest.run", "order.filled").get(random.nextInt(4));
      }
      if (field.equals("paths")) {
        return List.of("name", "url", "events", "enabled", "retry_policy", "filter", "secret_hint").get(random.nextInt(7));
      }
    }
    int length = switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> 3000 + random.nextInt(70_000);
      default -> random.nextInt(40);
    };
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int kind = random.nextInt(10);
      sb.append(kind == 0 ? (char) random.nextInt(32) : kind == 1 ? (char) (0x80 + random.nextInt(0x3000)) : (char) (32 + random.nextInt(95)));
    }
    return sb.toString();
  }
}
