package com.apindicators.webhooks.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.apindicators.webhooks.server.security.SecretBox;
import com.apindicators.webhooks.server.security.TargetGuard;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tenant's name server that answers slowly, or never, holds only its own attempts. The sender looked names up on
 * the thread that called it, which is the HTTP client's I/O threads and the deadline thread as attempts end: one
 * such name held them, and every tenant's sends with them. Lookups here block on a latch, not on time.
 */
class SlowLookupTest {
  private final CountDownLatch nameServerAnswers = new CountDownLatch(1);
  private final AtomicInteger posts = new AtomicInteger();
  private final SecretBox box = SecretBox.random();
  private HttpServer receiver;

  @BeforeEach
  void receiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    receiver.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      posts.incrementAndGet();
      ex.sendResponseHeaders(200, 2);
      try (OutputStream os = ex.getResponseBody()) {
        os.write("ok".getBytes());
      }
    });
    receiver.start();
  }

  @AfterEach
  void stop() {
    nameServerAnswers.countDown();
    receiver.stop(0);
  }

  /** slow.test answers once the latch opens; every other name at once; both are this machine. */
  private InetAddress[] lookup(String host) {
    if (host.startsWith("slow.")) {
      try {
        nameServerAnswers.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return new InetAddress[] {InetAddress.getLoopbackAddress()};
  }

  private DeliveryJob job(String host) {
    return job(host, "acct");
  }

  private DeliveryJob job(String host, String account) {
    return TestJobs.to(host, account, "http://" + host + ":" + receiver.getAddress().getPort() + "/h", box);
  }

  @Test
  void aSlowNameServerHoldsNeitherTheCallerNorOtherAttempts() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true, this::lookup), box, Duration.ofSeconds(10), 4)) {
      CompletableFuture<AttemptResult> slow = new CompletableFuture<>();
      try {
        CompletableFuture<Void> called =
            CompletableFuture.runAsync(() -> sender.send(job("slow.test"), slow::complete));
        called.get(5, TimeUnit.SECONDS); // it returned while the name server had not answered
        CompletableFuture<AttemptResult> fast = new CompletableFuture<>();
        sender.send(job("fast.test"), fast::complete);
        assertThat(fast.get(10, TimeUnit.SECONDS).delivered()).isTrue();
        assertThat(slow).as("still waiting for its name").isNotDone();
      } finally {
        nameServerAnswers.countDown(); // before the sender closes, which waits for its threads
      }
      assertThat(slow.get(10, TimeUnit.SECONDS).delivered()).isTrue();
      assertThat(posts.get()).isEqualTo(2);
    }
  }

  @Test
  void aNameTheGuardNoLongerRemembersIsNotLookedUpAgainOnAnIoThread() throws Exception {
    Map<String, List<String>> lookedUpOn = new ConcurrentHashMap<>();
    TargetGuard guard = new TargetGuard(true, host -> {
      lookedUpOn.computeIfAbsent(host, h -> new CopyOnWriteArrayList<>()).add(Thread.currentThread().getName());
      if (host.startsWith("slow.")) {
        // Its name server answers the sender's lookup at once, then never again.
        if (lookedUpOn.get(host).size() > 1) {
          try {
            nameServerAnswers.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      return new InetAddress[] {InetAddress.getLoopbackAddress()};
    });
    // One tenant's names fill what the guard remembers (its webhooks' URLs changed over and over): the guard
    // keeps no more, so it forgets each new name as soon as it has checked it.
    for (int i = 0; i < TargetGuard.MAX_REMEMBERED; i++) {
      guard.resolve("n" + i + ".filler.test");
    }
    try (HttpSender sender = new HttpSender(guard, box, Duration.ofSeconds(10), 4)) {
      try {
        CompletableFuture<AttemptResult> slow = new CompletableFuture<>();
        sender.send(job("slow.test"), slow::complete);
        assertThat(slow.get(10, TimeUnit.SECONDS).delivered()).as("sent to the address checked ahead").isTrue();
        CompletableFuture<AttemptResult> fast = new CompletableFuture<>();
        sender.send(job("fast.test"), fast::complete);
        assertThat(fast.get(10, TimeUnit.SECONDS).delivered()).isTrue();
      } finally {
        nameServerAnswers.countDown();
      }
    }
    assertThat(lookedUpOn.get("slow.test")).as("looked up once, ahead, on a lookup thread")
        .containsExactly("delivery-lookup");
    assertThat(posts.get()).isEqualTo(2);
  }

  @Test
  void theHttpClientsResolverRefusesANameAndChecksAnAddress() throws Exception {
    TargetGuard guard = new TargetGuard(false, host -> {
      throw new AssertionError("looked up " + host);
    });
    assertThatThrownBy(() -> guard.withoutLookups().resolve("example.com"))
        .isInstanceOf(UnknownHostException.class).hasMessageContaining("not looked up ahead");
    for (String internal : new String[] {"127.0.0.1", "::1", "[::1]", "::ffff:127.0.0.1", "[::ffff:169.254.169.254]"}) {
      assertThatThrownBy(() -> guard.withoutLookups().resolve(internal)).as(internal)
          .isInstanceOf(TargetGuard.BlockedTargetException.class);
    }
  }

  @Test
  void anAddressThatRefusesTheConnectionPassesTheAttemptToTheNameOthers() throws Exception {
    // 127.0.0.2 is this machine too, but the receiver listens on 127.0.0.1 only: the first address refuses.
    InetAddress refusing = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
    TargetGuard guard = new TargetGuard(true, host -> host.startsWith("none.")
        ? new InetAddress[0] : new InetAddress[] {refusing, InetAddress.getLoopbackAddress()});
    try (HttpSender sender = new HttpSender(guard, box, Duration.ofSeconds(10), 4)) {
      CompletableFuture<AttemptResult> two = new CompletableFuture<>();
      sender.send(job("two.test"), two::complete);
      assertThat(two.get(10, TimeUnit.SECONDS).delivered()).isTrue();

      // A name with no address fails at once, not at the deadline.
      CompletableFuture<AttemptResult> none = new CompletableFuture<>();
      sender.send(job("none.test"), none::complete);
      AttemptResult r = none.get(5, TimeUnit.SECONDS);
      assertThat(r.delivered()).isFalse();
      assertThat(r.error()).contains("Could not resolve the host").contains("none.test has no address");
    }
    assertThat(posts.get()).isEqualTo(1);
  }

  @Test
  void aLookupThatOutlastsTheDeadlineEndsTheAttemptAndSendsNothingAfter() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true, this::lookup), box, Duration.ofSeconds(1), 4)) {
      CompletableFuture<AttemptResult> slow = new CompletableFuture<>();
      AtomicInteger reports = new AtomicInteger();
      try {
        CompletableFuture.runAsync(() -> sender.send(job("slow.test"), r -> {
          reports.incrementAndGet();
          slow.complete(r);
        }));
        AttemptResult r = slow.get(10, TimeUnit.SECONDS);
        assertThat(r.delivered()).isFalse();
        assertThat(r.error()).contains("Timed out");
      } finally {
        nameServerAnswers.countDown();
      }
      // The lookup now ends; the attempt is over, so nothing is posted and nothing reported again. A later attempt
      // to the same name is, as the name was looked up.
      CompletableFuture<AttemptResult> later = new CompletableFuture<>();
      sender.send(job("slow.test"), later::complete);
      assertThat(later.get(10, TimeUnit.SECONDS).delivered()).isTrue();
      assertThat(posts.get()).isEqualTo(1);
      assertThat(reports.get()).isEqualTo(1);
    }
  }

  @Test
  void beyondTheLookupsInProgressAnAttemptFailsAtOnceAndNothingIsSent() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true, this::lookup), box, Duration.ofSeconds(10), 4)) {
      try {
        // Many accounts, one lookup each (an account holding none may always take one): every lookup thread is taken.
        for (int i = 0; i < HttpSender.MAX_LOOKUPS; i++) {
          sender.send(job("slow.test", "a" + i), r -> { });
        }
        CompletableFuture<AttemptResult> beyond = new CompletableFuture<>();
        sender.send(job("slow.test", "another"), beyond::complete);
        AttemptResult r = beyond.get(5, TimeUnit.SECONDS);
        assertThat(r.delivered()).isFalse();
        assertThat(r.error()).contains(HttpSender.MAX_LOOKUPS + " name lookups were already in progress");
      } finally {
        nameServerAnswers.countDown();
      }
    }
  }

  @Test
  void oneAccountsSilentNameServersHoldAtMostHalfTheLookupsAndOthersNamesStillGo() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true, this::lookup), box, Duration.ofSeconds(10), 4)) {
      try {
        for (int i = 0; i < HttpSender.MAX_LOOKUPS_PER_ACCOUNT; i++) {
          sender.send(job("slow.test", "greedy"), r -> { });
        }
        CompletableFuture<AttemptResult> beyond = new CompletableFuture<>();
        sender.send(job("slow.test", "greedy"), beyond::complete);
        AttemptResult r = beyond.get(5, TimeUnit.SECONDS);
        assertThat(r.delivered()).isFalse();
        assertThat(r.error()).contains("this account's attempts already had as many name lookups in progress as it"
            + " may (at most " + HttpSender.MAX_LOOKUPS_PER_ACCOUNT);
        // Before the share, the greedy account's lookups could take every thread: another's name failed at once.
        for (int i = 0; i < HttpSender.MAX_LOOKUPS_PER_ACCOUNT - 1; i++) {
          sender.send(job("slow.test", "greedy"), x -> { });
        }
        CompletableFuture<AttemptResult> other = new CompletableFuture<>();
        sender.send(job("fast.test", "other"), other::complete);
        assertThat(other.get(10, TimeUnit.SECONDS).delivered()).isTrue();
      } finally {
        nameServerAnswers.countDown();
      }
    }
  }

  /**
   * Two accounts' silent name servers together leave lookups free for a third: the second takes half of what the
   * first left (a quarter of all), not the other half. With a fixed half each, the two held every lookup thread.
   */
  @Test
  void twoAccountsSilentNameServersLeaveLookupsForAThird() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true, this::lookup), box, Duration.ofSeconds(10), 4)) {
      try {
        for (int i = 0; i < HttpSender.MAX_LOOKUPS_PER_ACCOUNT; i++) {
          sender.send(job("slow.test", "greedy"), r -> { });
        }
        int second = 0;
        while (true) {
          CompletableFuture<AttemptResult> r = new CompletableFuture<>();
          sender.send(job("slow.test", "greedier"), r::complete);
          if (r.isDone()) { // refused at once; a lookup in progress waits for the silent name server
            assertThat(r.get().error()).contains("this account's attempts already had as many name lookups");
            break;
          }
          second++;
        }
        assertThat(second).isEqualTo((HttpSender.MAX_LOOKUPS - HttpSender.MAX_LOOKUPS_PER_ACCOUNT) / 2);
        CompletableFuture<AttemptResult> other = new CompletableFuture<>();
        sender.send(job("fast.test", "other"), other::complete);
        assertThat(other.get(10, TimeUnit.SECONDS).delivered()).isTrue();
      } finally {
        nameServerAnswers.countDown();
      }
    }
  }

  @Test
  void aFinishedLookupGivesItsAccountsShareBack() throws Exception {
    try (HttpSender sender = new HttpSender(new TargetGuard(true, this::lookup), box, Duration.ofSeconds(10), 4)) {
      for (int i = 0; i < 3 * HttpSender.MAX_LOOKUPS_PER_ACCOUNT; i++) {
        CompletableFuture<AttemptResult> r = new CompletableFuture<>();
        sender.send(job("fast.test", "busy"), r::complete);
        assertThat(r.get(10, TimeUnit.SECONDS).delivered()).as("attempt " + i).isTrue();
      }
    }
  }
}
