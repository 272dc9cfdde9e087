package com.apindicators.webhooks.server.security;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * The SSRF guard. Webhook URLs may not target loopback, private, link-local (cloud metadata), CGNAT, multicast,
 * broadcast, reserved or unspecified addresses, nor IPv6 forms that embed such an IPv4 address (IPv4-compatible,
 * -mapped and -translated, NAT64, 6to4; Teredo always). Literal
 * addresses are refused when a webhook is saved; every name is resolved here just before each attempt, and the
 * connection dials the checked address, so DNS rebinding cannot pass. {@code allowPrivate} lifts
 * the address checks for local development.
 */
public final class TargetGuard implements DnsResolver {
  private static final Pattern NUMERIC_LABEL = Pattern.compile("(?i)\\d+|0x[0-9a-f]*");
  private static final Pattern DOTTED_QUAD = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final String LIFT = " (the server's --allow-private-targets lifts this for local development)";
  /**
   * How long a name's checked addresses serve without another lookup: this spares lookups, nothing more. The sender
   * looks each name up ahead, on a thread of its own, and dials the addresses checked then (see the sender), so a
   * name's addresses cannot change under a connection, and rebinding gains nothing.
   */
  static final long REMEMBER_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Names remembered at most; beyond it, those out of date are forgotten, and a new one is not kept if none are. */
  public static final int MAX_REMEMBERED = 10_000;
  private final boolean allowPrivate;
  private final Lookup lookup;
  private final ConcurrentHashMap<String, Checked> checked = new ConcurrentHashMap<>();

  /** How a name is looked up: the system's resolver in the server; tests put a slow one in its place. */
  @FunctionalInterface
  public interface Lookup {
    InetAddress[] all(String host) throws UnknownHostException;
  }

  /** A name's addresses that passed the checks, and until when they serve. */
  private record Checked(InetAddress[] addresses, long untilNanos) {}

  public TargetGuard(boolean allowPrivate) {
    this(allowPrivate, InetAddress::getAllByName);
  }

  public TargetGuard(boolean allowPrivate, Lookup lookup) {
    this.allowPrivate = allowPrivate;
    this.lookup = lookup;
  }

  /** Whether a URL's host is an address, not a name: connecting to it looks nothing up. */
  public static boolean isAddress(String host) {
    return host != null && (host.startsWith("[") || DOTTED_QUAD.matcher(host).matches());
  }

  /** A connection that was refused before it was made. */
  public static final class BlockedTargetException extends UnknownHostException {
    public BlockedTargetException(String message) {
      super(message);
    }
  }

