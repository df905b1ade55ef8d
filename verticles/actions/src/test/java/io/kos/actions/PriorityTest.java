package io.kos.actions;

import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Lower priority runs first, then earlier run_at: seen on a worker that runs one job at a time. */
class PriorityTest {

  @Test
  void dueJobsRunByPriorityThenRunAt() throws Exception {
    try (Receiver receiver = Receiver.start();
         TestNode node = ActionsNode.start(null, "      concurrency: 1\n", true)) {
      List<String> order = new CopyOnWriteArrayList<>();
      receiver.responder = request -> {
        if (request.path().equals("/hold")) {
          return new Receiver.Reply(200, java.util.Map.of(), "", 2000);
        }
        order.add(request.path());
        return Receiver.Reply.ok();
      };
      UUID owner = ActionsNode.ownerOf(node.user("pat", "editor"));
      // the one worker slot is busy with this while the others are queued
      ActionsNode.enqueue(node, "hold-" + UUID.randomUUID(), owner, "rest", 0, new JsonObject().put("url", receiver.url("/hold")),
          ActionsNode.event("1"));
      await(Duration.ofSeconds(5), () -> receiver.at("/hold").size() == 1, "the held delivery");
      try (Connection db = node.jdbc(); Statement sql = db.createStatement()) {
        int n = 0;
        for (String name : List.of("p50", "p10", "p90", "p0", "p10-later", "p30")) {
          int priority = Integer.parseInt(name.substring(1).replace("-later", ""));
          JsonObject config = new JsonObject().put("url", receiver.url("/" + name));
          long id = ActionsNode.enqueue(node, "prio-" + name + "-" + UUID.randomUUID(), owner, "rest", priority, config,
              ActionsNode.event("1")).getLong("job_id");
          // "p10-later" due after "p10"
          sql.execute("UPDATE actions.action_jobs SET run_at = now() - interval '1 minute' + " + (n++) + " * interval '1 second' "
              + "WHERE id = " + id + " AND status = 'queued'");
        }
      }
      await(Duration.ofSeconds(20), () -> order.size() == 6, "six deliveries");
      assertThat(order).containsExactly("/p0", "/p10", "/p10-later", "/p30", "/p50", "/p90");
    }
  }
}
