package com.apindicators.webhooks.server.security;

import com.apindicators.webhooks.server.store.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * API keys: {@code whk_<22-char id>_<43-char secret>}. Only a SHA-256 of the secret is stored (the secret has
 * 256 random bits, so a slow hash adds nothing); presented keys are compared in constant time. Live keys found in
 * the database are remembered for {@link #REMEMBER} (one lookup per key and period instead of one per call), so
 * a revocation in another server process takes effect within that time; in this process, at once. Ids found
 * unknown or revoked are remembered as such for as long (so repeating one bad key costs no lookup), and the lookups
 * themselves are bounded by {@link KeyLookups}: a flood of calls with made-up keys cannot take the connection pool.
 */
public final class ApiKeys {
  public static final String PREFIX = "whk_";
  private static final int ID_LENGTH = PREFIX.length() + 22;
  private static final SecureRandom RANDOM = new SecureRandom();
  /** How long a live key found in the database is trusted without looking again. */
  public static final Duration REMEMBER = Duration.ofSeconds(2);
  /**
   * How much longer a live key is trusted while every re-check of live keys is in progress (the database is slow):
   * its calls go on instead of waiting or failing, and a revocation in another process takes effect that much later.
   */
  public static final Duration TRUST_WHILE_BUSY = Duration.ofSeconds(10);
  /**
   * Keys remembered at most, live and unknown ones each; beyond it that memory starts over (a flood of live keys or
   * of made-up ids cannot grow it).
   */
  static final int MAX_REMEMBERED = 10_000;
  private final Jdbi jdbi;
  private final int maxRemembered;
  private final long rememberNanos;
  private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();
  /** Ids found not live (unknown or revoked), to the time until which that is trusted. */
  private final Map<String, Long> notLive = new ConcurrentHashMap<>();
  private final KeyLookups lookups = new KeyLookups();

  private record Remembered(ApiKeyDao.Stored stored, long untilNanos) {}

  public ApiKeys(Jdbi jdbi) {
    this(jdbi, MAX_REMEMBERED);
  }

  ApiKeys(Jdbi jdbi, int maxRemembered) {
    this(jdbi, maxRemembered, REMEMBER);
  }

  /** With another memory time: tests that must not depend on how fast the machine is. */
  ApiKeys(Jdbi jdbi, int maxRemembered, Duration remember) {
    this.jdbi = jdbi;
    this.maxRemembered = maxRemembered;
    this.rememberNanos = remember.toNanos();
  }

  int rememberedCount() {
    return remembered.size();
  }

  int notLiveCount() {
    return notLive.size();
  }

  /** Key lookups in the database in progress now. */
  public int lookupsInFlight() {
    return lookups.inFlight();
  }

  /** The most key lookups that were ever in progress at once in this process. */
  int lookupsPeak() {
    return lookups.peak();
  }

  /** Calls refused so far because the key lookups were all taken. */
  public long lookupsRefused() {
    return lookups.refused();
  }

  /** A new key and the id to list and revoke it by; the key is shown only now. */
  public record Created(String keyId, String apiKey) {}

  /** Creates a key scoped to an account, or an admin key when the account is null. */
  public Created create(String accountId, String name) {
    String id = Ids.next(PREFIX);
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    jdbi.useExtension(ApiKeyDao.class, dao -> dao.insert(id, accountId, name, sha256(secretText)));
    notLive.remove(id);
    return new Created(id, id + "_" + secretText);
  }

  /** Stores a key given from outside (flag or environment) as an admin key, unless it is stored already. */
  public void adopt(String apiKey, String name) {
    if (authenticate(apiKey).isPresent()) {
      return;
    }
    Parsed p = parse(apiKey).orElseThrow(() -> new IllegalArgumentException(
        "the configured admin key is not a key of the form " + PREFIX + "<22 characters>_<43 characters>;"
            + " leave it unset once to have one created"));
    jdbi.useExtension(ApiKeyDao.class, dao -> dao.insert(p.keyId(), null, name, sha256(p.secret())));
    notLive.remove(p.keyId());
  }

  /**
   * The caller a presented key belongs to, if it is a live key.
   *
   * @throws KeyLookupsBusyException when the key must be looked up and the lookups of its kind are all taken
   */
  public Optional<Caller> authenticate(String presented) {
    Optional<Parsed> p = parse(presented);
    if (p.isEmpty()) {
      return Optional.empty();
    }
    Optional<ApiKeyDao.Stored> stored = live(p.get().keyId());
    if (stored.isEmpty() || !MessageDigest.isEqual(stored.get().secretHash(), sha256(p.get().secret()))) {
      return Optional.empty();
    }
    return Optional.of(new Caller(p.get().keyId(), stored.get().accountId()));
  }

  /** The stored key if it is live: remembered (live or not), or looked up under a {@link KeyLookups} permit. */
  private Optional<ApiKeyDao.Stored> live(String keyId) {
    Optional<Optional<ApiKeyDao.Stored>> known = recalled(keyId);
    if (known.isPresent()) {
      return known.get();
    }
    // Looked again under the permit: another call may have looked the id up meanwhile.
    Supplier<Optional<ApiKeyDao.Stored>> lookup = () -> recalled(keyId).orElseGet(() -> lookUp(keyId));
    Remembered r = remembered.get(keyId);
    if (r != null && System.nanoTime() - r.untilNanos() < TRUST_WHILE_BUSY.toNanos()) {
      return lookups.refreshIfFree(lookup).orElse(Optional.of(r.stored()));
    }
    return lookups.run(r != null, lookup);
  }

  /** What is remembered of the id and not yet out of date: live (the stored key) or not (empty); else nothing. */
  private Optional<Optional<ApiKeyDao.Stored>> recalled(String keyId) {
    long now = System.nanoTime();
    Remembered r = remembered.get(keyId);
    if (r != null && now - r.untilNanos() < 0) {
      return Optional.of(Optional.of(r.stored()));
    }
    Long notLiveUntil = notLive.get(keyId);
    if (notLiveUntil != null && now - notLiveUntil < 0) {
      return Optional.of(Optional.empty());
    }
    return Optional.empty();
  }

  private Optional<ApiKeyDao.Stored> lookUp(String keyId) {
    long until = System.nanoTime() + rememberNanos;
    Optional<ApiKeyDao.Stored> stored = jdbi.withExtension(ApiKeyDao.class, dao -> dao.findLive(keyId));
    if (stored.isPresent()) {
      notLive.remove(keyId);
      remember(remembered, keyId, new Remembered(stored.get(), until));
    } else {
      remembered.remove(keyId);
      remember(notLive, keyId, until);
    }
    return stored;
  }

  private <V> void remember(Map<String, V> memory, String keyId, V value) {
    if (memory.size() >= maxRemembered) {
      memory.clear();
    }
    memory.put(keyId, value);
  }

  public List<ApiKey> list(long afterSeq, int limit) {
    return jdbi.withExtension(ApiKeyDao.class, dao -> dao.list(afterSeq, limit));
  }

  /** Revokes a key at once; false if there is no live key with that id. */
  public boolean revoke(String keyId) {
    boolean revoked = jdbi.withExtension(ApiKeyDao.class, dao -> dao.revoke(keyId)) > 0;
    remembered.remove(keyId);
    return revoked;
  }

  /** Which of these key ids are not live keys (revoked, or never made), in one query. */
  public Set<String> revokedAmong(Collection<String> keyIds) {
    return new HashSet<>(jdbi.withExtension(ApiKeyDao.class, dao -> dao.notLive(keyIds.toArray(String[]::new))));
  }

  public boolean hasAdminKey() {
    return jdbi.withExtension(ApiKeyDao.class, ApiKeyDao::liveAdminKeys) > 0;
  }

  private record Parsed(String keyId, String secret) {}

  private static Optional<Parsed> parse(String key) {
    if (key == null || key.length() != ID_LENGTH + 1 + 43 || !key.startsWith(PREFIX) || key.charAt(ID_LENGTH) != '_') {
      return Optional.empty();
    }
    return Optional.of(new Parsed(key.substring(0, ID_LENGTH), key.substring(ID_LENGTH + 1)));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
