package com.apindicators.webhooks.server.delivery;

import java.time.Instant;
import org.jdbi.v3.core.mapper.reflect.ColumnName;

/** One logged HTTP attempt of a delivery. */
public record DeliveryAttempt(
    int attempt,
    @ColumnName("start_time") Instant startTime,
    @ColumnName("duration_ms") long durationMs,
    @ColumnName("response_code") int responseCode,
    @ColumnName("response_body") String responseBody,
    String error) {}
