package com.apindicators.webhooks.client.dashboard;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;

/** JSON in and out through protobuf's own JsonFormat (camelCase names, every field with its default). */
final class ProtoJson {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
      .omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private ProtoJson() {}

  static String print(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A message as a JSON tree, to combine with other values. */
  static JsonElement tree(MessageOrBuilder message) {
    return JsonParser.parseString(print(message));
  }

  /** The request body parsed into a message of the builder's type; 400 with the parser's reason when it is not one. */
  static <B extends Message.Builder> B parse(Context ctx, B builder) {
    try {
      PARSER.merge(ctx.body(), builder);
      return builder;
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new BadRequestResponse("The request body is not valid JSON for this call: " + e.getMessage());
    }
  }

  static void send(Context ctx, MessageOrBuilder message) {
    ctx.contentType("application/json").result(print(message));
  }

  static void send(Context ctx, JsonObject object) {
    ctx.contentType("application/json").result(object.toString());
  }
}
