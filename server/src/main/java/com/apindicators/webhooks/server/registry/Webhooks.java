package com.apindicators.webhooks.server.registry;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.store.Conflicts;
import com.apindicators.webhooks.server.store.Ids;
import org.jdbi.v3.core.Jdbi;

/** Creates, reads, changes and deletes webhooks, holding each account to its plan's limit. */
public final class Webhooks {
  /** The disabled_reason of a webhook disabled through UpdateWebhook. */
  public static final String MANUALLY_DISABLED = "Disabled with UpdateWebhook (enabled: false).";
  private final Jdbi jdbi;
  private final SecretBox secrets;
  private final WebhookDeletes deletes;
  private final Consumer<SecretRotation> rotated;

  /**
   * @param secrets encrypts signing secrets before they are stored
   * @param deleted told each webhook id once its deletion committed, so deliveries waiting for it are dropped
   */
  public Webhooks(Jdbi jdbi, SecretBox secrets, Consumer<String> deleted) {
    this(jdbi, secrets, deleted, r -> {});
  }

  /**
   * As above; {@code rotated} is told each rotation once it committed, so deliveries read before it and not yet sent
   * are signed with the new secret.
   */
  public Webhooks(Jdbi jdbi, SecretBox secrets, Consumer<String> deleted, Consumer<SecretRotation> rotated) {
    this(jdbi, secrets, deleted, rotated, WebhookDeletes.LOCK_WAIT);
  }

  /** As above, with a delete's steps waiting at most {@code lockWait} for a lock (tests shorten it). */
  public Webhooks(Jdbi jdbi, SecretBox secrets, Consumer<String> deleted, Duration lockWait) {
    this(jdbi, secrets, deleted, r -> {}, lockWait);
  }

  private Webhooks(Jdbi jdbi, SecretBox secrets, Consumer<String> deleted, Consumer<SecretRotation> rotated,
      Duration lockWait) {
    this.jdbi = jdbi;
    this.secrets = secrets;
    this.rotated = rotated;
    this.deletes = new WebhookDeletes(jdbi, deleted, lockWait);
  }

  /** Encrypts any signing secret stored in plaintext (from before encryption at rest); returns how many. */
  public int sealPlaintextSecrets() {
    return jdbi.inTransaction(h -> {
      WebhookDao dao = h.attach(WebhookDao.class);
      List<String> ids = dao.withPlaintextSecrets();
      for (String id : ids) {
        dao.storeSecret(id, secrets.seal(dao.secret(id)));
      }
      return ids.size();
    });
  }

  /** A webhook and the signing secret that is shown only now. */
  public record WithSecret(Webhook webhook, String signingSecret) {}

  /** A page of an account's webhooks and the position to continue after; empty at the end. */
  public record Page(List<Webhook> webhooks, OptionalLong nextAfterSeq) {}

  /** Creates a webhook with a new secret; the account row lock makes the plan limit hold under concurrency. */
  public WithSecret create(NewWebhook w) throws PlanLimitReachedException {
    String id = Ids.next("wh_");
    String secret = SigningSecrets.generate();
    Optional<PlanLimitReachedException> refused = jdbi.inTransaction(h -> {
      AccountDao accounts = h.attach(AccountDao.class);
      accounts.ensureExists(w.accountId());
      Plan plan = Plan.valueOf(accounts.lockPlan(w.accountId()));
      OptionalInt limit = plan.webhookLimit();
      WebhookDao dao = h.attach(WebhookDao.class);
      if (limit.isPresent() && dao.countByAccount(w.accountId()) >= limit.getAsInt()) {
        return Optional.of(new PlanLimitReachedException(plan, limit.getAsInt()));
      }
      dao.insert(id, w.accountId(), w.name(), w.url(), array(w.events()), secrets.seal(secret), SigningSecrets.hint(secret),
          w.retry().maxAttempts(), w.retry().initialBackoff().toMillis(), w.retry().maxBackoff().toMillis(),
          array(w.filter().pairs()), array(w.filter().intervals()), w.filter().minScore(),
          afterMs(w.disablePolicy()), afterFailures(w.disablePolicy()));
      dao.insertHealth(id);
      return Optional.empty();
    });
    if (refused.isPresent()) {
      throw refused.get();
    }
    return new WithSecret(get(id).orElseThrow(), secret);
  }

  /** The webhook, if it exists. */
  public Optional<Webhook> get(String webhookId) {
    return jdbi.withExtension(WebhookDao.class, dao -> dao.find(webhookId).map(WebhookDao.Listed::webhook));
  }

  /** Those of these webhooks that exist, by id, read in one query (none for no ids). */
  public Map<String, Webhook> getAll(Collection<String> webhookIds) {
    if (webhookIds.isEmpty()) {
      return Map.of();
    }
    return jdbi.withExtension(WebhookDao.class, dao -> dao.findAll(webhookIds.toArray(String[]::new))).stream()
        .map(WebhookDao.Listed::webhook).collect(Collectors.toMap(Webhook::webhookId, w -> w));
  }

