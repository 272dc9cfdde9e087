package com.apindicators.webhooks.server.security;

import com.apindicators.webhooks.server.registry.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * API keys: {@code whk_<22-char id>_<43-char secret>}. Only a SHA-256 of the secret is stored (the secret has
 * 256 random bits, so a slow hash adds nothing); presented keys are compared in constant time.
 */
public final class ApiKeys {
  public static final String PREFIX = "whk_";
  private static final int ID_LENGTH = PREFIX.length() + 22;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Jdbi jdbi;

  public ApiKeys(Jdbi jdbi) {
    this.jdbi = jdbi;
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
  }

  /** The caller a presented key belongs to, if it is a live key. */
  public Optional<Caller> authenticate(String presented) {
    Optional<Parsed> p = parse(presented);
    if (p.isEmpty()) {
      return Optional.empty();
    }
    Optional<ApiKeyDao.Stored> stored = jdbi.withExtension(ApiKeyDao.class, dao -> dao.findLive(p.get().keyId()));
    if (stored.isEmpty() || !MessageDigest.isEqual(stored.get().secretHash(), sha256(p.get().secret()))) {
      return Optional.empty();
    }
    return Optional.of(new Caller(p.get().keyId(), stored.get().accountId()));
  }

  public List<ApiKey> list(long afterSeq, int limit) {
    return jdbi.withExtension(ApiKeyDao.class, dao -> dao.list(afterSeq, limit));
  }

  /** Revokes a key at once; false if there is no live key with that id. */
  public boolean revoke(String keyId) {
    return jdbi.withExtension(ApiKeyDao.class, dao -> dao.revoke(keyId)) > 0;
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
