package io.kos.tohunga;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;

import java.util.List;

/**
 * Where a job's records come from, one page at a time: the job asks for the next page only when it
 * has written the previous one (and at most one page ahead), so memory holds a page or two whatever
 * the source's size.
 */
interface RecordSource {

  /** The next page of records, or null when the source is exhausted. Fails with a {@link JobFailure}. */
  Future<Page> next();

  /**
   * Reaches the source once with its credentials, reading no records (the source's test route): the
   * first page's request without retries, or a database connection. Fails with a {@link JobFailure}.
   */
  Future<Void> test();

  /** Releases connections; called once whether the job ended, failed or was cancelled. */
  Future<Void> close();

  /**
   * @param rows  the records
   * @param total how many records the whole source holds when it says so (for a percentage), else null
   */
  record Page(List<ObjectNode> rows, Long total, long bytes) {
  }
}
