package io.kos.node.auth;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.kos.node.auth.AuthTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-owner isolation through {@code OwnerScope}, on the probe verticle's notes: editors see and
 * change only their own, a viewer only reads its own, an admin reaches every row, and another
 * owner's row answers exactly like a missing one.
 */
class IsolationTest {

  private static final String NOTES = "/api/probe/v1/notes";

  private static TestNode node;
  private static Accounts.Session admin;
  private static Accounts.Session editorA;
  private static Accounts.Session editorB;
  private static Accounts.Session viewer;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "probe"));
    admin = node.admin();
    editorA = node.user("editor_a", "editor");
    editorB = node.user("editor_b", "editor");
    viewer = node.user("viewer_v", "viewer");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void anEditorCannotListReadChangeOrDeleteAnotherEditorsRows() {
    long aNote = create(editorA, "A's private note");
    long bNote = create(editorB, "B's note");

    assertThat(ids(editorB.http().get(NOTES))).contains(bNote).doesNotContain(aNote);
    assertThat(ids(editorA.http().get(NOTES))).contains(aNote).doesNotContain(bNote);

    Http.Response read = assertError(editorB.http().get(NOTES + "/" + aNote), 404, "not_found");
    Http.Response missing = assertError(editorB.http().get(NOTES + "/999999999"), 404, "not_found");
    // the same answer as for an id that does not exist, apart from the id itself
    assertThat(read.json().getString("message").replace(String.valueOf(aNote), "?"))
        .isEqualTo(missing.json().getString("message").replace("999999999", "?"));
    assertError(editorB.http().putJson(NOTES + "/" + aNote, new JsonObject().put("text", "defaced")), 404, "not_found");
    assertError(editorB.http().delete(NOTES + "/" + aNote), 404, "not_found");

    Http.Response stillThere = editorA.http().get(NOTES + "/" + aNote);
    assertThat(stillThere.status()).isEqualTo(200);
    assertThat(stillThere.json().getString("text")).isEqualTo("A's private note");
    assertThat(stillThere.json().getString("owner_id")).isEqualTo(editorA.userId());
  }

  @Test
  void anEditorChangesAndDeletesItsOwnRows() {
    long note = create(editorA, "draft");
    Http.Response updated = editorA.http().putJson(NOTES + "/" + note, new JsonObject().put("text", "final"));
    assertThat(updated.status()).isEqualTo(200);
    assertThat(updated.json().getString("text")).isEqualTo("final");
    assertThat(editorA.http().delete(NOTES + "/" + note).status()).isEqualTo(204);
    assertError(editorA.http().get(NOTES + "/" + note), 404, "not_found");
  }

  @Test
  void aViewerReadsButCannotWrite() {
    long aNote = create(editorA, "not for viewers");
    assertError(viewer.http().postJson(NOTES, new JsonObject().put("text", "mine")), 403, "read_only");
    assertError(viewer.http().putJson(NOTES + "/" + aNote, new JsonObject().put("text", "x")), 403, "read_only");
    assertError(viewer.http().delete(NOTES + "/" + aNote), 403, "read_only");
    assertError(viewer.http().get(NOTES + "/" + aNote), 404, "not_found");
    Http.Response list = viewer.http().get(NOTES);
    assertThat(list.status()).isEqualTo(200);
    assertThat(ids(list)).isEmpty();
  }

  @Test
  void anAdminSeesAndChangesEveryonesRows() {
    long aNote = create(editorA, "A's");
    long bNote = create(editorB, "B's");
    assertThat(ids(admin.http().get(NOTES))).contains(aNote, bNote);
    assertThat(admin.http().get(NOTES + "/" + aNote).json().getString("owner_id")).isEqualTo(editorA.userId());
    Http.Response moderated = admin.http().putJson(NOTES + "/" + bNote, new JsonObject().put("text", "moderated"));
    assertThat(moderated.status()).isEqualTo(200);
    // the row keeps its owner
    assertThat(moderated.json().getString("owner_id")).isEqualTo(editorB.userId());
    assertThat(admin.http().delete(NOTES + "/" + aNote).status()).isEqualTo(204);
    assertError(editorA.http().get(NOTES + "/" + aNote), 404, "not_found");
  }

  @Test
  void anonymousRequestsReachNoOwnedRow() {
    long aNote = create(editorA, "private");
    assertError(node.http().get(NOTES + "/" + aNote), 401, "unauthorized");
    assertError(node.http().get(NOTES), 401, "unauthorized");
    assertError(node.http().postJson(NOTES, new JsonObject().put("text", "x")), 401, "unauthorized");
  }

  private static long create(Accounts.Session owner, String text) {
    Http.Response created = owner.http().postJson(NOTES, new JsonObject().put("text", text));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().getLong("id");
  }

  private static java.util.List<Long> ids(Http.Response list) {
    assertThat(list.status()).as(list.toString()).isEqualTo(200);
    JsonArray notes = list.json().getJsonArray("notes");
    return notes.stream().map(n -> ((JsonObject) n).getLong("id")).toList();
  }
}
