package com.apindicators.webhooks.server.registry;

import java.util.Optional;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** SQL for the {@code accounts} table. */
public interface AccountDao {
  @SqlUpdate("""
      INSERT INTO accounts (account_id, plan) VALUES (:accountId, :plan)
      ON CONFLICT (account_id) DO UPDATE SET plan = EXCLUDED.plan, update_time = now()
      """)
  void upsertPlan(@Bind("accountId") String accountId, @Bind("plan") String plan);

  @SqlUpdate("INSERT INTO accounts (account_id) VALUES (:accountId) ON CONFLICT (account_id) DO NOTHING")
  void ensureExists(@Bind("accountId") String accountId);

  /** Locks the account row until the transaction ends, so concurrent creates are counted one at a time. */
  @SqlQuery("SELECT plan FROM accounts WHERE account_id = :accountId FOR UPDATE")
  String lockPlan(@Bind("accountId") String accountId);

  @SqlQuery("SELECT plan FROM accounts WHERE account_id = :accountId")
  Optional<String> findPlan(@Bind("accountId") String accountId);
}
