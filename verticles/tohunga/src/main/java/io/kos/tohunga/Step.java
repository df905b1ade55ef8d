package io.kos.tohunga;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** One pipeline step, made from its checked definition; applied to each record in turn, on one thread at a time. */
interface Step {

  /** The record to pass on (the same one changed, or a new one), or null to drop it (a filter). */
  ObjectNode apply(ObjectNode row) throws Rejected;

  /** The record is invalid; the step's {@code on_invalid} says what happens to it. */
  final class Rejected extends Exception {

    private final List<String> errors;

    Rejected(List<String> errors) {
      super(String.join("; ", errors), null, false, false);
      this.errors = errors;
    }

    List<String> errors() {
      return errors;
    }
  }

  /** What a step does with a record it rejects. */
  enum OnInvalid {
    /** the job fails with VALIDATION_FAILED (the default) */
    FAIL_JOB,
    /** the record is counted as rejected and left out */
    SKIP_ROW,
    /** the record and its errors go to the job's dead-letter asset */
    DEAD_LETTER
  }

  /** A step of a job's pipeline as it runs. */
  record Planned(String stepId, String module, Step step, OnInvalid onInvalid) {
  }
}
