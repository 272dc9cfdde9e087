package com.apindicators.webhooks.client.cli;

import io.grpc.Status;
import java.util.Locale;
import java.util.regex.Pattern;

/** Failures as one line a person can act on: the gRPC status and message, never a Java class name or stack trace. */
final class Failures {
  /** "java.net.UnknownHostException: " and the like, wherever a library put it into a message. */
  private static final Pattern CLASS_NAME = Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error)(?::\\s*)?");

  private Failures() {}

  static String describe(Status s, String server) {
    if (s.getCode() == Status.Code.UNAVAILABLE) {
      return "UNAVAILABLE: cannot reach the server at " + server + " (" + reason(s)
          + "). Is it running? Check --server or WEBHOOKS_SERVER.";
    }
    if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return "DEADLINE_EXCEEDED: the server at " + server + " did not answer in time (" + reason(s) + ").";
    }
    return s.getCode() + ": " + reason(s);
  }

  /** The description, else the deepest cause's message, without class names. */
  private static String reason(Status s) {
    String text = s.getDescription();
    Throwable root = s.getCause();
    while (root != null && root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != null && root.getMessage() != null && (text == null || text.isBlank() || text.equals("io exception"))) {
      text = root.getMessage();
    } else if (root != null && root.getMessage() != null && !text.contains(root.getMessage())) {
      text = text + ": " + root.getMessage();
    }
    if (text != null && text.contains("Connection refused")) {
      return "connection refused";
    }
    return clean(text == null || text.isBlank() ? s.getCode().toString().toLowerCase(Locale.ROOT).replace('_', ' ') : text);
  }

  static String message(Throwable e) {
    String text = e.getMessage();
    if (text == null || text.isBlank()) {
      text = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : "unexpected failure";
    }
    return clean(text);
  }

  static String clean(String text) {
    return CLASS_NAME.matcher(text).replaceAll("").strip();
  }
}
