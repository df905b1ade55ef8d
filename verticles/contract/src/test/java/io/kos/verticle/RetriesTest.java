package io.kos.verticle;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetriesTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void aStepThatRecoversSucceedsAfterWaitingBaseTimesTheSquareOfEachFailure() throws Exception {
    List<Long> startedAt = new CopyOnWriteArrayList<>();
    String result = Retries.withBackoff(vertx, 5, 20, attempt -> {
      startedAt.add(System.nanoTime());
      return attempt < 3 ? Future.failedFuture("down " + attempt) : Future.succeededFuture("up at " + attempt);
    }).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(result).isEqualTo("up at 3");
    assertThat(startedAt).hasSize(3);
    // 20 ms after the first failure, 80 ms after the second
    assertThat(TimeUnit.NANOSECONDS.toMillis(startedAt.get(1) - startedAt.get(0))).isGreaterThanOrEqualTo(20);
    assertThat(TimeUnit.NANOSECONDS.toMillis(startedAt.get(2) - startedAt.get(1))).isGreaterThanOrEqualTo(80);
  }

  @Test
  void aStepThatKeepsFailingFailsWithItsLastFailureAfterTheAttempts() {
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    Future<String> tried = Retries.withBackoff(vertx, 3, 1, attempt -> {
      attempts.add(attempt);
      return Future.failedFuture("down " + attempt);
    });
    assertThatThrownBy(() -> tried.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).hasMessageContaining("down 3");
    assertThat(attempts).containsExactly(1, 2, 3);
  }

  @Test
  void aStepThatSucceedsAtOnceIsTriedOnce() throws Exception {
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    assertThat(Retries.withBackoff(vertx, 3, 1000, attempt -> {
      attempts.add(attempt);
      return Future.succeededFuture(attempt);
    }).toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(attempts).containsExactly(1);
  }
}
