package com.apindicators.webhooks.server.delivery;

import java.net.InetAddress;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.routing.HttpRoutePlanner;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Routes each request to the address its name was checked with, looked up ahead on a thread of the sender's own
 * ({@link #ADDRESS} in the request's context): the connection then dials that address, and the HTTP client's I/O
 * threads never look a name up. TLS still names the host (SNI, certificate checks). A request without an address
 * (a literal address URL) is routed as the client would, directly, without a proxy.
 */
final class CheckedRoutes implements HttpRoutePlanner {
  /** The request context's attribute holding the checked {@link InetAddress} to dial. */
  static final String ADDRESS = "webhooks.checked-address";

  @Override
  public HttpRoute determineRoute(HttpHost target, HttpContext context) throws HttpException {
    HttpHost host = RoutingSupport.normalize(target, DefaultSchemePortResolver.INSTANCE);
    boolean secure = "https".equalsIgnoreCase(host.getSchemeName());
    Object address = context == null ? null : context.getAttribute(ADDRESS);
    if (!(address instanceof InetAddress a)) {
      return new HttpRoute(host, null, secure);
    }
    HttpHost dialled = new HttpHost(host.getSchemeName(), a, host.getHostName(), host.getPort());
    return new HttpRoute(dialled, host, null, secure);
  }
}
