package com.apindicators.webhooks.server.security;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * Resolves webhook hosts and drops addresses a webhook must not reach (loopback, private, link-local,
 * multicast, unspecified), so the sender only ever connects to an address that was checked.
 */
public final class TargetGuard implements DnsResolver {
  private final boolean allowPrivate;

  public TargetGuard(boolean allowPrivate) {
    this.allowPrivate = allowPrivate;
  }

  /** A connection that was refused before it was made. */
  public static final class BlockedTargetException extends UnknownHostException {
    public BlockedTargetException(String message) {
      super(message);
    }
  }

  @Override
  public String resolveCanonicalHostname(String host) throws UnknownHostException {
    return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
  }

  @Override
  public InetAddress[] resolve(String host) throws UnknownHostException {
    InetAddress[] all = InetAddress.getAllByName(host);
    if (allowPrivate) {
      return all;
    }
    List<InetAddress> allowed = new ArrayList<>();
    for (InetAddress a : all) {
      if (isPublic(a)) {
        allowed.add(a);
      }
    }
    if (allowed.isEmpty()) {
      throw new BlockedTargetException("Refused: " + host + " resolves only to private, loopback or other internal"
          + " addresses, which webhooks may not target (the server's --allow-private-targets lifts this for local development)");
    }
    return allowed.toArray(InetAddress[]::new);
  }

  /**
   * Checks a host that is an IP literal, which HTTP clients connect to without a lookup; names pass here
   * and are checked in {@link #resolve}.
   */
  public void checkLiteral(String host) throws BlockedTargetException {
    if (allowPrivate || !(host.contains(":") || host.matches("[0-9.]+"))) {
      return;
    }
    try {
      if (!isPublic(InetAddress.getByName(host))) {
        throw new BlockedTargetException("Refused: " + host + " is a private, loopback or other internal address,"
            + " which webhooks may not target (the server's --allow-private-targets lifts this for local development)");
      }
    } catch (BlockedTargetException e) {
      throw e;
    } catch (UnknownHostException e) {
      throw new BlockedTargetException("Refused: " + host + " is not a valid address");
    }
  }

  /** Whether the address is on the public internet. */
  public static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (b.length == 4) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first != 0 && !(first == 100 && second >= 64 && second < 128) && first < 224;
    }
    // fc00::/7 unique local addresses.
    return !(a instanceof Inet6Address) || (b[0] & 0xfe) != 0xfc;
  }
}
