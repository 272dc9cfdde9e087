package com.apindicators.webhooks.server.events;

import java.time.Instant;

/** An event as stored: its data is the JSON exactly as it goes into the payload. */
public record PublishedEvent(String eventId, String type, String accountId, Instant timestamp, String dataJson) {}
