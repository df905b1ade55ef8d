package io.kos.node.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** A closed-loop HTTP load: a fixed number of requests always in flight, latencies in a histogram. */
final class LoadGenerator {

  /** USER_HZ: 100 on every Linux this runs on. */
  private static final double TICKS_PER_SECOND = 100;

  private LoadGenerator() {
  }

  /** @param serverCpuMicrosPerRequest CPU time (user + system) the server processes spent per request */
  record Result(String name, double requestsPerSecond, double p50Millis, double p99Millis, long errors, double serverCpuMicrosPerRequest) {
    @Override
    public String toString() {
      return String.format("%-36s %8.0f req/s   p50 %5.2f ms   p99 %5.2f ms   server CPU %5.1f us/req   errors %d",
          name, requestsPerSecond, p50Millis, p99Millis, serverCpuMicrosPerRequest, errors);
    }
  }

  /** What each request of a run sends: GET without a body unless told otherwise. */
  record Target(HttpMethod method, String url, Map<String, String> headers, Buffer body) {

    static Target get(String url) {
      return new Target(HttpMethod.GET, url, Map.of(), null);
    }

    Target withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Target(method, url, more, body);
    }

    static Target postJson(String url, String json) {
      return new Target(HttpMethod.POST, url, Map.of("Content-Type", "application/json"), Buffer.buffer(json));
    }
  }

  static Result run(Vertx vertx, String name, String url, List<Long> serverPids, int concurrency, int warmupSeconds, int measureSeconds)
      throws InterruptedException, IOException {
    return run(vertx, name, Target.get(url), serverPids, concurrency, warmupSeconds, measureSeconds);
  }

  static Result run(Vertx vertx, String name, Target target, List<Long> serverPids, int concurrency, int warmupSeconds, int measureSeconds)
      throws InterruptedException, IOException {
    URI uri = URI.create(target.url());
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    RequestOptions request = new RequestOptions().setMethod(target.method()).setHost(uri.getHost()).setPort(uri.getPort())
        .setURI(uri.getRawPath());
    target.headers().forEach(request::putHeader);
    Buffer body = target.body();
    try {
      return runAsync(name, () -> client.request(request)
          .compose(req -> (body == null ? req.send() : req.send(body)).compose(response -> response.body().map(b -> response.statusCode() == 200))),
          serverPids, concurrency, warmupSeconds, measureSeconds);
    } finally {
      client.close().await();
    }
  }

  /** The same closed loop over any asynchronous call, which succeeds with true when its answer is right. */
  static Result runAsync(String name, Supplier<Future<Boolean>> call, List<Long> serverPids, int concurrency, int warmupSeconds,
                         int measureSeconds) throws InterruptedException, IOException {
    Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    AtomicBoolean recording = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong completed = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch drained = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      loop(call, histogram, recording, running, completed, errors, drained);
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds));
    synchronized (histogram) {
      histogram.reset();
    }
    completed.set(0);
    errors.set(0);
    long cpuBefore = cpuTicks(serverPids);
    recording.set(true);
    long begin = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(measureSeconds));
    long count = completed.get();
    long cpuTicks = cpuTicks(serverPids) - cpuBefore;
    double seconds = (System.nanoTime() - begin) / 1e9;
    recording.set(false);
    running.set(false);
    drained.await(30, TimeUnit.SECONDS);
    synchronized (histogram) {
      return new Result(name, count / seconds, histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6,
          errors.get(), cpuTicks * (1e6 / TICKS_PER_SECOND) / Math.max(1, count));
    }
  }

  /** utime + stime of the processes, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
  private static long cpuTicks(List<Long> pids) throws IOException {
    long total = 0;
    for (long pid : pids) {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
    return total;
  }

  private static void loop(Supplier<Future<Boolean>> call, Histogram histogram, AtomicBoolean recording,
                           AtomicBoolean running, AtomicLong completed, AtomicLong errors, CountDownLatch drained) {
    if (!running.get()) {
      drained.countDown();
      return;
    }
    long start = System.nanoTime();
    call.get().onComplete(right -> {
      if (recording.get()) {
        synchronized (histogram) {
          histogram.recordValue(Math.min(System.nanoTime() - start, histogram.getHighestTrackableValue()));
        }
        completed.incrementAndGet();
        if (!right) {
          errors.incrementAndGet();
        }
      }
      loop(call, histogram, recording, running, completed, errors, drained);
    }, failure -> {
      errors.incrementAndGet();
      loop(call, histogram, recording, running, completed, errors, drained);
    });
  }
}
