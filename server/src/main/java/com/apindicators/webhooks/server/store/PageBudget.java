package com.apindicators.webhooks.server.store;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Where a page of rows ends when their text adds up: a list page ends at its size or once its rows' stored text (event
 * data, response bodies, errors) passes {@link #MAX_PAGE_CHARS}, with at least one row. So a page of 500 rows of 16 KiB
 * bodies (8 MiB, twice the 4 MiB a gRPC client takes by default) ends after about 64, and the caller says where to
 * go on.
 */
public final class PageBudget {
  /** The most stored text (characters) one page of a listing carries, beyond its first row. */
  public static final int MAX_PAGE_CHARS = 1024 * 1024;

  private PageBudget() {}

  /** The first rows, at most {@code limit}, whose sizes add up to at most {@link #MAX_PAGE_CHARS} (at least one). */
  public static <T> List<T> take(List<T> rows, int limit, ToLongFunction<T> chars) {
    long total = 0;
    int n = 0;
    for (T row : rows.subList(0, Math.min(limit, rows.size()))) {
      total += chars.applyAsLong(row);
      if (n > 0 && total > MAX_PAGE_CHARS) {
        break;
      }
      n++;
    }
    return List.copyOf(rows.subList(0, n));
  }

  /** The length of a text that may be null. */
  public static long length(String text) {
    return text == null ? 0 : text.length();
  }
}
