package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of a node process during 10,000 deliveries: after the restart every job is delivered,
 * the receiver has seen every delivery id, and an id came twice only for a job that was in flight
 * at the crash (its attempt was claimed, never recorded, and reclaimed when its lease ran out).
 */
class ActionsCrashTest {

  private static final Duration START = Duration.ofSeconds(120);
  private static final long CHAIN = 93_001;
  private static final int JOBS = 10_000;

  @Test
  void aKilledNodeDeliversEveryJobAfterItsRestartAndRepeatsOnlyWhatWasInFlight() throws Exception {
    ProcessPipeline pipeline = new ProcessPipeline(2);
    String db = TestDatabase.freshDatabaseUrl();
    Path dataDir = TestNode.tempDir();
    List<String> args = ProcessPipeline.args(ProcessPipeline.config(5), dataDir, db, "ingest,triggers,actions");
    try (NodeProcess node = NodeProcess.start(args, ProcessPipeline.ENV, START)) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      pipeline.trigger(admin.http(), CHAIN);
      ProcessPipeline.push(node.http().withApiKey(Accounts.apiKey(admin, "load")), CHAIN, 10, 1000);
      await(Duration.ofSeconds(60), () -> pipeline.distinct() >= 1500, "deliveries under way");
      assertThat(node.kill()).isEqualTo(137);
    }
    int beforeRestart = pipeline.distinct();
    assertThat(beforeRestart).as("killed while delivering").isLessThan(JOBS);
    try (NodeProcess node = NodeProcess.start(args, ProcessPipeline.ENV, START)) {
      pipeline.awaitDelivered(db, JOBS, Duration.ofSeconds(120));
      assertThat(ProcessPipeline.single(db, "SELECT count(*) FROM actions.action_jobs")).isEqualTo(JOBS);
      assertThat(ProcessPipeline.single(db, "SELECT count(*) FROM triggers.trigger_fires")).isEqualTo(JOBS);
      assertThat(pipeline.distinct()).isEqualTo(JOBS);
      Set<String> twice = pipeline.deliveries.entrySet().stream().filter(e -> e.getValue().get() > 1).map(java.util.Map.Entry::getKey)
          .collect(Collectors.toSet());
      Set<String> reclaimed = new HashSet<>(ProcessPipeline.strings(db, "SELECT j.idempotency_key FROM actions.action_jobs j "
          + "JOIN actions.action_results r ON r.job_id = j.id WHERE r.error_message LIKE '%lease expired%'"));
      assertThat(reclaimed).as("the jobs in flight at the crash").isNotEmpty();
      assertThat(reclaimed).containsAll(twice);
      // at most what one worker holds: its concurrency
      assertThat(twice.size()).isLessThanOrEqualTo(128);
      assertThat(pipeline.deliveries.values().stream().mapToInt(java.util.concurrent.atomic.AtomicInteger::get).max().orElse(0)).isLessThanOrEqualTo(2);
      assertThat(node.terminate(Duration.ofSeconds(30))).isZero();
    } finally {
      pipeline.receiver.close();
    }
  }
}
