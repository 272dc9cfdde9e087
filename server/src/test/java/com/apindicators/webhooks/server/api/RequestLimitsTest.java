package com.apindicators.webhooks.server.api;

import static com.apindicators.webhooks.server.StatusAssert.failing;
import static org.assertj.core.api.Assertions.assertThat;

import com.apindicators.webhooks.server.GrpcTestServer;
import com.apindicators.webhooks.server.ServerExtension;
import com.apindicators.webhooks.server.StatusAssert;
import com.apindicators.webhooks.v1.AccountServiceGrpc;
import com.apindicators.webhooks.v1.ApiKeyServiceGrpc;
import com.apindicators.webhooks.v1.CreateWebhookRequest;
import com.apindicators.webhooks.v1.DeliveryServiceGrpc;
import com.apindicators.webhooks.v1.EventServiceGrpc;
import com.apindicators.webhooks.v1.WebhookServiceGrpc;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** However many bad entries a request holds, its error stays a few KB: counts are capped, violations reported are too. */
class RequestLimitsTest {
  private static final int HUGE = 100_000;
  private static final int SMALL_ERROR_BYTES = 4096;
  @RegisterExtension static final ServerExtension ext = new ServerExtension();
  private static final GrpcTestServer server = ext.server();

  @Test
  void everyRepeatedFieldOfEveryRequestWith100kEntriesAnswersASmallInvalidArgument() {
    int checked = 0;
    for (ServiceDescriptor service : List.of(AccountServiceGrpc.getServiceDescriptor(),
        WebhookServiceGrpc.getServiceDescriptor(), EventServiceGrpc.getServiceDescriptor(),
        DeliveryServiceGrpc.getServiceDescriptor(), ApiKeyServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> m : service.getMethods()) {
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) m;
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
            .getMessagePrototype();
        for (List<FieldDescriptor> path : repeatedPaths(prototype.getDescriptorForType(), List.of())) {
          Message request = withHugeField(prototype, path);
          String field = String.join(".", path.stream().map(FieldDescriptor::getName).toList());
          StatusAssert e = failing(() -> call(method, request));
          assertThat(e.code()).as("%s %s", method.getFullMethodName(), field).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.violatedFields()).as(method.getFullMethodName()).containsExactly(field);
          assertThat(e.message()).contains("at most " + Fields.MAX_REPEATED + " entries");
          assertThat(StatusProto.fromThrowable(e.error()).getSerializedSize()).as(field).isLessThan(SMALL_ERROR_BYTES);
          checked++;
        }
      }
    }
    // ListDeliveries.statuses; WatchDeliveries' three filters; CreateWebhook's events, pairs, intervals;
    // UpdateWebhook's webhook.events, pairs, intervals and update_mask.paths.
    assertThat(checked).isGreaterThanOrEqualTo(11);
  }

  @Test
  void aRequestWithManyBadEntriesReportsTheFirst20AndCountsTheRest() {
    CreateWebhookRequest.Builder b = CreateWebhookRequest.newBuilder().setAccountId("lim").setName("x")
        .setUrl("https://example.com/hook");
    for (int i = 0; i < Fields.MAX_REPEATED; i++) {
      b.addEvents("\u0007" + "e".repeat(9_000));
    }
    StatusAssert e = failing(() -> WebhookServiceGrpc.newBlockingStub(server.channel).createWebhook(b.build()));
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.violatedFields()).hasSize(Violations.MAX_REPORTED).startsWith("events[0]", "events[1]");
    assertThat(e.message()).contains("and 80 more violations").doesNotContain("\u0007").doesNotContain("e".repeat(50));
    assertThat(e.errorInfo().getMetadataMap()).containsEntry("violations", "100");
    assertThat(StatusProto.fromThrowable(e.error()).getSerializedSize()).isLessThan(3 * SMALL_ERROR_BYTES);
  }

  @Test
  void everyViolationTextIsCutTo300CharactersAndEchoedInputTo40() {
    Violations v = new Violations().add("f".repeat(1000), "d".repeat(1000))
        .add("events[0]", Fields.quote("\u0000" + "\ud83d\ude00".repeat(100)) + " is not an event type");
    StatusAssert e = failing(v::throwIfAny);
    assertThat(e.violatedFields().get(0)).hasSize(Violations.MAX_TEXT).endsWith("...");
    assertThat(e.message()).contains("d".repeat(Violations.MAX_TEXT - 3) + "...;").doesNotContain("d".repeat(Violations.MAX_TEXT))
        .contains("'?\ud83d\ude00").doesNotContain("\u0000").doesNotContain("\ud83d\ude00".repeat(20));
  }

  private static Object call(MethodDescriptor<Message, Message> method, Message request) {
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    if (method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
      return ClientCalls.blockingServerStreamingCall(server.channel, method, options, request).hasNext();
    }
    return ClientCalls.blockingUnaryCall(server.channel, method, options, request);
  }

  /** Every path to a repeated field through set-able singular messages (JSON payloads aside). */
  private static List<List<FieldDescriptor>> repeatedPaths(com.google.protobuf.Descriptors.Descriptor type,
      List<FieldDescriptor> prefix) {
    List<List<FieldDescriptor>> out = new ArrayList<>();
    for (FieldDescriptor f : type.getFields()) {
      List<FieldDescriptor> path = new ArrayList<>(prefix);
      path.add(f);
      if (f.isRepeated()) {
        out.add(path);
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && prefix.size() < 4
          && !f.getMessageType().getFullName().startsWith("google.protobuf.Struct")) {
        out.addAll(repeatedPaths(f.getMessageType(), path));
      }
    }
    return out;
  }

  private static Message withHugeField(Message prototype, List<FieldDescriptor> path) {
    Message.Builder root = prototype.newBuilderForType();
    Message.Builder b = root;
    for (FieldDescriptor f : path.subList(0, path.size() - 1)) {
      b = b.getFieldBuilder(f);
    }
    FieldDescriptor last = path.get(path.size() - 1);
    for (int i = 0; i < HUGE; i++) {
      b.addRepeatedField(last, switch (last.getJavaType()) {
        case STRING -> "x";
        case ENUM -> last.getEnumType().getValues().get(0);
        case MESSAGE -> b.newBuilderForField(last).build();
        default -> throw new IllegalStateException("no sample for " + last);
      });
    }
    return root.build();
  }
}
