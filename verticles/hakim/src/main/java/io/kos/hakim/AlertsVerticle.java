package io.kos.hakim;

import io.kos.actions.api.ActionsAddresses;
import io.kos.hakim.api.HakimAddresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.Keyset;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Alert rules over the health reports, and their alerts (one per node: evaluation follows each
 * stored report in order, on {@code kos.hakim.reports.new}). A rule whose condition holds opens an
 * alert and notifies its channels through the actions verticle; the levels of its escalation policy
 * notify theirs when the alert is still active after their delay; the alert resolves itself when the
 * condition clears, and closes once the rule's cooldown has passed. Every notification is recorded.
 */
final class AlertsVerticle extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(AlertsVerticle.class);
  private static final String RULE_COLUMNS = "rule_id, owner_id, name, target_node_did, metric, diagnosis_code, operator, threshold, "
      + "window_seconds, severity, cooldown_seconds, channels, escalation_policy_id, enabled, created_at, updated_at";
  static final String INSERT_RULE = "INSERT INTO alert_rules (rule_id, owner_id, name, target_node_did, metric, diagnosis_code, operator, "
      + "threshold, window_seconds, severity, cooldown_seconds, channels, escalation_policy_id, enabled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      + "$10, $11, $12::text::jsonb, $13, $14) RETURNING " + RULE_COLUMNS;
  static final String UPDATE_RULE = "UPDATE alert_rules SET name = $3, target_node_did = $4, metric = $5, diagnosis_code = $6, operator = $7, "
      + "threshold = $8, window_seconds = $9, severity = $10, cooldown_seconds = $11, channels = $12::text::jsonb, escalation_policy_id = $13, "
      + "enabled = $14, updated_at = now() WHERE rule_id = $1 AND " + OwnerScope.clause(2) + " RETURNING " + RULE_COLUMNS;
  static final String RULE = "SELECT " + RULE_COLUMNS + " FROM alert_rules WHERE rule_id = $1 AND " + OwnerScope.clause(2);
  static final String RULES = "SELECT " + RULE_COLUMNS + " FROM alert_rules WHERE " + OwnerScope.clause(1) + " AND "
      + Keyset.clause("rule_id", 2, 3) + " ORDER BY created_at DESC, rule_id DESC LIMIT $4";
  static final String DELETE_RULE = "DELETE FROM alert_rules WHERE rule_id = $1 AND " + OwnerScope.clause(2) + " RETURNING rule_id";
  /** The enabled rules that apply to a target: its owner watches it, and the rule names it or every node. */
  static final String RULES_FOR = "SELECT " + RULE_COLUMNS + " FROM alert_rules r WHERE enabled AND (target_node_did IS NULL OR target_node_did = $1) "
      + "AND EXISTS (SELECT 1 FROM watched_nodes w WHERE w.owner_id = r.owner_id AND w.did = $1)";
  static final String WINDOW = "SELECT metrics, diagnosis FROM health_reports WHERE target_node_did = $1 AND timestamp >= now() - $2 * interval '1 second'";
  private static final String ALERT_COLUMNS = "alert_id, rule_id, owner_id, target_node_did, status, severity, message, value, escalation_level, "
      + "notifications, created_at, acknowledged_at, resolved_at, closed_at";
  static final String OPEN = "SELECT " + ALERT_COLUMNS + " FROM alerts WHERE rule_id = $1 AND target_node_did = $2 AND status IN ('active', 'acknowledged', 'resolved')";
  static final String INSERT_ALERT = "INSERT INTO alerts (alert_id, rule_id, owner_id, target_node_did, status, severity, message, value) "
      + "VALUES ($1, $2, $3, $4, 'active', $5, $6, $7) ON CONFLICT DO NOTHING RETURNING " + ALERT_COLUMNS;
  static final String AUTO_RESOLVE = "UPDATE alerts SET status = 'resolved', resolved_at = now() WHERE alert_id = $1 AND status IN ('active', 'acknowledged') "
      + "RETURNING " + ALERT_COLUMNS;
  static final String NOTIFIED = "UPDATE alerts SET notifications = notifications || $2::text::jsonb, escalation_level = greatest(escalation_level, $3) "
      + "WHERE alert_id = $1";
  static final String ALERTS = "SELECT " + ALERT_COLUMNS + " FROM alerts WHERE " + OwnerScope.clause(1) + " AND ($2::text IS NULL OR status = $2) "
      + "AND ($3::text IS NULL OR target_node_did = $3) AND " + Keyset.clause("alert_id", 4, 5) + " ORDER BY created_at DESC, alert_id DESC LIMIT $6";
  static final String ACKNOWLEDGE = "UPDATE alerts SET status = 'acknowledged', acknowledged_at = now() WHERE alert_id = $1 AND "
      + OwnerScope.clause(2) + " AND status = 'active' RETURNING " + ALERT_COLUMNS;
  static final String RESOLVE = "UPDATE alerts SET status = 'resolved', resolved_at = now() WHERE alert_id = $1 AND " + OwnerScope.clause(2)
      + " AND status IN ('active', 'acknowledged') RETURNING " + ALERT_COLUMNS;
  static final String ALERT = "SELECT " + ALERT_COLUMNS + " FROM alerts WHERE alert_id = $1 AND " + OwnerScope.clause(2);
  /** Active alerts whose next level of their rule's escalation policy is due, with that level's channels (the policy as it is now). */
  static final String DUE_ESCALATIONS = "SELECT a.alert_id, a.target_node_did, a.escalation_level + 1 AS level, a.severity, a.message, a.value, "
      + "r.rule_id, r.name, r.owner_id, p.levels -> a.escalation_level -> 'channels' AS channels FROM alerts a JOIN alert_rules r USING (rule_id) "
      + "JOIN escalation_policies p ON p.policy_id = r.escalation_policy_id WHERE a.status = 'active' AND jsonb_array_length(p.levels) > a.escalation_level "
      + "AND a.created_at + ((p.levels -> a.escalation_level ->> 'after_seconds')::int * interval '1 second') <= now()";
  static final String CLOSE = "UPDATE alerts a SET status = 'closed', closed_at = now() FROM alert_rules r WHERE r.rule_id = a.rule_id "
      + "AND a.status = 'resolved' AND a.resolved_at + r.cooldown_seconds * interval '1 second' <= now()";
  private static final long TICK_MS = 500;

  private HakimStore store;

  @Override
  protected Future<?> setUp() {
    store = new HakimStore(pool());
    serve("alert_rules.create", request -> writeRule(request, null).map(rule -> ApiResponse.of(201, rule)));
    serve("alert_rules.list", request -> {
      Keyset keyset = Keyset.of(request);
      return store.many(RULES, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()))), AlertsVerticle::rule)
          .map(items -> keyset.page("rules", items, "rule_id"));
    });
    serve("alert_rules.get", request -> {
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("rule_id"), "alert rule");
      return store.owned(RULE, id, request.caller(), "alert rule", AlertsVerticle::rule);
    });
    serve("alert_rules.update", request -> writeRule(request, OwnerScope.uuidOrNotFound(request.pathParam("rule_id"), "alert rule")));
    serve("alert_rules.delete", request -> {
      Caller caller = request.caller().requireWriter();
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("rule_id"), "alert rule");
      return store.owned(DELETE_RULE, id, caller, "alert rule", row -> row).mapEmpty();
    });
    serve("alerts.list", request -> {
      Keyset keyset = Keyset.of(request);
      String status = request.queryOneOf("status", List.of("active", "acknowledged", "resolved", "closed"));
      return store.many(ALERTS, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()), status, request.query("target"))), AlertsVerticle::alert)
          .map(items -> keyset.page("alerts", items, "alert_id"));
    });
    serve("alerts.acknowledge", request -> transition(request, ACKNOWLEDGE, "active"));
    serve("alerts.resolve", request -> transition(request, RESOLVE, "active or acknowledged"));
    vertx.eventBus().<JsonObject>consumer(HakimAddresses.REPORT_NEW, message -> evaluate(message.body())
        .onFailure(e -> LOG.warn("alert rules for {} could not be evaluated: {}", message.body().getString("target_node_did"), e.toString())));
    vertx.setPeriodic(TICK_MS, id -> escalateAndClose());
    return Future.succeededFuture();
  }

  private Future<JsonObject> writeRule(ApiRequest request, UUID existing) {
    Caller caller = request.caller().requireWriter();
    AlertRule rule = AlertRule.parse(request.bodyObject());
    UUID owner = OwnerScope.owner(caller);
    return Channels.check(vertx, owner, List.of(rule.channels()), List.of("channels")).compose(sealed -> {
      Tuple row = Tuple.of(existing == null ? UUID.randomUUID() : existing, existing == null ? owner : OwnerScope.filter(caller), rule.name(),
          rule.target(), rule.metric(), rule.code(), rule.operator()).addValue(rule.threshold()).addValue(rule.windowSeconds())
          .addValue(rule.severity()).addValue(rule.cooldownSeconds()).addValue(sealed.get(0).encode()).addValue(rule.escalationPolicy())
          .addValue(rule.enabled());
      return store.run(existing == null ? INSERT_RULE : UPDATE_RULE, row).map(rows -> rule(OwnerScope.one(rows, "alert rule", existing)))
          .recover(failure -> Future.failedFuture(failure instanceof PgException pg && EscalationPolicies.FOREIGN_KEY_VIOLATION.equals(pg.getSqlState())
              ? ApiError.invalidField("escalation_policy_id", "no escalation policy " + rule.escalationPolicy() + " of the rule's owner")
              : failure));
    });
  }

  private Future<JsonObject> transition(ApiRequest request, String sql, String from) {
    Caller caller = request.caller().requireWriter();
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("alert_id"), "alert");
    return store.one(sql, Tuple.of(id, OwnerScope.filter(caller)), AlertsVerticle::alert).compose(moved -> moved != null
        ? Future.succeededFuture(moved)
        : store.owned(ALERT, id, caller, "alert", AlertsVerticle::alert).map(alert -> {
          throw HakimErrors.ALERT_NOT_OPEN.error("alert " + id + " is " + alert.getString("status") + ", not " + from);
        }));
  }

  /** Every rule that applies to the report's target: opened, kept, or resolved by what the report (and its window) say. */
  private Future<Void> evaluate(JsonObject report) {
    String target = report.getString("target_node_did");
    return store.run(RULES_FOR, Tuple.of(target)).compose(rules -> {
      Future<Void> chain = Future.succeededFuture();
      for (Row row : rules) {
        JsonObject rule = rule(row);
        chain = chain.compose(v -> holds(rule, target, report).compose(holds -> apply(rule, target, report, holds)));
      }
      return chain;
    });
  }

  private Future<Boolean> holds(JsonObject rule, String target, JsonObject report) {
    boolean now = AlertRule.holds(rule, report.getJsonObject("metrics"), report.getJsonObject("diagnosis"));
    int window = rule.getInteger("window_seconds");
    if (!now || window == 0) {
      return Future.succeededFuture(now);
    }
    return store.run(WINDOW, Tuple.of(target, window)).map(rows -> {
      for (Row row : rows) {
        if (!AlertRule.holds(rule, (JsonObject) row.getValue("metrics"), (JsonObject) row.getValue("diagnosis"))) {
          return false;
        }
      }
      return true;
    });
  }

  private Future<Void> apply(JsonObject rule, String target, JsonObject report, boolean holds) {
    UUID ruleId = UUID.fromString(rule.getString("rule_id"));
    return store.run(OPEN, Tuple.of(ruleId, target)).compose(rows -> {
      JsonObject open = rows.size() == 0 ? null : alert(rows.iterator().next());
      if (holds && open == null) {
        Object value = rule.getString("metric") == null ? null : report.getJsonObject("metrics", new JsonObject()).getValue(rule.getString("metric"));
        String message = rule.getString("name") + ": " + (rule.getString("metric") != null
            ? rule.getString("metric") + " " + value + " " + rule.getString("operator") + " " + rule.getValue("threshold")
            : rule.getString("diagnosis_code")) + " on " + target;
        return store.one(INSERT_ALERT, Tuple.of(UUID.randomUUID(), ruleId, UUID.fromString(rule.getString("owner_id")), target,
            rule.getString("severity"), message).addValue(value instanceof Number n ? n.doubleValue() : null), AlertsVerticle::alert)
            .compose(opened -> opened == null ? Future.succeededFuture()
                : notify(opened, rule, rule.getJsonArray("channels"), 0, "alert"));
      }
      if (!holds && open != null && !"resolved".equals(open.getString("status"))) {
        return store.one(AUTO_RESOLVE, Tuple.of(UUID.fromString(open.getString("alert_id"))), AlertsVerticle::alert)
            .compose(resolved -> resolved == null ? Future.succeededFuture() : notify(resolved, rule, rule.getJsonArray("channels"), 0, "resolved"));
      }
      return Future.succeededFuture();
    });
  }

  private void escalateAndClose() {
    store.run(DUE_ESCALATIONS, Tuple.tuple()).compose(rows -> {
      Future<Void> chain = Future.succeededFuture();
      for (Row row : rows) {
        JsonObject alert = new JsonObject().put("alert_id", row.getUUID("alert_id").toString()).put("target_node_did", row.getString("target_node_did"))
            .put("severity", row.getString("severity")).put("message", row.getString("message")).put("value", row.getValue("value"))
            .put("status", "active");
        JsonObject rule = new JsonObject().put("rule_id", row.getUUID("rule_id").toString()).put("name", row.getString("name"))
            .put("owner_id", row.getUUID("owner_id").toString());
        JsonArray channels = row.getValue("channels") instanceof JsonArray list ? list : new JsonArray();
        chain = chain.compose(v -> notify(alert, rule, channels, row.getInteger("level"), "escalated"));
      }
      return chain;
    }).compose(v -> store.run(CLOSE, Tuple.tuple())).onFailure(e -> LOG.warn("alert escalation failed: {}", e.toString()));
  }

  /** One delivery per channel through the actions verticle (idempotent per alert, level, kind and channel), each recorded. */
  private Future<Void> notify(JsonObject alert, JsonObject rule, JsonArray channels, int level, String kind) {
    JsonObject event = new JsonObject().put("id", alert.getString("alert_id") + ":" + kind + ":" + level).put("kind", kind).put("level", level)
        .put("alert", alert).put("at", Instant.now().toString());
    List<Future<JsonObject>> sent = new ArrayList<>();
    for (int i = 0; i < channels.size(); i++) {
      JsonObject channel = channels.getJsonObject(i);
      JsonObject request = new JsonObject().put("idempotency_key", "hakim-alert:" + alert.getString("alert_id") + ":" + kind + ":" + level + ":" + i)
          .put("trigger", new JsonObject().put("id", rule.getString("rule_id")).put("name", "hakim: " + rule.getString("name"))
              .put("owner_id", rule.getString("owner_id")))
          .put("action", new JsonObject().put("action_type", channel.getString("action_type")).put("priority", channel.getInteger("priority", 1))
              .put("config", channel.getJsonObject("config")))
          .put("event", event);
      JsonObject record = new JsonObject().put("at", Instant.now().toString()).put("kind", kind).put("level", level)
          .put("action_type", channel.getString("action_type"));
      sent.add(vertx.eventBus().<Object>request(ActionsAddresses.ENQUEUE, ApiRequest.busRequest(request), new DeliveryOptions().setSendTimeout(10_000))
          .map(reply -> record.put("job_id", (reply.body() instanceof Buffer b ? new JsonObject(b) : (JsonObject) reply.body()).getValue("job_id")))
          .otherwise(failure -> record.put("error", String.valueOf(failure.getMessage()))));
    }
    return Future.join(sent).otherwiseEmpty().compose(done -> {
      JsonArray records = new JsonArray();
      sent.forEach(f -> records.add(f.result()));
      if (records.isEmpty()) {
        records.add(new JsonObject().put("at", Instant.now().toString()).put("kind", kind).put("level", level).put("error", "no channels"));
      }
      return store.run(NOTIFIED, Tuple.of(UUID.fromString(alert.getString("alert_id")), records.encode(), level)).mapEmpty();
    });
  }

  static JsonObject rule(Row row) {
    return new JsonObject().put("rule_id", row.getUUID("rule_id").toString()).put("owner_id", row.getUUID("owner_id").toString())
        .put("name", row.getString("name")).put("target_node_did", row.getString("target_node_did")).put("metric", row.getString("metric"))
        .put("diagnosis_code", row.getString("diagnosis_code")).put("operator", row.getString("operator")).put("threshold", row.getDouble("threshold"))
        .put("window_seconds", row.getInteger("window_seconds")).put("severity", row.getString("severity"))
        .put("cooldown_seconds", row.getInteger("cooldown_seconds")).put("channels", row.getValue("channels"))
        .put("escalation_policy_id", row.getUUID("escalation_policy_id") == null ? null : row.getUUID("escalation_policy_id").toString())
        .put("enabled", row.getBoolean("enabled"))
        .put("created_at", HakimStore.time(row, "created_at")).put("updated_at", HakimStore.time(row, "updated_at"));
  }

  static JsonObject alert(Row row) {
    return new JsonObject().put("alert_id", row.getUUID("alert_id").toString()).put("rule_id", row.getUUID("rule_id").toString())
        .put("owner_id", row.getUUID("owner_id").toString()).put("target_node_did", row.getString("target_node_did"))
        .put("status", row.getString("status")).put("severity", row.getString("severity")).put("message", row.getString("message"))
        .put("value", row.getDouble("value")).put("escalation_level", row.getInteger("escalation_level"))
        .put("notifications", row.getValue("notifications")).put("created_at", HakimStore.time(row, "created_at"))
        .put("acknowledged_at", HakimStore.time(row, "acknowledged_at")).put("resolved_at", HakimStore.time(row, "resolved_at"))
        .put("closed_at", HakimStore.time(row, "closed_at"));
  }
}
