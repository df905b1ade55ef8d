package io.kos.ronin;

import io.kos.node.klf.KlfMessage;
import io.kos.node.klf.KlfService;
import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.kos.ronin.api.RoninAddresses;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Discovery over loopback addresses in one JVM: a kOS node at 127.0.0.2 found and verified, a fake
 * kOS server whose signature does not verify recorded unverified, a plain HTTP server and a node
 * that is not discoverable (klf.discoverable false: 401) leaving no trace; targets outside scan_allow refused with nothing sent; the map
 * queried by capability; jobs owner-scoped, cancelled, and run over KLF with progress.
 */
class RoninTest {

  private static final String BASE = "/api/ronin/v1";
  private static final KlfPeer PEER = KlfPeer.create("hakim");
  private static int port;
  private static Vertx vertx;
  private static TestNode ronin;
  private static TestNode kos;
  /** klf.discoverable false: its identity answers an authenticated caller only. */
  private static TestNode hidden;
  private static ApiContract contract;
  private static Accounts.Session alice;
  private static Accounts.Session bob;
  private static Accounts.Session viewer;
  private static Accounts.Session admin;
  private static final AtomicInteger OUTSIDE_CONNECTIONS = new AtomicInteger();
  /** Every domain of these tests resolves here, so no query leaves the machine. */
  private static TestDnsServer dns;

  @BeforeAll
  static void start() {
    port = NodeProcess.freePort();
    vertx = Vertx.vertx();
    kos = TestNode.start(Map.of("verticles.deploy", "", "http.host", "127.0.0.2", "http.port", Integer.toString(port)));
    JsonObject forged = kos.http().get("/klf/v1/identity").json().put("nodeClass", "tohunga");
    listen("127.0.0.5", 200, "application/json", forged.encode());
    listen("127.0.0.6", 200, "text/html", "<html>not a kOS node</html>");
    hidden = TestNode.start(Map.of("verticles.deploy", "", "http.host", "127.0.0.3", "http.port", Integer.toString(port),
        "klf.discoverable", "false"));
    HttpServer outside = vertx.createHttpServer().connectionHandler(c -> OUTSIDE_CONNECTIONS.incrementAndGet())
        .requestHandler(r -> r.response().end()).listen(port, "127.0.0.9").await();
    assertThat(outside.actualPort()).isEqualTo(port);
    dns = new TestDnsServer().a("kos.test", "127.0.0.4").a("node.kos.test", "127.0.0.2").a("far.kos.test", "127.0.0.9")
        .srv("_kos._tcp.kos.test", 10, 60, port, "node.kos.test").srv("_kos._tcp.kos.test", 20, 0, port, "far.kos.test")
        .srv("_kos._tcp.srv-only.kos.test", 10, 0, port, "node.kos.test").a("outside.kos.test", "127.0.0.9").start();
    ronin = TestNode.start(Map.of("verticles.deploy", "ronin", "klf.peers",
        new JsonArray().add(new JsonObject().put("did", PEER.did()).put("role", "editor")).encode()), TestNode.configFile("""
        verticles:
          config:
            ronin:
              scan_allow: ["127.0.0.0/29", "::1/128"]
              max_hosts: 64
              connect_timeout_ms: 500
              request_timeout_ms: 2000
              progress_interval_ms: 20
              dns_server: "%s"
        """.formatted(dns.address())));
    contract = ApiContract.served(ronin, RoninModule.NAME);
    admin = ronin.admin();
    alice = ronin.user("alice", "editor");
    bob = ronin.user("bob", "editor");
    viewer = ronin.user("vic", "viewer");
  }

  @AfterAll
  static void stop() {
    ronin.close();
    kos.close();
    hidden.close();
    dns.close();
    vertx.close().await();
  }

