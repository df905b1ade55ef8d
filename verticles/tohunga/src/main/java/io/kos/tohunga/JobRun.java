package io.kos.tohunga;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * One job as it runs: pages from the source, each put through the steps and written to the asset
 * on a worker thread while the next page is fetched (one page ahead, never more: the writer's pace
 * is the source's). Counts are read on the runner's event loop between pages.
 */
final class JobRun {

  /** How the run ended: the assets written (the result, null when the output is a sink; dead letters when there were any). */
  record Outcome(AssetWriter.Written result, AssetWriter.Written deadLetters) {
  }

  private final Vertx vertx;
  private final UUID jobId;
  private final RecordSource source;
  private final List<Step.Planned> steps;
  private final Path assetDir;
  private final String format;
  private AssetWriter writer;
  /** Where the kept records go (a table, another node), or null: they go to the asset {@link #writer}. */
  private final RecordSink sink;
  /** A page's kept records on their way to the sink. */
  private List<ObjectNode> kept;
  private AssetWriter deadLetters;
  private volatile JobFailure stop;
  long recordsIn;
  long recordsOut;
  long recordsRejected;
  long bytesIn;
  Long total;

  /** An incremental run: the field whose greatest value read becomes the pipeline's next cursor (null otherwise). */
  private final String[] cursorField;
  private com.fasterxml.jackson.databind.JsonNode cursorMax;

  JobRun(Vertx vertx, UUID jobId, RecordSource source, List<Step.Planned> steps, Path assetDir, String format, RecordSink sink,
         String[] cursorField, String cursorFrom) {
    this.vertx = vertx;
    this.sink = sink;
    this.cursorField = cursorField;
    this.cursorMax = cursorFrom == null ? null : Rows.NODES.textNode(cursorFrom);
    this.jobId = jobId;
    this.source = source;
    this.steps = steps;
    this.assetDir = assetDir;
    this.format = format;
  }

  /** Asks the run to stop before its next page (cancelled, timed out); it then fails with this. */
  void stop(JobFailure why) {
    stop = why;
    if (sink != null) {
      sink.stop(why);
    }
  }

  /** Percent done when the source told its total, else null. */
  Integer progress() {
    return total == null || total <= 0 ? null : (int) Math.min(100, recordsIn * 100 / total);
  }

  long bytesOut() {
    return (writer == null ? sink.bytes() : writer.bytes()) + (deadLetters == null ? 0 : deadLetters.bytes());
  }

  Future<Outcome> run(Runnable afterPage) {
    Promise<Outcome> done = Promise.promise();
    vertx.<Void>executeBlocking(() -> {
      if (sink == null) {
        writer = new AssetWriter(assetDir, UUID.randomUUID(), format);
      }
      return null;
    }, false).recover(e -> Future.failedFuture(writeFailure(e)))
        .onSuccess(v -> loop(source.next(), afterPage, done))
        .onFailure(done::fail);
    return done.future().compose(outcome -> source.close().map(outcome), failure -> {
      abort();
      return source.close().transform(ignored -> Future.failedFuture(failure));
    });
  }

  private void loop(Future<RecordSource.Page> pending, Runnable afterPage, Promise<Outcome> done) {
    pending.onComplete(page -> {
      if (stop != null) {
        done.fail(stop);
      } else if (page.failed()) {
        done.fail(page.cause());
      } else if (page.result() == null) {
        vertx.executeBlocking(this::finish, false).recover(e -> Future.failedFuture(e instanceof JobFailure ? e : writeFailure(e)))
            .compose(outcome -> sink == null ? Future.succeededFuture(outcome) : sink.commit().map(outcome))
            .onComplete(done);
      } else {
        Future<RecordSource.Page> next = source.next();
        vertx.<Void>executeBlocking(() -> {
          process(page.result());
          return null;
        }, false).compose(v -> sink == null ? Future.<Void>succeededFuture() : sink.write(kept)).onComplete(processed -> {
          if (processed.failed()) {
            next.onComplete(ignored -> done.fail(processed.cause() instanceof JobFailure ? processed.cause() : writeFailure(processed.cause())));
            return;
          }
          afterPage.run();
          loop(next, afterPage, done);
        });
      }
    });
  }

  /** Runs on a worker thread; one page at a time. */
  private void process(RecordSource.Page page) throws IOException {
    if (page.total() != null) {
      total = page.total();
    }
    bytesIn += page.bytes();
    kept = sink == null ? null : new java.util.ArrayList<>(page.rows().size());
    for (ObjectNode row : page.rows()) {
      long index = recordsIn++;
      if (cursorField != null) {
        advanceCursor(Rows.get(row, cursorField));
      }
      ObjectNode current = row;
      for (Step.Planned step : steps) {
        try {
          current = step.step().apply(current);
        } catch (Step.Rejected rejected) {
          reject(index, current, step, rejected);
          current = null;
        }
        if (current == null) {
          break;
        }
      }
      if (current != null) {
        if (sink == null) {
          writer.write(current);
        } else {
          kept.add(current);
        }
        recordsOut++;
      }
    }
  }

  /**
   * The greatest cursor value read (every record read counts, kept or not: a record a step rejects is
   * not read again); numbers compare as decimals, anything else as text (ISO-8601 times sort as text).
   */
  private void advanceCursor(com.fasterxml.jackson.databind.JsonNode value) {
    if (value == null || value.isNull() || value.isContainerNode()) {
      return;
    }
    if (cursorMax == null) {
      cursorMax = value;
      return;
    }
    java.math.BigDecimal a = Steps.decimal(value);
    java.math.BigDecimal b = Steps.decimal(cursorMax);
    boolean greater = a != null && b != null ? a.compareTo(b) > 0 : value.asText().compareTo(cursorMax.asText()) > 0;
    if (greater) {
      cursorMax = value;
    }
  }

  /** The cursor the next incremental run starts from (null when the run is not incremental). */
  String cursorTo() {
    return cursorField == null || cursorMax == null ? null : cursorMax.asText();
  }

  private void reject(long index, ObjectNode row, Step.Planned step, Step.Rejected rejected) throws IOException {
    switch (step.onInvalid()) {
      case FAIL_JOB -> throw new JobFailure(JobFailure.VALIDATION_FAILED, "record " + index + " failed step " + step.stepId()
          + " (" + step.module() + "): " + rejected.getMessage());
      case DEAD_LETTER -> {
        if (deadLetters == null) {
          deadLetters = new AssetWriter(assetDir, UUID.randomUUID(), "json_lines");
        }
        ObjectNode letter = Rows.NODES.objectNode();
        letter.put("record_index", index);
        letter.put("step_id", step.stepId());
        letter.set("errors", Rows.errors(rejected.errors()));
        letter.set("record", row);
        deadLetters.write(letter);
        recordsRejected++;
      }
      default -> recordsRejected++;
    }
  }

  private Outcome finish() throws IOException {
    AssetWriter.Written result = writer == null ? null : writer.finish();
    AssetWriter.Written letters = deadLetters == null ? null : deadLetters.finish();
    return new Outcome(result, letters);
  }

  private void abort() {
    if (sink != null) {
      sink.abort();
    }
    vertx.executeBlocking(() -> {
      if (writer != null) {
        writer.abort();
      }
      if (deadLetters != null) {
        deadLetters.abort();
      }
      return null;
    }, false);
  }

  private JobFailure writeFailure(Throwable e) {
    return new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "job " + jobId + " could not write its output: " + e.getMessage());
  }
}
