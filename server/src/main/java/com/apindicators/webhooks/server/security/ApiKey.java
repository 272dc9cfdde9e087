package com.apindicators.webhooks.server.security;

import java.time.Instant;

/** An API key's public description (never its secret). */
public record ApiKey(long seq, String keyId, String accountId, String name, Instant createTime) {}