  /**
   * The longest retry schedule among the webhooks an event of the account (null: a broadcast, every account's) and
   * type could be sent to again: those named, or all of the account's taking events of the type when none is.
   */
  public RetrySchedule longestSchedule(String accountId, String type, Collection<String> webhookIds) {
    return jdbi.withHandle(h -> h.createQuery("""
        SELECT coalesce(max(retry_max_attempts), 1) AS attempts,
            coalesce(max((retry_max_attempts - 1) * retry_max_ms), 0) AS waits_ms
        FROM webhooks w
        WHERE (CAST(:accountId AS text) IS NULL OR account_id = :accountId)
          AND (cardinality(CAST(:ids AS text[])) = 0 OR webhook_id = ANY(CAST(:ids AS text[])))
          AND :type = ANY(w.events) AND\s""" + WebhookDao.TAKES_EVENTS)
        .bind("accountId", accountId).bind("type", type).bind("ids", webhookIds.toArray(String[]::new))
        .map((rs, ctx) -> new RetrySchedule(rs.getInt("attempts"), Duration.ofMillis(rs.getLong("waits_ms")))).one());
  }

  /** Up to {@code limit} of an account's webhooks after a position, oldest first. */
  public Page list(String accountId, long afterSeq, int limit) {
    List<WebhookDao.Listed> rows =
        jdbi.withExtension(WebhookDao.class, dao -> dao.listByAccount(accountId, afterSeq, limit + 1));
    boolean more = rows.size() > limit;
    List<WebhookDao.Listed> page = more ? rows.subList(0, limit) : rows;
    OptionalLong next = more ? OptionalLong.of(page.get(page.size() - 1).seq()) : OptionalLong.empty();
    return new Page(page.stream().map(WebhookDao.Listed::webhook).toList(), next);
  }

  /**
   * Applies the change (null fields kept) and returns the result, or empty if there is no such webhook. Disabling
   * records when and why; enabling a disabled webhook clears that and its run of failures.
   */
  public Optional<Webhook> update(String webhookId, WebhookChange c) {
    return Conflicts.inTransaction(jdbi, h -> {
      WebhookDao dao = h.attach(WebhookDao.class);
      dao.lockHealth(webhookId);
      Optional<Webhook> current = dao.findForUpdate(webhookId).map(WebhookDao.Listed::webhook);
      if (current.isEmpty()) {
        return Optional.empty();
      }
      Webhook w = current.get();
      RetrySettings retry = c.retry() != null ? c.retry() : w.retry();
      EventFilter filter = c.filter() != null ? c.filter() : w.filter();
      DisablePolicy policy = c.disablePolicy() != null ? c.disablePolicy() : w.disablePolicy();
      boolean enabled = c.enabled() != null ? c.enabled() : w.enabled();
      dao.update(webhookId, c.name() != null ? c.name() : w.name(), c.url() != null ? c.url() : w.url(),
          array(c.events() != null ? c.events() : w.events()), enabled,
          retry.maxAttempts(), retry.initialBackoff().toMillis(), retry.maxBackoff().toMillis(),
          array(filter.pairs()), array(filter.intervals()), filter.minScore(), afterMs(policy), afterFailures(policy),
          MANUALLY_DISABLED);
      if (enabled && !w.enabled()) {
        dao.clearFailures(webhookId);
      }
      return dao.find(webhookId).map(WebhookDao.Listed::webhook);
    });
  }

  /** Replaces the signing secret; returns the new one, or empty if there is no such webhook. */
  public Optional<WithSecret> rotateSecret(String webhookId) {
    String secret = SigningSecrets.generate();
    Optional<SecretRotation> rotation = jdbi.withExtension(WebhookDao.class,
        dao -> dao.setSecret(webhookId, secrets.seal(secret), SigningSecrets.hint(secret)));
    rotation.ifPresent(rotated);
    return rotation.isEmpty() ? Optional.empty() : get(webhookId).map(w -> new WithSecret(w, secret));
  }

  /**
   * Deletes the webhook and its deliveries, freeing its plan slot; false if there was none. In steps that take turns
   * with other deletes, fairly between tenants; it stops, and throws, once {@code stopped} says so (the caller
   * cancelled or its deadline passed): see {@link WebhookDeletes#delete}.
   */
  public boolean delete(String webhookId, String accountId, BooleanSupplier stopped) throws DeleteStoppedException {
    return deletes.delete(webhookId, accountId, stopped);
  }

  /** Deletes waiting for their account's turn (another delete of the account is running). */
  public int deletesWaitingForAccount() {
    return deletes.waitingForAccount();
  }

  /** Deletes waiting for a process-wide permit for their next step. */
  public int deletesWaitingForPermit() {
    return deletes.waitingForPermit();
  }

  private static Long afterMs(DisablePolicy p) {
    return p.afterFailingFor() == null ? null : p.afterFailingFor().toMillis();
  }

  private static Integer afterFailures(DisablePolicy p) {
    return p.afterConsecutiveFailures() > 0 ? p.afterConsecutiveFailures() : null;
  }

  private static String[] array(List<String> values) {
    return values.toArray(String[]::new);
  }
}
