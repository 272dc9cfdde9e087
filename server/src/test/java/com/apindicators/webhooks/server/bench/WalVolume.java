package com.apindicators.webhooks.server.bench;

import org.jdbi.v3.core.Jdbi;

/**
 * What PostgreSQL has written to its write-ahead log so far ({@code pg_stat_wal}, PostgreSQL 14 and later): records,
 * full-page images and bytes. Unlike CPU time on a shared machine, the difference between two readings depends only
 * on the statements run between them, so it compares two designs' write volume exactly.
 */
record WalVolume(long records, long fullPages, long bytes) {
  static WalVolume read(Jdbi jdbi) {
    return jdbi.withHandle(h -> h.createQuery("SELECT wal_records, wal_fpi, wal_bytes::bigint FROM pg_stat_wal")
        .map((rs, ctx) -> new WalVolume(rs.getLong(1), rs.getLong(2), rs.getLong(3))).one());
  }

  /** Per unit of work since {@code before}: "records, full-page images, bytes". */
  String per(WalVolume before, long units) {
    return String.format("%.1f WAL records (%.2f full-page images), %.0f WAL bytes", (records - before.records) / (double) units,
        (fullPages - before.fullPages) / (double) units, (bytes - before.bytes) / (double) units);
  }
}
