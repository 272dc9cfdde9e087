package com.apindicators.webhooks.server.registry;

import java.util.List;

/** Narrows which signal events reach a webhook; empty lists and a zero score narrow nothing. */
public record EventFilter(List<String> pairs, List<String> intervals, double minScore) {
  public static final EventFilter NONE = new EventFilter(List.of(), List.of(), 0);
}
