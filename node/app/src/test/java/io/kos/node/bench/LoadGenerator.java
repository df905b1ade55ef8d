package io.kos.node.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** A closed-loop HTTP load: a fixed number of requests always in flight, latencies in a histogram. */
final class LoadGenerator {

  private LoadGenerator() {
  }

  record Result(String name, double requestsPerSecond, double p50Millis, double p99Millis, long errors) {
    @Override
    public String toString() {
      return String.format("%-34s %9.0f req/s   p50 %6.2f ms   p99 %6.2f ms   errors %d", name, requestsPerSecond, p50Millis, p99Millis, errors);
    }
  }

  static Result run(Vertx vertx, String name, String url, int concurrency, int warmupSeconds, int measureSeconds) throws InterruptedException {
    URI uri = URI.create(url);
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(uri.getHost()).setPort(uri.getPort())
        .setURI(uri.getRawPath());
    Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    AtomicBoolean recording = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong completed = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch drained = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      loop(client, request, histogram, recording, running, completed, errors, drained);
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds));
    synchronized (histogram) {
      histogram.reset();
    }
    completed.set(0);
    errors.set(0);
    recording.set(true);
    long begin = System.nanoTime();
    Thread.sleep(TimeUnit.SECONDS.toMillis(measureSeconds));
    long count = completed.get();
    double seconds = (System.nanoTime() - begin) / 1e9;
    recording.set(false);
    running.set(false);
    drained.await(30, TimeUnit.SECONDS);
    client.close().await();
    synchronized (histogram) {
      return new Result(name, count / seconds, histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6, errors.get());
    }
  }

  private static void loop(HttpClient client, RequestOptions request, Histogram histogram, AtomicBoolean recording,
                           AtomicBoolean running, AtomicLong completed, AtomicLong errors, CountDownLatch drained) {
    if (!running.get()) {
      drained.countDown();
      return;
    }
    long start = System.nanoTime();
    client.request(request)
        .compose(req -> req.send().compose(response -> response.body().map(body -> response.statusCode())))
        .onComplete(status -> {
          if (recording.get()) {
            synchronized (histogram) {
              histogram.recordValue(Math.min(System.nanoTime() - start, histogram.getHighestTrackableValue()));
            }
            completed.incrementAndGet();
            if (status != 200) {
              errors.incrementAndGet();
            }
          }
          loop(client, request, histogram, recording, running, completed, errors, drained);
        }, failure -> {
          errors.incrementAndGet();
          loop(client, request, histogram, recording, running, completed, errors, drained);
        });
  }
}
