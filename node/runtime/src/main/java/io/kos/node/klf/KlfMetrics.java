package io.kos.node.klf;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code klf_messages_total{direction, type, outcome}} (received: answered, accepted or the refusal's
 * code; sent: delivered, refused, failed), {@code klf_signature_failures_total} and
 * {@code klf_replays_refused_total}.
 */
final class KlfMetrics {

  private final MeterRegistry registry;
  private final Counter signatureFailures;
  private final Counter replaysRefused;

  KlfMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.signatureFailures = Counter.builder("klf_signature_failures").description("KLF messages whose sender key or signature did not verify")
        .register(registry);
    this.replaysRefused = Counter.builder("klf_replays_refused").description("KLF messages refused as replays (a message id seen before)")
        .register(registry);
  }

  void received(String type, String outcome) {
    count("received", type, outcome);
  }

  void sent(String type, String outcome) {
    count("sent", type, outcome);
  }

  private void count(String direction, String type, String outcome) {
    // type is checked against KlfMessage.TYPES before it gets here, or "unknown": bounded label values
    Counter.builder("klf_messages").description("KLF messages by direction, type and outcome")
        .tag("direction", direction).tag("type", type).tag("outcome", outcome).register(registry).increment();
  }

  void signatureFailed() {
    signatureFailures.increment();
  }

  void replayRefused() {
    replaysRefused.increment();
  }
}
