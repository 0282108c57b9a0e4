package io.tandem.it;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Downloads from the stubs, checked byte for byte against {@link StubBackend#pattern}. */
final class Downloads {

    private Downloads() {}

    /** What a checked download got: status, bytes, bytes that differed from the pattern, backend. */
    record Result(int status, long bytes, long mismatches, String backend) {}

    /** Starts a download on a thread of its own; the future completes when the body ended. */
    static CompletableFuture<Result> start(URI uri) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
                long i = 0;
                long mismatches = 0;
                try (InputStream in = r.body()) {
                    byte[] buf = new byte[64 * 1024];
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        for (int k = 0; k < n; k++) {
                            if (buf[k] != StubBackend.pattern(i + k)) {
                                mismatches++;
                            }
                        }
                        i += n;
                    }
                }
                return new Result(r.statusCode(), i, mismatches, r.headers().firstValue("X-Backend").orElse(""));
            } catch (Exception e) {
                throw new IllegalStateException("download of " + uri + " failed: " + e, e);
            }
        }, command -> {
            Thread t = new Thread(command, "download");
            t.setDaemon(true);
            t.start();
        });
    }
}
