package com.apindicators.webhooks.server.delivery;

import com.apindicators.webhooks.server.registry.SecretRotation;
import com.apindicators.webhooks.server.security.SecretBox;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The signing secrets of webhooks rotated lately, so that an attempt is signed with its webhook's secret as of the
 * attempt, not as of when its delivery was read: a delivery waits in memory with the secrets read with it (parked,
 * queued, up to its lease), and after {@code RotateSigningSecret} those were the old ones. A receiver that took the
 * new secret at once then refused them. An attempt whose secret a rotation known here replaced is signed with the
 * newest known secret, and its {@code webhook-signature} carries the replaced one beside it for its 24 hours.
 *
 * <p>Rotations are learned at once from this process's {@code RotateSigningSecret}, and from the database about once
 * a second ({@code DeliveryEngine}), for those made through other processes. One is remembered for {@code keep}
 * after it was learned (longer than a delivery waits in memory), at most {@link #MAX_PER_ACCOUNT} webhooks of one
 * account and {@link #MAX} in all: beyond that a rotation is not remembered, and deliveries of that webhook already
 * read sign with the secret they were read with, as before. One account rotating its webhooks without end fills only
 * its own share.
 */
final class RotatedSecrets {
  /** Webhooks of one account remembered at most. */
  static final int MAX_PER_ACCOUNT = 10_000;
  /** Webhooks remembered at most. */
  static final int MAX = 100_000;
  /** Secrets one webhook's entry remembers as replaced: its last rotations. */
  static final int MAX_REPLACED = 16;

  /** A webhook's newest known rotation, the fingerprints of the secrets rotations replaced, and when it was learned. */
  private record Entry(SecretRotation newest, Set<String> replaced, long learnedNanos) {}

  private final SecretBox box;
  private final long keepNanos;
  private final LongSupplier nanos;
  private final Map<String, Entry> byWebhook = new ConcurrentHashMap<>();
  private final Map<String, Integer> byAccount = new ConcurrentHashMap<>();
  /**
   * Each entry's webhook and learning time, in the order learned (under the lock): forgetting pops what expired from
   * the head, so it costs what it forgets, not what is remembered. A webhook learned again is queued again; its older
   * place is skipped when reached.
   */
  private final ArrayDeque<Learned> order = new ArrayDeque<>();

  private record Learned(String webhookId, long nanos) {}

  /** @param keep how long a rotation is remembered after it was learned: more than a delivery waits in memory */
  RotatedSecrets(SecretBox box, Duration keep) {
    this(box, keep, System::nanoTime);
  }

  RotatedSecrets(SecretBox box, Duration keep, LongSupplier nanos) {
    this.box = box;
    this.keepNanos = keep.toNanos();
    this.nanos = nanos;
  }

  /** Learns a rotation (again, or one older than the newest known: those change nothing). */
  synchronized void learned(SecretRotation r) {
    if (r.previousSigningSecret() == null) {
      return;
    }
    Entry known = byWebhook.get(r.webhookId());
    long now = nanos.getAsLong();
    if (known == null) {
      if (!roomFor(r.accountId(), now)) {
        return;
      }
      Entry entry = new Entry(r, Set.of(fingerprint(r.previousSigningSecret())), now);
      byAccount.merge(r.accountId(), 1, Integer::sum);
      byWebhook.put(r.webhookId(), entry);
      order.add(new Learned(r.webhookId(), now));
      return;
    }
    int newer = r.previousExpireTime().compareTo(known.newest().previousExpireTime());
    if (newer < 0) {
      return;
    }
    if (newer == 0) {
      // The same rotation read again (its sealed form may differ, after a master key rotation): nothing new.
      byWebhook.put(r.webhookId(), new Entry(r, known.replaced(), known.learnedNanos()));
      return;
    }
    Set<String> replaced = new LinkedHashSet<>(known.replaced()); // oldest first
    replaced.add(fingerprint(r.previousSigningSecret()));
    while (replaced.size() > MAX_REPLACED) {
      replaced.remove(replaced.iterator().next());
    }
    byWebhook.put(r.webhookId(), new Entry(r, Collections.unmodifiableSet(replaced), now));
    order.add(new Learned(r.webhookId(), now));
  }

  /** Whether the account may have one more webhook remembered, forgetting what has expired if need be. */
  private boolean roomFor(String accountId, long now) {
    if (byAccount.getOrDefault(accountId, 0) < MAX_PER_ACCOUNT && byWebhook.size() < MAX) {
      return true;
    }
    forgetExpired(now);
    return byAccount.getOrDefault(accountId, 0) < MAX_PER_ACCOUNT && byWebhook.size() < MAX;
  }

  /** Forgets the rotations learned longer than {@code keep} ago. */
  synchronized void forgetExpired() {
    forgetExpired(nanos.getAsLong());
  }

  private void forgetExpired(long now) {
    while (!order.isEmpty() && now - order.peek().nanos() > keepNanos) {
      Learned head = order.poll();
      Entry e = byWebhook.get(head.webhookId());
      if (e != null && e.learnedNanos() == head.nanos()) { // else learned again since: a later place stands
        byWebhook.remove(head.webhookId());
        byAccount.computeIfPresent(e.newest().accountId(), (k, n) -> n <= 1 ? null : n - 1);
      }
    }
  }

  /**
   * The job as it should be signed now: with the newest known secrets of its webhook when a known rotation replaced
   * the secret it was read with (the replaced secret beside the new one while it still signs), else unchanged. A
   * rotation replaced them when it is stamped later than the rotation the job's secrets were read after, or, for a
   * job whose stamp is not known, when its secret is one a rotation known here replaced. The stamp also covers two
   * rotations that another process made within one sweep: only the second is read, and the secret the first replaced
   * was never seen here.
   */
  DeliveryJob current(DeliveryJob job) {
    Entry known = byWebhook.get(job.webhookId());
    if (known == null) {
      return job;
    }
    SecretRotation r = known.newest();
    boolean replaced = job.secretsAsOf() != null ? job.secretsAsOf().isBefore(r.previousExpireTime())
        && !isNewest(job.signingSecret(), r) : known.replaced().contains(fingerprint(job.signingSecret()));
    if (!replaced) {
      return job;
    }
    String previous = r.previousExpireTime().isAfter(Instant.now()) ? r.previousSigningSecret() : null;
    return job.withSecrets(r.signingSecret(), previous, r.previousExpireTime());
  }

  /**
   * Whether a job's secret is the newest rotation's already, though its stamp is earlier: only if the stamp was moved
   * back by hand (rotations only move it forward). The sealed forms are compared first: a job read after the
   * rotation has the same, unless the secrets were resealed between.
   */
  private boolean isNewest(String sealed, SecretRotation r) {
    return sealed.equals(r.signingSecret()) || fingerprint(sealed).equals(fingerprint(r.signingSecret()));
  }

  /** Webhooks remembered now. */
  int size() {
    return byWebhook.size();
  }

  /** A digest of a sealed secret's plaintext: the same secret sealed twice (random nonces) has one fingerprint. */
  private String fingerprint(String sealed) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(box.open(sealed).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
