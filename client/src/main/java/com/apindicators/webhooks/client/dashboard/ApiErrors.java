package com.apindicators.webhooks.client.dashboard;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.javalin.http.Context;

/**
 * The API's errors as JSON the pages show next to the fields they concern: the gRPC code, the ErrorInfo
 * reason, the message and each BadRequest field violation; never a stack trace.
 */
final class ApiErrors {
  private ApiErrors() {}

  static void handle(StatusRuntimeException e, Context ctx) {
    JsonObject body = new JsonObject();
    Status status = e.getStatus();
    body.addProperty("code", status.getCode().name());
    body.addProperty("message", message(status));
    JsonArray fields = new JsonArray();
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        try {
          if (any.is(ErrorInfo.class)) {
            body.addProperty("reason", any.unpack(ErrorInfo.class).getReason());
          } else if (any.is(BadRequest.class)) {
            for (BadRequest.FieldViolation v : any.unpack(BadRequest.class).getFieldViolationsList()) {
              JsonObject f = new JsonObject();
              f.addProperty("field", v.getField());
              f.addProperty("description", v.getDescription());
              fields.add(f);
            }
          }
        } catch (InvalidProtocolBufferException ignored) {
          // A detail we cannot read adds nothing; the message still says what went wrong.
        }
      }
    }
    body.add("fields", fields);
    ctx.status(httpStatus(status.getCode())).contentType("application/json").result(body.toString());
  }

  private static String message(Status s) {
    if (s.getCode() == Status.Code.UNAVAILABLE) {
      return "The webhooks server cannot be reached right now; is it running? Try again in a moment.";
    }
    if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return "The webhooks server did not answer in time. Try again.";
    }
    String d = s.getDescription();
    return d == null || d.isBlank() ? s.getCode().name() : d;
  }

  private static int httpStatus(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
      case NOT_FOUND -> 404;
      case PERMISSION_DENIED -> 403;
      case FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      // The server refused the dashboard's own API key: a gateway problem, not the browser's session.
      case UNAUTHENTICATED -> 502;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }
}
