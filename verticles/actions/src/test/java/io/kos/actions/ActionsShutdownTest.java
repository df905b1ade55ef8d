package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM while deliveries run: the node lets its running jobs finish, so after a restart no delivery comes twice. */
class ActionsShutdownTest {

  private static final Duration START = Duration.ofSeconds(120);
  private static final long CHAIN = 95_001;
  private static final int JOBS = 2000;

  @Test
  void aGracefulStopRepeatsNoDelivery() throws Exception {
    // each delivery takes 200 ms: at the SIGTERM, a full worker's worth of jobs is in flight
    ProcessPipeline pipeline = new ProcessPipeline(200);
    String db = TestDatabase.freshDatabaseUrl();
    Path dataDir = TestNode.tempDir();
    List<String> args = ProcessPipeline.args(ProcessPipeline.config(30), dataDir, db, "ingest,triggers,actions");
    try (NodeProcess node = NodeProcess.start(args, ProcessPipeline.ENV, START)) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      pipeline.trigger(admin.http(), CHAIN);
      ProcessPipeline.push(node.http().withApiKey(Accounts.apiKey(admin, "load")), CHAIN, 2, 1000);
      await(Duration.ofSeconds(60), () -> pipeline.distinct() >= 300, "deliveries under way");
      assertThat(pipeline.inFlight).as("deliveries in flight at the stop").isNotEmpty();
      assertThat(node.terminate(Duration.ofSeconds(60))).isZero();
    }
    assertThat(ProcessPipeline.single(db, "SELECT count(*) FROM actions.action_jobs WHERE status = 'running'")).as("left running").isZero();
    try (NodeProcess node = NodeProcess.start(args, ProcessPipeline.ENV, START)) {
      pipeline.awaitDelivered(db, JOBS, Duration.ofSeconds(120));
      assertThat(pipeline.distinct()).isEqualTo(JOBS);
      assertThat(pipeline.deliveries.values()).allSatisfy(n -> assertThat(n.get()).as("a delivery repeated").isEqualTo(1));
      assertThat(node.terminate(Duration.ofSeconds(60))).isZero();
    } finally {
      pipeline.receiver.close();
    }
  }
}
