package io.kos.tohunga;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Where a job's kept records go when not to a file of the asset store: a table ({@link TableSink}),
 * another node ({@link KlfStreamSink}). Called on the runner's event loop, one page at a time: the
 * next page waits for {@link #write}, so the sink's pace is the job's.
 */
interface RecordSink {

  /** Takes a page of kept records; fails with a {@link JobFailure} (OUTPUT_WRITE_ERROR). */
  Future<Void> write(List<ObjectNode> page);

  /** Makes everything written durable where it went; the job is complete only after this. */
  Future<Void> commit();

  /** Undoes or gives up what was written (the job failed or was cancelled); never fails. */
  Future<Void> abort();

  /** Asks a write that waits (for a node that does not answer) to give up with {@code why}. */
  default void stop(JobFailure why) {
  }

  /** The job's result_uri once committed. */
  String uri();

  /** What the provenance's {@code output} records beside format, destination and result_uri. */
  JsonObject written();

  /** Bytes written where it went, as far as the sink knows (0 when it does not). */
  long bytes();
}
