package com.apindicators.webhooks.server.security;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** SQL for {@code api_keys}. */
public interface ApiKeyDao {
  @SqlUpdate("INSERT INTO api_keys (key_id, account_id, name, secret_hash) VALUES (:id, :accountId, :name, :hash)")
  void insert(@Bind("id") String id, @Bind("accountId") String accountId, @Bind("name") String name,
      @Bind("hash") byte[] hash);

  /** A live key's secret hash and account (account null for admin keys). */
  @SqlQuery("SELECT secret_hash, account_id FROM api_keys WHERE key_id = :id AND revoke_time IS NULL")
  @RegisterConstructorMapper(Stored.class)
  Optional<Stored> findLive(@Bind("id") String id);

  @SqlQuery("SELECT seq, key_id, account_id, name, create_time FROM api_keys WHERE revoke_time IS NULL AND seq > :after ORDER BY seq LIMIT :limit")
  @RegisterConstructorMapper(ApiKey.class)
  List<ApiKey> list(@Bind("after") long after, @Bind("limit") int limit);

  @SqlUpdate("UPDATE api_keys SET revoke_time = now() WHERE key_id = :id AND revoke_time IS NULL")
  int revoke(@Bind("id") String id);

  @SqlQuery("""
      SELECT t.id FROM unnest(CAST(:ids AS text[])) AS t(id)
      WHERE NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.key_id = t.id AND k.revoke_time IS NULL)
      """)
  List<String> notLive(@Bind("ids") String[] ids);

  @SqlQuery("SELECT count(*) FROM api_keys WHERE account_id IS NULL AND revoke_time IS NULL")
  int liveAdminKeys();

  /** What is stored of a key. */
  record Stored(byte[] secretHash, String accountId) {}
}