  private static void listen(String host, int status, String type, String body) {
    vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(status).putHeader("content-type", type).end(body))
        .listen(port, host).await();
  }

  private static JsonObject scan(Accounts.Session who, JsonObject params) {
    Http.Response created = who.http().postJson(BASE + "/jobs", params);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    contract.conforms("jobs.create", created, 201);
    return awaitEnd(who, created.json().getString("job_id"));
  }

  private static JsonObject awaitEnd(Accounts.Session who, String jobId) {
    return who.http().await(BASE + "/jobs/" + jobId, r -> r.status() == 200
        && !List.of("pending", "running").contains(r.json().getString("status")), Duration.ofSeconds(30)).json();
  }

  private static JsonObject range(String cidr) {
    return new JsonObject().put("target", new JsonObject().put("type", "network_cidr").put("value", cidr))
        .put("ports", new JsonArray().add(port));
  }

  @Test
  void aRangeScanVerifiesTheNodeRecordsTheForgeryAndIgnoresTheRest() {
    JsonObject job = scan(alice, range("127.0.0.0/29"));
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("completed");
    assertThat(job.getInteger("probes_done")).isEqualTo(6);
    assertThat(job.getInteger("progress")).isEqualTo(100);
    String did = kos.node().identity().did();
    // in the order found (probes run concurrently)
    assertThat(job.getJsonArray("services_found")).containsExactlyInAnyOrder(did, "unverified:http://127.0.0.5:" + port);
    Http.Response got = alice.http().get(BASE + "/jobs/" + job.getString("job_id"));
    contract.conforms("jobs.get", got, 200);
    JsonArray services = got.json().getJsonArray("services");
    assertThat(services.stream().map(s -> ((JsonObject) s).getString("service_id")).toList()).isEqualTo(job.getJsonArray("services_found").getList());
    JsonObject verified = service(services, true);
    assertThat(verified.getBoolean("verified")).isTrue();
    assertThat(verified.getString("node_class")).isEqualTo("allinone");
    assertThat(verified.getString("endpoint")).isEqualTo("http://127.0.0.2:" + port);
    assertThat(verified.getJsonObject("discovery_metadata").getString("discovery_method")).isEqualTo("http-api");
    assertThat(verified.getJsonArray("protocols")).containsExactly("http-api");
    JsonObject forged = service(services, false);
    assertThat(forged.getBoolean("verified")).isFalse();
    assertThat(forged.getString("node_id")).isEqualTo(did);
    assertThat(forged.getString("verification_error")).isEqualTo("the signature does not verify");
    // the hidden node answers its identity to a caller with a credential only
    assertThat(hidden.http().get("/klf/v1/identity").status()).isEqualTo(401);
    assertThat(hidden.http().get("/klf/v1/capabilities").status()).isEqualTo(401);
    assertThat(hidden.admin().http().get("/klf/v1/identity").json().getString("nodeId")).isEqualTo(hidden.node().identity().did());
    // the map has nothing of the plain server or of the node that answered 401
    Http.Response all = viewer.http().get(BASE + "/services?limit=500");
    contract.conforms("services.query", all, 200);
    assertThat(all.json().getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("endpoint")))
        .noneMatch(endpoint -> endpoint.contains("127.0.0.6") || endpoint.contains("127.0.0.3"));
    assertThat(all.json().getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("node_id")))
        .doesNotContain(hidden.node().identity().did());

    // the DID again: probed where the map saw it, verified again
    JsonObject byDid = scan(bob, new JsonObject().put("target", new JsonObject().put("type", "did").put("value", did)));
    assertThat(byDid.getString("status")).isEqualTo("completed");
    assertThat(byDid.getJsonArray("services_found")).containsExactly(did);
    JsonObject unknownDid = scan(bob, new JsonObject().put("target", new JsonObject().put("type", "did").put("value", PEER.did())));
    assertThat(unknownDid.getJsonArray("services_found")).isEmpty();
  }

  @Test
  void aDomainIsProbedAtItsAddressesAndWhereItsSrvRecordsPoint() {
    String did = kos.node().identity().did();
    int asked = dns.queries();
    // kos.test: A 127.0.0.4 (nothing there); SRV to node.kos.test (the kOS node at 127.0.0.2) and to far.kos.test (outside scan_allow)
    JsonObject domain = scan(bob, new JsonObject().put("target", new JsonObject().put("type", "domain").put("value", "kos.test"))
        .put("ports", new JsonArray().add(port)));
    assertThat(domain.getString("status")).as(domain.encode()).isEqualTo("completed");
    assertThat(domain.getJsonObject("params").getJsonArray("addresses")).containsExactly("127.0.0.4");
    assertThat(domain.getJsonObject("params").getJsonArray("srv")).containsExactly(new JsonObject().put("target", "node.kos.test")
        .put("address", "127.0.0.2").put("port", port));
    assertThat(domain.getInteger("probes_done")).isEqualTo(2);
    assertThat(domain.getJsonArray("services_found")).containsExactly(did);
    assertThat(dns.queries()).isGreaterThanOrEqualTo(asked + 5);
    // SRV alone is enough
    JsonObject srvOnly = scan(bob, new JsonObject().put("target", new JsonObject().put("type", "domain").put("value", "srv-only.kos.test")));
    assertThat(srvOnly.getJsonObject("params").getJsonArray("addresses")).isEmpty();
    assertThat(srvOnly.getJsonArray("services_found")).containsExactly(did);
    // a domain whose only address is outside scan_allow, and one that does not exist: refused, nothing sent
    int before = OUTSIDE_CONNECTIONS.get();
    for (String refused : List.of("outside.kos.test", "no-such-host.invalid")) {
      Http.Response response = alice.http().postJson(BASE + "/jobs", new JsonObject().put("target",
          new JsonObject().put("type", "domain").put("value", refused)));
      assertThat(response.status()).as(refused).isEqualTo(422);
      assertThat(response.json().getString("error")).isEqualTo("invalid_target");
      assertThat(response.json().getString("message")).contains("_kos._tcp." + refused);
    }
    NodeProcess.sleep(200);
    assertThat(OUTSIDE_CONNECTIONS.get()).isEqualTo(before);
  }

  private static JsonObject service(JsonArray services, boolean verified) {
    return services.stream().map(JsonObject.class::cast).filter(s -> s.getBoolean("verified") == verified).findFirst().orElseThrow();
  }

  @Test
  void targetsOutsideTheAllowListAreRefusedWithNothingSent() {
    int before = OUTSIDE_CONNECTIONS.get();
    Http.Response outside = alice.http().postJson(BASE + "/jobs", range("127.0.0.8/29"));
    assertThat(outside.status()).as(outside.toString()).isEqualTo(422);
    assertThat(outside.json().getString("error")).isEqualTo("invalid_target");
    assertThat(outside.json().getJsonArray("scan_allow")).contains("127.0.0.0/29");
    contract.conforms("jobs.create", outside, 422);
    for (String forbidden : new String[] {"224.0.0.0/4", "0.0.0.0", "255.255.255.255", "127.0.0.0/8", "10.0.0.0/30"}) {
      Http.Response refused = alice.http().postJson(BASE + "/jobs", range(forbidden));
      assertThat(refused.status()).as(forbidden).isEqualTo(422);
      assertThat(refused.json().getString("error")).as(forbidden).isEqualTo("invalid_target");
    }
    Http.Response tooMany = alice.http().postJson(BASE + "/jobs", range("127.0.0.0/29").put("ports",
        new JsonArray(java.util.stream.IntStream.range(1, 12).boxed().toList())));
    assertThat(tooMany.json().getString("error")).isEqualTo("invalid_target");
    assertThat(tooMany.json().getString("message")).contains("max_hosts is 64");
    NodeProcess.sleep(200);
    assertThat(OUTSIDE_CONNECTIONS.get()).isEqualTo(before);
  }

  @Test
  void everyBadParamIsRefusedNamingIt() {
    Object[][] bad = {
        {new JsonObject(), "target"},
        {new JsonObject().put("target", new JsonObject().put("type", "galaxy").put("value", "x")), "target.type"},
        {range("not-a-range"), "target.value"},
        {range("127.0.0.0/33"), "target.value"},
        {new JsonObject().put("target", new JsonObject().put("type", "domain").put("value", "bad domain")), "target.value"},
        {new JsonObject().put("target", new JsonObject().put("type", "did").put("value", "did:web:x")), "target.value"},
        {range("127.0.0.0/29").put("protocols", new JsonArray().add("cluster")), "protocols[0]"},
        {range("127.0.0.0/29").put("protocols", new JsonArray().add("carrier-pigeon")), "protocols[0]"},
        {range("127.0.0.0/29").put("protocols", new JsonArray().add("http-api").add("http-api")), "protocols[1]"},
        {new JsonObject().put("target", new JsonObject().put("type", "domain").put("value", "localhost"))
            .put("protocols", new JsonArray().add("http-api").add("mdns")), "protocols[1]"},
        {range("127.0.0.0/29").put("protocols", new JsonArray()), "protocols"},
        {range("127.0.0.0/29").put("depth", 4), "depth"},
        {range("127.0.0.0/29").put("depth", 0), "depth"},
        {range("127.0.0.0/29").put("ports", new JsonArray().add(0)), "ports[0]"},
        {range("127.0.0.0/29").put("ports", new JsonArray().add(80).add(80)), "ports[1]"},
        {range("127.0.0.0/29").put("ports", new JsonArray()), "ports"},
        {range("127.0.0.0/29").put("extra", true), "extra"},
        {new JsonObject().put("target", new JsonObject().put("type", "did").put("value", "did:kos:x:0").put("more", 1)), "target.more"},
    };
    for (Object[] body : bad) {
      Http.Response response = alice.http().postJson(BASE + "/jobs", body[0]);
      assertThat(response.status()).as(response.toString()).isEqualTo(422);
      assertThat(response.json().getString("field")).as(response.toString()).isEqualTo(body[1]);
    }
    // loopback carries no multicast: no interface of this node could hear an announcement there
    Http.Response deaf = alice.http().postJson(BASE + "/jobs", range("127.0.0.0/29").put("protocols", new JsonArray().add("mdns")));
    assertThat(deaf.status()).isEqualTo(422);
    assertThat(deaf.json().getString("error")).isEqualTo("invalid_target");
    assertThat(deaf.json().getString("message")).contains("no multicast interface");
    assertThat(viewer.http().postJson(BASE + "/jobs", range("127.0.0.0/29")).status()).isEqualTo(403);
  }

  @Test
  void theMapIsQueriedByCapabilityClassVerificationAndFreshness() throws Exception {
    try (var sql = ronin.jdbc(); var insert = sql.prepareStatement("INSERT INTO ronin.discovered_services (service_id, node_id, node_class, "
        + "endpoint, capabilities, verified, last_seen) VALUES (?, ?, ?, ?, ?::jsonb, ?, now() - ? * interval '1 second') ON CONFLICT DO NOTHING")) {
      Object[][] rows = {
          {"did:kos:tohunga:" + "a".repeat(32), "tohunga", "[\"tohunga.http_api\", \"tohunga.assets\"]", true, 0},
          {"did:kos:tohunga:" + "b".repeat(32), "tohunga", "[\"tohunga.http_api\"]", true, 7200},
          {"did:kos:hakim:" + "c".repeat(32), "hakim", "[\"hakim.health\", \"tohunga.assets\"]", false, 0},
      };
      for (Object[] row : rows) {
        insert.setString(1, (String) row[0]);
        insert.setString(2, (String) row[0]);
        insert.setString(3, (String) row[1]);
        insert.setString(4, "http://127.0.0.4:1");
        insert.setString(5, (String) row[2]);
        insert.setBoolean(6, (Boolean) row[3]);
        insert.setInt(7, (Integer) row[4]);
        insert.executeUpdate();
      }
    }
    assertThat(ids("capability=tohunga.http_api,tohunga.assets")).containsExactly("did:kos:tohunga:" + "a".repeat(32));
    assertThat(ids("capability=tohunga.assets")).containsExactly("did:kos:hakim:" + "c".repeat(32), "did:kos:tohunga:" + "a".repeat(32));
    assertThat(ids("capability=tohunga.http_api&fresh_within=1h")).containsExactly("did:kos:tohunga:" + "a".repeat(32));
    assertThat(ids("capability=tohunga.http_api&fresh_within=3h")).hasSize(2);
    assertThat(ids("capability=tohunga.assets&verified=false")).containsExactly("did:kos:hakim:" + "c".repeat(32));
    assertThat(ids("node_class=hakim&capability=hakim.health")).containsExactly("did:kos:hakim:" + "c".repeat(32));
    assertThat(ids("capability=nothing.like.it")).isEmpty();
    Http.Response first = alice.http().get(BASE + "/services?capability=tohunga.http_api&limit=1");
    assertThat(first.json().getJsonArray("services")).hasSize(1);
    Http.Response second = alice.http().get(BASE + "/services?capability=tohunga.http_api&limit=1&after=" + first.json().getString("next_cursor"));
    assertThat(second.json().getJsonArray("services").getJsonObject(0).getString("service_id"))
        .isEqualTo("did:kos:tohunga:" + "b".repeat(32));
    // another verticle asks the same on the bus, as its node
    io.vertx.core.eventbus.DeliveryOptions asNode = new io.vertx.core.eventbus.DeliveryOptions().setHeaders(
        Caller.node(ronin.node().identity().did(), Caller.Role.ADMIN).addTo(io.vertx.core.MultiMap.caseInsensitiveMultiMap()));
    JsonObject overTheBus = new JsonObject(ronin.node().vertx().eventBus().<io.vertx.core.buffer.Buffer>request(RoninAddresses.SERVICES_QUERY,
        ApiRequest.envelope(new JsonObject(), new JsonObject().put("capability", "tohunga.http_api,tohunga.assets"), null), asNode).await().body());
    assertThat(overTheBus.getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("service_id")))
        .containsExactly("did:kos:tohunga:" + "a".repeat(32));
    for (String bad : new String[] {"verified=maybe", "fresh_within=soon", "fresh_within=10y", "limit=0", "limit=501", "capability=a,,b"}) {
      Http.Response refused = alice.http().get(BASE + "/services?" + bad);
      assertThat(refused.status()).as(bad).isEqualTo(400);
      contract.conforms("services.query", refused, 400);
    }
    Http.Response one = viewer.http().get(BASE + "/services/did:kos:hakim:" + "c".repeat(32));
    contract.conforms("services.get", one, 200);
    assertThat(viewer.http().get(BASE + "/services/nothing").status()).isEqualTo(404);
    assertThat(alice.http().delete(BASE + "/services/did:kos:hakim:" + "c".repeat(32)).status()).isEqualTo(403);
    Http.Response deleted = admin.http().delete(BASE + "/services/did:kos:hakim:" + "c".repeat(32));
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(admin.http().delete(BASE + "/services/did:kos:hakim:" + "c".repeat(32)).status()).isEqualTo(404);
    assertThat(ronin.http().get(BASE + "/services").status()).isEqualTo(401);
  }

  private static List<String> ids(String query) {
    Http.Response response = alice.http().get(BASE + "/services?" + query);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return response.json().getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("service_id"))
        .filter(id -> id.startsWith("did:kos:tohunga:a") || id.startsWith("did:kos:tohunga:b") || id.startsWith("did:kos:hakim:c")).toList();
  }

  @Test
  void jobsAreTheirOwnersAndCanBeCancelledMidScan() {
    // a host that takes the connection and never answers keeps the scan busy until the request timeout
    int slowPort = NodeProcess.freePort();
    vertx.createHttpServer().requestHandler(request -> { }).listen(slowPort, "127.0.0.4").await();
    Http.Response created = alice.http().postJson(BASE + "/jobs", range("127.0.0.4/32").put("ports", new JsonArray().add(slowPort)));
    String jobId = created.json().getString("job_id");
    alice.http().await(BASE + "/jobs/" + jobId, r -> r.json().getString("status").equals("running"), Duration.ofSeconds(10));
    java.util.concurrent.CompletableFuture<Http.Response> events = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> alice.http().get(BASE + "/jobs/" + jobId + "/events"));
    assertThat(bob.http().get(BASE + "/jobs/" + jobId).status()).isEqualTo(404);
    assertThat(bob.http().get(BASE + "/jobs/" + jobId + "/events").status()).isEqualTo(404);
    assertThat(bob.http().postJson(BASE + "/jobs/" + jobId + "/cancel", new JsonObject()).status()).isEqualTo(404);
    Http.Response cancelled = alice.http().postJson(BASE + "/jobs/" + jobId + "/cancel", new JsonObject());
    contract.conforms("jobs.cancel", cancelled, 200);
    JsonObject ended = awaitEnd(alice, jobId);
    assertThat(ended.getString("status")).isEqualTo("cancelled");
    assertThat(ended.getJsonObject("error").getString("code")).isEqualTo("CANCELLED");
    Http.Response stream = events.join();
    assertThat(stream.header("content-type")).isEqualTo("text/event-stream");
    assertThat(stream.text()).startsWith("event: job\ndata: {").contains("event: progress").contains("\"status\":\"cancelled\"");
    assertThat(alice.http().get(BASE + "/jobs/" + jobId + "/events").text()).startsWith("event: job\n").contains("\"status\":\"cancelled\"");
    Http.Response again = alice.http().postJson(BASE + "/jobs/" + jobId + "/cancel", new JsonObject());
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().getString("error")).isEqualTo("discovery_finished");
    contract.conforms("jobs.cancel", again, 409);

    Http.Response mine = alice.http().get(BASE + "/jobs?status=cancelled");
    contract.conforms("jobs.list", mine, 200);
    assertThat(mine.json().getJsonArray("jobs").stream().map(j -> ((JsonObject) j).getString("job_id"))).contains(jobId);
    assertThat(bob.http().get(BASE + "/jobs").json().getJsonArray("jobs").stream().map(j -> ((JsonObject) j).getString("job_id")))
        .doesNotContain(jobId);
    assertThat(admin.http().get(BASE + "/jobs?limit=500").json().getJsonArray("jobs").stream().map(j -> ((JsonObject) j).getString("job_id")))
        .contains(jobId);
    for (String bad : new String[] {"status=done", "limit=0", "after=garbage"}) {
      assertThat(alice.http().get(BASE + "/jobs?" + bad).status()).as(bad).isEqualTo(400);
    }
    assertThat(alice.http().get(BASE + "/jobs/not-a-uuid").status()).isEqualTo(404);
    assertThat(alice.http().postJson(BASE + "/jobs/" + java.util.UUID.randomUUID() + "/cancel", new JsonObject()).status()).isEqualTo(404);
  }

  @Test
  void runDiscoveryJobOverKlfReportsProgressAndAnswersTheServices() {
    String did = ronin.node().identity().did();
    Http.Response accepted = KlfPeer.send(ronin.http(), PEER.call(did, KlfMessage.TASK_REQUEST, "run_discovery_job", range("127.0.0.0/29")));
    assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
    String taskId = accepted.json().getJsonObject("payload").getString("job_id");
    JsonObject status = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      Http.Response answer = KlfPeer.send(ronin.http(), PEER.call(did, KlfMessage.DATA_QUERY, KlfService.TASK_STATUS,
          new JsonObject().put("job_id", taskId)));
      status = answer.json().getJsonObject("payload").getJsonObject("result");
      if (!List.of("pending", "running").contains(status.getString("status"))) {
        break;
      }
      NodeProcess.sleep(50);
    }
    assertThat(status.getString("status")).as(status.encode()).isEqualTo("completed");
    JsonArray services = status.getJsonObject("result").getJsonObject("result").getJsonArray("services_found");
    assertThat(services.stream().map(s -> ((JsonObject) s).getString("service_id"))).contains(kos.node().identity().did());
    // the node caller owns its job: a user does not see it, the peer does through get_discovery_job
    String jobId = status.getJsonObject("result").getString("job_id");
    assertThat(alice.http().get(BASE + "/jobs/" + jobId).status()).isEqualTo(404);
    JsonObject viaKlf = KlfPeer.send(ronin.http(), PEER.call(did, KlfMessage.DATA_QUERY, "get_discovery_job", new JsonObject().put("job_id", jobId)))
        .json().getJsonObject("payload");
    assertThat(viaKlf.getJsonObject("result").getString("status")).isEqualTo("completed");
    JsonObject listed = KlfPeer.send(ronin.http(), PEER.call(did, KlfMessage.DATA_QUERY, "list_services",
        new JsonObject().put("capability", "probe.ping"))).json().getJsonObject("payload");
    assertThat(listed.getString("status")).isEqualTo("ok");
  }

  @Test
  void theDocumentCoversEveryRouteAndErrorCode() {
    contract.coversExactly(new RoninModule().routes());
    contract.listsErrorCodes(RoninErrors.ALL);
  }
}
