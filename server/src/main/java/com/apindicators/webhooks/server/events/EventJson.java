package com.apindicators.webhooks.server.events;

import com.apindicators.webhooks.server.delivery.Payload;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An event's data object given as JSON text: validated, re-emitted compactly with the caller's key order and
 * number spelling, and in a canonical form (keys sorted at every level, numbers by value) that says whether two
 * publishes carry the same content whatever order or spelling a client library chose.
 */
public final class EventJson {
  /** Objects and arrays nested deeper than this are refused (a Struct cannot nest much deeper either). */
  public static final int MAX_DEPTH = 32;
  /**
   * The longest number text taken (a double needs at most about 25); a longer one is refused before it is
   * compared by value, which costs time growing with the square of its length.
   */
  public static final int MAX_NUMBER_CHARS = 100;

  /**
   * The parsed data.
   *
   * @param compact the JSON as delivered: no whitespace, keys and number text as given
   * @param canonical keys sorted recursively, numbers normalized by value; for comparing content only
   * @param pair top-level {@code pair} when it is a string, for webhook filters, or null (see {@link #filterable})
   * @param interval top-level {@code interval} when it is a string, or null
   * @param score top-level {@code score} when it is a number, or null
   */
  public record Data(String compact, String canonical, String pair, String interval, Double score) {}

  /** A number as written, kept as text so that big integers and decimals pass through unchanged. */
  private record Num(String text) {}

  private static final Object NULL = new Object();
  private static final String LENIENT_ADVICE = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON";

  private EventJson() {}

  /** Parses a JSON object; a message a person can act on when it is not one we accept. */
  public static Data parse(String text) throws InvalidDataException {
    Object root;
    try (JsonReader reader = new JsonReader(new StringReader(text))) {
      reader.setStrictness(Strictness.STRICT);
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        throw new InvalidDataException("must be a JSON object ({...}), not " + reader.peek().name().toLowerCase(Locale.ROOT));
      }
      root = value(reader, 1);
      if (!ended(reader)) {
        throw new InvalidDataException("has more after the object; send one JSON object");
      }
    } catch (IOException | IllegalStateException e) {
      // The parser's words without its advice to Java programmers (which option to set, which page to read).
      String m = String.valueOf(e.getMessage()).replace(LENIENT_ADVICE, "malformed JSON");
      int see = m.indexOf("\nSee ");
      throw new InvalidDataException("is not valid JSON: " + (see < 0 ? m : m.substring(0, see)));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> top = (Map<String, Object>) root;
    StringBuilder compact = new StringBuilder(text.length());
    write(compact, root, false);
    StringBuilder canonical = new StringBuilder(text.length());
    write(canonical, root, true);
    return new Data(compact.toString(), canonical.toString(), filterable(top.get("pair")),
        filterable(top.get("interval")),
        top.get("score") instanceof Num n ? Double.parseDouble(n.text()) : null);
  }

  /**
   * A string a webhook filter can match, or null. A string holding NUL (JSON's {@code \\u0000}) matches no filter
   * (their values have no control characters) and PostgreSQL text cannot carry it: it is null here, which matches no
   * filter either. The data delivered keeps it, escaped.
   */
  private static String filterable(Object value) {
    return value instanceof String s && s.indexOf('\0') < 0 ? s : null;
  }

  private static boolean ended(JsonReader r) {
    try {
      return r.peek() == JsonToken.END_DOCUMENT;
    } catch (IOException e) {
      return false;
    }
  }

  private static Object value(JsonReader r, int depth) throws IOException, InvalidDataException {
    switch (r.peek()) {
      case BEGIN_OBJECT -> {
        checkDepth(r, depth);
        Map<String, Object> m = new LinkedHashMap<>();
        r.beginObject();
        while (r.hasNext()) {
          String path = r.getPath();
          String key = unicode(r.nextName(), r);
          if (m.put(key, value(r, depth + 1)) != null) {
            throw new InvalidDataException("has the key " + quote(key) + " twice at " + path
                + "; each key may appear once in an object");
          }
        }
        r.endObject();
        return m;
      }
      case BEGIN_ARRAY -> {
        checkDepth(r, depth);
        List<Object> l = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
          l.add(value(r, depth + 1));
        }
        r.endArray();
        return l;
      }
      case STRING -> {
        return unicode(r.nextString(), r);
      }
      case NUMBER -> {
        String path = r.getPath();
        String n = r.nextString();
        if (n.length() > MAX_NUMBER_CHARS) {
          throw new InvalidDataException("has a number of " + n.length() + " characters at " + path + "; at most "
              + MAX_NUMBER_CHARS + " are allowed: send longer values as strings");
        }
        if (!Double.isFinite(Double.parseDouble(n))) {
          throw new InvalidDataException("has the number " + quote(n) + " at " + path
              + ", beyond the range of a double; send big values as strings");
        }
        return new Num(n);
      }
      case BOOLEAN -> {
        return r.nextBoolean();
      }
      case NULL -> {
        r.nextNull();
        return NULL;
      }
      default -> throw new InvalidDataException("is not valid JSON at " + r.getPath());
    }
  }

  private static void checkDepth(JsonReader r, int depth) throws InvalidDataException {
    if (depth > MAX_DEPTH) {
      throw new InvalidDataException("nests objects and arrays more than " + MAX_DEPTH + " deep (at " + r.getPath() + ")");
    }
  }

  /** Refuses a lone surrogate (an escape such as \ud800 that is no character): stored text is valid UTF-8. */
  private static String unicode(String s, JsonReader r) throws InvalidDataException {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidDataException("has a lone UTF-16 surrogate (\\u" + Integer.toHexString(c) + ") near "
            + r.getPath() + "; strings must be valid Unicode");
      }
    }
    return s;
  }

  private static void write(StringBuilder sb, Object v, boolean canonical) {
    if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : (canonical ? new TreeMap<>(m) : m).entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        Payload.quote(sb, (String) e.getKey());
        sb.append(':');
        write(sb, e.getValue(), canonical);
      }
      sb.append('}');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        write(sb, l.get(i), canonical);
      }
      sb.append(']');
    } else if (v instanceof String s) {
      Payload.quote(sb, s);
    } else if (v instanceof Num n) {
      sb.append(canonical ? byValue(n.text()) : n.text());
    } else if (v instanceof Boolean b) {
      sb.append(b);
    } else {
      sb.append("null");
    }
  }

  /** One spelling per value: 1, 1.0 and 1e0 all become 1; -0 becomes 0. */
  private static String byValue(String number) {
    try {
      return new BigDecimal(number).stripTrailingZeros().toString();
    } catch (NumberFormatException | ArithmeticException e) {
      // An exponent beyond BigDecimal's range: keep the text (still one spelling per input).
      return number;
    }
  }

  private static String quote(String s) {
    String cut = s.length() > 40 ? s.substring(0, 37) + "..." : s;
    return "'" + cut.codePoints().map(c -> Character.isISOControl(c) || Character.isSurrogate((char) c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append) + "'";
  }

  /** The data is not a JSON object we accept; the message completes "data_json ...". */
  public static final class InvalidDataException extends Exception {
    public InvalidDataException(String message) {
      super(message);
    }
  }
}
