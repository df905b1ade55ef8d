package io.kos.hakim;

import io.kos.actions.api.ActionsAddresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Notification channels (actions configs) checked, and their secrets sealed, by the actions
 * verticle before anything that holds them is stored: a refusal names the channel's own field.
 */
final class Channels {

  private static final Pattern INDEX = Pattern.compile("actions\\[(\\d+)]");

  private Channels() {
  }

  /**
   * Every group of channels checked in one request; each group's path ({@code channels},
   * {@code levels[1].channels}) names its fields in a refusal. The answer: the groups, sealed.
   */
  static Future<List<JsonArray>> check(Vertx vertx, UUID owner, List<JsonArray> groups, List<String> groupPaths) {
    JsonArray all = new JsonArray();
    List<String> paths = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      for (int i = 0; i < groups.get(g).size(); i++) {
        all.add(groups.get(g).getValue(i));
        paths.add(groupPaths.get(g) + "[" + i + "]");
      }
    }
    if (all.isEmpty()) {
      return Future.succeededFuture(groups);
    }
    JsonObject body = new JsonObject().put("owner_id", owner.toString()).put("actions", all);
    return vertx.eventBus().<Buffer>request(ActionsAddresses.VALIDATE, ApiRequest.busRequest(body), new DeliveryOptions().setSendTimeout(10_000))
        .map(reply -> {
          JsonArray answers = new JsonObject(reply.body()).getJsonArray("actions");
          int next = 0;
          List<JsonArray> sealed = new ArrayList<>();
          for (JsonArray group : groups) {
            JsonArray channels = new JsonArray();
            for (int i = 0; i < group.size(); i++) {
              JsonObject draft = group.getJsonObject(i);
              channels.add(draft.copy().put("config", answers.getJsonObject(next++).getJsonObject("config", draft.getJsonObject("config"))));
            }
            sealed.add(channels);
          }
          return sealed;
        }).recover(failure -> {
          if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == 422) {
            JsonObject error = new JsonObject(reply.getMessage());
            String field = error.getString("field", "actions[0]");
            Matcher index = INDEX.matcher(field);
            String named = index.find() ? field.replace(index.group(), paths.get(Integer.parseInt(index.group(1)))) : field;
            return Future.failedFuture(new ApiError(HakimErrors.INVALID_CHANNEL, error.getString("message"), new JsonObject().put("field", named)));
          }
          return Future.failedFuture(HakimErrors.NOTIFICATIONS_UNAVAILABLE.error("no actions verticle checked the channels: " + failure.getMessage()
              + "; nothing was stored"));
        });
  }
}
