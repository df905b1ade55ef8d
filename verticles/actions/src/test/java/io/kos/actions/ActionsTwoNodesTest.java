package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Two node processes' workers on one database share the queue and never run one job twice at once (nor twice at all). */
class ActionsTwoNodesTest {

  private static final Duration START = Duration.ofSeconds(120);
  private static final long CHAIN = 94_001;
  private static final int JOBS = 3000;

  @Test
  void twoNodesShareTheQueueWithoutRunningAJobTwice() throws Exception {
    ProcessPipeline pipeline = new ProcessPipeline(20);
    String db = TestDatabase.freshDatabaseUrl();
    Path dataA = TestNode.tempDir();
    Path dataB = TestNode.tempDir();
    Path config = ProcessPipeline.config(30);
    try (NodeProcess a = NodeProcess.start(ProcessPipeline.args(config, dataA, db, "ingest,triggers,actions"), ProcessPipeline.ENV, START);
         NodeProcess b = NodeProcess.start(ProcessPipeline.args(config, dataB, db, "actions"), ProcessPipeline.ENV, START)) {
      Accounts.Session admin = Accounts.bootstrapAdmin(a.http(), dataA);
      pipeline.trigger(admin.http(), CHAIN);
      ProcessPipeline.push(a.http().withApiKey(Accounts.apiKey(admin, "load")), CHAIN, 3, 1000);
      pipeline.awaitDelivered(db, JOBS, Duration.ofSeconds(60));
      assertThat(pipeline.overlaps.get()).as("a job delivered twice at once").isZero();
      assertThat(pipeline.distinct()).isEqualTo(JOBS);
      assertThat(pipeline.deliveries.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
      List<String> workers = ProcessPipeline.strings(db, "SELECT DISTINCT split_part(worker, '/', 1) FROM actions.action_results");
      assertThat(workers).as("both nodes worked").hasSize(2);
      assertThat(a.terminate(Duration.ofSeconds(30))).isZero();
      assertThat(b.terminate(Duration.ofSeconds(30))).isZero();
    } finally {
      pipeline.receiver.close();
    }
  }
}
