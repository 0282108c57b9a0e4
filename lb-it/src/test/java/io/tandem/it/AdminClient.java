package io.tandem.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A client of one Tandem node's admin port (real HTTP over loopback). */
final class AdminClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String host;
    private final int port;

    AdminClient(int port) {
        this("127.0.0.1", port);
    }

    /** The admin server at {@code host} (an IPv6 literal in brackets) and {@code port}. */
    AdminClient(String host, int port) {
        this.host = host;
        this.port = port;
    }

    URI uri(String path) {
        return URI.create("http://" + host + ":" + port + path);
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    /** POST with an optional bearer token and form body. */
    HttpResponse<String> post(String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/x-www-form-urlencoded");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    JsonNode status() {
        HttpResponse<String> r = get("/status");
        if (r.statusCode() != 200) {
            throw new AssertionError("/status answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The backend {@code address} of {@code pool} in /status. */
    JsonNode backend(String pool, String address) {
        for (JsonNode b : status().path("pools").path(pool).path("backends")) {
            if (b.path("address").asText().equals(address)) {
                return b;
            }
        }
        throw new AssertionError("no backend " + address + " in pool " + pool + " of /status");
    }

    PrometheusText metrics() {
        HttpResponse<String> r = get("/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + r.statusCode());
        }
        return PrometheusText.parse(r.body());
    }
}
