package com.apindicators.webhooks.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Asserts on the gRPC status of a failed call: its code, its ErrorInfo reason, its field violations. */
public record StatusAssert(StatusRuntimeException error) {

  /** Runs a call that must fail with a gRPC status. */
  public static StatusAssert failing(ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("the call should fail with a gRPC status").isNotNull();
    return new StatusAssert(e);
  }

  public Status.Code code() {
    return error.getStatus().getCode();
  }

  public String message() {
    return error.getStatus().getDescription();
  }

  /** The ErrorInfo reason, which every error must carry. */
  public String reason() {
    return detail(ErrorInfo.class).getReason();
  }

  public ErrorInfo errorInfo() {
    return detail(ErrorInfo.class);
  }

  /** The fields named by BadRequest violations. */
  public List<String> violatedFields() {
    return detail(BadRequest.class).getFieldViolationsList().stream().map(BadRequest.FieldViolation::getField).toList();
  }

  /** A detail of this type from the status, which must be there. */
  public <T extends com.google.protobuf.Message> T detail(Class<T> type) {
    com.google.rpc.Status s = StatusProto.fromThrowable(error);
    assertThat(s).as("status details").isNotNull();
    for (Any any : s.getDetailsList()) {
      if (any.is(type)) {
        try {
          return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + s);
  }
}