  /**
   * Why a URL host may not be saved, or null when it may: ambiguous numeric spellings always, and internal
   * literal addresses and {@code localhost} names unless private targets are allowed.
   */
  public String refusalForHost(String host) {
    if (host == null || host.isEmpty()) {
      return "has no host a client could connect to";
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    // A name's trailing dot (the root) changes nothing it names: 127.0.0.1. and foo.localhost. are refused as
    // 127.0.0.1 and foo.localhost are (they passed the checks when saved, and were only refused when sent).
    if (h.endsWith(".") && h.length() > 1) {
      h = h.substring(0, h.length() - 1);
    }
    String lower = h.toLowerCase(Locale.ROOT);
    if (ambiguousNumeric(h)) {
      return "uses an ambiguous numeric host '" + host + "'; write an IPv4 address as four decimal parts"
          + " without leading zeros, or use a name";
    }
    if (allowPrivate) {
      return null;
    }
    if (lower.equals("localhost") || lower.endsWith(".localhost")) {
      return "must not target localhost" + LIFT;
    }
    if (h.contains(":") || DOTTED_QUAD.matcher(h).matches()) {
      try {
        if (!isPublic(InetAddress.getByName(h))) {
          return "must not target a private, loopback, link-local or other internal address (" + host + ")" + LIFT;
        }
      } catch (UnknownHostException e) {
        return "has an invalid address '" + host + "'";
      }
    }
    return null;
  }

  /**
   * Whether every label is a number (decimal, octal-looking or 0x-hex) but the whole is not a plain dotted quad:
   * 127.1, 2130706433, 0177.0.0.1, 0x7f.0.0.1 mean different addresses to different resolvers.
   */
  private static boolean ambiguousNumeric(String h) {
    if (h.contains(":")) {
      return false;
    }
    for (String label : h.split("\\.", -1)) {
      if (!NUMERIC_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return !DOTTED_QUAD.matcher(h).matches();
  }

  /** Checks the host of a URL about to be dialled when it is a literal address (no lookup happens for those). */
  public void checkLiteral(String host) throws BlockedTargetException {
    String refusal = refusalForHost(host);
    if (refusal != null) {
      throw new BlockedTargetException("Refused: the URL " + refusal + "; no connection was made");
    }
  }

  /**
   * This guard as the resolver of the HTTP client's I/O threads: a literal address is checked as always (no lookup
   * happens for one); a name is refused, never looked up there. The sender looks names up ahead on threads of its
   * own and dials the checked address, so a name reaching this is a defect, and a lookup here would hold every
   * tenant's connections on that thread for as long as one tenant's name server takes to answer.
   */
  public DnsResolver withoutLookups() {
    return new DnsResolver() {
      @Override
      public InetAddress[] resolve(String host) throws UnknownHostException {
        if (host == null || !(isAddress(host) || host.contains(":"))) {
          throw new UnknownHostException("Not sent: the name " + host + " was not looked up ahead, and no name is"
              + " looked up on the HTTP client's I/O threads");
        }
        return TargetGuard.this.resolve(host);
      }

      @Override
      public String resolveCanonicalHostname(String host) throws UnknownHostException {
        throw new UnknownHostException("No name is looked up on the HTTP client's I/O threads: " + host);
      }
    };
  }

  @Override
  public String resolveCanonicalHostname(String host) throws UnknownHostException {
    return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
  }

  @Override
  public InetAddress[] resolve(String host) throws UnknownHostException {
    checkLiteral(host);
    String name = host.toLowerCase(Locale.ROOT);
    long now = System.nanoTime();
    Checked known = checked.get(name);
    if (known != null && known.untilNanos() - now > 0) {
      return known.addresses().clone();
    }
    InetAddress[] all = lookup.all(host);
    InetAddress[] allowed = allowPrivate ? all : publicOnly(host, all);
    long looked = System.nanoTime(); // after the lookup, which may have taken seconds
    if (checked.size() >= MAX_REMEMBERED) {
      checked.values().removeIf(c -> c.untilNanos() - looked <= 0);
    }
    if (checked.size() < MAX_REMEMBERED) {
      checked.put(name, new Checked(allowed.clone(), looked + REMEMBER_NANOS));
    }
    return allowed;
  }

  private static InetAddress[] publicOnly(String host, InetAddress[] all) throws BlockedTargetException {
    List<InetAddress> allowed = new ArrayList<>();
    for (InetAddress a : all) {
      if (isPublic(a)) {
        allowed.add(a);
      }
    }
    if (allowed.isEmpty()) {
      throw new BlockedTargetException("Refused: " + host + " resolves only to private, loopback or other internal"
          + " addresses, which webhooks may not target" + LIFT + "; no connection was made");
    }
    return allowed.toArray(InetAddress[]::new);
  }

  /** Whether the address is a public unicast address. */
  public static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return isPublicV4(b, 0);
    }
    if (a instanceof Inet6Address) {
      if ((b[0] & 0xfe) == 0xfc) {
        return false; // fc00::/7 unique local
      }
      if (allZero(b, 0, 10) && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff))) {
        return isPublicV4(b, 12); // IPv4-compatible ::a.b.c.d and IPv4-mapped ::ffff:a.b.c.d
      }
      if (allZero(b, 0, 8) && b[8] == (byte) 0xff && b[9] == (byte) 0xff && b[10] == 0 && b[11] == 0) {
        return isPublicV4(b, 12); // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765)
      }
      if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
        return false; // Teredo 2001::/32 tunnels to the IPv4 addresses it embeds; no webhook lives there
      }
      if (b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b) {
        return allZero(b, 4, 12) && isPublicV4(b, 12); // NAT64 64:ff9b::/96; 64:ff9b:1::/48 is local use
      }
      if (b[0] == 0x20 && b[1] == 0x02) {
        return isPublicV4(b, 2); // 6to4 2002:a.b.c.d::/48
      }
      return true;
    }
    return false;
  }

  private static boolean isPublicV4(byte[] b, int o) {
    int a0 = b[o] & 0xff;
    int a1 = b[o + 1] & 0xff;
    int a2 = b[o + 2] & 0xff;
    return !(a0 == 0 || a0 == 10 || a0 == 127 || a0 >= 224
        || (a0 == 100 && a1 >= 64 && a1 < 128)
        || (a0 == 169 && a1 == 254)
        || (a0 == 172 && a1 >= 16 && a1 < 32)
        || (a0 == 192 && a1 == 168)
        || (a0 == 192 && a1 == 0 && a2 == 0)
        || (a0 == 198 && (a1 == 18 || a1 == 19)));
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
