package io.kos.hakim;

import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.Keyset;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The owners' escalation policies ({@code /escalation-policies}): levels of channels an alert
 * rule names by {@code escalation_policy_id}. Edits apply to the open alerts of the rules that
 * use the policy (their next level is read when it is due); a policy in use is not deleted.
 */
final class EscalationPolicies extends KosVerticle {

  private static final String COLUMNS = "policy_id, owner_id, name, levels, created_at, updated_at";
  static final String INSERT = "INSERT INTO escalation_policies (policy_id, owner_id, name, levels) VALUES ($1, $2, $3, $4::text::jsonb) RETURNING "
      + COLUMNS;
  static final String UPDATE = "UPDATE escalation_policies SET name = $3, levels = $4::text::jsonb, updated_at = now() WHERE policy_id = $1 AND "
      + OwnerScope.clause(2) + " RETURNING " + COLUMNS;
  static final String ONE = "SELECT " + COLUMNS + " FROM escalation_policies WHERE policy_id = $1 AND " + OwnerScope.clause(2);
  static final String LIST = "SELECT " + COLUMNS + " FROM escalation_policies WHERE " + OwnerScope.clause(1) + " AND "
      + Keyset.clause("policy_id", 2, 3) + " ORDER BY created_at DESC, policy_id DESC LIMIT $4";
  static final String DELETE = "DELETE FROM escalation_policies WHERE policy_id = $1 AND " + OwnerScope.clause(2) + " RETURNING policy_id";
  /** A foreign key refused the statement: here, a rule still names the policy. */
  static final String FOREIGN_KEY_VIOLATION = "23503";

  private HakimStore store;

  @Override
  protected Future<?> setUp() {
    store = new HakimStore(pool());
    serve("escalation_policies.create", request -> write(request, null).map(policy -> ApiResponse.of(201, policy)));
    serve("escalation_policies.list", request -> {
      Keyset keyset = Keyset.of(request);
      return store.many(LIST, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()))), EscalationPolicies::view)
          .map(items -> keyset.page("policies", items, "policy_id"));
    });
    serve("escalation_policies.get", request -> {
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("policy_id"), "escalation policy");
      return store.owned(ONE, id, request.caller(), "escalation policy", EscalationPolicies::view);
    });
    serve("escalation_policies.update", request -> write(request, OwnerScope.uuidOrNotFound(request.pathParam("policy_id"), "escalation policy")));
    serve("escalation_policies.delete", request -> {
      Caller caller = request.caller().requireWriter();
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("policy_id"), "escalation policy");
      return store.owned(DELETE, id, caller, "escalation policy", row -> row).<Void>mapEmpty()
          .recover(failure -> Future.failedFuture(failure instanceof PgException pg && FOREIGN_KEY_VIOLATION.equals(pg.getSqlState())
          ? HakimErrors.ESCALATION_POLICY_IN_USE.error("escalation policy " + id + " is named by alert rules; point them elsewhere first")
          : failure));
    });
    return Future.succeededFuture();
  }

  private Future<JsonObject> write(ApiRequest request, UUID existing) {
    Caller caller = request.caller().requireWriter();
    EscalationPolicy policy = EscalationPolicy.parse(request.bodyObject());
    List<JsonArray> groups = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < policy.levels().size(); i++) {
      groups.add(policy.levels().getJsonObject(i).getJsonArray("channels"));
      paths.add("levels[" + i + "].channels");
    }
    return Channels.check(vertx, OwnerScope.owner(caller), groups, paths).compose(sealed -> {
      JsonArray levels = new JsonArray();
      for (int i = 0; i < sealed.size(); i++) {
        levels.add(policy.levels().getJsonObject(i).copy().put("channels", sealed.get(i)));
      }
      Tuple row = Tuple.of(existing == null ? UUID.randomUUID() : existing, existing == null ? OwnerScope.owner(caller) : OwnerScope.filter(caller),
          policy.name(), levels.encode());
      return store.run(existing == null ? INSERT : UPDATE, row).map(rows -> view(OwnerScope.one(rows, "escalation policy", existing)));
    });
  }

  static JsonObject view(Row row) {
    return new JsonObject().put("policy_id", row.getUUID("policy_id").toString()).put("owner_id", row.getUUID("owner_id").toString())
        .put("name", row.getString("name")).put("levels", row.getValue("levels"))
        .put("created_at", HakimStore.time(row, "created_at")).put("updated_at", HakimStore.time(row, "updated_at"));
  }
}
